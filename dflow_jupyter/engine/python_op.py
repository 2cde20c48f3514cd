"""Python OP pods: stage the inputs, run the OP in this thread, store the outputs.

``InProcessPythonJob`` runs the OP in the calling thread, with the process working directory set
to the step's ``workdir`` for the duration (so relative paths in OP code land there). Python OPs
therefore run one at a time; ``run()`` blocks meanwhile. The worker pool (``engine.pool``) shares
the staging and finishing.
"""

from __future__ import annotations

import os
from typing import Any

from dflow_jupyter.engine.echo import step_echo
from dflow_jupyter.engine.pod_spec import PodOutcome, PodSpec, write_parameter_files
from dflow_jupyter.engine.python_exec import ExecOutcome, run_op
from dflow_jupyter.status.wire import ParameterTypeError, coerce_parameter


def prepare_python_inputs(spec: PodSpec) -> list[tuple[dict[str, Any], list[Any]]]:
    """Coerce parameters and stage artifacts; one ``(op_in, fingerprints)`` per slice."""
    write_parameter_files(spec.step_dir / "inputs" / "parameters", spec.parameters)
    template = spec.template
    input_sign = template.input_sign
    runs = spec.slices if spec.slices is not None else [{}]
    prepared = []
    for index, override in enumerate(runs):
        op_in: dict[str, Any] = {}
        fingerprints: list[Any] = []
        params = {**spec.parameters, **override.get("parameters", {})}
        arts = {**spec.artifacts, **override.get("artifacts", {})}
        for name, value in params.items():
            kind = getattr(input_sign.get(name), "type", input_sign.get(name))
            where = (
                f"step {spec.node.display_name!r} (OP {template.op_class.__name__}): input parameter {name!r}"
            )
            op_in[name] = coerce_parameter(value, kind, where=where)
        suffix = "" if spec.slices is None else f"-slice{index}"
        for name, art in arts.items():
            if art is None:
                op_in[name] = None
                continue
            sign = input_sign.get(name)
            dest = spec.step_dir / "inputs" / "artifacts" / f"{name}{suffix}"
            path_object, prints = spec.store.stage_input(art, dest=dest, sign_type=sign, name=name)
            op_in[name] = path_object
            fingerprints.append(prints)
        prepared.append((op_in, fingerprints))
    return prepared


def _sign_checker(template: Any) -> Any:
    from dflow_jupyter.python.typecheck import check_opio

    name = template.op_class.__name__

    def check(values: dict[str, Any], direction: str) -> None:
        sign = template.input_sign if direction == "input" else template.output_sign
        check_opio(sign, values, op_name=name, direction=direction)  # type: ignore[arg-type]

    return check


def new_op(spec: PodSpec) -> Any:
    op = spec.template.get_op()
    op.key = spec.key
    op.workflow_name = spec.workflow
    if spec.progress is not None:
        object.__setattr__(op, "_progress_hook", spec.progress)
    if hasattr(op, "_early_outputs"):
        op._early_outputs = {}
    return op


def finish_python(spec: PodSpec, outcomes: list[ExecOutcome], fingerprints: list[Any]) -> PodOutcome:
    """Store outputs of (each slice of) a Python OP run and build the pod's outcome."""
    from dflow_jupyter.storage import verify_unmodified

    template = spec.template
    workdir = spec.step_dir / "workdir"
    failed = next((o for o in outcomes if o.phase != "Succeeded"), None)
    modified = [p for prints in fingerprints for p in verify_unmodified(prints)]
    if failed is None and modified:
        failed = ExecOutcome(
            "Failed",
            1,
            f"the OP wrote in place to its input artifact file(s) {', '.join(modified[:5])}; "
            "inputs are shared with the step that produced them: write a new file instead",
        )
    per_slice: list[dict[str, Any]] = []
    for index, outcome in enumerate(outcomes):
        if outcome.phase != "Succeeded" and failed is not outcome:
            continue
        stored: dict[str, Any] = {}
        suffix = "" if spec.slices is None else f"-slice{index}"
        for name, sign in template.output_sign.items():
            if name not in outcome.outputs:
                continue
            value = outcome.outputs[name]
            if type(sign).__name__ == "Artifact":
                dest = spec.step_dir / "outputs" / "artifacts" / f"{name}{suffix}"
                try:
                    stored[name] = spec.store.save_output(
                        value, workdir=workdir, dest=dest, sign_type=sign.type
                    )
                except (OSError, ValueError) as exc:
                    failed = failed or ExecOutcome("Failed", 1, f"output artifact {name!r}: {exc}")
            else:
                stored[name] = value
        per_slice.append(stored)
    if failed is not None:
        parameters = {
            k: v
            for k, v in (per_slice[0] if per_slice and spec.slices is None else {}).items()
            if k in template.outputs.parameters
        }
        return PodOutcome(
            failed.phase,
            failed.exit_code,
            failed.message,
            parameters=parameters,
            exception=failed.exception,
        )
    if spec.slices is not None:
        return PodOutcome("Succeeded", 0, slice_outputs=per_slice)
    outputs = per_slice[0] if per_slice else {}
    params = {k: v for k, v in outputs.items() if k in template.outputs.parameters}
    arts = {k: v for k, v in outputs.items() if k in template.outputs.artifacts}
    write_parameter_files(spec.step_dir / "outputs" / "parameters", params)
    return PodOutcome("Succeeded", 0, parameters=params, artifacts=arts)


class InProcessPythonJob:
    """A Python OP run in this thread (see the module docstring)."""

    is_async = False

    def __init__(self, spec: PodSpec) -> None:
        self.spec = spec

    def run(self) -> PodOutcome:
        spec = self.spec
        try:
            prepared = prepare_python_inputs(spec)
        except (ParameterTypeError, OSError, ValueError, TypeError, KeyError) as exc:
            return PodOutcome("Failed", 1, str(exc))
        check = _sign_checker(spec.template)
        outcomes, prints = [], []
        # getcwd() is measurable on deep paths: ask once per job, not per slice.
        caller_cwd = os.getcwd()
        for op_in, fingerprints in prepared:
            op = new_op(spec)
            outcome = run_op(
                op,
                op_in,
                workdir=spec.step_dir / "workdir",
                log_path=spec.step_dir / "log.txt",
                timeout=spec.timeout,
                echo=step_echo(spec) or False,
                check=check,
                caller_cwd=caller_cwd,
            )
            outcomes.append(outcome)
            prints.extend(fingerprints)
            if outcome.phase != "Succeeded":
                break
        return finish_python(spec, outcomes, prints)

    # Unused for synchronous jobs, present for the Job protocol.
    def start(self) -> None: ...
    def wait_object(self) -> Any: ...
    def poll(self) -> tuple[bool, Any]:
        return False, None

    def deadline(self) -> float | None:
        return None

    def on_deadline(self) -> None: ...
    def kill(self, reason: str) -> None: ...
