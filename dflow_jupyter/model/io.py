"""Template signatures (``Inputs``/``Outputs``) and the references that wire steps by data.

A parameter or artifact object plays two roles, as in dflow: declared on a template it is part of
the template's signature; reached through a step (``step.outputs.parameters["x"]``) it is a
reference that another step can take as input. References render to Argo's template syntax
(``{{steps.a.outputs.parameters.x}}``) when formatted into strings, and to Argo expressions
(``steps['a'].outputs.parameters['x']``) through ``.expr``, so ``when`` strings and
``if_expression`` work unchanged on every backend.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from typing import Any

from dflow_jupyter.model.names import check_io_name


class _Unset:
    """Marker for "no value given" (``None`` is a legitimate parameter value)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unset:
        return self


UNSET: Any = _Unset()


def to_expr(value: Any) -> str:
    """Render a Python value or an ``ArgoVar`` as an Argo (expr-lang) operand."""
    if isinstance(value, ArgoVar):
        return value.expr
    if isinstance(value, str):
        return "'%s'" % value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nil"
    return json.dumps(value)


def _quoted_json(value: Any) -> str:
    if isinstance(value, str):
        return to_expr(value)
    # Argo parameters are strings: a non-string value compares against its JSON text, as dflow does.
    return to_expr(json.dumps(value))


class ArgoVar:
    """An Argo expression; operators build bigger expressions (``a < b`` -> ``asFloat(a) < b``)."""

    # Operators return expressions, so instances must keep identity hashing for dict/set use.
    __hash__ = object.__hash__

    def __init__(self, expr: str | None = None, is_str: bool = True) -> None:
        self.expr = expr or ""
        self.is_str = is_str

    def __repr__(self) -> str:
        return self.expr

    def __str__(self) -> str:
        return self.__repr__()

    def __getitem__(self, index: str | int) -> ArgoVar:
        item = f"'{index}'" if isinstance(index, str) else str(index)
        return ArgoVar(f"jsonpath({self.expr}, '$')[{item}]", is_str=False)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{type(self).__name__} {self!s} is not iterable: it has no value until run time")

    def __eq__(self, other: object) -> ArgoVar:  # type: ignore[override]
        return ArgoVar(f"{self.expr} == {other.expr if isinstance(other, ArgoVar) else _quoted_json(other)}")

    def __ne__(self, other: object) -> ArgoVar:  # type: ignore[override]
        return ArgoVar(f"{self.expr} != {other.expr if isinstance(other, ArgoVar) else _quoted_json(other)}")

    def _numeric(self, op: str, other: Any) -> ArgoVar:
        rhs = f"asFloat({other.expr})" if isinstance(other, ArgoVar) else to_expr(other)
        return ArgoVar(f"asFloat({self.expr}) {op} {rhs}")

    def __lt__(self, other: Any) -> ArgoVar:
        return self._numeric("<", other)

    def __le__(self, other: Any) -> ArgoVar:
        return self._numeric("<=", other)

    def __gt__(self, other: Any) -> ArgoVar:
        return self._numeric(">", other)

    def __ge__(self, other: Any) -> ArgoVar:
        return self._numeric(">=", other)

    def __add__(self, other: Any) -> Any:
        if isinstance(other, str):
            return str(self) + other
        return self._numeric("+", other)

    def __radd__(self, other: Any) -> Any:
        if isinstance(other, str):
            return other + str(self)
        return ArgoVar(f"{to_expr(other)} + asFloat({self.expr})")

    def __sub__(self, other: Any) -> ArgoVar:
        return self._numeric("-", other)

    def __mul__(self, other: Any) -> ArgoVar:
        return self._numeric("*", other)

    def __truediv__(self, other: Any) -> ArgoVar:
        return self._numeric("/", other)


