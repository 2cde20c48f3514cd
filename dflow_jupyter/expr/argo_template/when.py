"""Argo's ``when``: render the condition's tags, then decide it with govaluate (``shouldExecute``)."""

from __future__ import annotations

from dflow_jupyter.expr.argo_template.render import Scope, render_template
from dflow_jupyter.expr.errors import ExpressionError
from dflow_jupyter.expr.golang import go_string
from dflow_jupyter.expr.govaluate import evaluate_govaluate


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
