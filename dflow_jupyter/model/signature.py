"""A template's signature: ``Inputs`` and ``Outputs``, dicts that name their declarations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

from dflow_jupyter.errors import DefinitionTypeError
from dflow_jupyter.model.declarations import (
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    _IOBase,
)
from dflow_jupyter.names import check_io_name

_Decl = TypeVar("_Decl", bound=_IOBase)


class _NamedDict(dict[str, _Decl], Generic[_Decl]):
    """A dict that names each declaration after its key and ties it to the owning template.

    Parameters
    ----------
    items : Mapping, optional
        The declarations by name.
    template : OPTemplate, optional
        The template they belong to (typed Any: ``templates`` imports this module).
    """

    _item_type: ClassVar[type[_IOBase]] = _IOBase
    _what: ClassVar[str] = "parameter"

    def __init__(self, items: Mapping[str, Any] | None = None, template: Any = None) -> None:
        super().__init__()
        self.template = template
        for key, value in (items or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        check_io_name(key, f"{self._what} name")
        decl: _IOBase = value if isinstance(value, self._item_type) else self._coerce(key, value)
        decl.name = key
        if self.template is not None and decl.step is None:
            decl.template = self.template
        # _item_type is the runtime spelling of _Decl (a ClassVar cannot use a type variable).
        super().__setitem__(key, cast(_Decl, decl))

    def _coerce(self, key: str, value: Any) -> _IOBase:
        raise DefinitionTypeError(
            f"{self._what} {key!r} must be declared with {self._item_type.__name__}(...), "
            f"got {type(value).__name__} ({value!r})"
        )

    def set_template(self, template: Any) -> None:
        """Tie the collection and every declaration in it to ``template``."""
        self.template = template
        for item in self.values():
            item.template = template


class InputParameters(_NamedDict[InputParameter]):
    """``Inputs.parameters``: a bare value declares a parameter with that default (as in dflow)."""

    _item_type, _what = InputParameter, "input parameter"

    def _coerce(self, key: str, value: Any) -> InputParameter:
        return InputParameter(value=value)


class OutputParameters(_NamedDict[OutputParameter]):
    """``Outputs.parameters``."""

    _item_type, _what = OutputParameter, "output parameter"


class InputArtifacts(_NamedDict[InputArtifact]):
    """``Inputs.artifacts``."""

    _item_type, _what = InputArtifact, "input artifact"


class OutputArtifacts(_NamedDict[OutputArtifact]):
    """``Outputs.artifacts``."""

    _item_type, _what = OutputArtifact, "output artifact"


_Params = TypeVar("_Params", bound=_NamedDict[Any])
_Arts = TypeVar("_Arts", bound=_NamedDict[Any])


class _Signature(Generic[_Params, _Arts]):
    """``parameters`` and ``artifacts`` by name, tied to the owning template.

    The setters wrap plain dicts: ``template.inputs.parameters = {...}`` (dflow's idiom) names
    each declaration and ties it to the template too.
    """

    _parameters_type: type[_Params]
    _artifacts_type: type[_Arts]

    def __init__(
        self,
        parameters: Mapping[str, Any] | None = None,
        artifacts: Mapping[str, Any] | None = None,
        template: Any = None,
    ) -> None:
        self._template = template
        self.parameters = parameters or {}
        self.artifacts = artifacts or {}

    @property
    def parameters(self) -> _Params:
        return self._parameters

    @parameters.setter
    def parameters(self, value: Mapping[str, Any]) -> None:
        self._parameters = (
            value
            if isinstance(value, self._parameters_type)
            else self._parameters_type(value, self._template)
        )

    @property
    def artifacts(self) -> _Arts:
        return self._artifacts

    @artifacts.setter
    def artifacts(self, value: Mapping[str, Any]) -> None:
        self._artifacts = (
            value if isinstance(value, self._artifacts_type) else self._artifacts_type(value, self._template)
        )

    def set_template(self, template: Any) -> None:
        """Tie the signature (and every declaration) to ``template``."""
        self._template = template
        self.parameters.set_template(template)
        self.artifacts.set_template(template)


class Inputs(_Signature[InputParameters, InputArtifacts]):
    """A template's inputs: ``parameters`` and ``artifacts`` by name.

    Parameters
    ----------
    parameters : Mapping[str, InputParameter], optional
        Input parameters; plain values declare parameters with that default.
    artifacts : Mapping[str, InputArtifact], optional
        Input artifacts.
    template : OPTemplate, optional
        The owning template (set by the template itself).
    """

    _parameters_type, _artifacts_type = InputParameters, InputArtifacts


class Outputs(_Signature[OutputParameters, OutputArtifacts]):
    """A template's outputs: ``parameters`` and ``artifacts`` by name.

    Parameters
    ----------
    parameters : Mapping[str, OutputParameter], optional
        Output parameters.
    artifacts : Mapping[str, OutputArtifact], optional
        Output artifacts.
    template : OPTemplate, optional
        The owning template (set by the template itself).
    """

    _parameters_type, _artifacts_type = OutputParameters, OutputArtifacts
