"""``%%dflow_op``: run a cell, find the one OP it defines, bind it, keep its source.

The cell defines either one annotated function (made a function OP with ``OP.function``, whose
signature rules apply) or one class OP (a non-abstract subclass of ``OP``). Functions whose name
starts with ``_`` and functions with no annotation at all are helpers, not candidates.
"""

from __future__ import annotations

import ast
import inspect
import warnings
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.jupyter.card import OPCard
from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.jupyter.freenames import describe_names, free_names, resolve
from dflow_jupyter.jupyter.options import OpOptions, check_identifier
from dflow_jupyter.jupyter.source import CellSource

__all__ = ["DefinedOP", "OpOptions", "UnresolvedNamesWarning", "define_op"]


_MAGIC = "%%dflow_op"


class UnresolvedNamesWarning(UserWarning):
    """A ``%%dflow_op`` cell uses names that its shipped source will not provide."""


@dataclass
class DefinedOP:
    """The outcome of a ``%%dflow_op`` cell."""

    op: Any
    name: str
    source: CellSource
    options: OpOptions
    template: Any = None
    unresolved: dict[str, int] = field(default_factory=dict)

    def card(self) -> OPCard:
        return OPCard.of(
            self.op,
            image=self.options.image,
            settings=self.options.settings(),
            unresolved=list(self.unresolved),
        )


@dataclass
class _Candidate:
    name: str
    kind: str  # "function" or "class"
    line: int
    value: Any
    decorated: bool = False


def _has_annotations(node: ast.FunctionDef) -> bool:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return node.returns is not None or any(a is not None and a.annotation is not None for a in every)


def _find_candidates(tree: ast.Module, namespace: MutableMapping[str, Any]) -> list[_Candidate]:
    from dflow_jupyter.python.op import OP

    found: dict[str, _Candidate] = {}
    hints: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef) and not node.name.startswith("_"):
            raise CommandError(
                f"{_MAGIC}: {node.name!r} is an async function; an OP runs synchronously, so "
                f"define it with 'def {node.name}(...)' instead of 'async def'"
            )
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            value = namespace.get(node.name)
            if isinstance(value, OP):
                found[node.name] = _Candidate(node.name, "function", node.lineno, value, True)
            elif not _has_annotations(node):
                hints.append(
                    f"function {node.name!r} has no annotations (annotate its parameters and "
                    f"return value, e.g. 'def {node.name}(x: int) -> int')"
                )
            elif callable(value):
                found[node.name] = _Candidate(node.name, "function", node.lineno, value)
        elif isinstance(node, ast.ClassDef):
            value = namespace.get(node.name)
            if not isinstance(value, type):
                continue
            if issubclass(value, OP) and not inspect.isabstract(value):
                found[node.name] = _Candidate(node.name, "class", node.lineno, value)
            elif issubclass(value, OP):
                missing = ", ".join(sorted(getattr(value, "__abstractmethods__", ())))
                hints.append(f"class {node.name!r} is abstract (it does not define {missing})")
            elif hasattr(value, "execute"):
                hints.append(f"class {node.name!r} has execute() but does not subclass OP")
    if not found:
        why = "; ".join(hints) if hints else "it defines no function and no class"
        raise CommandError(
            f"{_MAGIC}: the cell defines no OP: {why}. Define one annotated function, e.g. "
            "'def add(a: int, b: int) -> int: return a + b', or one subclass of OP"
        )
    return list(found.values())


def _make_op(
    candidate: _Candidate, name: str, options: OpOptions, namespace: MutableMapping[str, Any]
) -> Any:
    from dflow_jupyter.errors import DflowJupyterError
    from dflow_jupyter.python.op import OP

    template_kwargs = options.template_kwargs()
    try:
        if candidate.kind == "class":
            op_class = candidate.value
            op_class.get_input_sign()
            op_class.get_output_sign()
            if name == candidate.name:
                return op_class
            body = {
                "__module__": namespace.get("__name__", "__main__"),
                "__qualname__": name,
                "__doc__": op_class.__doc__,
            }
            return type(op_class)(name, (op_class,), body)
        func = candidate.value.func if candidate.decorated else candidate.value
        kwargs = dict(candidate.value.template_kwargs) if candidate.decorated else {}
        if name != candidate.name:
            func.__name__ = func.__qualname__ = name
        elif candidate.decorated and not template_kwargs:
            return candidate.value
        return OP.function(func, **{**kwargs, **template_kwargs})
    except (DflowJupyterError, TypeError) as exc:
        raise CommandError(f"{_MAGIC}: {exc}") from None
    except Exception as exc:  # the class's own sign methods failed
        raise CommandError(
            f"{_MAGIC}: class OP {candidate.name!r}: its input/output signs cannot be built: "
            f"{type(exc).__name__}: {exc}; get_input_sign() and get_output_sign() must return "
            "an OPIOSign"
        ) from None


