"""Regular expressions follow RE2 (linear time, Go's syntax); memory bombs end in clear errors."""

from __future__ import annotations

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.expr import ExpressionError, evaluate_expression, evaluate_when
from dflow_jupyter.expr.golang import MAX_ITEMS, MAX_STRING
from dflow_jupyter.python import OP, PythonOPTemplate

EVIL = "a" * 50 + "!"
SCOPE = {"inputs": {"parameters": {"s": EVIL}}}


# With Python's backtracking ``re`` each of these runs for minutes: the timeout marks a hang.
@pytest.mark.timeout(60)
def test_catastrophic_patterns_answer_at_once_in_every_language() -> None:
    assert evaluate_when(f"'{EVIL}' =~ '^(a+)+$'", {}) is False
    assert evaluate_expression(f"'{EVIL}' matches '^(a+)+$'", {}) is False
    assert evaluate_expression(f"sprig.regexMatch('^(a+)+$', '{EVIL}')", {}) is False
    assert evaluate_expression("sprig.regexFind('(x+x+)+y', inputs.parameters.s)", SCOPE) == ""


def test_go_syntax_is_enforced() -> None:
    # Go's regexp (RE2) has no look-behind; Python's re would accept it silently.
    with pytest.raises(ExpressionError, match="error parsing regexp"):
        evaluate_expression("'ab' matches '(?<=a)b'", {})
    assert evaluate_expression(r"sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", {}) == "-W-xxW-"


@OP.function
def echo(x: str) -> {"x": str}:
    return {"x": x}


@pytest.mark.timeout(120)
def test_a_catastrophic_when_does_not_hang_a_workflow() -> None:
    wf = Workflow("regex-when")
    wf.add(Step("guarded", PythonOPTemplate(echo), parameters={"x": "y"}, when=f"'{EVIL}' =~ '^(a+)+$'"))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="guarded")[0].phase == "Skipped"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1..100000000", "the range 1..100000000 would hold 100,000,000 items"),
        ("sprig.until(100000000)", "would hold 100,000,000 items"),
        ("sprig.untilStep(0, 100000000, 1)", "would hold 100,000,000 items"),
        ("sprig.seq(100000000)", "would hold 100,000,000 items"),
        ("repeat('ab', 100000000)", "would build a string of 200,000,000 characters"),
        ("sprig.repeat(100000000, 'ab')", "would build a string of 200,000,000 characters"),
    ],
)
def test_memory_bombs_end_in_clear_errors(expression: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        evaluate_expression(expression, {})


def test_limits_leave_ordinary_sizes_alone() -> None:
    assert len(evaluate_expression(f"1..{MAX_ITEMS}", {})) == MAX_ITEMS
    assert len(evaluate_expression(f"repeat('a', {MAX_STRING})", {})) == MAX_STRING


@pytest.mark.parametrize("name", ["indent", "nindent"])
def test_a_huge_indent_is_refused_before_it_is_built(name: str) -> None:
    # Found by tests/reliability/test_properties.py: " " * 2**63 raised MemoryError.
    with pytest.raises(ExpressionError, match=f"{name} would build a string of"):
        evaluate_expression(f'sprig.{name}(9223372036854775807, "ab")', {})
    with pytest.raises(ExpressionError, match="would build a string of"):
        evaluate_expression('sprig.indent(4000000, sprig.repeat(8, "\\n"))', {})
    assert evaluate_expression('sprig.indent(2, "a\\nb")', {}) == "  a\n  b"
    assert evaluate_expression('sprig.nindent(1, "a")', {}) == "\n a"
