"""Parameter and artifact declarations, which double as references once reached through a step."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, TypeVar

from dflow_jupyter.model.expressions import UNSET, ArgoVar

_Self = TypeVar("_Self", bound="_IOBase")


class _IOBase(ArgoVar):
    """Shared plumbing: a name, the template that declares it, and the step it is reached through.

    A declaration plays two roles, as in dflow: declared on a template it is part of the
    template's signature; reached through a step (``step.outputs.parameters["x"]``) it is a
    reference that another step can take as input. References render to Argo's template syntax
    (``{{steps.a.outputs.parameters.x}}``) when formatted into strings, and to Argo expressions
    (``steps['a'].outputs.parameters['x']``) through ``.expr``, so ``when`` strings and
    ``if_expression`` work unchanged on every backend.
    """

    _scope: ClassVar[str] = "inputs"
    _kind: ClassVar[str] = "parameters"

    def __init__(self) -> None:
        super().__init__("")
        self.name: str | None = None
        # A Step/Task and an OPTemplate; typed Any because those modules import this one.
        self.step: Any = None
        self.template: Any = None

    def _owner(self) -> str:
        return "tasks" if getattr(self.step, "is_task", False) else "steps"

    @property  # type: ignore[override]
    def expr(self) -> str:
        if self.step is not None:
            return f"{self._owner()}['{self.step.name}'].{self._scope}.{self._kind}['{self.name}']"
        return f"{self._scope}.{self._kind}['{self.name}']"

    @expr.setter
    def expr(self, value: str) -> None:
        pass

    def reference(self) -> str:
        """Argo's template reference, e.g. ``steps.a.outputs.parameters.x``."""
        if self.step is not None:
            return f"{self._owner()}.{self.step.name}.{self._scope}.{self._kind}.{self.name}"
        return f"{self._scope}.{self._kind}.{self.name}"

    def __repr__(self) -> str:
        return "{{%s}}" % self.reference()

    def bound(self: _Self, step: Any) -> _Self:
        """A copy of this declaration reached through ``step``."""
        clone = copy.copy(self)
        clone.step = step
        return clone


class _ParameterBase(_IOBase):
    def _as_condition(self) -> str:
        # Argo parameters are strings: a parameter used as a condition holds when it is "true".
        return f"{self.expr} == 'true'"


class InputParameter(_ParameterBase):
    """An input parameter of a template; ``value`` (or dflow's ``default=``) is its default.

    Parameters
    ----------
    name : str, optional
        Set from the key when the parameter is added to ``Inputs.parameters``.
    type : Any
        The declared Python type, checked against literal values at step construction.
    value : Any
        The default; ``UNSET`` (the default) makes the parameter required.
    """

    _scope, _kind = "inputs", "parameters"

    def __init__(
        self,
        name: str | None = None,
        step: Any = None,
        template: Any = None,
        type: Any = None,
        save_as_artifact: bool = False,
        path: str | None = None,
        source: Any = None,
        description: str | None = None,
        value: Any = UNSET,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.name, self.step, self.template = name, step, template
        self.type = type
        self.save_as_artifact = save_as_artifact
        self.path = path
        self.source = source
        self.description = description
        self.value = kwargs.pop("default", value)

    @property
    def has_value(self) -> bool:
        """Whether the parameter has a default (so a step may leave it out)."""
        return self.value is not UNSET


class OutputParameter(_ParameterBase):
    """An output parameter: from a file (``value_from_path``), a step, an expression, or a value."""

    _scope, _kind = "outputs", "parameters"

    def __init__(
        self,
        value_from_path: str | None = None,
        value_from_parameter: Any = None,
        name: str | None = None,
        step: Any = None,
        template: Any = None,
        type: Any = None,
        global_name: str | None = None,
        value_from_expression: Any = None,
        save_as_artifact: bool = False,
        save_both: bool = False,
        default: Any = UNSET,
        value: Any = UNSET,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.name, self.step, self.template = name, step, template
        self.value_from_path = value_from_path
        self.value_from_parameter = value_from_parameter
        self.type = type
        self.global_name = global_name
        self.value_from_expression = value_from_expression
        self.save_as_artifact = save_as_artifact
        self.save_both = save_both
        self.default = default
        self.value = value


class InputArtifact(_IOBase):
    """An input artifact of a template, placed at ``path`` for script templates."""

    _scope, _kind = "inputs", "artifacts"

    def __init__(
        self,
        path: str | None = None,
        name: str | None = None,
        step: Any = None,
        template: Any = None,
        optional: bool = False,
        type: Any = None,
        source: Any = None,
        mode: int | None = None,
        sub_path: str | None = None,
        archive: str | None = "default",
        save_as_parameter: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.name, self.step, self.template = name, step, template
        self.path = path
        self.optional = optional
        self.type = type
        self.source = source
        self.mode = mode
        self._sub_path = sub_path
        self.archive = archive
        self.save_as_parameter = save_as_parameter

    def sub_path(self, path: str) -> InputArtifact:
        """A reference to ``path`` inside this artifact (Argo's artifact sub-path)."""
        clone = copy.copy(self)
        clone._sub_path = path if self._sub_path is None else f"{self._sub_path}/{path}"
        return clone


class OutputArtifact(_IOBase):
    """An output artifact: a file at ``path`` (scripts), another artifact (``_from``), or an expression."""

    _scope, _kind = "outputs", "artifacts"

    def __init__(
        self,
        path: str | None = None,
        _from: Any = None,
        name: str | None = None,
        step: Any = None,
        template: Any = None,
        type: Any = None,
        save: Any = None,
        archive: str | None = "default",
        global_name: str | None = None,
        from_expression: Any = None,
        optional: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.name, self.step, self.template = name, step, template
        self.path = path
        self._from = _from
        self.type = type
        self.save = save
        self.archive = archive
        self.global_name = global_name
        self.from_expression = from_expression
        self.optional = optional
        self._sub_path: str | None = None

    def pvc(
        self, size: str = "1Gi", storage_class: str | None = None, access_modes: list[str] | None = None
    ) -> OutputArtifact:
        """dflow's PVC-backed artifact (streamed between running steps): Kubernetes only."""
        raise NotImplementedError(
            f"output artifact {self.name!r}: PVC-backed artifacts need a Kubernetes cluster; the debug "
            "backend passes artifacts when the producing step has finished: drop .pvc()"
        )

    def sub_path(self, path: str) -> OutputArtifact:
        """A reference to ``path`` inside this artifact (Argo's artifact sub-path)."""
        clone = copy.copy(self)
        clone._sub_path = path if self._sub_path is None else f"{self._sub_path}/{path}"
        return clone
