"""The ``when``/expression/template strings of Argo's own examples, with plausible scopes.

Strings are copied verbatim from argo-workflows ``examples/``: conditionals.yaml,
coinflip-recursive.yaml, dag-conditional-parameters.yaml, exit-handlers.yaml,
loops-param-result.yaml, loops-param-argument.yaml, dag-diamond-steps.yaml, scripts-python.yaml.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dflow_jupyter.expr import (
    UnknownReferenceError,
    evaluate_expression,
    evaluate_when,
    item_scope_value,
    render_template,
    render_value,
    template_references,
)

CONDITIONALS = [
    "{{inputs.parameters.should-print}} == true",  # govaluate form
    "{{= inputs.parameters[\"should-print\"] == 'true'}}",  # expr form
    "{{=jsonpath(workflow.parameters.json, '$[0].value') == 'true'}}",  # expr form
]


@pytest.mark.parametrize("should_print", ["true", "false"])
@pytest.mark.parametrize("when", CONDITIONALS)
def test_conditionals(when: str, should_print: str) -> None:
    scope = {
        "inputs": {"parameters": {"should-print": should_print}},
        "workflow": {"parameters": {"json": json.dumps([{"value": should_print}])}},
    }
    assert evaluate_when(when, scope) is (should_print == "true")


def test_conditionals_dash_needs_brackets_in_expr() -> None:
    # The example's own comment: a dash in the name needs brackets and quotes in expr.
    scope = {"inputs": {"parameters": {"should-print": "true"}}}
    with pytest.raises(UnknownReferenceError, match=r"unknown reference 'inputs\.parameters\.should'"):
        evaluate_when("{{=inputs.parameters.should-print == 'true'}}", scope)


@pytest.mark.parametrize(("result", "heads", "tails"), [("heads", True, False), ("tails", False, True)])
def test_coinflip_recursive(result: str, heads: bool, tails: bool) -> None:
    scope = {"steps": {"flip-coin": {"outputs": {"result": result}}}}
    assert evaluate_when("{{steps.flip-coin.outputs.result}} == heads", scope) is heads
    assert evaluate_when("{{steps.flip-coin.outputs.result}} == tails", scope) is tails


@pytest.mark.parametrize("result", ["heads", "tails"])
def test_dag_conditional_parameters(result: str) -> None:
    # Only the task that ran has outputs; the skipped one is absent from the scope.
    scope: dict[str, Any] = {"tasks": {"flip-coin": {"outputs": {"result": result}}}}
    assert evaluate_when("{{tasks.flip-coin.outputs.result}} == heads", scope) is (result == "heads")
    assert evaluate_when("{{tasks.flip-coin.outputs.result}} == tails", scope) is (result == "tails")
    scope["tasks"][result] = {"outputs": {"result": result}}
    expression = (
        "tasks['flip-coin'].outputs.result == 'heads' ? tasks.heads.outputs.result "
        ": tasks.tails.outputs.result"
    )
    assert evaluate_expression(expression, scope) == result
    assert template_references("{{=" + expression + "}}") == [
        "tasks.flip-coin.outputs.result",
        "tasks.heads.outputs.result",
        "tasks.tails.outputs.result",
    ]


@pytest.mark.parametrize("status", ["Succeeded", "Failed", "Error"])
def test_exit_handlers(status: str) -> None:
    scope = {
        "workflow": {
            "name": "exit-handlers-x7",
            "status": status,
            "duration": "12.5",
            "failures": '[{"displayName":"intentional-fail","message":"exit 1"}]',
        }
    }
    assert evaluate_when("{{workflow.status}} == Succeeded", scope) is (status == "Succeeded")
    assert evaluate_when("{{workflow.status}} != Succeeded", scope) is (status != "Succeeded")
    text = (
        "echo send e-mail: {{workflow.name}} {{workflow.status}} {{workflow.duration}}. "
        "Failed steps {{workflow.failures}}"
    )
    assert render_template(text, scope) == (
        f"echo send e-mail: exit-handlers-x7 {status} 12.5. Failed steps "
        '[{"displayName":"intentional-fail","message":"exit 1"}]'
    )


def test_loops_param_result() -> None:
    generated = json.dumps(list(range(20, 31)))  # what the gen-number-list script prints
    scope: dict[str, Any] = {"steps": {"generate": {"outputs": {"result": generated}}}}
    items = json.loads(render_value("{{steps.generate.outputs.result}}", scope))
    assert items == list(range(20, 31))
    values = [render_template("{{item}}", {"item": item_scope_value(i)}) for i in items]
    assert values[:3] == ["20", "21", "22"]
    args = (
        "echo sleeping for {{inputs.parameters.seconds}} seconds; "
        "sleep {{inputs.parameters.seconds}}; echo done"
    )
    assert render_template(args, {"inputs": {"parameters": {"seconds": "20"}}}) == (
        "echo sleeping for 20 seconds; sleep 20; echo done"
    )


def test_loops_param_argument() -> None:
    os_list = (
        '[\n  { "image": "debian", "tag": "9.1" },\n  { "image": "debian", "tag": "8.9" },\n'
        '  { "image": "alpine", "tag": "3.6" },\n  { "image": "ubuntu", "tag": "17.10" }\n]\n'
    )
    scope = {"inputs": {"parameters": {"os-list": os_list}}}
    items = json.loads(render_value("{{inputs.parameters.os-list}}", scope))
    rendered = []
    for item in items:
        step_scope = {"item": item_scope_value(item)}
        image = render_template("{{item.image}}", step_scope)
        tag = render_template("{{item.tag}}", step_scope)
        inner = {"inputs": {"parameters": {"image": image, "tag": tag}}}
        rendered.append(render_template("{{inputs.parameters.image}}:{{inputs.parameters.tag}}", inner))
        assert render_template("os-{{inputs.parameters.image}}-{{inputs.parameters.tag}}", inner)
    assert rendered == ["debian:9.1", "debian:8.9", "alpine:3.6", "ubuntu:17.10"]
    first = item_scope_value(items[0])
    assert render_template("{{item}}", {"item": first}) == '{"image":"debian","tag":"9.1"}'


def test_dag_diamond_steps_with_items() -> None:
    for number in [1, 2, 3]:
        scope = {"item": item_scope_value(number), "inputs": {"parameters": {"message": "B"}}}
        assert render_template("{{inputs.parameters.message}}{{item}}", scope) == f"B{number}"


def test_scripts_python_and_output_parameter() -> None:
    scope = {
        "steps": {
            "generate": {"outputs": {"result": "42"}},
            "generate-parameter": {"outputs": {"parameters": {"hello-param": "hello world"}}},
        }
    }
    assert render_value("{{steps.generate.outputs.result}}", scope) == "42"
    assert render_template("echo result was: {{steps.generate.outputs.result}}", scope) == (
        "echo result was: 42"
    )
    assert (
        render_template("{{steps.generate-parameter.outputs.parameters.hello-param}}", scope) == "hello world"
    )
    assert evaluate_when("{{steps.generate.outputs.result}} > 40", scope)
