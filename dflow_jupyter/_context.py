"""The stack of open ``with Workflow(...)`` / ``with DAG(...)`` / ``with Steps(...)`` blocks.

Function OPs called inside such a block do not run: they become a task (or step) of the
innermost open container, wired to their arguments by data, exactly as in dflow.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Protocol


class Container(Protocol):
    """What a ``with`` block must offer: something steps or tasks can be added to."""

    def add(self, step: Any) -> None: ...

    def node_class(self) -> type: ...


_stack: list[Container] = []


def active() -> Container | None:
    """Return the innermost open container, or None outside any ``with`` block."""
    return _stack[-1] if _stack else None


def push(container: Container) -> None:
    _stack.append(container)


def pop(container: Container) -> None:
    # Pop by identity so that an exception inside a nested block cannot unbalance the stack.
    while _stack:
        if _stack.pop() is container:
            return


def random_suffix(length: int = 5) -> str:
    """A lowercase alphanumeric suffix like dflow's ``randstr``."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def call_op(
    op: Any,
    func_name: str,
    parameters: Mapping[str, Any],
    artifacts: Mapping[str, Any],
    template_kwargs: Mapping[str, Any],
    task_kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    """Turn a function-OP call inside a ``with`` block into a task of the open container.

    Returns a mapping of output name to the output reference (an ``OutputParameter`` or
    ``OutputArtifact`` bound to the new task) so that the caller can pass it on to the next call.
    """
    from dflow_jupyter.python.template import PythonOPTemplate

    container = active()
    if container is None:  # pragma: no cover - callers check active() first
        raise RuntimeError("call_op() outside a workflow context")
    name = func_name.lower().replace("_", "-") + "-" + random_suffix()
    template = PythonOPTemplate(op, **dict(template_kwargs))
    # The new step or task adds itself to the open container (see Step.__init__).
    node = container.node_class()(
        name, template, parameters=parameters, artifacts=artifacts, **dict(task_kwargs)
    )
    return {**node.outputs.parameters, **node.outputs.artifacts}
