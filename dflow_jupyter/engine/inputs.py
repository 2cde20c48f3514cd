"""What a step starts from: its resolved inputs, its rendered key and its ``when`` condition."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.engine.frame import Frame
from dflow_jupyter.errors import DflowJupyterError, StepRuntimeError
from dflow_jupyter.model.expressions import UNSET, ArgoVar
from dflow_jupyter.model.refs import is_dynamic
from dflow_jupyter.names import check_key
from dflow_jupyter.status.wire import to_argo_string


def resolve_inputs(frame: Frame, step: Any, item: Any, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The typed input parameters and artifact objects of ``step`` for one item, in ``frame``.

    Parameters
    ----------
    frame
        The invocation the step runs in (its inputs and earlier steps' results).
    step
        The ``Step`` or ``Task``.
    item
        The ``{{item}}`` value of a fan-out child, or ``NO_ITEM``.
    where
        How error messages name the step.
    """
    template = step.template
    params: dict[str, Any] = {}
    static = _static_parameters(step)
    for pname, decl in template.inputs.parameters.items():
        if pname in static:
            params[pname] = step.parameters[pname]
        elif pname in step.parameters:
            params[pname] = frame.resolve_parameter(
                step.parameters[pname], item, f"{where} input parameter {pname!r}"
            )
        elif decl.value is not UNSET:
            params[pname] = decl.value
    arts: dict[str, Any] = {}
    for aname, decl in template.inputs.artifacts.items():
        if aname in step.artifacts:
            arts[aname] = frame.resolve_artifact(
                step.artifacts[aname], item, f"{where} input artifact {aname!r}"
            )
        elif decl.source is not None:
            arts[aname] = decl.source
        if arts.get(aname) is None and not decl.optional and aname in step.artifacts:
            raise StepRuntimeError(
                f"{where}: input artifact {aname!r} has no value ({step.artifacts[aname]!r} produced none); "
                "mark it optional on the template if that is expected"
            )
    return params, arts


def _static_parameters(step: Any) -> frozenset[str]:
    """Names of the step's parameters given as plain literals (walked once per step, not per item).

    A sliced input of a 10,000-item fan-out is a 10,000-element list: resolving it for every
    item would make the fan-out quadratic.
    """
    cached = step.__dict__.get("_static_parameters")
    if cached is None or cached[0] != len(step.parameters):
        names = frozenset(name for name, value in step.parameters.items() if not is_dynamic(value))
        cached = (len(step.parameters), names)
        step.__dict__["_static_parameters"] = cached
    return cached[1]  # type: ignore[no-any-return]


def render_key(ctx: Any, frame: Frame, step: Any, item: Any, node_name: str) -> str | None:
    """The step's rendered ``key`` for this item (claimed for ``node_name``), or None without one."""
    if step.key is None:
        return None
    raw = step.key
    text = raw.expr if isinstance(raw, ArgoVar) else raw
    if isinstance(raw, ArgoVar):
        from dflow_jupyter.expr import evaluate_expression

        key = to_argo_string(evaluate_expression(text, frame.scope(item)))
    elif "{{" in text:
        from dflow_jupyter.expr import render_template

        key = render_template(text, frame.scope(item))
    else:
        key = text
    check_key(key, step.name)
    ctx.claim_key(key, node_name, step)
    return key


def when_is_true(frame: Frame, step: Any, item: Any) -> bool:
    """Whether the step's ``when`` condition holds for this item."""
    when = step.when
    if isinstance(when, bool):
        return when
    from dflow_jupyter.expr import evaluate_when

    text = "{{=%s}}" % when.expr if isinstance(when, ArgoVar) else when
    return bool(evaluate_when(text, frame.scope(item)))


def rendered_when(frame: Frame, step: Any, item: Any) -> str:
    """The ``when`` condition as Argo shows it in a Skipped node's message."""
    when = step.when
    if isinstance(when, ArgoVar):
        return "{{=%s}}" % when.expr
    if isinstance(when, str) and "{{" in when:
        from dflow_jupyter.expr import render_template

        try:
            return render_template(when, frame.scope(item))
        except (DflowJupyterError, ValueError):
            # The message is only a description: show the condition unrendered.
            return when
    return str(when)
