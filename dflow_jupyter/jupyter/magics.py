"""IPython magics ``%%dflow_op``, ``%%dflow_workflow``, ``%dflow`` (``%load_ext dflow_jupyter``).

Loading the extension imports only IPython's magic machinery; the engine, the OP layer and pandas
are imported when a magic first needs them. Bad input raises IPython's ``UsageError``, which the
notebook shows as one line without a traceback.
"""

from __future__ import annotations

import shlex
import sys
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

__all__ = ["DflowMagics", "load_ipython_extension", "unload_ipython_extension"]

_MAGIC_NAMES = {"cell": ("dflow_op", "dflow_workflow"), "line": ("dflow",)}


@contextmanager
def _usage_errors() -> Iterator[None]:
    """Turn ``CommandError`` into IPython's ``UsageError`` (one line, no traceback)."""
    __tracebackhide__ = True
    from dflow_jupyter.jupyter.errors import CommandError

    try:
        yield
    except CommandError as exc:
        raise UsageError(str(exc)) from None


def _parse(magic: Callable[..., Any], line: str, prog: str) -> Any:
    try:
        return parse_argstring(magic, line)
    except UsageError as exc:
        # IPython formats the usage as reST ("::" and an indented block): make it one line.
        usage = " ".join(magic.parser.format_usage().replace("::", "").split())  # type: ignore[attr-defined]
        usage = prog + usage[usage.index(" ") :] if " " in usage else prog
        raise UsageError(f"{prog}: {exc}\nusage: {usage} (see {prog}?)") from None
    except SystemExit:  # -h printed the help
        return None


class CellLog:
    """The code of every cell the kernel ran since the extension was loaded, oldest first.

    ``In`` holds only cells run with ``store_history=True``; some front ends (nbval, some
    tools) run cells without it, and ``%%dflow_op`` still has to find their imports.
    """

    limit = 5000

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.cells: list[str] = []

    def __call__(self, info: Any) -> None:  # IPython's pre_run_cell event
        raw = getattr(info, "raw_cell", None)
        if not raw:
            return
        try:
            self.cells.append(self.shell.transform_cell(raw))
        except Exception:  # a cell IPython cannot transform has no imports to offer
            return
        del self.cells[: -self.limit]

    def history(self) -> list[str]:
        """``In`` followed by the logged cells that ``In`` lacks, in the order they ran."""
        stored = list(self.shell.history_manager.input_hist_parsed) if self.shell.history_manager else []
        known = set(stored)
        return stored + [cell for cell in self.cells if cell not in known]


#: One log per shell, kept across %reload_ext (this module is not reloaded with the package).
_CELL_LOGS: weakref.WeakKeyDictionary[Any, CellLog] = weakref.WeakKeyDictionary()


def cell_log(shell: Any) -> CellLog:
    """The :class:`CellLog` of ``shell`` (created on first use)."""
    log = _CELL_LOGS.get(shell)
    if log is None:
        log = _CELL_LOGS[shell] = CellLog(shell)
    return log


