"""One step or task: its template, arguments, loop, condition, and dflow's helper steps around it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.argo.compile.helpers import check_template, init_artifact_template
from dflow_jupyter.argo.compile.leaf import GROUP_KEY, LeafOptions
from dflow_jupyter.argo.compile.slices import fan_out, fans_out, merged_arguments
from dflow_jupyter.argo.compile.values import artifact_source, parameter_value, when_text
from dflow_jupyter.model.declarations import _IOBase
from dflow_jupyter.model.expressions import ArgoVar

__all__ = ["StepParts", "Templates", "build_step"]

# ``{{item}}``, ``{{item.x}}``, or ``item`` in an expression (not ``parameters.item``).
_ITEM_TAG = re.compile(r"\{\{\s*(?:=[^}]*?)?(?<![\w.'\"])item\b")


class Templates(Protocol):
    """What steps need from the compiler: the template each runs, and the names of templates."""

    def rendered(self, step: Any) -> Any: ...
    def leaf(self, template: Any, options: LeafOptions) -> str: ...
    def container(self, template: Any) -> str: ...
    def helper(self, body: dict[str, Any]) -> str: ...
    def artifact_redirect(self, value: Any) -> str | None: ...
    @property
    def memoize_prefix(self) -> str | None: ...


@dataclass
class StepParts:
    """A step's entry plus the helper steps dflow runs before it (stacked-artifact keys) and
    after it (success checks)."""

    entry: dict[str, Any]
    before: list[dict[str, Any]] = field(default_factory=list)
    after: list[dict[str, Any]] = field(default_factory=list)


def _refuse_unsupported(step: Any) -> None:
    where = f"{step.kind} {step.name!r}"
    for hook in ("success_hook", "running_hook", "failure_hook"):
        if getattr(step, hook) is not None:
            raise CompileError(f"{where}: {hook} (Argo lifecycle hooks) cannot be compiled yet")


def _refuse_items(step: Any, entry: dict[str, Any]) -> None:
    """A merged fan-out has no ``{{item}}``: its one pod gets the items, the slices their elements."""
    if _ITEM_TAG.search(json.dumps(entry)):
        raise CompileError(
            f"{step.kind} {step.name!r}: with merge_sliced_step=True the step does not fan out, so "
            "its arguments cannot use {{item}}: slice the list inputs with "
            "Slices(input_parameter=[...], input_artifact=[...]) instead"
        )


def _key_text(key: Any) -> str:
    return (
        "{{=%s}}" % key.expr
        if isinstance(key, ArgoVar) and not isinstance(key, _IOBase)
        else parameter_value(key)
    )


def _arguments(step: Any, templates: Templates, extra: list[dict[str, Any]]) -> dict[str, Any]:
    params = [{"name": n, "value": parameter_value(v)} for n, v in step.parameters.items()] + extra
    arts = []
    for name, value in step.artifacts.items():
        where = f"{step.kind} {step.name!r} input artifact {name!r}"
        redirected = templates.artifact_redirect(value)
        source = {"from": redirected} if redirected else artifact_source(value, where)
        if source is not None:
            arts.append({"name": name, **source})
    arguments: dict[str, Any] = {}
    if params:
        arguments["parameters"] = params
    if arts:
        arguments["artifacts"] = arts
    return arguments


def _total(step: Any) -> Any:
    """The number of items of a fan-out, for ``continue_on_success_ratio``."""
    if isinstance(step.with_param, list):
        return len(step.with_param)
    if isinstance(step.with_param, ArgoVar):
        return "{{=len(sprig.fromJson(%s))}}" % step.with_param.expr
    sequence = step.with_sequence
    if sequence is not None and sequence.count is not None:
        return parameter_value(sequence.count)
    raise CompileError(
        f"{step.kind} {step.name!r}: continue_on_success_ratio needs to know how many items there "
        "are: give with_param as a list, a parameter or an expression (not a '{{...}}' string), "
        "or with_sequence(count=...)"
    )


def _check_step(step: Any, templates: Templates) -> dict[str, Any]:
    ratio = step.continue_on_num_success is None
    suffix = "check-success-ratio" if ratio else "check-num-success"
    template = check_template(f"dflow-{suffix}", ratio, step.util_image, step.util_image_pull_policy)
    owner = "tasks" if step.is_task else "steps"
    params = [
        {"name": "success", "value": "{{%s.%s.outputs.parameters.dflow_success_tag}}" % (owner, step.name)},
        {
            "name": "threshold",
            "value": parameter_value(
                step.continue_on_success_ratio if ratio else step.continue_on_num_success
            ),
        },
    ]
    if ratio:
        params.append({"name": "total", "value": parameter_value(_total(step))})
    return {
        "name": f"{step.name}-{suffix}",
        "template": templates.helper(template),
        "arguments": {"parameters": params},
    }


def build_step(step: Any, template: Any, templates: Templates) -> StepParts:
    """The entry of ``step`` (running ``template``, its executor's rendering) and its helpers."""
    _refuse_unsupported(step)
    if step.use_resource is not None:
        if hasattr(template, "all_steps"):
            raise CompileError(
                f"{step.kind} {step.name!r}: use_resource needs a leaf template (its command and "
                f"script go into the object); {template.name!r} is a {type(template).__name__}"
            )
        from dflow_jupyter.model.resource import resource_template

        template = resource_template(step.use_resource, template)
    slices = step.slices if fans_out(step) else None
    checked = step.continue_on_num_success is not None or step.continue_on_success_ratio is not None
    if hasattr(template, "all_steps"):
        if slices is not None or checked:
            raise CompileError(
                f"{step.kind} {step.name!r}: Slices and continue_on_num_success/ratio need a leaf "
                f"template; {template.name!r} is a {type(template).__name__}"
            )
        name = templates.container(template)
    else:
        name = templates.leaf(template, LeafOptions(step.key is not None, slices, checked))
    parts = StepParts({"name": step.name, "template": name})
    extra: list[dict[str, Any]] = []
    merged = slices is not None and bool(getattr(template, "merges_slices", False))
    if step.key is not None:
        key_text = _key_text(step.key)
        if merged:
            # One pod for every item: dflow keys it as the first item.
            first = step.with_sequence.format % 0 if step.with_sequence and step.with_sequence.format else "0"
            key_text = key_text.replace("{{item}}", first)
        extra.append({"name": "dflow_key", "value": key_text})
    loop, slice_value = fan_out(step, slices)
    if merged:
        # DispatcherExecutor(merge_sliced_step=True): one pod takes the items, a task each.
        if checked:
            raise CompileError(
                f"{step.kind} {step.name!r}: continue_on_num_success/ratio count the items of a "
                "fan-out; with merge_sliced_step=True one pod runs them all and fails with any "
                "of them: drop one of the two"
            )
        extra.extend(merged_arguments(loop))
        loop = {}
    elif slices is not None:
        extra.append({"name": "dflow_slice", "value": slice_value})
    if slices is not None and slices.output_artifact:
        prefix = templates.memoize_prefix if step.key is not None else None
        init = init_artifact_template(
            "dflow-init-artifact",
            slices.output_artifact,
            step.util_image,
            step.util_image_pull_policy,
            memoize_prefix=prefix,
        )
        init_name = f"{step.name}-init-artifact"
        helper: dict[str, Any] = {"name": init_name, "template": templates.helper(init)}
        if step.key is not None:
            # dflow's group key: the step's key with its item replaced by "group".
            group = re.sub(r"{{=?item.*}}", "group", _key_text(step.key))
            extra.append({"name": GROUP_KEY, "value": group})
            if prefix:
                helper["arguments"] = {"parameters": [{"name": GROUP_KEY, "value": group}]}
        parts.before.append(helper)
        owner = "tasks" if step.is_task else "steps"
        key = "{{%s.%s.outputs.parameters.dflow_artifact_key}}" % (owner, init_name)
        extra.append({"name": "dflow_artifact_key", "value": key})
    arguments = _arguments(step, templates, extra)
    if merged:
        _refuse_items(step, {"arguments": arguments, "when": step.when and when_text(step.when)})
    if arguments:
        parts.entry["arguments"] = arguments
    parts.entry.update(loop)
    if step.when is not None:
        parts.entry["when"] = when_text(step.when)
    continue_on = {}
    if step.continue_on_failed or checked:
        continue_on["failed"] = True
    if step.continue_on_error:
        continue_on["error"] = True
    if continue_on:
        parts.entry["continueOn"] = continue_on
    if checked:
        parts.after.append(_check_step(step, templates))
    return parts
