"""Leaf steps ("pods"): stage inputs, run the OP or script, store outputs, describe the node.

Three kinds of job, one contract (``scheduler.Job``):

* ``InProcessPythonJob`` runs a Python OP in the calling thread, with the process working
  directory set to the step's ``workdir`` for the duration (so relative paths in OP code land
  there). Python OPs therefore run one at a time; ``submit()`` blocks meanwhile.
* ``ScriptJob`` runs a shell or Python script template as a subprocess in its ``workdir``.
* ``PoolPythonJob`` (``engine.pool``) runs a Python OP in a warm worker process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.python_exec import TIMEOUT_MESSAGE, ExecOutcome, run_op
from dflow_jupyter.status.model import Node
from dflow_jupyter.status.wire import ParameterTypeError, coerce_parameter, to_argo_string


@dataclass
class PodSpec:
    """Everything a leaf step needs, resolved: typed parameters and artifact objects."""

    template: Any
    node: Node
    step_dir: Path
    workflow: str
    parameters: dict[str, Any]
    artifacts: dict[str, Any]
    key: str | None = None
    timeout: float | None = None
    #: For sliced groups: one parameter/artifact override dict per slice (None: a single run).
    slices: list[dict[str, Any]] | None = None
    echo: bool = True
    store: Any = None
    progress: Any = None  # callable(current, total)


@dataclass
class PodOutcome:
    phase: str
    exit_code: int | None = None
    message: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    #: Per-slice outputs for sliced groups (stacked by the caller).
    slice_outputs: list[dict[str, Any]] | None = None
    timed_out: bool = False
    exception: BaseException | None = None


def _write_text_files(directory: Path, values: dict[str, Any]) -> None:
    """dflow's ``inputs|outputs/parameters/<name>`` files (written in the background)."""
    from dflow_jupyter.engine.writer import writer

    writer.write_many(directory, {name: to_argo_string(value) for name, value in values.items()})


# -- Python OPs ----------------------------------------------------------------------------------
def prepare_python_inputs(spec: PodSpec) -> list[tuple[dict[str, Any], list[Any]]]:
    """Coerce parameters and stage artifacts; one ``(op_in, fingerprints)`` per slice."""
    _write_text_files(spec.step_dir / "inputs" / "parameters", spec.parameters)
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


def _sign_checker(template: Any, node: Node) -> Any:
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
            timed_out=failed.timed_out,
            exception=failed.exception,
        )
    if spec.slices is not None:
        return PodOutcome("Succeeded", 0, slice_outputs=per_slice)
    outputs = per_slice[0] if per_slice else {}
    params = {k: v for k, v in outputs.items() if k in template.outputs.parameters}
    arts = {k: v for k, v in outputs.items() if k in template.outputs.artifacts}
    _write_text_files(spec.step_dir / "outputs" / "parameters", params)
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
        check = _sign_checker(spec.template, spec.node)
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
                echo=spec.echo,
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


# -- script templates --------------------------------------------------------------------------
def _local_path(path: str, workdir: Path) -> Path:
    """dflow's debug rule: a template's ``/tmp`` is the step's ``workdir/tmp``."""
    if path.startswith("/tmp"):
        return workdir / ("tmp" + path[len("/tmp") :])
    return Path(path) if os.path.isabs(path) else workdir / path


