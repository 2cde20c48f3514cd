"""A fan-out's aggregated outputs as Argo builds them (``aggregatedJSONValueList``), and reading them back.

After a ``with_param``/``with_sequence`` step, ``{{steps.X.outputs.parameters.y}}`` is one JSON
list over the items that succeeded, in item order. Argo (``workflow/controller/operator.go``)
takes each item's output *string*: if every one is a JSON list or object, the list holds them
decoded; otherwise it holds the strings themselves, so int outputs 4, 0, 25 aggregate to
``["4","0","25"]``. The text is Go's ``json.Marshal``: compact, map keys sorted, ``<``, ``>``,
``&`` escaped, numbers of decoded values as float64.

dflow's ``Slices`` stack their output parameters into a list of the values themselves (its
``dflow_list_item`` merge): those stay typed lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dflow_jupyter.engine.frame import StepResult
from dflow_jupyter.status.wire import (
    to_argo_string,
)


def aggregate(step: Any, children: list[StepResult], dest: Path) -> StepResult:
    """Argo's aggregated outputs of a fan-out over ``children`` (in item order).

    Parameters
    ----------
    step
        The fan-out ``Step`` or ``Task``.
    children
        The items' results, in item order; only the succeeded ones count, as on Argo.
    dest
        Where stacked output artifacts are written.
    """
    from dflow_jupyter.storage import stack_artifacts

    template = step.template
    slices = step.slices
    ok = [c for c in children if c.phase == "Succeeded"]
    params: dict[str, Any] = {}
    for name in template.outputs.parameters:
        if slices is not None and name in slices.output_parameter:
            params[name] = _stacked_values(ok, name)
        else:
            texts = [to_argo_string(c.parameters[name]) for c in ok if name in c.parameters]
            # Argo has no aggregate when no item gave the output; an empty list reads better.
            params[name] = aggregated_json_value_list(texts) if texts else "[]"
    arts: dict[str, Any] = {}
    for name in template.outputs.artifacts:
        items: list[Any] = []
        for child in ok:
            art = child.artifacts.get(name)
            if child.grouped and isinstance(art, list):
                items.extend(art)
            else:
                items.append(art)
        create_dir = bool(slices and slices.create_dir)
        # An empty fan-out still yields an (empty) list artifact, as dflow's merged key does.
        arts[name] = stack_artifacts(items, dest / name, create_dir)
    return StepResult("Succeeded", parameters=params, artifacts=arts)


def _stacked_values(children: list[StepResult], name: str) -> list[Any]:
    """A sliced output parameter: the slices' values in order (a group contributes a list)."""
    values: list[Any] = []
    for child in children:
        value = child.parameters.get(name)
        if child.grouped:
            values.extend(value or [])
        else:
            values.append(value)
    return values


def aggregated_json_value_list(texts: list[str]) -> str:
    """Argo's ``aggregatedJSONValueList`` of the item output strings ``texts``.

    >>> aggregated_json_value_list(["4", "0", "25"])
    '["4","0","25"]'
    >>> aggregated_json_value_list(['{"b": 1, "a": 2}', "[1.0]"])
    '[{"a":2,"b":1},[1]]'
    """
    from dflow_jupyter.expr.errors import ExpressionError
    from dflow_jupyter.expr.golang import go_json_dumps, go_json_loads

    decoded = []
    for text in texts:
        try:
            value = go_json_loads(text)
        except ValueError:
            return go_json_dumps(texts)
        if not isinstance(value, (list, dict)):
            return go_json_dumps(texts)
        decoded.append(value)
    try:
        return go_json_dumps(decoded)
    except ExpressionError:
        # A number beyond float64 (read as infinity): Go fails to decode it, so keeps the strings.
        return go_json_dumps(texts)
