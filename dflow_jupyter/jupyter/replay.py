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
import importlib
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.jupyter.lookup import current_status, one_pod, workflow_dir
from dflow_jupyter.status.model import Node

__all__ = ["Replay", "find_op", "replay_step"]


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
            "succeeded"
            if self.succeeded
            else (f"raised {type(self.exception).__name__}: {self.exception}")
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


def _is_op(value: Any) -> bool:
    from dflow_jupyter.python.op import OP

    if isinstance(value, OP):
        return True
    return isinstance(value, type) and issubclass(value, OP) and value is not OP


def _import_op(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise CommandError(f"--op {spec!r}: write it as module:Name (e.g. --op mypkg.ops:Energy)")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            loader_spec = importlib.util.spec_from_file_location(path.stem, path)
            if loader_spec is None or loader_spec.loader is None or not path.is_file():
                raise CommandError(f"--op {spec!r}: no Python file {module_name}")
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ImportError as exc:
        raise CommandError(f"--op {spec!r}: cannot import {module_name}: {exc}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise CommandError(f"--op {spec!r}: module {module_name} has no {attr!r}") from None


def _op_of(value: Any) -> Any:
    """The OP inside ``value``: itself, or the OP of a ``PythonOPTemplate``."""
    if _is_op(value):
        return value
    op = getattr(value, "op", None) or getattr(value, "op_class", None)
    return op if op is not None and _is_op(op) else None


def _namespace_ops(
    namespace: Mapping[str, Any], template_name: str, templates: bool
) -> dict[str, Any]:
    """Notebook variables holding an OP of ``template_name`` (and templates of it, if asked)."""
    from dflow_jupyter.model.names import template_name_from

    found: dict[str, Any] = {}
    for var, value in list(namespace.items()):
        if var.startswith("_"):
            continue
        op = value if _is_op(value) else (_op_of(value) if templates else None)
        if op is None:
            continue
        cls = op if isinstance(op, type) else type(op)
        names = {template_name_from(cls.__name__), getattr(value, "name", None)}
        if template_name in names:
            found[var] = op
    return found


def _distinct(found: Mapping[str, Any]) -> dict[int, tuple[str, Any]]:
    return {id(value): (var, value) for var, value in sorted(found.items(), reverse=True)}


def find_op(
    template_name: str, namespace: Mapping[str, Any] | None, op: str | None
) -> tuple[Any, str]:
    """``(op, origin)``: the OP to replay for a step of template ``template_name``."""
    from dflow_jupyter.engine import registry

    if op is not None:
        if ":" in op:
            value, origin = _import_op(op), f"from {op}"
        elif namespace is not None and op in namespace:
            value, origin = namespace[op], f"the notebook's {op}"
        else:
            raise CommandError(
                f"--op {op!r}: no such notebook variable; give a variable name or module:Name"
            )
        found = _op_of(value)
        if found is None:
            raise CommandError(
                f"--op {op!r} is {type(value).__name__}, not an OP class, a "
                "function OP or a PythonOPTemplate"
            )
        return found, origin
    template = registry.lookup(template_name)
    ran = _op_of(template) if template is not None else None
    current = _distinct(_namespace_ops(namespace or {}, template_name, templates=ran is None))
    if ran is not None:
        current.pop(id(ran), None)
    if len(current) == 1:
        [(var, value)] = current.values()
        when = "redefined since the run" if ran is not None else "from the notebook"
        return value, f"{var} as currently defined in the notebook ({when})"
    if len(current) > 1:
        names = ", ".join(sorted(var for var, _ in current.values()))
        raise CommandError(
            f"several notebook variables hold an OP of template {template_name!r} ({names}); "
            "choose one with --op NAME"
        )
    if ran is not None:
        return ran, "the OP the step ran with"
    where = (
        "define it in the notebook (run its %%dflow_op cell) or pass --op NAME"
        if namespace is not None
        else "pass --op module:Name (the OP must be importable)"
    )
    raise CommandError(
        f"cannot find the OP of template {template_name!r}: it did not run in this process; {where}"
    )


def _decode_parameters(node: Node, sign: Mapping[str, Any], where: str) -> dict[str, Any]:
    from dflow_jupyter.engine.run import decode_parameter
    from dflow_jupyter.engine.values import ParameterTypeError, coerce_parameter

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
            values[name] = coerce_parameter(
                decode_parameter(entry), kind, where=f"{where}: input {name!r}"
            )
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


def _stage_artifacts(
    node: Node, sign: Mapping[str, Any], scratch: Path, where: str
) -> dict[str, Any]:
    from dflow_jupyter.config import config
    from dflow_jupyter.storage import LocalStore

    store = LocalStore(
        Path(config["debug_artifact_dir"]).resolve(), method=str(config["debug_copy_method"])
    )
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
            raise CommandError(
                f"{where}: cannot stage input artifact {name!r} again: {exc}"
            ) from None
    return values


def _scratch_dir(workflow_id: str, node: Node) -> Path:
    import tempfile

    if node.step_dir is None:
        return Path(tempfile.mkdtemp(prefix=f"dflow-replay-{node.display_name}-"))
    base = workflow_dir(workflow_id) / node.step_dir
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
    from dflow_jupyter.engine.python_exec import working_directory
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
