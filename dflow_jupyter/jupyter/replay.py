"""``%dflow replay WF STEP``: run a recorded step's OP again, here, on the inputs it had.

The inputs come from the step's record (``node.json``): parameters are decoded by their declared
type, artifacts are staged again from the store into a fresh scratch directory next to the
step's own (``<step dir>/replay-<n>/``), exactly as the engine staged them. The OP's ``execute``
runs in the kernel with its inputs and outputs checked against its signs, in
``replay-<n>/workdir``. With ``pdb=True`` an exception opens ``pdb.post_mortem`` on it.

Which OP runs: ``op`` when given (``module:Name`` or a notebook variable); otherwise the OP the
step ran with (remembered by the engine for runs of this process) -- unless the notebook now
binds a different OP of the same template name (say, after fixing its ``%%dflow_op`` cell), in
which case that current definition runs and the result says so.
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dflow_jupyter.backend import backend_for
from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.jupyter.findop import find_op
from dflow_jupyter.jupyter.lookup import current_status, one_pod
from dflow_jupyter.status.model import Node

__all__ = ["Replay", "replay_step"]


@dataclass
class Replay:
    """The outcome of a replay: inputs, outputs (or the exception) and where it ran."""

    workflow: str
    step: str
    op_name: str
    origin: str
    directory: Path
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    exception: BaseException | None = None

    @property
    def succeeded(self) -> bool:
        return self.exception is None

    def text(self) -> str:
        verdict = (
            "succeeded" if self.succeeded else (f"raised {type(self.exception).__name__}: {self.exception}")
        )
        lines = [
            f"replay of step {self.step} of workflow {self.workflow}: {verdict}",
            f"  OP       {self.op_name} ({self.origin})",
        ]
        for label, values in (("inputs", self.inputs), ("outputs", self.outputs or {})):
            items = [f"{k} = {_short(v)}" for k, v in values.items()] or ["(none)"]
            lines.append(f"  {label:<8} {items[0]}")
            lines.extend(f"  {'':<8} {item}" for item in items[1:])
        lines.append(f"  workdir  {self.directory / 'workdir'}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return "<pre class='dflow-replay'>" + html.escape(self.text()) + "</pre>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()


def _short(value: Any) -> str:
    from dflow_jupyter.python.errors import short_repr

    return str(short_repr(value))


def _decode_parameters(node: Node, sign: Mapping[str, Any], where: str) -> dict[str, Any]:
    from dflow_jupyter.status.wire import ParameterTypeError, coerce_parameter, decode_parameter

    values: dict[str, Any] = {}
    for entry in (node.inputs or {}).get("parameters") or []:
        name = entry.get("name")
        if name == "dflow_key" or name is None:
            continue
        if name not in sign:
            raise CommandError(
                f"{where}: the record has input {name!r}, which the OP does not "
                f"declare (its inputs: {', '.join(sign) or 'none'}); did the OP "
                "change since the run? pass the right one with --op"
            )
        kind = getattr(sign[name], "type", sign[name])
        try:
            values[name] = coerce_parameter(decode_parameter(entry), kind, where=f"{where}: input {name!r}")
        except ParameterTypeError as exc:
            raise CommandError(str(exc)) from None
    return values


def _artifact_of(entry: Mapping[str, Any]) -> Any:
    from dflow_jupyter.storage import S3Artifact

    key = (entry.get("s3") or {}).get("key") or entry.get("key")
    if key is None:
        return None
    if isinstance(key, str) and key.startswith("["):
        return [S3Artifact(key=k) for k in json.loads(key)]
    return S3Artifact(key=key)


def _stage_artifacts(node: Node, sign: Mapping[str, Any], scratch: Path, where: str) -> dict[str, Any]:
    from dflow_jupyter.config import config
    from dflow_jupyter.storage import LocalStore

    store = LocalStore(Path(config["debug_artifact_dir"]).resolve(), method=str(config["debug_copy_method"]))
    values: dict[str, Any] = {}
    for entry in (node.inputs or {}).get("artifacts") or []:
        name = entry.get("name")
        if name not in sign:
            raise CommandError(
                f"{where}: the record has input artifact {name!r}, which the OP "
                "does not declare; did the OP change since the run?"
            )
        artifact = _artifact_of(entry)
        if artifact is None:
            values[name] = None
            continue
        try:
            values[name], _ = store.stage_input(
                artifact,
                dest=scratch / "inputs" / "artifacts" / name,
                sign_type=sign[name],
                name=name,
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"{where}: cannot stage input artifact {name!r} again: {exc}") from None
    return values


def _scratch_dir(workflow_id: str, node: Node) -> Path:
    import tempfile

    base = backend_for().step_files(workflow_id, node)
    if base is None:
        return Path(tempfile.mkdtemp(prefix=f"dflow-replay-{node.display_name}-"))
    number = 1
    while (base / f"replay-{number}").exists():
        number += 1
    path = base / f"replay-{number}"
    path.mkdir(parents=True)
    return path


def replay_step(
    workflow_id: str,
    step: str,
    namespace: Mapping[str, Any] | None = None,
    op: str | None = None,
    pdb: bool = False,
    reraise: bool = True,
) -> Replay:
    """Run step ``step`` of workflow ``workflow_id`` again in this process (module docstring).

    Without ``pdb`` an exception of the OP propagates when ``reraise`` (the kernel shows its
    traceback); with ``pdb`` (or ``reraise=False``) it is kept in :attr:`Replay.exception`.
    """
    __tracebackhide__ = True
    from dflow_jupyter._cwd import working_directory
    from dflow_jupyter.python.errors import OPIOError
    from dflow_jupyter.python.opio import OPIO
    from dflow_jupyter.python.typecheck import check_opio, fill_defaults

    status = current_status(workflow_id)
    node = one_pod(status, step)
    where = f"replay of step {node.display_name}"
    if not node.finished or node.phase in ("Skipped", "Omitted"):
        raise CommandError(
            f"{where}: the step is {node.phase}; only a step that ran to the end "
            "(Succeeded, Failed or Error) has inputs to replay"
        )
    if not node.template_name:
        raise CommandError(f"{where}: the record does not name the step's template")
    found, origin = find_op(node.template_name, namespace, op)
    op_class: Any = found if isinstance(found, type) else type(found)
    instance = found() if isinstance(found, type) else copy.copy(found)
    sign, out_sign = op_class.get_input_sign(), op_class.get_output_sign()
    scratch = _scratch_dir(workflow_id, node)
    op_in = {
        **_decode_parameters(node, sign, where),
        **_stage_artifacts(node, sign, scratch, where),
    }
    op_in = fill_defaults(sign, op_in)
    try:
        check_opio(sign, op_in, op_name=op_class.__name__, direction="input")
    except OPIOError as exc:
        raise CommandError(
            f"{where}: the recorded inputs do not fit the OP ({exc}); sliced "
            "inputs are not recorded per step, so such steps cannot be replayed "
            "yet"
        ) from None
    instance.key = node.key
    instance.workflow_name = workflow_id
    result = Replay(workflow_id, node.display_name, op_class.__name__, origin, scratch, dict(op_in))
    workdir = scratch / "workdir"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        with working_directory(workdir):
            outputs = dict(instance.execute(OPIO(op_in)) or {})
            outputs = fill_defaults(out_sign, outputs)
            check_opio(out_sign, outputs, op_name=op_class.__name__, direction="output")
        result.outputs = outputs
    except Exception as exc:
        result.exception = exc
        if pdb:
            import pdb as debugger

            debugger.post_mortem(exc.__traceback__)
        elif reraise:
            raise
    return result
