"""Name rules: what each kind of name accepts, and messages that state the rule and a fix."""

from __future__ import annotations

import pytest

from dflow_jupyter.errors import InvalidNameError
from dflow_jupyter.names import (
    check_io_name,
    check_key,
    check_step_name,
    check_template_name,
    check_workflow_name,
    random_suffix,
    template_name_from,
)


@pytest.mark.parametrize("name", ["wf", "my-workflow", "a.b-c", "x" * 57, "0abc"])
def test_valid_workflow_names(name: str) -> None:
    assert check_workflow_name(name) == name


def test_workflow_name_errors_state_the_rule_and_a_fix() -> None:
    with pytest.raises(InvalidNameError) as info:
        check_workflow_name("My_Workflow")
    message = str(info.value)
    assert message.startswith("invalid workflow name 'My_Workflow': it must be a lowercase RFC 1123")
    assert message.endswith("for example 'my-workflow'")
    with pytest.raises(InvalidNameError, match="at most 57 characters"):
        check_workflow_name("x" * 58)
    with pytest.raises(InvalidNameError, match="invalid workflow name ''"):
        check_workflow_name("")
    with pytest.raises(InvalidNameError, match="invalid workflow name 3"):
        check_workflow_name(3)


@pytest.mark.parametrize("name", ["Hello", "a-b", "step0", "0", "x" * 128])
def test_valid_step_names(name: str) -> None:
    assert check_step_name(name) == name


@pytest.mark.parametrize(
    ("name", "hint"),
    [("a_b", "for example 'a-b'"), ("-a", "for example 'a'"), ("a b", "for example 'a-b'")],
)
def test_step_name_errors(name: str, hint: str) -> None:
    with pytest.raises(InvalidNameError) as info:
        check_step_name(name, "task name")
    assert str(info.value).startswith(
        f"invalid task name {name!r}: it must be alphanumeric characters or '-'"
    )
    assert str(info.value).endswith(hint)


def test_template_names_follow_the_step_rule() -> None:
    assert check_template_name("Hello") == "Hello"
    with pytest.raises(InvalidNameError, match="invalid OP template name 'a_b'"):
        check_template_name("a_b")


def test_io_names_allow_underscores() -> None:
    assert check_io_name("a_b-1") == "a_b-1"
    with pytest.raises(
        InvalidNameError, match=r"invalid input artifact name 'a\.b': it must be alphanumeric"
    ):
        check_io_name("a.b", "input artifact name")


def test_keys() -> None:
    assert check_key("item-0.a") == "item-0.a"
    with pytest.raises(InvalidNameError) as info:
        check_key("Item_0", "fan")
    assert str(info.value).startswith("invalid key of step 'fan' 'Item_0'")
    assert str(info.value).endswith("for example 'item-0'")
    with pytest.raises(InvalidNameError, match="invalid step key None"):
        check_key(None)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("SimpleExample", "simple-example"), ("my_op", "my-op"), ("HTTPGet2", "httpget2"), ("___", "op")],
)
def test_template_name_from(name: str, expected: str) -> None:
    assert template_name_from(name) == expected
    assert check_template_name(template_name_from(name))


def test_random_suffix() -> None:
    suffixes = {random_suffix() for _ in range(20)}
    assert len(suffixes) > 1
    assert all(len(s) == 5 and s.isalnum() and s == s.lower() for s in suffixes)
    assert len(random_suffix(8)) == 8
