"""``when`` as Argo decides it: render the tags, then govaluate with bare words as strings."""

from __future__ import annotations

from typing import Any

import pytest

from dflow_jupyter.expr import ExpressionError, UnknownReferenceError, evaluate_when

SCOPE: dict[str, Any] = {
    "inputs": {"parameters": {"should-print": "true", "n": "10", "word": "heads", "x": "3"}},
    "steps": {
        "flip-coin": {"outputs": {"result": "heads", "parameters": {"count": "7"}}},
        "gen": {"outputs": {"result": "[1, 2]"}},
    },
    "tasks": {"flip-coin": {"outputs": {"result": "tails"}}},
    "workflow": {"name": "wf-abc", "status": "Succeeded"},
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # Bare words are strings (govaluate VARIABLE tokens turned into STRING tokens).
        ("heads == heads", True),
        ("tails != heads", True),
        ("heads == tails", False),
        ("foo != bar", True),
        ("Succeeded == Succeeded", True),
        ("[with spaces] == [with spaces]", True),
        # Numbers compare numerically, strings lexically.
        ("10 > 9", True),
        ("10 < 9", False),
        ("9.5 >= 9.50", True),
        ("007 == 7", True),
        ("0x10 == 16", True),
        ('"a" < "b"', True),
        ("'b' <= 'a'", False),
        ("abc < abd", True),
        ("'10' < '9'", True),  # quoted numbers are strings
        ("'3' == 3", False),  # a string never equals a number
        # Booleans and logic, with more than one operator (dflow's debug mode cannot).
        ("true", True),
        ("false", False),
        ("true && false", False),
        ("true || false", True),
        ("!false", True),
        ("!(1 > 2)", True),
        ("1 < 2 && 3 < 4 && heads == heads", True),
        ("1 > 2 || 3 > 4 || a == a", True),
        ("true || false && false", True),  # && binds tighter than ||
        ("(true || false) && false", False),
        ("!true || !false", True),
        ("1 == 1 && (2 == 3 || x != y)", True),
        # Arithmetic and precedence.
        ("1 + 2 * 3 == 7", True),
        ("(1 + 2) * 3 == 9", True),
        ("10 - 4 - 3 == 3", True),
        ("7 % 4 == 3", True),
        ("10 / 4 == 2.5", True),
        ("2 ** 3 == 8", True),
        ("-3 < 0", True),
        ("(3 & 1) == 1", True),
        ("1 << 3 == 8", True),
        ("'a' + 'b' == ab", True),
        ("'a' + 1 == a1", True),
        # Regex, membership, ternary, coalesce.
        ("heads =~ '^h'", True),
        ("heads !~ 't'", True),
        ("'b' in ('a', 'b')", True),
        ("3 in (1, 2)", False),
        ("(1 > 0 ? true : false)", True),
        ("(1 < 0 ? true : false)", False),
        # Quoted dates become Unix times.
        ("'2024-01-01' < '2024-01-02'", True),
        ("'2024-01-01T00:00:00Z' == '2024-01-01T01:00:00+01:00'", True),
        ("", True),
    ],
)
def test_govaluate_semantics(condition: str, expected: bool) -> None:
    assert evaluate_when(condition, SCOPE) is expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("{{steps.flip-coin.outputs.result}} == heads", True),
        ("{{steps.flip-coin.outputs.result}} == tails", False),
        ("{{tasks.flip-coin.outputs.result}} == tails", True),
        ("{{steps.flip-coin.outputs.parameters.count}} > 5", True),
        ("{{steps.flip-coin.outputs.parameters.count}} < 10", True),
        ("{{inputs.parameters.n}} > 9", True),  # 10 > 9 numerically, not "10" < "9"
        ("{{inputs.parameters.should-print}} == true", True),
        ("{{ inputs.parameters.word }} == heads", True),
        (
            "{{steps.flip-coin.outputs.result}} == heads && {{inputs.parameters.n}} >= 10",
            True,
        ),
        (
            "{{steps.flip-coin.outputs.result}} == tails || !({{inputs.parameters.x}} < 3)",
            True,
        ),
        ("{{=asInt(inputs.parameters.n) > 9}}", True),
        ("{{=inputs.parameters['should-print'] == 'true'}}", True),
        ("{{=inputs.parameters['should-print']}}", True),  # renders "true"
        ("{{=asInt(inputs.parameters.x) + 1}} == 4", True),
        ("{{workflow.status}} == Succeeded", True),
        ("{{workflow.status}} != Succeeded", False),
    ],
)
def test_rendered_conditions(condition: str, expected: bool) -> None:
    assert evaluate_when(condition, SCOPE) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("heads", "expected a boolean from the 'when' condition, got heads"),
        ("1 + 1", "expected a boolean .* got 2"),
        ("True", "expected a boolean"),  # only lower-case true/false are booleans
        # "[1, 2]" is govaluate's bracketed variable syntax: the string "1, 2".
        ("{{steps.gen.outputs.result}}", "expected a boolean .* got 1, 2"),
        ("1.2.3 == 1", "Unable to parse numeric value '1.2.3' to float64"),
        ("hello world == hello world", "Cannot transition token types from VARIABLE"),
        ("my-step == my-step", "cannot be used with the modifier '-', it is not a number"),
        ("heads.txt == heads.txt", "Unable to access unexported field 'txt'"),
        ("v1.2 == v1.2", "No parameter 'v1' found"),
        ("a ==-1", "Invalid token: '==-'"),
        ("(1 > 2", "Unbalanced parenthesis"),
        ("1 >", "Unexpected end of expression"),
        ("'open == x", "Unclosed string literal"),
        ("'a' < 1", "Value 'a' cannot be used with the comparator '<', it is not a number"),
        ("heads && true", "Value 'heads' cannot be used with the logical operator '&&'"),
        ("!heads", "Cannot transition token types from PREFIX"),
        ("'a' in 'a'", "cannot be used with the comparator 'in'"),
    ],
)
def test_when_errors(condition: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        evaluate_when(condition, SCOPE)


def test_when_error_mentions_the_rendered_condition() -> None:
    with pytest.raises(ExpressionError) as info:
        evaluate_when("{{steps.flip-coin.outputs.result}} && true", SCOPE)
    assert "rendered to 'heads && true'" in str(info.value)


def test_when_missing_reference_is_named() -> None:
    with pytest.raises(UnknownReferenceError, match=r"unknown reference 'steps\.nope\.outputs\.result'"):
        evaluate_when("{{steps.nope.outputs.result}} == heads", SCOPE)
