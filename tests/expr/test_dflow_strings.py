"""The exact expression strings dflow emits in Argo mode (``src/dflow/io.py``, ``step.py``).

Each string below is spelled the way dflow's ``ArgoVar``, ``IfExpression``, ``argo_range``,
``argo_len``, ``argo_enumerate``, ``argo_sequence`` and slice handling format it.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest

from dflow_jupyter.expr import (
    ExpressionError,
    evaluate_expression,
    evaluate_when,
    item_scope_value,
    render_template,
    render_value,
    template_references,
)


def tag(expr: str) -> str:
    """Wrap an expression the way dflow puts it in a manifest: ``{{=...}}``."""
    return "{{=" + expr + "}}"


def wrapped(x: str) -> str:
    """dflow's wrapper for a non-string ArgoVar value: the string itself, else its JSON."""
    return tag(f"string({x}) == {x} ? {x} : toJson({x})")


def scope(**step_params: str) -> dict[str, Any]:
    return {
        "inputs": {
            "parameters": {
                "flag": "true",
                "n": "3",
                "lst": "[1, 2, 3, 4, 5]",
                "names": '["a", "b", "c", "d", "e"]',
                "d": '{"k": 5, "s": "text", "l": [1, 2], "nested": {"x": 1}}',
                "start": "2",
                "step": "2",
            }
        },
        "steps": {"a": {"outputs": {"parameters": dict(step_params)}}},
        "tasks": {"t": {"outputs": {"parameters": {"x": "7"}}}},
    }


# ArgoVar.__eq__/__ne__: strings are quoted, other values are jsonpickle-dumped then quoted.
@pytest.mark.parametrize(
    ("when", "params", "expected"),
    [
        ("{{=steps['a'].outputs.parameters['x'] == 'heads'}}", {"x": "heads"}, True),
        ("{{=steps['a'].outputs.parameters['x'] != 'heads'}}", {"x": "tails"}, True),
        ("{{=steps['a'].outputs.parameters['x'] == '3'}}", {"x": "3"}, True),  # == 3
        ("{{=steps['a'].outputs.parameters['x'] == 'true'}}", {"x": "true"}, True),  # == True
        ("{{=steps['a'].outputs.parameters['x'] == '[1, 2]'}}", {"x": "[1, 2]"}, True),
        ("{{=steps['a'].outputs.parameters['x'] == '{\"a\": 1}'}}", {"x": '{"a": 1}'}, True),
        ("{{=tasks['t'].outputs.parameters['x'] == '7'}}", {}, True),
        ("{{=inputs.parameters['flag'] == 'true'}}", {}, True),
        ("{{=steps['a'].outputs.parameters['x'] == inputs.parameters['n']}}", {"x": "3"}, True),
    ],
)
def test_argovar_equality(when: str, params: dict[str, str], expected: bool) -> None:
    assert evaluate_when(when, scope(**params)) is expected


# ArgoVar.__lt__ & co. wrap the parameter in asFloat(...).
@pytest.mark.parametrize(
    ("expr", "x", "expected"),
    [
        ("asFloat(steps['a'].outputs.parameters['x']) < 3", "2.5", True),
        ("asFloat(steps['a'].outputs.parameters['x']) < 3", "10", False),  # numeric, not lexical
        ("asFloat(steps['a'].outputs.parameters['x']) <= 2.5", "2.5", True),
        ("asFloat(steps['a'].outputs.parameters['x']) > 1", "1.5", True),
        ("asFloat(steps['a'].outputs.parameters['x']) >= 3", "3", True),
        (
            "asFloat(steps['a'].outputs.parameters['x']) < asFloat(inputs.parameters['n'])",
            "2",
            True,
        ),
        ("asFloat(steps['a'].outputs.parameters['x']) + 1", "2", 3.0),
        ("asFloat(steps['a'].outputs.parameters['x']) - 1", "2", 1.0),
        ("asFloat(steps['a'].outputs.parameters['x']) * 2", "2.5", 5.0),
        ("asFloat(steps['a'].outputs.parameters['x']) / 2", "3", 1.5),
    ],
)
def test_argovar_arithmetic_and_ordering(expr: str, x: str, expected: Any) -> None:
    assert evaluate_expression(expr, scope(x=x)) == expected
    if isinstance(expected, bool):
        assert evaluate_when(tag(expr), scope(x=x)) is expected


