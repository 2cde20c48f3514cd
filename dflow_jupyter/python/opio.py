"""Signatures (``OPIOSign``, ``Artifact``, ``Parameter``, ``BigParameter``) and values (``OPIO``).

An OP declares its inputs and outputs as an :class:`OPIOSign`, a mapping of name to one of

* a type (``str``, ``List[int]``, ...) or :class:`Parameter` -- a value passed by value;
* :class:`BigParameter` -- a value too big for a workflow parameter (stored as a file remotely);
* :class:`Artifact` -- a file or directory (or a list/set/dict/nested dict of them) passed by
  path.

At run time the OP receives and returns an :class:`OPIO`, a mapping of the same names to
values. Both behave like ``dict`` (``==``, ``repr``, ``copy()``), as in dflow.
"""

from __future__ import annotations

import copy
import types
from collections.abc import ItemsView, Iterator, KeysView, Mapping, MutableMapping, ValuesView
from pathlib import Path
from typing import (  # noqa: UP035 - dflow compares artifact types with the typing generics
    Any,
    ClassVar,
    Dict,
    ForwardRef,
    Generic,
    List,
    NewType,
    Set,
    TypeVar,
    get_origin,
)

from dflow_jupyter.config import config
from dflow_jupyter.python.errors import OPSignatureError, short_repr
from dflow_jupyter.typenames import type_name

__all__ = [
    "ARTIFACT_ALLOWED_TYPES",
    "OPIO",
    "Artifact",
    "BigParameter",
    "NestedDict",
    "NestedDictBase",
    "NestedDictPath",
    "NestedDictStr",
    "OPIOSign",
    "Parameter",
    "is_type_like",
]


class NestedDictBase:
    """Marker base of ``NestedDict[str]`` and ``NestedDict[Path]`` (never instantiated)."""

    #: The type of the leaves (``str`` or ``Path``).
    leaf: ClassVar[type]
    __dflow_type_name__: ClassVar[str]


class NestedDictStr(NestedDictBase):
    """``NestedDict[str]``: a dict (of dicts/lists) whose leaves are path strings."""

    leaf = str
    __dflow_type_name__ = "NestedDict[str]"


class NestedDictPath(NestedDictBase):
    """``NestedDict[Path]``: a dict (of dicts/lists) whose leaves are ``Path`` objects."""

    leaf = Path
    __dflow_type_name__ = "NestedDict[Path]"


_Leaf = TypeVar("_Leaf")


class NestedDict(Generic[_Leaf]):
    """Artifact type of a nested dict of paths: write ``Artifact(NestedDict[Path])``.

    ``NestedDict[str]`` and ``NestedDict[Path]`` are the only forms, and they are classes, so
    ``NestedDict[Path] is NestedDict[Path]`` (dflow's ``NestedDict`` is a dict with these keys).
    It is ``Generic`` only so that type checkers accept the subscription.
    """

    _forms: ClassVar[dict[Any, type[NestedDictBase]]] = {str: NestedDictStr, Path: NestedDictPath}

    def __class_getitem__(cls, leaf: Any) -> type[NestedDictBase]:
        try:
            return cls._forms[leaf]
        except (KeyError, TypeError):
            raise TypeError(
                f"NestedDict[{type_name(leaf)}] is not supported; use NestedDict[str] or NestedDict[Path]"
            ) from None


#: The types an :class:`Artifact` may declare, exactly dflow's list (without HDF5 datasets).
ARTIFACT_ALLOWED_TYPES: tuple[Any, ...] = (
    str,
    Path,
    List[str],  # noqa: UP006 - dflow compares against the typing generics
    List[Path],  # noqa: UP006
    Set[str],  # noqa: UP006
    Set[Path],  # noqa: UP006
    Dict[str, str],  # noqa: UP006
    Dict[str, Path],  # noqa: UP006
    NestedDictStr,
    NestedDictPath,
)

_ALLOWED_NAMES = ", ".join(type_name(t) for t in ARTIFACT_ALLOWED_TYPES)


