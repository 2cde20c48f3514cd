"""Errors raised for bad workflow definitions, named after what the user must fix."""

from __future__ import annotations


class DflowJupyterError(Exception):
    """Base class of every error dflow_jupyter raises on purpose."""


class InvalidNameError(DflowJupyterError, ValueError):
    """A workflow, template, step, parameter, artifact or key name breaks Argo's naming rules."""


class WorkflowDefinitionError(DflowJupyterError, ValueError):
    """The workflow cannot run as written (a cycle, a missing input, a dangling reference...)."""


class StepRuntimeError(DflowJupyterError, RuntimeError):
    """A step could not be prepared at run time (a bad item list, a key collision...)."""


class WorkflowNotFound(DflowJupyterError, LookupError):
    """No workflow with the given id is recorded in the debug work directory."""