@magics_class
class DflowMagics(Magics):
    """``%%dflow_op``, ``%%dflow_workflow`` and ``%dflow``."""

    @property
    def cell_log(self) -> CellLog:
        return cell_log(self.shell)

    @magic_arguments()
    @argument("--image", metavar="IMAGE", help="container image of the OP's steps")
    @argument(
        "--name",
        metavar="NAME",
        help="bind the OP to NAME (its class and template name too) instead of its own name",
    )
    @argument(
        "--python-packages",
        metavar="P",
        nargs="+",
        help="local Python packages shipped with the OP (PythonOPTemplate python_packages)",
    )
    @argument(
        "--retries",
        metavar="N",
        type=int,
        help="retry a failed step up to N times, unless it raised FatalError "
        "(dflow's retry_on_transient_error)",
    )
    @argument("--timeout", metavar="SECONDS", help="kill a step after SECONDS (or 10m, 1h)")
    @argument("--template", metavar="VAR", help="also bind PythonOPTemplate(op, ...) to VAR")
    @cell_magic
    def dflow_op(self, line: str, cell: str) -> Any:
        """Make the cell's function (or class OP) an OP, bound under its own name.

        The cell defines one annotated function, ``def energy(a: float) -> float: ...`` (dflow's
        ``@OP.function`` signature rules), or one subclass of ``OP``. The OP keeps the cell's
        text as its source; imports of earlier cells that the cell needs are shipped with it
        (``dflow_jupyter.jupyter.source.shippable_source(op)``), and names nothing provides are
        reported as a warning. The cell shows the OP's card: name, inputs, outputs, image.
        """
        __tracebackhide__ = True
        from dflow_jupyter.jupyter.cellop import define_op
        from dflow_jupyter.jupyter.options import OpOptions

        args = _parse(self.dflow_op, line, "%%dflow_op")
        if args is None:
            return None
        options = OpOptions(
            image=args.image,
            name=args.name,
            python_packages=args.python_packages,
            retries=args.retries,
            timeout=args.timeout,
            template=args.template,
        )
        shell = self.shell
        assert shell is not None
        filename = shell.compile.cache(cell, shell.execution_count, raw_code=cell)
        history = self.cell_log.history()
        with _usage_errors():
            defined = define_op(cell, shell.user_ns, history, options, filename)
        return defined.card()

    @magic_arguments()
    @argument("name", metavar="NAME", help="the workflow's name (ids are NAME-xxxxx)")
    @argument(
        "--var",
        metavar="VAR",
        help="variable to bind the workflow to (default: NAME as an identifier)",
    )
    @argument("--no-submit", action="store_true", help="compose only; submit later with VAR.submit()")
    @argument("--backend", metavar="debug|argo", help="where to run it (default: config['mode'])")
    @argument(
        "--display",
        metavar="auto|widget|table",
        default="auto",
        help="show the live DAG widget or the status table (default: the widget in a kernel with anywidget)",
    )
    @argument(
        "--allow-failure",
        action="store_true",
        help="let the cell end normally when the workflow fails (default: an error naming the "
        "failed steps, so that Run All stops)",
    )
    @cell_magic
    def dflow_workflow(self, line: str, cell: str) -> None:
        """Compose a workflow from the cell's OP calls, run it and show it live (the DAG widget).

        The cell runs as the body of ``with Workflow(NAME) as VAR:``: calling function OPs adds
        tasks whose dependencies follow the data they pass each other. Once submitted, what the
        calls returned reads as values (``out["x"].value``); a failed run ends the cell with an
        error naming the failed steps (``--allow-failure`` to go on).
        """
        __tracebackhide__ = True
        from IPython.display import display

        from dflow_jupyter.jupyter.workflow_cell import WorkflowCellOptions, run_workflow_cell

        args = _parse(self.dflow_workflow, line, "%%dflow_workflow")
        if args is None:
            return
        shell = self.shell
        assert shell is not None
        source = shell.transform_cell(cell)
        filename = shell.compile.cache(source, shell.execution_count, raw_code=cell)
        code = compile(source, filename, "exec")

        def run_body() -> None:
            __tracebackhide__ = True
            exec(code, shell.user_ns)

        options = WorkflowCellOptions(
            args.name,
            var=args.var,
            submit=not args.no_submit,
            backend=args.backend,
            display=args.display,
            allow_failure=args.allow_failure,
        )
        with _usage_errors():
            run_workflow_cell(options, shell.user_ns, run_body, display)

    @line_magic
    def dflow(self, line: str) -> Any:
        """``%dflow config|mode|list|steps|logs|terminate|replay ...`` (``%dflow -h`` for help)."""
        __tracebackhide__ = True
        from dflow_jupyter.jupyter.commands import Session, run

        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UsageError(f"%dflow: {exc} (check the quotes)") from None
        assert self.shell is not None
        with _usage_errors():
            return run(argv, Session(namespace=self.shell.user_ns))


#: Where a notebook's runs are recorded unless ``debug_workdir`` is set (beside the notebook).
NOTEBOOK_WORKDIR = "dflow-runs"


def notebook_workdir() -> None:
    """Record a notebook's runs in one folder, ``dflow-runs/`` beside it, not one per run.

    Only when ``debug_workdir`` is still its default (the current directory) and
    ``DFLOW_DEBUG_WORKDIR`` is not set: a choice the user made is kept.
    """
    import os

    from dflow_jupyter.config import config

    if config["debug_workdir"] == "." and "DFLOW_DEBUG_WORKDIR" not in os.environ:
        config["debug_workdir"] = os.path.abspath(NOTEBOOK_WORKDIR)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dflow_jupyter``: register the magics (and the log of cells run)."""
    notebook_workdir()
    ipython.register_magics(DflowMagics)
    log = cell_log(ipython)
    if log not in ipython.events.callbacks["pre_run_cell"]:
        ipython.events.register("pre_run_cell", log)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext dflow_jupyter``: remove the magics and stop live displays."""
    live = sys.modules.get("dflow_jupyter.jupyter.live")  # nothing to stop if never imported
    if live is not None:
        live.stop_all()
    manager = ipython.magics_manager
    log = cell_log(ipython)
    if log in ipython.events.callbacks["pre_run_cell"]:
        ipython.events.unregister("pre_run_cell", log)
    for kind, names in _MAGIC_NAMES.items():
        for name in names:
            manager.magics[kind].pop(name, None)
    manager.registry.pop(DflowMagics.__name__, None)