def _artifact_type_error(value: Any) -> OPSignatureError:
    hint = ""
    origin = get_origin(value)
    if origin in (list, set, dict) and not hasattr(value, "_name"):
        # ``list[Path] == List[Path]`` is False, and dflow matches artifact types by equality.
        hint = f"; write it with the typing generics, e.g. {type_name(origin).capitalize()}[...]"
    elif type_name(value).startswith("Optional["):
        hint = "; for an artifact that may be absent use Artifact(<type>, optional=True)"
    return OPSignatureError(
        f"Artifact({type_name(value)}): {type_name(value)} is not an allowed artifact type"
        f"{hint}. Allowed types: {_ALLOWED_NAMES} (List/Set/Dict from typing, NestedDict from "
        "dflow_jupyter.python)"
    )


def is_type_like(value: Any) -> bool:
    """True if ``value`` can serve as a type annotation of a parameter.

    Classes, typing constructs (``List[int]``, ``Optional[str]``, ``Literal[...]``, ``Any``),
    ``X | Y`` unions, type variables, ``NewType`` and ``None`` qualify; strings do not (they
    would be forward references that nothing resolves).
    """
    if value is None or isinstance(value, (type, TypeVar, NewType, types.UnionType, ForwardRef)):
        return True
    if get_origin(value) is not None:
        return True
    # Unsubscripted special forms (Any on 3.10, Union, Literal, ...) live in the typing module.
    return type(value).__module__ in ("typing", "typing_extensions") and not isinstance(value, str)


def _check_parameter_type(owner: str, value: Any) -> None:
    if not is_type_like(value):
        hint = f"; write {owner}({value})" if isinstance(value, str) else ""
        raise OPSignatureError(
            f"{owner}(type={short_repr(value)}): the type must be a class or a typing "
            f"construct such as int, str, List[float] or Optional[dict], got "
            f"{type(value).__name__}{hint}"
        )