def test_argovar_getitem_uses_jsonpath() -> None:
    s = scope()
    assert evaluate_expression("jsonpath(inputs.parameters['d'], '$')['k']", s) == 5.0
    assert evaluate_expression("jsonpath(inputs.parameters['d'], '$')['s']", s) == "text"
    assert evaluate_expression("jsonpath(inputs.parameters['lst'], '$')[1]", s) == 2.0
    assert evaluate_when("{{=jsonpath(inputs.parameters['d'], '$')['s'] == 'text'}}", s)
    # Indexing twice nests jsonpath over a parsed value, which Argo rejects too.
    with pytest.raises(ExpressionError, match="takes two strings"):
        evaluate_expression("jsonpath(jsonpath(inputs.parameters['d'], '$')['nested'], '$')['x']", s)


# InputParameter.convert_to_argo for a non-string ArgoVar value.
@pytest.mark.parametrize(
    ("key", "expected"),
    [("k", "5"), ("s", "text"), ("l", "[1,2]"), ("nested", '{"x":1}')],
)
def test_string_or_tojson_wrapper(key: str, expected: str) -> None:
    x = f"jsonpath(inputs.parameters['d'], '$')['{key}']"
    assert render_template(wrapped(x), scope()) == expected


@pytest.mark.parametrize(
    ("flag", "expected"),
    [("true", "from-b"), ("false", "from-c")],
)
def test_if_expression_output(flag: str, expected: str) -> None:
    # OutputParameter(value_from_expression=if_expression(_if=param, _then=b.out, _else=c.out))
    expression = (
        "(inputs.parameters['flag'] == 'true' ? steps['b'].outputs.parameters['r'] "
        ": steps['c'].outputs.parameters['r'])"
    )
    s = scope()
    s["inputs"]["parameters"]["flag"] = flag
    # Only the branch that ran is in scope: the other one must not be looked up.
    ran = "b" if flag == "true" else "c"
    s["steps"][ran] = {"outputs": {"parameters": {"r": expected}}}
    assert evaluate_expression(expression, s) == expected
    assert template_references(tag(expression)) == [
        "inputs.parameters.flag",
        "steps.b.outputs.parameters.r",
        "steps.c.outputs.parameters.r",
    ]


def test_if_expression_with_comparison_condition() -> None:
    expression = (
        "(asFloat(steps['a'].outputs.parameters['x']) > 1 ? "
        "steps['a'].outputs.parameters['x'] : inputs.parameters['n'])"
    )
    assert evaluate_expression(expression, scope(x="5")) == "5"
    assert evaluate_expression(expression, scope(x="0.5")) == "3"


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("toJson(sprig.untilStep(0, 3, 1))", "[0,1,2]"),  # argo_range(3)
        ("toJson(sprig.untilStep(1, 7, 2))", "[1,3,5]"),  # argo_range(1, 7, 2)
        (
            "toJson(sprig.untilStep(0, sprig.atoi(steps['a'].outputs.parameters['n']), 1))",
            "[0,1,2,3]",
        ),
        (
            "toJson(sprig.untilStep(sprig.atoi(inputs.parameters['start']), "
            "sprig.atoi(steps['a'].outputs.parameters['n']), "
            "sprig.atoi(inputs.parameters['step'])))",
            "[2]",
        ),
        ("len(sprig.fromJson(inputs.parameters['lst']))", 5),  # argo_len(param)
        (
            "toJson(sprig.untilStep(0, len(sprig.fromJson(inputs.parameters['lst'])), 1))",
            "[0,1,2,3,4]",
        ),
    ],
)
def test_argo_range_and_len(expr: str, expected: Any) -> None:
    assert evaluate_expression(expr, scope(n="4")) == expected
    assert render_value(tag(expr), scope(n="4")) == expected


def test_argo_enumerate_over_parameters() -> None:
    # argo_enumerate(value0=p1, value1=p2)
    x, y = "inputs.parameters['lst']", "inputs.parameters['names']"
    expr = (
        f"toJson(map(sprig.untilStep(0, len(sprig.fromJson({x})), 1), "
        f"{{ {{'order': #, 'value0': jsonpath({x}, '$')[#], 'value1': jsonpath({y}, '$')[#]}} }}))"
    )
    assert "{ {'order': #, 'value0': " in expr
    rendered = render_template(tag(expr), scope())
    assert json.loads(rendered) == [{"order": i, "value0": i + 1, "value1": "abcde"[i]} for i in range(5)]
    assert rendered.startswith('[{"order":0,"value0":1,"value1":"a"},')


