"""The source an OP defined by ``%%dflow_op`` ships with: earlier imports, the cell, its binding.

dflow pickles notebook OPs, which breaks unless the image runs the notebook's exact Python. The
magic keeps the cell's own text instead; :func:`shippable_source` returns a self-contained
module text that defines the OP under its name in any interpreter that has ``dflow_jupyter``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CellSource", "cell_source", "shippable_source"]

_OP_IMPORT = "from dflow_jupyter.python import OP as _dflow_OP"


@dataclass(frozen=True)
class CellSource:
    """What ``%%dflow_op`` recorded about the cell that defined an OP.

    Attributes
    ----------
    cell : str
        The raw cell text (also the OP class's ``__dflow_source__``).
    imports : tuple of str
        Import statements of earlier cells that bind names the cell uses, in notebook order.
    defined : str
        The name the cell's ``def`` or ``class`` statement binds.
    name : str
        The name the OP is bound to (``--name``, else ``defined``).
    kind : {"function", "class"}
        A function OP or a class OP.
    decorated : bool
        The cell's function already carries ``@OP.function``.
    """

    cell: str
    imports: tuple[str, ...]
    defined: str
    name: str
    kind: Literal["function", "class"]
    decorated: bool = False

    def epilogue(self) -> str:
        """Statements that turn what the cell defines into the OP bound to ``name``."""
        renamed = self.name != self.defined
        if self.kind == "class":
            if not renamed:
                return ""
            return (
                f"{self.name} = type({self.defined})({self.name!r}, ({self.defined},), "
                f"{{'__qualname__': {self.name!r}, '__doc__': {self.defined}.__doc__}})"
            )
        if self.decorated and not renamed:
            return ""
        func = f"{self.defined}.func" if self.decorated else self.defined
        lines = [_OP_IMPORT]
        if renamed:
            lines.append(f"_dflow_func = {func}")
            lines.append(f"_dflow_func.__name__ = _dflow_func.__qualname__ = {self.name!r}")
            func = "_dflow_func"
        lines.append(f"{self.name} = _dflow_OP.function({func})")
        return "\n".join(lines)

    def render(self) -> str:
        """The shippable module text (see :func:`shippable_source`)."""
        parts = []
        if self.imports:
            parts.append(
                "# Imports from earlier notebook cells, for names the cell uses.\n" + "\n".join(self.imports)
            )
        parts.append("# The %%dflow_op cell.\n" + self.cell.strip("\n"))
        epilogue = self.epilogue()
        if epilogue:
            parts.append("# Made an OP by %%dflow_op.\n" + epilogue)
        return "\n\n".join(parts) + "\n"


def _op_class(op: Any) -> type:
    return op if isinstance(op, type) else type(op)


def cell_source(op: Any) -> CellSource | None:
    """The :class:`CellSource` of an OP (class or function-OP instance) made by ``%%dflow_op``."""
    # vars(), not getattr(): a subclass defined elsewhere must not inherit its parent's cell.
    found = vars(_op_class(op)).get("__dflow_cell__")
    return found if isinstance(found, CellSource) else None


def shippable_source(op: Any) -> str:
    """A module text that defines ``op`` under its name, runnable without the notebook.

    It holds the imports of earlier cells that the cell needs, the cell's raw text, and the
    statements that make the OP (``name = OP.function(func)`` for a function). Run in a fresh
    interpreter where ``dflow_jupyter`` is importable, it binds the OP to the same name.
    Names the cell uses that nothing provides were reported by ``%%dflow_op`` as warnings;
    they still fail with ``NameError`` there.

    Raises
    ------
    ValueError
        ``op`` was not defined by a ``%%dflow_op`` cell.
    """
    found = cell_source(op)
    if found is None:
        name = getattr(_op_class(op), "__name__", repr(op))
        raise ValueError(
            f"OP {name!r} was not defined by a %%dflow_op cell, so no cell source was kept for "
            "it; define it in a cell that starts with %%dflow_op"
        )
    return found.render()
