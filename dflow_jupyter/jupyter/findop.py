"""Which OP a replay runs: ``--op``, the OP the step ran with, or the notebook's new definition.

``--op`` names a notebook variable or ``module:Name`` (a ``path/to/file.py:Name`` works too).
Otherwise the engine's registry gives the OP the step ran with (for runs of this process) --
unless the notebook now binds a different OP of the same template name (say, after fixing its
``%%dflow_op`` cell), in which case that current definition runs.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dflow_jupyter.jupyter.errors import CommandError

__all__ = ["find_op", "is_op"]


def is_op(value: Any) -> bool:
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
    if is_op(value):
        return value
    op = getattr(value, "op", None) or getattr(value, "op_class", None)
    return op if op is not None and is_op(op) else None


def _namespace_ops(namespace: Mapping[str, Any], template_name: str, templates: bool) -> dict[str, Any]:
    """Notebook variables holding an OP of ``template_name`` (and templates of it, if asked)."""
    from dflow_jupyter.names import template_name_from

    found: dict[str, Any] = {}
    for var, value in list(namespace.items()):
        if var.startswith("_"):
            continue
        op = value if is_op(value) else (_op_of(value) if templates else None)
        if op is None:
            continue
        cls = op if isinstance(op, type) else type(op)
        names = {template_name_from(cls.__name__), getattr(value, "name", None)}
        if template_name in names:
            found[var] = op
    return found


def _distinct(found: Mapping[str, Any]) -> dict[int, tuple[str, Any]]:
    return {id(value): (var, value) for var, value in sorted(found.items(), reverse=True)}


def find_op(template_name: str, namespace: Mapping[str, Any] | None, op: str | None) -> tuple[Any, str]:
    """``(op, origin)``: the OP to replay for a step of template ``template_name``."""
    from dflow_jupyter.model import registry

    if op is not None:
        if ":" in op:
            value, origin = _import_op(op), f"from {op}"
        elif namespace is not None and op in namespace:
            value, origin = namespace[op], f"the notebook's {op}"
        else:
            raise CommandError(f"--op {op!r}: no such notebook variable; give a variable name or module:Name")
        found = _op_of(value)
        if found is None:
            raise CommandError(
                f"--op {op!r} is {type(value).__name__}, not an OP class, a function OP or a PythonOPTemplate"
            )
        return found, origin
    template = registry.lookup(template_name)
    ran = _op_of(template) if template is not None else None
    current = _distinct(_namespace_ops(namespace or {}, template_name, templates=ran is None))
    if ran is not None:
        current.pop(id(ran), None)
    if len(current) == 1:
        [(var, value)] = current.values()
        when = ", redefined since the run" if ran is not None else ""
        return value, f"the notebook's current {var}{when}"
    if len(current) > 1:
        names = ", ".join(sorted(var for var, _ in current.values()))
        raise CommandError(
            f"several notebook variables hold an OP of template {template_name!r} ({names}); "
            "choose one with --op NAME"
        )
    if ran is not None:
        return ran, "as the step ran it"
    where = (
        "define it in the notebook (run its %%dflow_op cell) or pass --op NAME"
        if namespace is not None
        else "pass --op module:Name (the OP must be importable)"
    )
    raise CommandError(
        f"cannot find the OP of template {template_name!r}: it did not run in this process; {where}"
    )
