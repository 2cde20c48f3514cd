"""``OP``: the unit of work of a workflow, written as a class or as a function.

**Class OPs** subclass :class:`OP`, declare ``get_input_sign()``/``get_output_sign()``
(classmethods returning an ``OPIOSign``) and implement ``execute(self, op_in) -> OPIO``. Decorate
``execute`` with ``@OP.exec_sign_check`` to have inputs and outputs checked against the signs
(without it, nothing is checked, as in dflow)::

    class SimpleExample(OP):
        @classmethod
        def get_input_sign(cls):
            return OPIOSign({"msg": str, "foo": Artifact(Path)})

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({"msg": str, "bar": Artifact(Path)})

        @OP.exec_sign_check
        def execute(self, op_in):
            shutil.copy(op_in["foo"], "bar.txt")
            return OPIO({"msg": op_in["msg"], "bar": Path("bar.txt")})

**Function OPs** are plain functions decorated with ``@OP.function``; the signs come from the
annotations (see :mod:`dflow_jupyter.python.signature`) and are always checked::

    @OP.function
    def SimpleExample(msg: str, foo: Artifact(Path)) -> {"msg": str, "bar": Artifact(Path)}:
        shutil.copy(foo, "bar.txt")
        return {"msg": msg, "bar": Path("bar.txt")}

``OP.function`` returns an *instance* of a generated ``OP`` subclass, as dflow does. Calling it
inside a ``with Workflow(...)``/``DAG``/``Steps`` block adds a task wired to its arguments and
returns references to its outputs; calling it anywhere else just runs it (checked) and returns
its result in the shape of the return annotation.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from dflow_jupyter import _context
from dflow_jupyter.names import random_suffix
from dflow_jupyter.python.errors import short_repr
from dflow_jupyter.python.opio import OPIO, Artifact, BigParameter, OPIOSign, Parameter, _NoDefault
from dflow_jupyter.python.signature import (
    OPIOToRet,
    RetToOPIO,
    evaluated_signature,
    sign_from_function,
)
from dflow_jupyter.python.template import PythonOPTemplate
from dflow_jupyter.python.typecheck import check_keys, check_opio, check_value, fill_defaults
from dflow_jupyter.typenames import type_name

__all__ = ["OP"]

_log = logging.getLogger(__name__)
_PROGRESS_KEYS = frozenset({"progress_total", "progress_current"})


class OP(ABC):
    """Base class of Python OPs (see the module docstring for class vs function OPs).

    Attributes
    ----------
    progress_total, progress_current : int
        Self-reported progress; assigning either on an instance reports ``(current, total)``
        to the engine's ``_progress_hook`` (dflow writes them to ``$ARGO_PROGRESS_FILE``).
    key, workflow_name : str or None
        Set by the engine before ``execute``: the step key and the workflow name.
    slices, tmp_root, create_slice_dir, pool_size
        Slicing context set by the engine, with dflow's defaults.
    """

    progress_total: int = 1
    progress_current: int = 0
    key: str | None = None
    workflow_name: str | None = None
    slices: ClassVar[dict[str, Any]] = {}
    tmp_root: str = "/tmp"
    create_slice_dir: bool = False
    pool_size: int | None = None
    #: Set by the engine: ``hook(current, total)``, called when the progress changes.
    _progress_hook: Callable[[int, int], Any] | None = None
    #: Source text of the OP when defined in a notebook cell (set by the Jupyter magics).
    __dflow_source__: str | None = None
    _early_outputs: dict[str, Any]

    def __new__(cls, *args: Any, **kwargs: Any) -> OP:
        # Set here, not in __init__, because subclasses often define __init__ without super().
        self = super().__new__(cls)
        object.__setattr__(self, "_early_outputs", {})
        return self

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: B027 - optional override
        pass

    def __copy__(self) -> OP:
        """A shallow copy with its own empty early-output buffer and no progress hook.

        Engines run a copy per step, so that steps sharing one OP object (function OPs are
        single instances) never mix their early outputs or progress reports.
        """
        new = type(self).__new__(type(self))
        private = ("_early_outputs", "_progress_hook")
        new.__dict__.update({k: v for k, v in self.__dict__.items() if k not in private})
        return new

    def __setattr__(self, key: str, value: Any) -> None:
        super().__setattr__(key, value)
        if key in _PROGRESS_KEYS:
            hook = self._progress_hook
            if callable(hook):
                try:
                    hook(self.progress_current, self.progress_total)
                except Exception:  # progress reporting must never break the OP
                    _log.debug("progress hook of %s failed", type(self).__name__, exc_info=True)

    @classmethod
    @abstractmethod
    def get_input_sign(cls) -> OPIOSign:
        """The signature of the inputs."""

    @classmethod
    @abstractmethod
    def get_output_sign(cls) -> OPIOSign:
        """The signature of the outputs."""

    @abstractmethod
    def execute(self, op_in: OPIO) -> OPIO:
        """Run the OP on its inputs and return its outputs."""
        raise NotImplementedError

    @staticmethod
    def exec_sign_check(func: Callable[[Any, OPIO], Any]) -> Callable[[Any, OPIO], OPIO]:
        """Decorate ``execute`` so that inputs and outputs are checked against the signs.

        Before ``execute``: declared defaults are filled in (optional artifacts become
        ``None``), then undeclared/missing names and types are checked. After: the same for
        the outputs. Errors are :class:`OPIOKeyError`/:class:`OPIOTypeError` naming the OP
        and the field. The wrapper carries ``__dflow_sign_checked__ = True``.
        """

        @functools.wraps(func)
        def execute_checked(self: Any, op_in: OPIO) -> OPIO:
            name = type(self).__name__
            op_in = _filled_and_checked(self.get_input_sign(), op_in, name, "input")
            op_out = func(self, op_in)
            return _filled_and_checked(self.get_output_sign(), op_out, name, "output")

        execute_checked.__dflow_sign_checked__ = True  # type: ignore[attr-defined]
        return execute_checked

    def set_output(self, name: str, value: Any, symlink: bool = True) -> None:
        """Emit an output now; the engine keeps it even if ``execute`` raises afterwards.

        ``symlink`` is accepted for dflow compatibility (how an artifact is stored is the
        engine's business).
        """
        sign = self.get_output_sign()
        op_name = type(self).__name__
        check_keys(sign, {name: value}, op_name=op_name, direction="output", require_all=False)
        if check_value(sign[name], value) is not None:
            check_opio(  # raises with the full message
                {name: sign[name]}, {name: value}, op_name=op_name, direction="output"
            )
        self._early_outputs[name] = value

    @classmethod
    def function(cls, func: Callable[..., Any] | None = None, **template_kwargs: Any) -> Any:
        """Make a function OP from an annotated function (``@OP.function`` or
        ``@OP.function(image=..., ...)``; keyword arguments go to ``PythonOPTemplate``).

        Returns an instance of a generated subclass of ``cls`` named after the function, with
        ``func``, ``task_kwargs``, ``template_kwargs``, ``use(**task_kwargs)`` and ``__call__``.
        """
        if func is None:
            return functools.partial(cls.function, **template_kwargs)
        input_sign, output_sign, ret2opio, opio2ret = sign_from_function(func)
        signature = evaluated_signature(func)
        n_positional = sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in signature.parameters.values())
        spec = _FunctionSpec(func, input_sign, output_sign, ret2opio, opio2ret, n_positional)
        namespace = {
            "__module__": func.__module__,
            "__qualname__": getattr(func, "__qualname__", func.__name__),
            "__doc__": func.__doc__,
            # Instances need a __name__ too: engines and dflow code read ``op.__name__``.
            "__name__": func.__name__,
            "__signature__": signature,
            "_spec": spec,
            "func": staticmethod(func),
            "template_kwargs": dict(template_kwargs),
            "task_kwargs": {},
            **{k: vars(_FunctionOPMethods)[k] for k in _FunctionOPMethods.copied},
        }
        metaclass: Any = type(cls)  # ABCMeta, or the metaclass of a user's OP subclass
        subclass = metaclass(func.__name__, (cls,), namespace)
        return subclass()

    @classmethod
    def superfunction(cls, func: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """Turn a function that calls function OPs into a DAG template (as dflow does).

        Its parameters become the DAG's inputs and its returned references the DAG's outputs;
        calling the result inside ``with Workflow(...)`` adds the DAG as one task.
        """
        from dflow_jupyter.python.superfunction import superfunction

        if func is None:
            return lambda f: superfunction(f, **kwargs)
        return superfunction(func, **kwargs)


def _filled_and_checked(sign: OPIOSign, values: Any, op_name: str, direction: Any) -> OPIO:
    if not isinstance(values, Mapping):
        check_opio(sign, values, op_name=op_name, direction=direction)  # raises the shape error
    filled = fill_defaults(sign, values)
    defaulted = filled.keys() - values.keys() if len(filled) != len(values) else ()
    check_opio(sign, filled, op_name=op_name, direction=direction, defaulted=defaulted)
    return OPIO(filled)


@dataclass(frozen=True)
class _FunctionSpec:
    """What a function OP class knows about its function."""

    func: Callable[..., Any]
    input_sign: OPIOSign
    output_sign: OPIOSign
    ret2opio: RetToOPIO
    opio2ret: OPIOToRet
    n_positional: int


def _copy_sign(sign: OPIOSign) -> OPIOSign:
    # Callers (the engine, dflow-style slicing) may rewrite entries; hand out copies. A shallow
    # copy per entry is enough and far cheaper than dflow's deepcopy of the whole sign.
    return OPIOSign._trusted({k: _copy_entry(v) for k, v in sign.items()})


def _copy_entry(entry: Any) -> Any:
    # Only the markers (Artifact, Parameter, BigParameter) are mutable; a type, ``list[str]``
    # (a GenericAlias, whose ``__dict__`` is its origin's) or ``List[str]`` is shared as is.
    if not isinstance(entry, _NoDefault):
        return entry
    new = object.__new__(type(entry))
    new.__dict__.update(entry.__dict__)
    return new


class _FunctionOPMethods:
    """Methods copied into every generated function-OP class (a namespace, never instantiated)."""

    copied = ("get_input_sign", "get_output_sign", "execute", "use", "__call__", "__repr__")
    _spec: _FunctionSpec
    task_kwargs: dict[str, Any]
    template_kwargs: dict[str, Any]

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return _copy_sign(cls._spec.input_sign)

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return _copy_sign(cls._spec.output_sign)

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        spec = type(self)._spec
        return OPIO(spec.ret2opio(spec.func(**op_in)))

    def use(self, **task_kwargs: Any) -> Any:
        """A copy of this OP whose calls pass ``task_kwargs`` to the created task/step."""
        new = copy.copy(self)
        new.__dict__["task_kwargs"] = dict(task_kwargs)
        return new

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        spec = type(self)._spec
        name = spec.func.__name__
        op_in = _bind(spec, args, kwargs)
        container = _context.active()
        if container is None:
            return spec.opio2ret(dict(self.execute(OPIO(op_in))))
        sign = spec.input_sign
        check_keys(sign, op_in, op_name=name, direction="input")
        parameters = {k: v for k, v in op_in.items() if not isinstance(sign[k], Artifact)}
        artifacts = {k: v for k, v in op_in.items() if isinstance(sign[k], Artifact)}
        template = PythonOPTemplate(self, **self.template_kwargs)
        # The new step or task adds itself to the open container (see Step.__init__).
        node = container.node_class()(
            f"{name.lower().replace('_', '-')}-{random_suffix()}",
            template,
            parameters=parameters,
            artifacts=artifacts,
            **self.task_kwargs,
        )
        # References to the new node's outputs, for the caller to pass on to the next call.
        return spec.opio2ret({**node.outputs.parameters, **node.outputs.artifacts})

    def __repr__(self) -> str:
        func = type(self)._spec.func
        signature = inspect.signature(func)
        params = []
        for p in signature.parameters.values():
            text = f"{p.name}: {_annotation_text(p.annotation)}"
            params.append(text if p.default is p.empty else f"{text} = {short_repr(p.default)}")
        returns = signature.return_annotation
        tail = "" if returns is signature.empty else f" -> {_annotation_text(returns)}"
        return f"<function OP {func.__name__}({', '.join(params)}){tail}>"


def _annotation_text(annotation: Any) -> str:
    # String annotations (``from __future__ import annotations``) are the user's own spelling.
    if isinstance(annotation, str):
        return annotation
    if isinstance(annotation, dict):
        inner = ", ".join(f"{k!r}: {_annotation_text(v)}" for k, v in annotation.items())
        return "{" + inner + "}"
    if isinstance(annotation, Artifact):
        optional = ", optional=True" if annotation.optional else ""
        return f"Artifact({type_name(annotation.type)}{optional})"
    if isinstance(annotation, (Parameter, BigParameter)):
        return repr(annotation)
    return type_name(annotation)


def _bind(spec: _FunctionSpec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    name = spec.func.__name__
    if len(args) > spec.n_positional:
        raise TypeError(
            f"{name}() takes {spec.n_positional} positional argument"
            f"{'s' if spec.n_positional != 1 else ''} but {len(args)} were given"
        )
    op_in = dict(kwargs)
    for key, value in zip(spec.input_sign, args, strict=False):
        if key in op_in:
            raise TypeError(f"{name}() got multiple values for argument {key!r}")
        op_in[key] = value
    return op_in
