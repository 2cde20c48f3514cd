"""Which names a cell uses without defining them, and which imports of earlier cells provide them.

A ``%%dflow_op`` cell ships as text, so every global name its code reads must exist where it
runs. :func:`free_names` finds the names read but not bound by the cell (builtins excluded),
:func:`history_imports` finds the import statements of the notebook's earlier cells, and
:func:`resolve` pairs them up: the imports to ship and the names nothing provides.
"""

from __future__ import annotations

import ast
import builtins
import symtable
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "ImportSource",
    "Resolution",
    "describe_names",
    "free_names",
    "history_imports",
    "resolve",
]

#: Names every module has, so a cell may read them without defining them.
_MODULE_NAMES = frozenset(
    {"__name__", "__doc__", "__builtins__", "__spec__", "__loader__", "__package__", "__file__"}
)
#: Cell magics whose body is Python run in the user namespace: their imports count too.
_PYTHON_CELL_MAGICS = frozenset({"dflow_op", "dflow_workflow", "time", "capture", "prun"})


def _bound_at_top(table: symtable.SymbolTable) -> set[str]:
    names = set()
    for symbol in table.get_symbols():
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            names.add(symbol.get_name())
    return names


def _walk_tables(table: symtable.SymbolTable) -> Iterator[symtable.SymbolTable]:
    yield table
    for child in table.get_children():
        yield from _walk_tables(child)


def free_names(source: str, filename: str = "<cell>") -> dict[str, int]:
    """The global names ``source`` reads but does not bind, each with the line of its first use.

    Scoping follows Python's own symbol tables: a name local to a function, a comprehension
    variable or a closure variable is not free; a name a function declares ``global`` and
    assigns counts as bound. Builtins and module attributes (``__name__``...) are left out.

    Raises
    ------
    SyntaxError
        ``source`` is not valid Python.
    """
    top = symtable.symtable(source, filename, "exec")
    bound = _bound_at_top(top)
    read: set[str] = set()
    for table in _walk_tables(top):
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if table is not top and symbol.is_declared_global() and symbol.is_assigned():
                bound.add(name)
            if symbol.is_referenced() and (table is top or symbol.is_global()):
                read.add(name)
    known = bound | set(vars(builtins)) | _MODULE_NAMES
    wanted = read - known
    lines: dict[str, int] = {}
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Name) and node.id in wanted:
            lines[node.id] = min(lines.get(node.id, node.lineno), node.lineno)
    # Names symtable reports but ast cannot place (none known) still get reported, at line 1.
    return {name: lines.get(name, 1) for name in sorted(wanted, key=lambda n: (lines.get(n, 1), n))}


@dataclass(frozen=True)
class ImportSource:
    """An import statement of an earlier cell and the name it binds.

    ``module`` is set for ``from module import *`` (``name`` is then ``"*"``); ``order`` keeps
    the notebook's order (cell index, statement index) so shipped imports run in that order.
    """

    name: str
    statement: str
    order: tuple[int, int]
    module: str | None = None


def _module_statements(tree: ast.AST) -> Iterator[ast.stmt]:
    """Statements that run at module level (inside if/try/with/for too, not in functions)."""
    body: list[ast.stmt] = list(getattr(tree, "body", []))
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                yield from _module_statements(ast.Module(body=inner, type_ignores=[]))
        for handler in getattr(stmt, "handlers", []) or []:
            yield from _module_statements(ast.Module(body=handler.body, type_ignores=[]))


def _cell_magic_body(stmt: ast.stmt) -> str | None:
    """The body of ``get_ipython().run_cell_magic('time', '', body)`` for Python cell magics."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "run_cell_magic"):
        return None
    args = call.args
    if len(args) != 3 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
        return None
    name, body = args[0].value, args[2].value  # type: ignore[attr-defined]
    return body if name in _PYTHON_CELL_MAGICS else None


def _imports_of(source: str, cell_index: int) -> Iterator[ImportSource]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    position = 0
    for stmt in _module_statements(tree):
        body = _cell_magic_body(stmt)
        if body is not None:
            for found in _imports_of(body, cell_index):
                position += 1
                yield ImportSource(found.name, found.statement, (cell_index, position), found.module)
            continue
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                position += 1
                bound = alias.asname or alias.name.split(".", 1)[0]
                text = ast.unparse(ast.Import(names=[alias]))
                yield ImportSource(bound, text, (cell_index, position))
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                position += 1
                text = ast.unparse(ast.ImportFrom(module=stmt.module, names=[alias], level=stmt.level))
                if alias.name == "*":
                    yield ImportSource("*", text, (cell_index, position), module)
                else:
                    yield ImportSource(alias.asname or alias.name, text, (cell_index, position))


def history_imports(history: Sequence[str]) -> tuple[dict[str, ImportSource], list[ImportSource]]:
    """Imports of the notebook's cells, oldest first: ``(by bound name, star imports)``.

    ``history`` is IPython's input history (``In``: cells after IPython's transformations, so
    magics appear as ``get_ipython().run_*_magic(...)`` calls, whose Python bodies are read too).
    A later import of a name replaces an earlier one, as it does when the cells run in order.
    Cells that are not valid Python are skipped.
    """
    named: dict[str, ImportSource] = {}
    stars: list[ImportSource] = []
    for index, source in enumerate(history):
        for found in _imports_of(source, index):
            if found.module is not None:
                stars.append(found)
            else:
                named[found.name] = found
    return named, stars


def _star_provides(star: ImportSource, name: str) -> bool:
    module = sys.modules.get(str(star.module))
    if module is None or not hasattr(module, name):
        return False
    exported = getattr(module, "__all__", None)
    if exported is not None:
        return name in exported
    return not name.startswith("_")


@dataclass(frozen=True)
class Resolution:
    """The imports to ship (in notebook order) and the free names nothing provides."""

    imports: tuple[str, ...]
    unresolved: dict[str, int]


def resolve(free: Mapping[str, int], history: Sequence[str]) -> Resolution:
    """Pair the free names of a cell with the imports of ``history`` that bind them."""
    named, stars = history_imports(history)
    chosen: dict[str, ImportSource] = {}
    missing: dict[str, int] = {}
    for name, line in free.items():
        found = named.get(name)
        if found is None:
            found = next((s for s in reversed(stars) if _star_provides(s, name)), None)
        if found is None:
            missing[name] = line
        else:
            chosen[found.statement] = found
    ordered = sorted(chosen.values(), key=lambda s: s.order)
    return Resolution(tuple(dict.fromkeys(s.statement for s in ordered)), missing)


def describe_names(names: Iterable[str]) -> str:
    """``'a'``, ``'a' and 'b'``, ``'a', 'b' and 'c'``."""
    quoted = [repr(n) for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]