class IfExpression(ArgoVar):
    """``cond ? then : else`` over parameters or artifacts (see ``if_expression``)."""

    def __init__(self, _if: Any, _then: Any, _else: Any) -> None:
        super().__init__("")
        if isinstance(_if, (InputParameter, OutputParameter)):
            self._if = f"{_if.expr} == 'true'"
        elif isinstance(_if, ArgoVar):
            self._if = _if.expr
        else:
            self._if = str(_if)
        self._then = _then
        self._else = _else

    @property  # type: ignore[override]
    def expr(self) -> str:
        # Rendered on demand: the branches may be bound to steps after the expression is made.
        return f"({self._if} ? {to_expr(self._then)} : {to_expr(self._else)})"

    @expr.setter
    def expr(self, value: str) -> None:
        pass


def if_expression(_if: Any, _then: Any, _else: Any) -> IfExpression:
    """Return Argo's ternary ``_if ? _then : _else`` for ``value_from_expression``/``from_expression``."""
    return IfExpression(_if, _then, _else)


class _IOBase(ArgoVar):
    """Shared plumbing: a name, the template that declares it, and the step it is reached through."""

    _scope = "inputs"
    _kind = "parameters"

    def __init__(self) -> None:
        super().__init__("")
        self.name: str | None = None
        self.step: Any = None
        self.template: Any = None

    @property  # type: ignore[override]
    def expr(self) -> str:
        if self.step is not None:
            owner = "tasks" if getattr(self.step, "is_task", False) else "steps"
            return f"{owner}['{self.step.name}'].{self._scope}.{self._kind}['{self.name}']"
        return f"{self._scope}.{self._kind}['{self.name}']"

    @expr.setter
    def expr(self, value: str) -> None:
        pass

    def reference(self) -> str:
        """Argo's template reference, e.g. ``steps.a.outputs.parameters.x``."""
        if self.step is not None:
            owner = "tasks" if getattr(self.step, "is_task", False) else "steps"
            return f"{owner}.{self.step.name}.{self._scope}.{self._kind}.{self.name}"
        return f"{self._scope}.{self._kind}.{self.name}"

    def __repr__(self) -> str:
        return "{{%s}}" % self.reference()

    def bound(self, step: Any) -> Any:
        """A copy of this declaration reached through ``step``."""
        clone = copy.copy(self)
        clone.step = step
        return clone


class InputParameter(_IOBase):
    """An input parameter of a template; ``value`` is its default."""

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
        return self.value is not UNSET


class OutputParameter(_IOBase):
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
        clone = copy.copy(self)
        clone._sub_path = path if self._sub_path is None else f"{self._sub_path}/{path}"
        return clone


class _NamedDict(dict):  # type: ignore[type-arg]
    """A dict that names each declaration after its key and ties it to the owning template."""

    _item_type: type = _IOBase
    _what = "parameter"

    def __init__(self, items: Mapping[str, Any] | None = None, template: Any = None) -> None:
        super().__init__()
        self.template = template
        for key, value in (items or {}).items():
            self[key] = value

    def __setitem__(self, key: str, value: Any) -> None:
        check_io_name(key, f"{self._what} name")
        if not isinstance(value, self._item_type):
            value = self._coerce(key, value)
        value.name = key
        if self.template is not None and value.step is None:
            value.template = self.template
        super().__setitem__(key, value)

    def _coerce(self, key: str, value: Any) -> Any:
        raise TypeError(
            f"{self._what} {key!r} must be declared with {self._item_type.__name__}(...), "
            f"got {type(value).__name__} ({value!r})"
        )


class InputParameters(_NamedDict):
    _item_type, _what = InputParameter, "input parameter"

    def _coerce(self, key: str, value: Any) -> Any:
        # dflow accepts a bare value as a parameter with that default.
        return InputParameter(value=value)


class OutputParameters(_NamedDict):
    _item_type, _what = OutputParameter, "output parameter"


class InputArtifacts(_NamedDict):
    _item_type, _what = InputArtifact, "input artifact"


