"""Script templates: a shell or Python script run as a subprocess in the step's ``workdir``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.pod_spec import PodOutcome, PodSpec, write_parameter_files
from dflow_jupyter.engine.python_exec import TIMEOUT_MESSAGE
from dflow_jupyter.errors import StepRuntimeError
from dflow_jupyter.status.wire import to_argo_string


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
        write_parameter_files(spec.step_dir / "inputs" / "parameters", params)
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
            try:
                self.process = subprocess.Popen(
                    [*command, str(script)],
                    cwd=workdir,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env=env,
                    start_new_session=True,
                )
            except OSError as exc:
                raise StepRuntimeError(
                    f"step {spec.node.display_name!r} (template {template.name!r}): cannot start its "
                    f"command {command[0]!r}: {exc.strerror or exc}; expected an executable on PATH "
                    "(check the template's command=)"
                ) from exc
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
            return PodOutcome("Failed", None, TIMEOUT_MESSAGE)
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
        write_parameter_files(spec.step_dir / "outputs" / "parameters", params)
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