def warn_unresolved(
    op_name: str, unresolved: dict[str, int], namespace: MutableMapping[str, Any], filename: str
) -> None:
    """Warn (every time, not once per location) about names the shipped source lacks."""
    if not unresolved:
        return
    live = [n for n in unresolved if n in namespace]
    dead = [n for n in unresolved if n not in namespace]
    parts = []
    if live:
        parts.append(
            f"{describe_names(live)} {'is' if len(live) == 1 else 'are'} defined in the "
            "notebook but not by this cell or an import"
        )
    if dead:
        parts.append(f"{describe_names(dead)} {'is' if len(dead) == 1 else 'are'} not defined at all")
    message = (
        f"OP {op_name!r} uses names its shipped source will not have: {'; '.join(parts)}. "
        "It runs here, but fails with NameError where it runs outside this notebook: define "
        "them in the cell, or import them (imports of earlier cells are shipped)"
    )
    # warn_explicit with a fresh registry shows the warning on every run of the cell, pointing at
    # the first use in the cell rather than at this module.
    warnings.warn_explicit(message, UnresolvedNamesWarning, filename, min(unresolved.values()), registry={})


def define_op(
    cell: str,
    namespace: dict[str, Any],
    history: Sequence[str],
    options: OpOptions,
    filename: str = "<dflow_op>",
    run: Callable[[Any], None] | None = None,
) -> DefinedOP:
    """Run ``cell`` in ``namespace``, make its OP and bind it (see the module docstring).

    Parameters
    ----------
    cell : str
        The cell text (plain Python; it is what the OP ships with).
    namespace : dict
        The notebook's user namespace: the cell runs in it and the OP is bound in it.
    history : sequence of str
        The notebook's earlier cells (IPython's ``In``), searched for imports.
    options : OpOptions
        The magic's options (``--image``, ``--name``, ``--python-packages``, ``--retries``,
        ``--timeout``, ``--template``).
    filename : str
        The name tracebacks and debuggers show for the cell.
    run : callable, optional
        Executes the compiled cell (default: ``exec`` in ``namespace``).

    Raises
    ------
    CommandError
        The cell is not Python, defines no OP or several, or its OP's signature is invalid.
    """
    __tracebackhide__ = True
    from dflow_jupyter.python.template import PythonOPTemplate

    if options.name is not None:
        check_identifier(options.name, "--name", "the OP is bound to it")
    if options.template is not None:
        check_identifier(options.template, "--template", "the template is bound to it")
    template_kwargs = options.template_kwargs()  # bad --timeout fails before the cell runs
    try:
        tree = ast.parse(cell, filename)
        free = free_names(cell, filename)
    except SyntaxError as exc:
        raise CommandError(
            f"{_MAGIC}: the cell is not valid Python (line {exc.lineno}: {exc.msg}); it must be "
            "plain Python without IPython magics or '!' commands, because its text is what the "
            "OP ships with"
        ) from None
    code = compile(tree, filename, "exec")
    if run is None:
        exec(code, namespace)
    else:
        run(code)
    candidates = _find_candidates(tree, namespace)
    if len(candidates) > 1:
        listed = ", ".join(f"{c.kind} {c.name!r} (line {c.line})" for c in candidates)
        raise CommandError(
            f"{_MAGIC}: the cell defines {len(candidates)} OP candidates: {listed}; a {_MAGIC} "
            "cell makes exactly one OP: move the others to their own cells, or name helper "
            "functions with a leading underscore (_helper)"
        )
    [candidate] = candidates
    name = options.name or candidate.name
    op = _make_op(candidate, name, options, namespace)
    resolution = resolve(free, history)
    source = CellSource(
        cell=cell,
        imports=resolution.imports,
        defined=candidate.name,
        name=name,
        kind="class" if candidate.kind == "class" else "function",
        decorated=candidate.decorated,
    )
    op_class: Any = op if isinstance(op, type) else type(op)
    op_class.__dflow_source__ = cell
    op_class.__dflow_cell__ = source
    template = None
    if options.template is not None:
        try:
            template = PythonOPTemplate(op, **template_kwargs)
        except (ValueError, TypeError) as exc:
            raise CommandError(f"{_MAGIC}: --template {options.template}: {exc}") from None
    namespace[name] = op
    if template is not None and options.template is not None:
        namespace[options.template] = template
    warn_unresolved(name, resolution.unresolved, namespace, filename)
    return DefinedOP(op, name, source, options, template, resolution.unresolved)
