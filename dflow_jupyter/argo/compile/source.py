"""The code a Python OP ships with: its ``%%dflow_op`` cell, its module's source, or (opt-in) a pickle.

Never a silent pickle: a pickle needs the image to run the very Python version of the notebook.
An OP with no source fails to compile with an error naming it, unless pickling is asked for
(``config["argo_pickle_ops"] = True``, or ``template.argo_pickle_op = True`` on one template).
"""

from __future__ import annotations

import base64
import inspect
import sys
from dataclasses import dataclass
from typing import Any

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.config import config

__all__ = ["OPCode", "op_code", "python_literal"]


@dataclass(frozen=True)
class OPCode:
    """How the pod gets the OP.

    Attributes
    ----------
    kind : {"source", "pickle"}
        Module text to execute, or a base64 cloudpickle of the OP.
    payload : str
        The text or the base64 pickle.
    attribute : str
        The (dotted) name the source binds the OP to; empty for a pickle.
    function : bool
        The name binds a plain function that the pod wraps with ``OP.function``.
    """

    kind: str
    payload: str
    attribute: str = ""
    function: bool = False


def python_literal(text: str) -> str:
    """``text`` as a readable triple-quoted Python literal that holds no ``{{`` (Argo would read it
    as a tag) and no sequence that ends the literal early."""
    body = text.replace("\\", "\\\\").replace("'''", "''\\'").replace("{{", "{\\x7b")
    if body.endswith("'"):
        body = body[:-1] + "\\'"
    return "'''" + body + "'''"


def _op_object(template: Any) -> Any:
    return template.op if template.op is not None else template.op_class


def _cell(op: Any) -> OPCode | None:
    cls = op if isinstance(op, type) else type(op)
    # vars(), not getattr(): a subclass defined elsewhere must not ship its parent's cell. Read
    # by duck type so that the compiler does not import the Jupyter front end.
    cell = vars(cls).get("__dflow_cell__")
    if cell is None or not hasattr(cell, "render"):
        return None
    return OPCode("source", str(cell.render()), str(cell.name))


def _defining(template: Any) -> tuple[Any, bool]:
    """The class or function whose source defines the OP, and whether it is a function."""
    func = getattr(template.op_class, "func", None)
    if callable(func) and hasattr(template.op_class, "_spec"):
        return func, True
    return template.op_class, False


def _module_source(template: Any) -> OPCode | None:
    obj, is_function = _defining(template)
    module = sys.modules.get(getattr(obj, "__module__", "") or "")
    if module is None:
        return None
    try:
        if module.__name__ == "__main__":
            # A script: its lines up to the end of the OP, as dflow ships it, so that the rest of
            # the script (which builds and submits the workflow) does not run in the pod.
            lines, start = inspect.getsourcelines(obj)
            text = "".join(inspect.getsourcelines(module)[0][: start - 1 + len(lines)])
        else:
            text = inspect.getsource(module)
    except (OSError, TypeError):
        return None
    name = obj.__qualname__ if "<locals>" not in obj.__qualname__ else ""
    if not name:
        return None
    return OPCode("source", text, name, function=is_function)


def _pickled(template: Any) -> OPCode:
    import cloudpickle

    data = cloudpickle.dumps(_op_object(template))
    return OPCode("pickle", base64.b64encode(data).decode("ascii"))


def op_code(template: Any) -> OPCode:
    """The code ``template``'s OP ships with (see the module docstring).

    Raises
    ------
    CompileError
        The OP has no source (defined in an interactive session, or inside a function) and
        pickling was not asked for.
    """
    if getattr(template, "argo_pickle_op", False) or config.get("argo_pickle_ops"):
        return _pickled(template)
    found = _cell(_op_object(template)) or _module_source(template)
    if found is not None:
        return found
    name = getattr(template.op_class, "__name__", repr(template.op_class))
    raise CompileError(
        f"OP {name!r} has no source to ship to Argo: it was not defined by a %%dflow_op cell, "
        "and its module has no source file (an interactive session) or it is defined inside a "
        "function. Define it in a cell that starts with %%dflow_op or in an importable module; "
        "or ship it pickled with config['argo_pickle_ops'] = True (or template.argo_pickle_op = "
        "True), which needs the image to run this exact Python version with cloudpickle"
    )
