"""The stack of open ``with Workflow(...)`` / ``with DAG(...)`` / ``with Steps(...)`` blocks."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol


class Container(Protocol):
    """What a ``with`` block must offer: something steps or tasks can be added to."""

    def add(self, step: Any) -> None: ...

    def node_class(self) -> type[Any]: ...


# Steps and function-OP calls made inside such a block join the innermost open container, as in
# dflow. A ContextVar, so that threads and asyncio tasks each see only their own open blocks (a new
# thread starts with none; a task starts with a snapshot of its creator's). It holds a tuple, never
# mutated in place, so a context that copied the variable keeps its own stack.
_stack: ContextVar[tuple[Container, ...]] = ContextVar("dflow_jupyter_open_blocks", default=())


def active() -> Container | None:
    """Return the innermost open container, or None outside any ``with`` block."""
    stack = _stack.get()
    return stack[-1] if stack else None


def push(container: Container) -> None:
    """Open a block: steps made from now on join ``container``."""
    _stack.set((*_stack.get(), container))


def pop(container: Container) -> None:
    """Close the block of ``container`` and any block left open inside it.

    Pops by identity so that an exception inside a nested block cannot unbalance the stack;
    a container that is not open leaves the stack as it is.
    """
    stack = _stack.get()
    for index in range(len(stack) - 1, -1, -1):
        if stack[index] is container:
            _stack.set(stack[:index])
            return