class OutputArtifacts(_NamedDict):
    _item_type, _what = OutputArtifact, "output artifact"


class Inputs:
    parameters: InputParameters
    artifacts: InputArtifacts
    """A template's inputs: ``parameters`` and ``artifacts`` by name."""

    def __init__(
        self,
        parameters: Mapping[str, InputParameter] | None = None,
        artifacts: Mapping[str, InputArtifact] | None = None,
        template: Any = None,
    ) -> None:
        self._template = template
        # Through __setattr__, which wraps plain dicts.
        self.__setattr__("parameters", parameters or {})
        self.__setattr__("artifacts", artifacts or {})

    def __setattr__(self, key: str, value: Any) -> None:
        # ``template.outputs.parameters = {...}`` (dflow's idiom) names each declaration too.
        if key == "parameters" and not isinstance(value, InputParameters):
            value = InputParameters(value, self.__dict__.get("_template"))
        elif key == "artifacts" and not isinstance(value, InputArtifacts):
            value = InputArtifacts(value, self.__dict__.get("_template"))
        super().__setattr__(key, value)

    def set_template(self, template: Any) -> None:
        self.__dict__["_template"] = template
        for collection in (self.parameters, self.artifacts):
            collection.template = template
            for item in collection.values():
                item.template = template


class Outputs:
    parameters: OutputParameters
    artifacts: OutputArtifacts
    """A template's outputs: ``parameters`` and ``artifacts`` by name."""

    def __init__(
        self,
        parameters: Mapping[str, OutputParameter] | None = None,
        artifacts: Mapping[str, OutputArtifact] | None = None,
        template: Any = None,
    ) -> None:
        self._template = template
        # Through __setattr__, which wraps plain dicts.
        self.__setattr__("parameters", parameters or {})
        self.__setattr__("artifacts", artifacts or {})

    def __setattr__(self, key: str, value: Any) -> None:
        # ``template.outputs.parameters = {...}`` (dflow's idiom) names each declaration too.
        if key == "parameters" and not isinstance(value, OutputParameters):
            value = OutputParameters(value, self.__dict__.get("_template"))
        elif key == "artifacts" and not isinstance(value, OutputArtifacts):
            value = OutputArtifacts(value, self.__dict__.get("_template"))
        super().__setattr__(key, value)

    def set_template(self, template: Any) -> None:
        self.__dict__["_template"] = template
        for collection in (self.parameters, self.artifacts):
            collection.template = template
            for item in collection.values():
                item.template = template


class _BoundView(Mapping[str, Any]):
    """The template's current declarations of one kind, each reached through ``step``.

    Looked up lazily because a recursive ``Steps`` template gets its outputs declared after the
    step that uses it has been created.
    """

    def __init__(self, step: Any, declarations: Any) -> None:
        self._step = step
        self._declarations = declarations
        self._cache: dict[str, Any] = {}

    def _current(self) -> Mapping[str, Any]:
        return self._declarations()  # type: ignore[no-any-return]

    def __getitem__(self, name: str) -> Any:
        current = self._current()
        if name not in current:
            owner = getattr(self._step, "name", "?")
            known = ", ".join(map(repr, current)) or "none"
            raise KeyError(
                f"step {owner!r} has no such {type(current).__name__} entry {name!r}; known: {known}"
            )
        decl = current[name]
        cached = self._cache.get(name)
        if cached is None or cached.__dict__.get("_decl") is not decl:
            cached = decl.bound(self._step)
            cached.__dict__["_decl"] = decl
            self._cache[name] = cached
        return cached

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())

    def __repr__(self) -> str:
        return repr({k: self[k] for k in self})


class BoundIO:
    """``step.inputs`` / ``step.outputs``: the template's declarations reached through one step."""

    def __init__(self, step: Any, side: str) -> None:
        self.parameters = _BoundView(step, lambda: getattr(step.template, side).parameters)
        self.artifacts = _BoundView(step, lambda: getattr(step.template, side).artifacts)
