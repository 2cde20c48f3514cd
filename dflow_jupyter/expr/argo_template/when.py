"""Argo's ``when``: render the condition's tags, then decide it with govaluate (``shouldExecute``)."""

from __future__ import annotations

from dflow_jupyter.expr.argo_template.render import Scope, check_template, render_template, split_template
from dflow_jupyter.expr.errors import ExpressionError
from dflow_jupyter.expr.golang import go_string
from dflow_jupyter.expr.govaluate import compile_when, evaluate_govaluate

#: What a tag stands in for when a condition is checked before the run: a number, else a word.
_STAND_INS = ("0", "x")


def check_when(text: str) -> None:
    """Check a ``when`` condition before anything runs: its tags, then its govaluate syntax.

    The values of the tags are known only at run time, so each tag stands in as a number (and,
    if that does not parse, as a bare word): what fails with both fails whatever the values.

    Raises
    ------
    ExpressionError
        If a tag or the condition's syntax is invalid.
    """
    if text == "":
        return
    check_template(text)
    pieces = split_template(text)
    error: ExpressionError | None = None
    for stand_in in _STAND_INS:
        condition = "".join(body if kind == "text" else stand_in for kind, body, _ in pieces)
        try:
            compile_when(condition)
            return
        except ExpressionError as exc:
            error = error or exc
    assert error is not None
    if any(kind != "text" for kind, _, _ in pieces):
        raise error.with_context(f"the 'when' condition {text!r}, with its tags standing in as values")
    raise error


def evaluate_when(text: str, scope: Scope) -> bool:
    """Decide a step's ``when`` as Argo does: render the tags, then evaluate with govaluate.

    Bare words are strings (``{{steps.flip.outputs.result}} == heads``), numbers compare as
    numbers, and the result must be a bool.  An empty condition is true.

    Raises
    ------
    ExpressionError
        If the condition cannot be rendered or parsed, or does not yield a bool.
    """
    if text == "":
        return True
    rendered = render_template(text, scope)
    try:
        result = evaluate_govaluate(rendered)
    except ExpressionError as exc:
        if rendered != text:
            raise exc.with_context(f"the 'when' condition {text!r} rendered to {rendered!r}") from None
        raise
    if not isinstance(result, bool):
        shown = "<nil>" if result is None else go_string(result)
        raise ExpressionError(
            f"expected a boolean from the 'when' condition, got {shown}",
            source=rendered,
            hint='compare the value, e.g. "{{...}} == true"'
            if rendered == text
            else f'it was rendered from {text!r}; compare the value, e.g. "... == true"',
        )
    return result
