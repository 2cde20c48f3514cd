"""OP templates: names, copies, script commands, timeouts and retry strategies."""

from __future__ import annotations

import pytest

from dflow_jupyter.errors import InvalidNameError
from dflow_jupyter.model.dag import DAG
from dflow_jupyter.model.declarations import InputParameter
from dflow_jupyter.model.signature import Inputs
from dflow_jupyter.model.steps import Steps
from dflow_jupyter.model.templates import (
    RETRY_POLICIES,
    OPTemplate,
    PythonScriptOPTemplate,
    RetryStrategy,
    ShellOPTemplate,
    parse_timeout,
)
from dflow_jupyter.status.phase import NODE_TYPES


def test_names() -> None:
    assert OPTemplate("Hello").name == "Hello"
    generated = OPTemplate().name
    assert generated.startswith("template-") and len(generated) == len("template-") + 5
    with pytest.raises(InvalidNameError, match="invalid OP template name 'a_b'"):
        OPTemplate("a_b")


def test_copies_get_fresh_names() -> None:
    template = ShellOPTemplate("echo", inputs=Inputs(parameters={"x": InputParameter()}))
    shallow, deep = template.copy(), template.deepcopy()
    assert shallow.name.startswith("echo-") and deep.name.startswith("echo-")
    assert len({template.name, shallow.name, deep.name}) == 3
    assert shallow.inputs is template.inputs and deep.inputs is not template.inputs
    long = OPTemplate("x" * 60).copy()
    assert len(long.name) == 51 + 6


def test_kinds_are_argo_node_types() -> None:
    assert (OPTemplate.kind, ShellOPTemplate.kind, Steps.kind, DAG.kind) == ("Pod", "Pod", "Steps", "DAG")
    assert {OPTemplate.kind, Steps.kind, DAG.kind} <= set(NODE_TYPES)


def test_script_commands() -> None:
    assert ShellOPTemplate().command == ["sh"]
    assert PythonScriptOPTemplate().command == ["python3"]
    assert ShellOPTemplate(command="bash").command == ["bash"]
    assert ShellOPTemplate(command=["bash", "-e"], script="echo hi").script == "echo hi"
    assert repr(ShellOPTemplate("s")) == "ShellOPTemplate('s')"


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [(None, None), (600, 600.0), (1.5, 1.5), ("600", 600.0), ("600s", 600.0), ("10m", 600.0), ("1h", 3600.0)],
)
def test_parse_timeout(timeout: object, seconds: float | None) -> None:
    assert parse_timeout(timeout, "t") == seconds
    if timeout is not None:
        assert ShellOPTemplate("t", timeout=timeout).timeout == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        (True, "t: timeout must be a number of seconds, got True"),
        ("ten", "t: timeout must be seconds (e.g. 600 or '600s', '10m'), got 'ten'"),
        (0, "t: timeout must be positive, got 0"),
        ("-1m", "t: timeout must be positive, got '-1m'"),
    ],
)
def test_bad_timeouts(timeout: object, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_timeout(timeout, "t")
    assert str(info.value) == message


def test_retry_strategy_validation() -> None:
    assert RETRY_POLICIES == ("Always", "OnFailure", "OnError", "OnTransientError")
    with pytest.raises(ValueError, match="retry limit must be a non-negative int, got -1"):
        RetryStrategy(-1)
    with pytest.raises(ValueError, match="retry limit must be a non-negative int, got True"):
        RetryStrategy(True)
    with pytest.raises(ValueError, match=r"retry policy must be one of Always, .*, got 'Sometimes'"):
        RetryStrategy(1, "Sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="got 'Never'"):
        RetryStrategy.from_argo({"limit": 1, "retryPolicy": "Never"})


def test_retry_strategy_from_argo() -> None:
    assert RetryStrategy.from_argo(None) is None
    strategy = RetryStrategy(2)
    assert RetryStrategy.from_argo(strategy) is strategy
    assert RetryStrategy.from_argo({"limit": "3", "retryPolicy": "OnError"}) == RetryStrategy(3, "OnError")
    assert RetryStrategy.from_argo({}) == RetryStrategy(0, "OnFailure")
    assert ShellOPTemplate(retry_strategy={"limit": 1}).retry_strategy == RetryStrategy(1)


@pytest.mark.parametrize(
    ("policy", "failed", "error"),
    [
        ("Always", True, True),
        ("OnFailure", True, False),
        ("OnError", False, True),
        ("OnTransientError", True, True),
    ],
)
def test_which_phases_each_policy_retries(policy: str, failed: bool, error: bool) -> None:
    strategy = RetryStrategy(1, policy)  # type: ignore[arg-type]
    assert strategy.allows("Failed", 1) is failed
    assert strategy.allows("Error", None) is error


def test_exit_code_filters() -> None:
    transient = RetryStrategy(3, exit_codes=(1,))
    assert transient.allows("Failed", 1) and not transient.allows("Failed", 2)
    assert transient.to_argo() == {
        "limit": 3,
        "retryPolicy": "OnFailure",
        "expression": "asInt(lastRetry.exitCode) == 1",
    }
    not_timeout = RetryStrategy(3, exclude_exit_codes=(2,))
    assert not not_timeout.allows("Failed", 2) and not_timeout.allows("Failed", 1)
    assert not_timeout.to_argo()["expression"] == "asInt(lastRetry.exitCode) != 2"
    assert RetryStrategy(1, "Always").to_argo() == {"limit": 1, "retryPolicy": "Always"}
