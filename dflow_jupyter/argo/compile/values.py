"""Values as Argo carries them: parameter strings, ``{{...}}`` references, artifact sources.

Every literal goes through the one wire codec (``status.wire``), so a value reads back the same
on every backend; references render to Argo's template syntax and expressions to ``{{=...}}``.
"""

from __future__ import annotations

from typing import Any

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.model.declarations import _IOBase
from dflow_jupyter.model.expressions import UNSET, ArgoVar, IfExpression
from dflow_jupyter.status.wire import to_argo_string, type_description

__all__ = ["artifact_source", "description", "expression", "parameter_value", "when_text"]


def expression(value: Any) -> str:
    """The expr-lang text of an ``ArgoVar`` (a reference renders as its expression form)."""
    return str(value.expr)


def parameter_value(value: Any) -> str:
    """The Argo string for a parameter given ``value``: a literal, a reference or an expression.

    A declaration reached through a step renders as ``{{steps.a.outputs.parameters.x}}`` (a
    template's own input as ``{{inputs.parameters.x}}``); any other ``ArgoVar`` as
    ``{{=<expression>}}``; strings stay as they are (they may hold ``{{...}}`` tags); anything
    else is encoded by the wire codec (JSON, jsonpickle for objects JSON cannot hold).
    """
    if isinstance(value, _IOBase):
        return "{{%s}}" % value.reference()
    if isinstance(value, ArgoVar):
        return "{{=%s}}" % expression(value)
    return to_argo_string(value)


def description(kind: Any) -> str | None:
    """dflow's ``{"type": ...}`` description of a declared type, or None when undeclared."""
    if kind is None or kind is UNSET:
        return None
    return type_description(kind)


def when_text(when: Any) -> str:
    """A ``when`` condition: expressions as ``{{=...}}``, booleans as ``true``/``false``."""
    if isinstance(when, bool):
        return "true" if when else "false"
    if isinstance(when, _IOBase) and when._kind == "parameters":
        return "{{=%s}}" % when._as_condition()
    if isinstance(when, ArgoVar):
        return "{{=%s}}" % expression(when)
    return str(when)


def artifact_source(value: Any, where: str) -> dict[str, Any] | None:
    """The fields an artifact argument gets for ``value`` (``from``, ``s3`` or ``fromExpression``).

    Returns None for an absent optional artifact.

    Raises
    ------
    CompileError
        ``value`` cannot reach a cluster: a file of the local debug store, a list of artifacts.
    """
    if value is None:
        return None
    if isinstance(value, IfExpression):
        return {"fromExpression": expression(value)}
    if isinstance(value, _IOBase):
        source: dict[str, Any] = {"from": "{{%s}}" % value.reference()}
        sub_path = getattr(value, "_sub_path", None)
        if sub_path:
            source["subPath"] = sub_path
        return source
    if isinstance(value, str) and "{{" in value:
        return {"from": value}
    key = getattr(value, "key", None)
    if isinstance(key, str) and type(value).__name__ == "S3Artifact":
        if getattr(value, "local_path", None) is not None:
            raise CompileError(
                f"{where}: the artifact {value!r} lives in the local debug store, which a cluster "
                "cannot read; upload it to the cluster's artifact repository (upload_artifact() "
                "with config['mode'] = 'argo', or config['debug_s3'] = True) and pass that artifact"
            )
        if getattr(value, "slice", None) is not None:
            raise CompileError(
                f"{where}: a slice of an uploaded artifact ({value!r}) cannot be compiled yet; "
                "upload the slice as its own artifact"
            )
        return {"s3": {"key": key}}
    if isinstance(value, (list, tuple, dict)):
        raise CompileError(
            f"{where}: a list or dict of artifacts cannot be compiled for Argo yet; pass one "
            "artifact (upload the files together, or stack them with Slices)"
        )
    raise CompileError(
        f"{where}: expected an artifact (another step's outputs.artifacts[...], an uploaded "
        f"S3Artifact or an Argo reference), got {type(value).__name__} ({value!r})"
    )
