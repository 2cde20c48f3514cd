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


class DefinitionTypeError(DflowJupyterError, TypeError):
    """A definition was given a value of the wrong kind (a template that is not one, a bad argument...)."""


class UnknownKeyError(DflowJupyterError, KeyError):
    """A name looked up in a definition or a setting does not exist (an output, a config key)."""

    def __str__(self) -> str:
        # KeyError would print the repr of the message, quotes and escapes included.
        return str(self.args[0]) if self.args else ""


class ConfigError(DflowJupyterError, ValueError):
    """A setting of ``config`` or ``s3_config`` has a value the backend cannot use."""
