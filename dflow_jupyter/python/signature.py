"""Deriving a function OP's input/output signs from the function's annotations.

Inputs come from the parameters: ``x: int`` (a typed parameter), ``x: Artifact(Path)``,
``x: Parameter(int, ...)`` or ``x: BigParameter(...)``; a parameter default becomes the
sign's default (``x: int = 1`` is ``Parameter(int, default=1)``; an artifact may default to
``None`` only, which makes it optional).

Outputs come from the return annotation, as in dflow:

========================================  ==================================  ===============
return annotation                         output names                        call returns
========================================  ==================================  ===============
``{"msg": str, "bar": Artifact(Path)}``   ``msg``, ``bar``                    the dict
``TypedDict`` class                       its keys                            the dict
``NamedTuple`` class                      its fields                          the named tuple
``Tuple[int, str]`` / ``tuple[int, str]`` ``dflow_output_0``, ``..._1``        a tuple
any other type or ``Artifact(...)``       ``dflow_output``                    the value
``None`` or no annotation                 (none)                              ``None``
========================================  ==================================  ===============

Annotations written as strings (``from __future__ import annotations``) are evaluated in the
function's module globals plus its closure variables.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import warnings
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin, get_type_hints, is_typeddict

from dflow_jupyter.python.errors import OPIOTypeError, OPSignatureError, short_repr
from dflow_jupyter.python.opio import Artifact, BigParameter, OPIOSign, Parameter, is_type_like
from dflow_jupyter.typenames import type_name

__all__ = [
    "OPIOToRet",
    "RetToOPIO",
    "evaluated_signature",
    "sign_from_function",
    "sign_from_return_type",
]

#: Converts what the function returned into a dict of outputs.
RetToOPIO = Callable[[Any], dict[str, Any]]
#: Converts a mapping of outputs (values, or references inside a workflow) back to a return.
OPIOToRet = Callable[[Mapping[str, Any]], Any]

_SIGN_CLASSES = (Artifact, Parameter, BigParameter)
_USAGE = "use a type (e.g. int, List[str]), Artifact(Path), Parameter(int, ...) or BigParameter(...)"


def _evaluate(func: Any, annotation: Any, what: str) -> Any:
    if not isinstance(annotation, str):
        return annotation
    namespace = dict(getattr(func, "__globals__", {}))
    with contextlib.suppress(TypeError, ValueError):  # builtins and C functions have none
        namespace.update(inspect.getclosurevars(func).nonlocals)
    try:
        return eval(annotation, namespace)
    except Exception as exc:
        raise OPSignatureError(
            f"OP function {func.__name__!r}: cannot evaluate the annotation of {what} "
            f"({annotation!r}): {type(exc).__name__}: {exc}. With 'from __future__ import "
            "annotations' the names used in annotations must be importable from the module "
            "(define them at module level)",
            func.__name__,
        ) from exc


def _input_entry(func_name: str, param: inspect.Parameter, annotation: Any) -> Any:
    has_default = param.default is not inspect.Parameter.empty
    if annotation is inspect.Parameter.empty:
        example = (
            f"{param.name}: {type(param.default).__name__} = {short_repr(param.default)}"
            if has_default and param.default is not None
            else f"{param.name}: int"
        )
        raise OPSignatureError(
            f"OP function {func_name!r}: parameter {param.name!r} has no type annotation; "
            f"annotate it, e.g. '{example}'",
            func_name,
            param.name,
        )
    if isinstance(annotation, Artifact):
        entry = copy.copy(annotation)  # the annotation object may be shared by several functions
        if has_default:
            if param.default is not None:
                raise OPSignatureError(
                    f"OP function {func_name!r}: artifact parameter {param.name!r} defaults to "
                    f"{short_repr(param.default)}; an artifact can only default to None, "
                    "which makes it optional",
                    func_name,
                    param.name,
                )
            entry.optional = True
        return entry
    if isinstance(annotation, (Parameter, BigParameter)):
        param_entry = copy.copy(annotation)
        if has_default:
            param_entry.default = param.default
        return param_entry
    if is_type_like(annotation):
        return Parameter(annotation, default=param.default) if has_default else annotation
    raise OPSignatureError(
        f"OP function {func_name!r}: parameter {param.name!r} has an unsupported annotation "
        f"{short_repr(annotation)}; {_USAGE}",
        func_name,
        param.name,
    )


def _output_entry(func_name: str, name: str, annotation: Any) -> Any:
    if isinstance(annotation, _SIGN_CLASSES):
        return copy.copy(annotation)
    if is_type_like(annotation):
        return annotation
    raise OPSignatureError(
        f"OP function {func_name!r}: output {name!r} has an unsupported annotation "
        f"{short_repr(annotation)}; {_USAGE}",
        func_name,
        name,
    )


def _shape_error(func_name: str, promised: str, value: Any, example: str) -> OPIOTypeError:
    return OPIOTypeError(
        f"OP function {func_name!r} is annotated to return {promised} but returned "
        f"{type(value).__name__} ({short_repr(value)}); return {example}",
        func_name,
        "return",
        "output",
        expected=promised,
        got=value,
    )


def _named_outputs(
    func_name: str, fields: Mapping[str, Any], tuple_cls: Any
) -> tuple[OPIOSign, RetToOPIO, OPIOToRet]:
    names = list(fields)
    sign = OPIOSign({n: _output_entry(func_name, n, t) for n, t in fields.items()})
    promised = f"{type_name(tuple_cls)} ({', '.join(names)})" if tuple_cls else "a tuple"

    def ret2opio(value: Any) -> dict[str, Any]:
        if not isinstance(value, (tuple, list)) or len(value) != len(names):
            raise _shape_error(func_name, promised, value, f"a tuple of {len(names)} values")
        return dict(zip(names, value, strict=True))

    def opio2ret(outputs: Mapping[str, Any]) -> Any:
        values = [outputs.get(n) for n in names]
        return tuple_cls(*values) if tuple_cls else tuple(values)

    return sign, ret2opio, opio2ret


def _field_types(cls: Any) -> dict[str, Any]:
    # Resolves string annotations of TypedDict/NamedTuple classes defined under
    # ``from __future__ import annotations``.
    try:
        return get_type_hints(cls)
    except Exception:
        return dict(getattr(cls, "__annotations__", {}))


def sign_from_return_type(func_name: str, t: Any) -> tuple[OPIOSign, RetToOPIO, OPIOToRet]:
    """The output sign and both converters for a return annotation ``t`` (see module doc)."""
    if isinstance(t, dict) or is_typeddict(t):
        fields = t if isinstance(t, dict) else _field_types(t)
        bad = [k for k in fields if not isinstance(k, str)]
        if bad:
            raise OPSignatureError(
                f"OP function {func_name!r}: output names must be str, got {short_repr(bad[0])}",
                func_name,
            )
        sign = OPIOSign({k: _output_entry(func_name, k, v) for k, v in fields.items()})
        example = "a dict like {" + ", ".join(f"{k!r}: ..." for k in fields) + "}"

        def dict_ret2opio(value: Any) -> dict[str, Any]:
            if not isinstance(value, Mapping):
                raise _shape_error(func_name, "a dict of outputs", value, example)
            return dict(value)

        return sign, dict_ret2opio, dict
    if isinstance(t, type) and issubclass(t, tuple) and hasattr(t, "_fields"):
        fields = _field_types(t)
        return _named_outputs(func_name, {f: fields.get(f, Any) for f in t._fields}, t)
    args = get_args(t)
    if get_origin(t) is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        # A variable-length Tuple[int, ...] cannot map to fixed outputs: it stays one output.
        fields = {f"dflow_output_{i}": a for i, a in enumerate(args)}
        return _named_outputs(func_name, fields, None)
    if t is None or t is type(None) or t is inspect.Signature.empty:
        explicit = t is not inspect.Signature.empty

        def none_ret2opio(value: Any) -> dict[str, Any]:
            if value is not None:
                why = "is annotated '-> None'" if explicit else "has no return annotation"
                warnings.warn(
                    f"OP function {func_name!r} returned {short_repr(value)} but {why}, so it "
                    "declares no outputs and the value is discarded; annotate the return type, "
                    "e.g. '-> int' or '-> {\"x\": int}'",
                    stacklevel=2,
                )
            return {}

        return OPIOSign(), none_ret2opio, lambda outputs: None
    entry = _output_entry(func_name, "dflow_output", t)
    return (
        OPIOSign({"dflow_output": entry}),
        lambda value: {"dflow_output": value},
        lambda outputs: outputs["dflow_output"],
    )


def evaluated_signature(func: Callable[..., Any]) -> inspect.Signature:
    """``inspect.signature(func)`` with string annotations evaluated (see the module doc)."""
    signature = inspect.signature(func)
    params = [
        p.replace(annotation=_evaluate(func, p.annotation, f"parameter {p.name!r}"))
        for p in signature.parameters.values()
    ]
    returns = _evaluate(func, signature.return_annotation, "the return value")
    return signature.replace(parameters=params, return_annotation=returns)


def sign_from_function(func: Callable[..., Any]) -> tuple[OPIOSign, OPIOSign, RetToOPIO, OPIOToRet]:
    """``(input_sign, output_sign, ret2opio, opio2ret)`` of a function, from its annotations.

    Raises
    ------
    OPSignatureError
        A parameter lacks an annotation or has an unsupported one, a parameter is ``*args``,
        ``**kwargs`` or positional-only, an artifact defaults to something other than ``None``,
        or an annotation string cannot be evaluated.
    """
    name = getattr(func, "__name__", type(func).__name__)
    if not callable(func):
        raise OPSignatureError(f"OP.function expects a function, got {short_repr(func)}")
    signature = inspect.signature(func)
    input_sign = OPIOSign()
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            forms: dict[Any, str] = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}
            form = forms.get(param.kind, "")
            raise OPSignatureError(
                f"OP function {name!r}: parameter {form}{param.name} is not supported; every "
                "input of an OP has a name, so use ordinary named parameters (a list or dict "
                "parameter can carry a variable number of values)",
                name,
                param.name,
            )
        annotation = _evaluate(func, param.annotation, f"parameter {param.name!r}")
        input_sign[param.name] = _input_entry(name, param, annotation)
    returns = _evaluate(func, signature.return_annotation, "the return value")
    output_sign, ret2opio, opio2ret = sign_from_return_type(name, returns)
    return input_sign, output_sign, ret2opio, opio2ret