def test_argo_enumerate_over_a_literal_list() -> None:
    # dflow quotes a literal list with shlex.quote(json.dumps(v)).replace("\\", "\\\\")
    literal = shlex.quote(json.dumps(["x", "y"])).replace("\\", "\\\\")
    expr = (
        "toJson(map(sprig.untilStep(0, 2, 1), { {'order': #, 'value': jsonpath(" + literal + ", '$')[#]} }))"
    )
    assert json.loads(evaluate_expression(expr, scope())) == [
        {"order": 0, "value": "x"},
        {"order": 1, "value": "y"},
    ]


@pytest.mark.parametrize(("length", "expected"), [(5, 3), (4, 2), (1, 1)])
def test_sliced_step_group_count(length: int, expected: int) -> None:
    # step.py: argo_range(if_expression("%s %% %s > 0", "sprig.int(%s/%s) + 1", "sprig.int(%s/%s)"))
    nslices = "len(sprig.fromJson(inputs.parameters['lst']))"
    group = 2
    condition = f"({nslices} % {group} > 0 ? sprig.int({nslices}/{group}) + 1 : sprig.int({nslices}/{group}))"
    s = scope()
    s["inputs"]["parameters"]["lst"] = json.dumps(list(range(length)))
    assert evaluate_expression(condition, s) == expected
    with_param = tag(f"toJson(sprig.untilStep(0, {condition}, 1))")
    assert json.loads(render_template(with_param, s)) == list(range(expected))


def test_sliced_sequence_count_from_start_and_end() -> None:
    # step.py: nslices = if_expression("%s > %s" % (end, start), "%s + 1 - %s", "%s + 1 - %s")
    assert evaluate_expression("(7 > 2 ? 7 + 1 - 2 : 2 + 1 - 7)", {}) == 6
    assert evaluate_expression("(2 > 7 ? 2 + 1 - 7 : 7 + 1 - 2)", {}) == 6


def test_argo_sequence_fields_render_to_numbers() -> None:
    # argo_sequence(count=argo_len(p)) -> withSequence.count: "{{=len(sprig.fromJson(...))}}"
    count = "{{=len(sprig.fromJson(inputs.parameters['lst']))}}"
    assert render_template(count, scope()) == "5"
    assert render_value(count, scope()) == 5
    assert render_template("{{=asInt(inputs.parameters['start']) + 1}}", scope()) == "3"


def test_register_first_only_picks_the_first_item() -> None:
    first = "jsonpath(toJson(sprig.untilStep(0, 3, 1)), '$[0]')"
    assert render_template(wrapped(first), scope()) == "0"
    names = "jsonpath(inputs.parameters['names'], '$[0]')"
    assert render_template(wrapped(names), scope()) == "a"


def test_with_param_expression_yields_the_item_list() -> None:
    items = render_value("{{=toJson(sprig.untilStep(0, 4, 1))}}", scope())
    assert json.loads(items) == [0, 1, 2, 3]


def test_user_written_when_strings() -> None:
    # Typical dflow user code: when="%s > 3" % step.outputs.parameters["n"]
    s = scope(n="10", msg="done")
    assert evaluate_when("{{steps.a.outputs.parameters.n}} > 3", s)
    assert evaluate_when("{{steps.a.outputs.parameters.msg}} == done", s)
    assert not evaluate_when(
        "{{steps.a.outputs.parameters.n}} > 3 && {{steps.a.outputs.parameters.msg}} != done", s
    )


def test_enumerated_items_bind_like_argo() -> None:
    # Items produced by argo_enumerate are objects; Argo binds each field as text.
    items = json.loads(
        evaluate_expression(
            "toJson(map(sprig.untilStep(0, 2, 1), "
            "{ {'order': #, 'value': jsonpath(inputs.parameters['names'], '$')[#]} }))",
            scope(),
        )
    )
    item = item_scope_value(items[1])
    assert render_template("{{item.order}}:{{item.value}}", {"item": item}) == "1:b"
    assert render_template("{{=asInt(item.order) + 1}}", {"item": item}) == "2"
    assert render_template("{{item}}", {"item": item}) == '{"order":1,"value":"b"}'