class _NoDefault:
    """Why ``.default`` is absent: mirrors dflow, where ``hasattr(sign, "default")`` is the test."""

    def __getattr__(self, name: str) -> Any:
        if name == "default":
            raise AttributeError(
                f"{self!r} has no default; test .has_default (or hasattr(sign, 'default')) first"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def has_default(self) -> bool:
        """True if a default value was declared."""
        return "default" in self.__dict__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # typing.TypedDict / NamedTuple accept only callables as field types; being callable
        # lets ``TypedDict("out", {"x": Artifact(Path)})`` work, as in dflow.
        raise TypeError(f"{self!r} is a signature marker and cannot be called")


class Artifact(_NoDefault):
    """Signature of an input/output artifact: a file or directory passed by path.

    Parameters
    ----------
    type : type
        One of ``str, Path, List[str], List[Path], Set[str], Set[Path], Dict[str, str],
        Dict[str, Path], NestedDict[str], NestedDict[Path]`` (see ``ARTIFACT_ALLOWED_TYPES``).
    archive : str or None
        Compression of an output artifact; ``"default"`` means ``config["archive_mode"]``.
    save : list, optional
        Where to store the output artifact instead of the default storage.
    optional : bool
        An optional input artifact may be absent (the OP then receives ``None``).
    global_name : str, optional
        Name of the artifact among the workflow's global outputs.
    sub_path : bool
        For a single ``str``/``Path`` input, give the file inside the artifact, as dflow does.
    """

    def __init__(
        self,
        type: Any,
        archive: str | None = "default",
        save: list[Any] | None = None,
        optional: bool = False,
        global_name: str | None = None,
        sub_path: bool = True,
    ) -> None:
        self.type = type
        self.archive = config["archive_mode"] if archive == "default" else archive
        self.save = save
        self.optional = optional
        self.global_name = global_name
        self.sub_path = sub_path

    def __setattr__(self, key: str, value: Any) -> None:
        # Validated on every assignment, as in dflow, because the engine rewrites ``type``.
        if key == "type" and not any(value is t or value == t for t in ARTIFACT_ALLOWED_TYPES):
            raise _artifact_type_error(value)
        super().__setattr__(key, value)

    def __repr__(self) -> str:
        return f"Artifact(type={type_name(self.type)}, optional={self.optional}, sub_path={self.sub_path})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


class Parameter(_NoDefault):
    """Signature of a parameter: a value passed by value.

    Parameters
    ----------
    type : type
        Any type annotation (``int``, ``List[float]``, ``Optional[str]``, ...); values are
        checked against it.
    global_name : str, optional
        Name of the parameter among the workflow's global outputs.
    default : Any, optional
        Makes the input (or output) optional. Left out, the attribute ``default`` does not
        exist (``has_default`` is False), as in dflow.
    """

    def __init__(self, type: Any, global_name: str | None = None, **kwargs: Any) -> None:
        _check_parameter_type(self.__class__.__name__, type)
        unknown = set(kwargs) - {"default"}
        if unknown:
            raise TypeError(
                f"Parameter() got unexpected keyword argument(s) {sorted(unknown)}; "
                "accepted: type, global_name, default"
            )
        self.type = type
        self.global_name = global_name
        if "default" in kwargs:
            self.default = kwargs["default"]

    def __repr__(self) -> str:
        default = f", default={short_repr(self.__dict__['default'])}" if self.has_default else ""
        return f"{self.__class__.__name__}(type={type_name(self.type)}{default})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


class BigParameter(_NoDefault):
    """Signature of a big parameter: like :class:`Parameter`, but stored as a file remotely.

    Parameters
    ----------
    type : type
        Any type annotation; values are checked against it.
    default : Any, optional
        Makes the input optional; absent unless given (see ``has_default``).
    """

    def __init__(self, type: Any, **kwargs: Any) -> None:
        _check_parameter_type("BigParameter", type)
        unknown = set(kwargs) - {"default"}
        if unknown:
            raise TypeError(
                f"BigParameter() got unexpected keyword argument(s) {sorted(unknown)}; "
                "accepted: type, default"
            )
        self.type = type
        if "default" in kwargs:
            self.default = kwargs["default"]

    __repr__ = Parameter.__repr__
    __eq__ = Parameter.__eq__
    __hash__ = None  # type: ignore[assignment]


class _DictLike(MutableMapping[str, Any]):
    """A ``dict`` in a ``MutableMapping`` coat, as dflow's ``OPIO`` and ``OPIOSign`` are.

    The read paths (views, ``get``, ``==``) go straight to the inner dict because OPIOs are
    checked on every OP call and the generic ``Mapping`` mixins are several times slower.
    """

    _data: dict[str, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._data = {}
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    @classmethod
    def _trusted(cls, data: dict[str, Any]) -> Any:
        """Wrap ``data`` (not copied) without validating it: for already-checked entries."""
        new = cls.__new__(cls)
        new._data = data
        return new

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: str) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def keys(self) -> KeysView[str]:
        return self._data.keys()

    def values(self) -> ValuesView[Any]:
        return self._data.values()

    def items(self) -> ItemsView[str, Any]:
        return self._data.items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _DictLike):
            return self._data == other._data
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self._data)

    def copy(self) -> Any:
        """A shallow copy of the same class."""
        new = copy.copy(self)
        new._data = dict(self._data)
        return new


class OPIOSign(_DictLike):
    """The signature of an OP's inputs or outputs: name -> type | Artifact | Parameter | ...

    Entries are validated when set, so a typo such as ``{"x": 3}`` fails where it is written.
    """

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise OPSignatureError(f"OPIOSign: names must be str, got {short_repr(key)}")
        if not isinstance(value, (Artifact, Parameter, BigParameter)) and not is_type_like(value):
            hint = f"; did you mean {value}, without quotes?" if isinstance(value, str) else ""
            raise OPSignatureError(
                f"OPIOSign: entry {key!r} must be a type (e.g. int, List[str]), Artifact(...), "
                f"Parameter(...) or BigParameter(...), got {type(value).__name__} "
                f"({short_repr(value)}){hint}",
                field=key,
            )
        self._data[key] = value


class OPIO(_DictLike):
    """The values of an OP's inputs or outputs: name -> value (artifacts as paths)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._data = dict(*args, **kwargs)
