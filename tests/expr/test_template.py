"""Template strings: rendering, typed values, references, validation, items and Argo strings."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dflow_jupyter.expr import (
    ArgoItem,
    ExpressionError,
    UnknownReferenceError,
    check_expression,
    check_template,
    evaluate_expression,
    item_scope_value,
    render_template,
    render_value,
    template_references,
)
from dflow_jupyter.expr.golang import go_string

SCOPE: dict[str, Any] = {
    "inputs": {"parameters": {"x": "3", "msg": "hi there", "lst": "[1, 2, 3]"}},
    "steps": {"a": {"outputs": {"parameters": {"y": "2.5"}, "result": "ok"}}},
    "workflow": {"name": "wf-abc", "parameters": {"my.param": "dotted"}},
    "skipped": {"outputs": {"parameters": {"p": None}}},
    "native": {"list": [1, "a"], "flag": True, "num": 4},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no tags at all", "no tags at all"),
        ("{{inputs.parameters.x}}", "3"),
        ("echo {{inputs.parameters.msg}}!", "echo hi there!"),
        ("{{ inputs.parameters.x }}{{steps.a.outputs.result}}", "3ok"),
        ("{{workflow.name}}-{{workflow.parameters.my.param}}", "wf-abc-dotted"),
        ("{{native.list}} {{native.flag}} {{native.num}}", '[1,"a"] true 4'),
        ("{{=asInt(inputs.parameters.x) * 2}}", "6"),
        ("{{=asFloat(steps.a.outputs.parameters.y) * 2}}", "5"),
        ("{{=asFloat(steps.a.outputs.parameters.y) / 2}}", "1.25"),
        ("{{=1 < 2}}", "true"),
        ("{{=toJson(sprig.untilStep(0, 3, 1))}}", "[0,1,2]"),
        ("{{=sprig.untilStep(0, 3, 1)}}", "[0,1,2]"),
        ("{{={b: 1, a: 'x<'} }}", '{"a":"x\\u003c","b":1}'),  # "}}" would end the tag
        ("{{='a<b'}}", "a<b"),
        ("a {{=upper(inputs.parameters.msg)}} b", "a HI THERE b"),
        ("{{=skipped.outputs.parameters.p ?? 'default'}}", "default"),
        ("{ {single braces} }", "{ {single braces} }"),
    ],
)
def test_render_template(text: str, expected: str) -> None:
    assert render_template(text, SCOPE) == expected


def test_render_template_errors() -> None:
    with pytest.raises(UnknownReferenceError, match=r"unknown reference 'inputs\.parameters\.z'"):
        render_template("{{inputs.parameters.z}}", SCOPE)
    with pytest.raises(ExpressionError, match="unclosed template tag") as info:
        render_template("echo {{inputs.parameters.x", SCOPE)
    assert info.value.position == 5
    with pytest.raises(ExpressionError, match="empty template tag"):
        render_template("{{ }}", SCOPE)
    with pytest.raises(ExpressionError, match="absent optional"):
        render_template("{{skipped.outputs.parameters.p}}", SCOPE)
    with pytest.raises(ExpressionError, match="evaluated to nil"):
        render_template("{{=nil}}", SCOPE)
    with pytest.raises(ExpressionError, match=re.escape("(in template 'x={{=1 +}}')")):
        render_template("x={{=1 +}}", SCOPE)
    with pytest.raises(
        UnknownReferenceError, match=r"'inputs\.parameters\.x' is string, so it has no 'deeper'"
    ):
        render_template("{{inputs.parameters.x.deeper}}", SCOPE)


def test_lenient_rendering_leaves_unknown_tags() -> None:
    text = "{{inputs.parameters.x}} {{item}} {{=item.k}}"
    assert render_template(text, SCOPE, strict=False) == "3 {{item}} {{=item.k}}"
    with pytest.raises(ExpressionError, match="unexpected end"):
        render_template("{{=1 +}}", SCOPE, strict=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{=asInt(inputs.parameters.x) + 1}}", 4),
        ("{{=asFloat(inputs.parameters.x)}}", 3.0),
        ("{{=sprig.fromJson(inputs.parameters.lst)}}", [1.0, 2.0, 3.0]),
        ("{{=len(sprig.fromJson(inputs.parameters.lst))}}", 3),
        ("{{=1 > 2}}", False),
        ("{{inputs.parameters.x}}", "3"),
        ("{{native.list}}", [1, "a"]),
        ("{{native.flag}}", True),
        ("n={{=1 + 1}}", "n=2"),
        ("plain", "plain"),
    ],
)
def test_render_value(text: str, expected: Any) -> None:
    value = render_value(text, SCOPE)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{inputs.parameters.x}}", ["inputs.parameters.x"]),
        (
            "{{=asFloat(steps['a'].outputs.parameters['x']) < 3}}",
            ["steps.a.outputs.parameters.x"],
        ),
        (
            "{{=jsonpath(inputs.parameters['p'], '$')['k']}}",
            ["inputs.parameters.p"],
        ),
        (
            "{{=tasks['flip-coin'].outputs.result == 'heads' ? tasks.heads.outputs.result"
            " : tasks.tails.outputs.result}}",
            [
                "tasks.flip-coin.outputs.result",
                "tasks.heads.outputs.result",
                "tasks.tails.outputs.result",
            ],
        ),
        ("{{item}} {{=item.name}} {{item}}", ["item", "item.name"]),
        (
            "{{=map(sprig.untilStep(0, 2, 1), {#}) | len() + inputs.parameters.n}}",
            ["inputs.parameters.n"],
        ),
        ("{{=let v = workflow.name; v + v}}", ["workflow.name"]),
        ("{{=steps[name].outputs}}", ["steps", "name"]),
        ("{{=a?.b}}", ["a"]),
        ("no references", []),
    ],
)
def test_template_references(text: str, expected: list[str]) -> None:
    assert template_references(text) == expected


def test_check_template_locates_errors_in_the_template() -> None:
    check_template("echo {{inputs.parameters.x}} {{=asInt(inputs.parameters.x) + 1}}")
    with pytest.raises(ExpressionError) as info:
        check_template("abc {{=1 +}}")
    assert info.value.source == "abc {{=1 +}}"
    assert info.value.position == len("abc {{=1 +")
    with pytest.raises(ExpressionError, match="unknown function 'nope'"):
        check_template("{{=nope(1)}}")
    with pytest.raises(ExpressionError, match="unclosed"):
        check_template("{{x")


def test_check_expression() -> None:
    check_expression("asFloat(steps['a'].outputs.parameters['x']) < 3")
    check_expression("missing.reference == 'fine before a run'")
    for bad in ("1 +", "'3' == 3", "sprig.nope()", "len()" + ")"):
        with pytest.raises(ExpressionError):
            check_expression(bad)


def test_item_scope_value_matches_argo_item_binding() -> None:
    assert item_scope_value("a") == "a"
    assert item_scope_value(3) == "3"
    assert item_scope_value(3.0) == "3.0"
    assert item_scope_value(True) == "true"
    assert item_scope_value([1, "a<"]) == '[1,"a\\u003c"]'
    item = item_scope_value({"tag": "9.1", "image": "debian", "n": 2, "sub": {"k": [1]}})
    assert isinstance(item, ArgoItem)
    assert dict(item) == {"tag": "9.1", "image": "debian", "n": "2", "sub": '{"k":[1]}'}
    assert item.text == '{"image":"debian","n":2,"sub":{"k":[1]},"tag":"9.1"}'
    scope = {"item": item}
    assert render_template("{{item.image}}:{{item.tag}} {{item}}", scope) == (
        'debian:9.1 {"image":"debian","n":2,"sub":{"k":[1]},"tag":"9.1"}'
    )
    assert evaluate_expression("asInt(item.n) + 1", scope) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (3, "3"),
        (2.5, "2.5"),
        (3.0, "3"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        ([1, "a"], '[1,"a"]'),
        ({"b": 1, "a": [True]}, '{"a":[true],"b":1}'),
        ({"s": "<&>\n\u2028é"}, '{"s":"\\u003c\\u0026\\u003e\\n\\u2028é"}'),
    ],
)
def test_go_string(value: Any, expected: str) -> None:
    assert go_string(value) == expected
