"""Errors of the engine itself while it runs a step: the step's node ends Error with the real message.

A step's coroutine can raise for reasons that are not the OP's fault: a Slices length mismatch,
a script command that does not exist, an executor that cannot render, an expression too deep to
evaluate, a full disk. Each must end as an ``Error`` node that says what went wrong (Argo shows
such errors on the node), never as a missing result that breaks the template waiting for it.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from dflow_jupyter.engine.frame import StepResult
from dflow_jupyter.engine.scheduler import Terminated
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.run_records import is_disk_full
from dflow_jupyter.status.model import Node, node_id


def failure_message(where: str, exc: BaseException) -> str:
    """The node message for ``exc`` raised while the engine ran the step ``where``."""
    if isinstance(exc, DflowJupyterError):
        # Written for the user; most already name the step (the store's errors do not).
        text = str(exc)
        return text if where in text else f"{where}: {text}"
    if isinstance(exc, RecursionError):
        return (
            f"{where}: too deeply nested to evaluate ({exc}); "
            "simplify the expression or the nesting of its templates"
        )
    text = str(exc).strip() or "(no message)"
    return f"{where}: engine error: {type(exc).__name__}: {text}"


def error_result(
    ctx: Any, name: str, display: str, template: Any, boundary: str | None, parent: Node | None, message: str
) -> StepResult:
    """A step that could not start (a bad input at run time): an Error node, as on Argo."""
    node = ctx.recorder.add_node(
        name,
        display,
        "Pod",
        template_name=template.name,
        boundary_id=boundary,
        parent=parent,
        phase="Error",
        message=message,
    )
    ctx.recorder.finish(node, "Error", message)
    return StepResult("Error", node, message=message, leaves=[node])


def fail_step(
    ctx: Any,
    name: str,
    display: str,
    template: Any,
    boundary: str | None,
    parent: Node | None,
    message: str,
) -> StepResult:
    """End the step ``name`` as Error with ``message``: its node if it has one, else a new one.

    Nodes the step had started below its own (a retry's attempt, a nested template's groups)
    end Error too, so no node of a finished run is left Running.
    """
    node = ctx.recorder.status.nodes.get(node_id(ctx.workflow, name))
    if node is None:
        return error_result(ctx, name, display, template, boundary, parent, message)
    if node.type == "Pod" and node.finished and node.message:
        # The step had ended (its record could not be written): keep what it ended with.
        message = node.message if message in node.message else f"{node.message}; then {message}"
    node.outputs = None  # whatever it had was not committed
    close_unfinished(ctx, node, "its step ended with an engine error")
    ctx.recorder.finish(node, "Error", message)
    return StepResult("Error", node, message=message, leaves=[node])


def close_unfinished(ctx: Any, node: Node, message: str) -> None:
    """Finish as Error every unfinished node reachable below ``node`` (not ``node`` itself)."""
    nodes = ctx.recorder.status.nodes
    seen = {node.id}
    stack = list(node.children)
    while stack:
        child = nodes.get(stack.pop())
        if child is None or child.id in seen:
            continue
        seen.add(child.id)
        stack.extend(child.children)
        if not child.finished:
            ctx.recorder.finish(child, "Error", message)


def guarded(
    ctx: Any,
    body: Generator[Any, Any, StepResult],
    where: str,
    name: str,
    display: str,
    template: Any,
    boundary: str | None,
    parent: Node | None,
) -> Generator[Any, Any, StepResult]:
    """Run the step coroutine ``body``; an exception it raises becomes an Error result.

    Interrupts and termination (``BaseException`` that is not an ``Exception``, and the
    scheduler's ``Terminated``) still end the whole run.
    """
    try:
        return (yield from body)
    except Terminated:
        raise
    except Exception as exc:
        message = failure_message(where, exc)
        if is_disk_full(exc):
            ctx.disk_full = ctx.disk_full or message
        return fail_step(ctx, name, display, template, boundary, parent, message)