class ScriptJob:
    """A shell or Python script template run as a subprocess in the step's ``workdir``."""

    is_async = True

    def __init__(self, spec: PodSpec, scope: Any) -> None:
        self.spec = spec
        self.scope = scope
        self.process: subprocess.Popen[bytes] | None = None
        self._pidfd: int | None = None
        self._deadline: float | None = None
        self._timed_out = False
        self._killed: str | None = None
        self._fingerprints: list[Any] = []

    def start(self) -> None:
        from dflow_jupyter.expr import render_template

        spec, template = self.spec, self.spec.template
        workdir = spec.step_dir / "workdir"
        (workdir / "tmp").mkdir(parents=True, exist_ok=True)
        params = {}
        for name, value in spec.parameters.items():
            decl = template.inputs.parameters[name]
            params[name] = value
            if decl.path:
                target = _local_path(decl.path, workdir)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(to_argo_string(value))
        _write_text_files(spec.step_dir / "inputs" / "parameters", params)
        for name, art in spec.artifacts.items():
            decl = template.inputs.artifacts[name]
            if art is None:
                continue
            target = _local_path(decl.path or f"/tmp/inputs/artifacts/{name}", workdir)
            target.parent.mkdir(parents=True, exist_ok=True)
            self._fingerprints.append(spec.store.stage_at(art, target))
        source = render_template(template.script, self.scope)
        source = source.replace("/tmp", str(workdir / "tmp"))
        script = spec.step_dir / "script"
        script.write_text(source)
        env = {
            **os.environ,
            **{k: to_argo_string(v) for k, v in template.envs.items()},
            "ARGO_PROGRESS_FILE": str(spec.step_dir / "progress"),
        }
        command = [sys.executable if c in ("python", "python3") else c for c in template.command]
        with open(spec.step_dir / "log.txt", "ab") as log:
            self.process = subprocess.Popen(
                [*command, str(script)],
                cwd=workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        if spec.timeout is not None:
            self._deadline = time.monotonic() + spec.timeout
        try:
            self._pidfd = os.pidfd_open(self.process.pid)
        except (AttributeError, OSError):
            self._pidfd = None

    def wait_object(self) -> Any:
        return self._pidfd if self._pidfd is not None else _PollingWait()

    def deadline(self) -> float | None:
        return self._deadline

    def on_deadline(self) -> None:
        self._timed_out = True
        self._deadline = None
        self._signal(signal.SIGKILL)

    def kill(self, reason: str) -> None:
        self._killed = reason
        self._signal(signal.SIGTERM)
        if self.process is not None:
            try:
                self.process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
        self._close()

    def _signal(self, sig: int) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def _close(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def poll(self) -> tuple[bool, Any]:
        assert self.process is not None
        code = self.process.poll()
        if code is None:
            return False, None
        self._close()
        return True, self._collect(code)

    def run(self) -> Any:  # pragma: no cover - asynchronous job
        raise NotImplementedError

    def _collect(self, code: int) -> PodOutcome:
        from dflow_jupyter.model.expressions import UNSET
        from dflow_jupyter.storage import verify_unmodified

        spec, template = self.spec, self.spec.template
        workdir = spec.step_dir / "workdir"
        if self._timed_out:
            return PodOutcome("Failed", None, TIMEOUT_MESSAGE, timed_out=True)
        if code != 0:
            message = f"failed with exit code {code}" if code > 0 else f"killed by signal {-code}"
            return PodOutcome("Failed", code, message)
        modified = [p for prints in self._fingerprints for p in verify_unmodified(prints)]
        if modified:
            return PodOutcome(
                "Failed",
                1,
                f"the script wrote in place to its input artifact file(s) "
                f"{', '.join(modified[:5])}; write a new file instead",
            )
        params: dict[str, Any] = {}
        for name, decl in template.outputs.parameters.items():
            if decl.value_from_path:
                path = _local_path(decl.value_from_path, workdir)
                try:
                    # Argo trims one trailing newline (the one `echo` writes), nothing more.
                    text = path.read_text()
                    params[name] = text[:-1] if text.endswith("\n") else text
                    continue
                except OSError:
                    if decl.default is UNSET:
                        return PodOutcome(
                            "Error",
                            code,
                            f"Error (exit code 1): open {decl.value_from_path}: no such file or directory",
                        )
            if decl.value is not UNSET:
                params[name] = decl.value
            elif decl.default is not UNSET:
                params[name] = decl.default
        arts: dict[str, Any] = {}
        for name, decl in template.outputs.artifacts.items():
            if not decl.path:
                continue
            path = _local_path(decl.path, workdir)
            if not path.exists():
                if decl.optional:
                    continue
                return PodOutcome(
                    "Error",
                    code,
                    f"Error (exit code 1): output artifact {name!r}: {decl.path} does not exist",
                )
            arts[name] = spec.store.save_path(path, spec.step_dir / "outputs" / "artifacts" / name)
        progress = spec.step_dir / "progress"
        if progress.exists() and spec.progress is not None:
            text = progress.read_text().strip()
            if "/" in text:
                done, total = text.split("/", 1)
                try:
                    spec.progress(int(done), int(total))
                except ValueError:
                    pass
        _write_text_files(spec.step_dir / "outputs" / "parameters", params)
        return PodOutcome("Succeeded", 0, parameters=params, artifacts=arts)


class _PollingWait:
    """Fallback wait object where pidfd is missing: readable after a short sleep."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        os.write(self._w, b"x")

    def fileno(self) -> int:
        time.sleep(0.01)
        return self._r

    def __del__(self) -> None:
        for fd in (self._r, self._w):
            try:
                os.close(fd)
            except OSError:
                pass
