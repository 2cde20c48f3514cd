"""The compiler's error: a workflow (or one of its OPs) that cannot become an Argo manifest."""

from __future__ import annotations

from dflow_jupyter.errors import WorkflowDefinitionError

__all__ = ["CompileError"]


class CompileError(WorkflowDefinitionError):
    """The workflow cannot be compiled to Argo; the message names the step, OP or field and the fix."""
