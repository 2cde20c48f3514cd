"""The ``%dflow`` subcommands, one implementation behind the line magic and the terminal.

========================  ================================================================
``config KEY=VALUE ...``  set ``config`` keys (values converted as ``DFLOW_*`` variables are)
``mode debug|argo``       choose the backend (only ``debug`` runs workflows in this release)
``list``                  the recorded workflows, newest first
``steps WF``              one row per node: name, key, phase, type, start, end, duration...
``logs WF STEP``          the log of a step (of each step ``STEP`` names)
``terminate WF``          stop a running workflow
``replay WF STEP``        run a finished step's OP again on its recorded inputs (``--pdb``)
========================  ================================================================

In a notebook ``list`` and ``steps`` return pandas DataFrames and ``replay`` returns a
:class:`~dflow_jupyter.jupyter.replay.Replay`; in a terminal (``python -m dflow_jupyter``) tables
are printed as text and ``replay`` needs ``--op module:Name``, as no notebook defines the OP.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from dflow_jupyter.errors import WorkflowNotFound
from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.status.phase import ACTIVE_PHASES, FINISHED_PHASES

__all__ = ["Session", "build_parser", "main", "run"]

CLI_PROG = "python -m dflow_jupyter"
MAGIC_PROG = "%dflow"
#: Seconds ``terminate`` waits for the run to record its end.
TERMINATE_WAIT = 10.0


class _HelpShown(Exception):
    """``--help`` was printed; nothing else to do."""


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that raises ``CommandError`` instead of exiting the process."""

    def error(self, message: str) -> NoReturn:
        raise CommandError(f"{self.prog}: {message}\n{self.format_usage().strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status == 0:
            raise _HelpShown()
        raise CommandError(message or f"{self.prog}: error")


@dataclass
class Session:
    """Where the subcommands run.

    Attributes
    ----------
    namespace : mutable mapping or None
        The notebook's user namespace (workflow variables, OPs); None in a terminal.
    """

    namespace: MutableMapping[str, Any] | None = None

    @property
    def notebook(self) -> bool:
        return self.namespace is not None

    @property
    def prog(self) -> str:
        return MAGIC_PROG if self.notebook else CLI_PROG


def build_parser(session: Session) -> argparse.ArgumentParser:
    """The argument parser of the subcommands (for the magic or the terminal)."""
    parser = _Parser(prog=session.prog, description="Inspect and drive dflow_jupyter workflows.")
    if not session.notebook:
        parser.add_argument(
            "--workdir",
            metavar="DIR",
            help="the debug work directory (default: $DFLOW_DEBUG_WORKDIR or .)",
        )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = sub.add_parser("config", help="set config keys: config KEY=VALUE ...")
    config.add_argument("assignments", nargs="*", metavar="KEY=VALUE")
    mode = sub.add_parser("mode", help="the backend workflows run on: debug (or argo, later)")
    mode.add_argument("mode", nargs="?", metavar="debug|argo")
    sub.add_parser("list", help="the recorded workflows, newest first")
    steps = sub.add_parser("steps", help="one row per node of a workflow")
    steps.add_argument("workflow", metavar="WF", help="a workflow variable, id or name")
    logs = sub.add_parser("logs", help="the log of a step")
    logs.add_argument("workflow", metavar="WF", help="a workflow variable, id or name")
    logs.add_argument("step", metavar="STEP", help="a step key, name or id")
    terminate = sub.add_parser("terminate", help="stop a running workflow")
    terminate.add_argument("workflow", metavar="WF", help="a workflow variable, id or name")
    replay = sub.add_parser("replay", help="run a finished step's OP again on its inputs")
    replay.add_argument("workflow", metavar="WF", help="a workflow variable, id or name")
    replay.add_argument("step", metavar="STEP", help="a step key, name or id")
    replay.add_argument("--pdb", action="store_true", help="open pdb post-mortem if the OP raises")
    replay.add_argument(
        "--op",
        metavar="OP",
        help="the OP to run: module:Name (a .py path works too)"
        + (" or a notebook variable" if session.notebook else ""),
    )
    if not session.notebook:
        sub.add_parser("demo", help="run the demo workflow")
    return parser


def _say(text: str) -> None:
    print(text, file=sys.stdout)


def _config(args: argparse.Namespace, session: Session) -> None:
    from dflow_jupyter.jupyter.settings import config_command

    for line in config_command(args.assignments, session.prog, session.notebook):
        _say(line)


def _mode(args: argparse.Namespace, session: Session) -> None:
    from dflow_jupyter.jupyter.settings import mode_command

    for line in mode_command(args.mode, session.prog, session.notebook):
        _say(line)


def _list(args: argparse.Namespace, session: Session) -> Any:
    from dflow_jupyter.backend import backend_for
    from dflow_jupyter.widget.table import (
        WORKFLOW_COLUMNS,
        text_table,
        workflow_cells,
        workflows_frame as frame,
    )

    backend = backend_for()
    statuses = backend.list()
    if session.notebook:
        return frame(statuses)
    if not statuses:
        _say(f"no workflow is recorded {backend.where()}")
        return None
    _say(text_table(WORKFLOW_COLUMNS, [workflow_cells(s) for s in statuses]))
    return None


def _steps(args: argparse.Namespace, session: Session) -> Any:
    from dflow_jupyter.jupyter.lookup import current_status, resolve_workflow
    from dflow_jupyter.widget.table import StatusTable, readable_steps, steps_frame

    status = current_status(resolve_workflow(args.workflow, session.namespace))
    if session.notebook:
        return readable_steps(steps_frame(status))
    _say(StatusTable(status).text())
    return None


def _logs(args: argparse.Namespace, session: Session) -> None:
    from dflow_jupyter.backend import backend_for
    from dflow_jupyter.jupyter.lookup import current_status, find_pods, one_pod, resolve_workflow

    workflow_id = resolve_workflow(args.workflow, session.namespace)
    status = current_status(workflow_id)
    pods = find_pods(status, args.step)
    if not pods:
        one_pod(status, args.step)  # raises the "no such step" message
    for node in pods:
        if len(pods) > 1:
            _say(f"==> {node.display_name} ({node.phase}) <==")
        text = backend_for().logs(workflow_id, node)
        if text is None:
            _say(f"(step {node.display_name} has no log: it is {node.phase} and did not run)")
            continue
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")


def _terminate(args: argparse.Namespace, session: Session) -> None:
    from dflow_jupyter.jupyter.lookup import current_status, resolve_workflow
    from dflow_jupyter.model.workflow import Workflow

    workflow_id = resolve_workflow(args.workflow, session.namespace)
    status = current_status(workflow_id)
    if status.phase in FINISHED_PHASES:
        _say(f"workflow {workflow_id} has already ended ({status.phase}); nothing to terminate")
        return
    held = (session.namespace or {}).get(args.workflow)
    workflow = held if isinstance(held, Workflow) else Workflow(workflow_id, id=workflow_id)
    workflow.terminate()
    # Terminating is asynchronous: wait (briefly) for the run to record its end.
    deadline = time.monotonic() + TERMINATE_WAIT
    while current_status(workflow_id).phase in ACTIVE_PHASES:
        if time.monotonic() > deadline:
            _say(f"workflow {workflow_id}: termination requested; it is still stopping")
            return
        time.sleep(0.02)
    _say(f"workflow {workflow_id} terminated ({current_status(workflow_id).phase})")


def _replay(args: argparse.Namespace, session: Session) -> Any:
    __tracebackhide__ = True
    from dflow_jupyter.jupyter.lookup import resolve_workflow
    from dflow_jupyter.jupyter.replay import replay_step

    workflow_id = resolve_workflow(args.workflow, session.namespace)
    result = replay_step(
        workflow_id,
        args.step,
        session.namespace,
        op=args.op,
        pdb=args.pdb,
        reraise=session.notebook and not args.pdb,
    )
    if session.notebook:
        return result
    _say(result.text())
    if result.exception is not None and not args.pdb:
        traceback.print_exception(result.exception, file=sys.stderr)
    return result


def _demo(args: argparse.Namespace, session: Session) -> Any:
    from dflow_jupyter.demo import main as demo

    return demo()


_HANDLERS = {
    "config": _config,
    "mode": _mode,
    "list": _list,
    "steps": _steps,
    "logs": _logs,
    "terminate": _terminate,
    "replay": _replay,
    "demo": _demo,
}


def run(argv: Sequence[str], session: Session) -> Any:
    """Run one subcommand; returns what the notebook should display (None in a terminal).

    Raises
    ------
    CommandError
        Bad arguments, or a workflow/step that cannot be found.
    """
    __tracebackhide__ = True
    parser = build_parser(session)
    try:
        args = parser.parse_args(list(argv))
    except _HelpShown:
        return None
    if args.command is None:
        parser.print_help()
        return None
    if getattr(args, "workdir", None):
        from dflow_jupyter.config import config

        config["debug_workdir"] = args.workdir
    try:
        return _HANDLERS[args.command](args, session)
    except WorkflowNotFound as exc:
        raise CommandError(f"{session.prog} {args.command}: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dflow_jupyter SUBCOMMAND ...``: 0 on success, 1 if a replayed OP raised, 2
    on bad input."""
    from dflow_jupyter.jupyter.replay import Replay

    try:
        result = run(list(sys.argv[1:] if argv is None else argv), Session())
    except CommandError as exc:
        text = str(exc)
        print(
            f"error: {text if text.startswith(CLI_PROG) else f'{CLI_PROG}: {text}'}",
            file=sys.stderr,
        )
        return 2
    if isinstance(result, Replay) and not result.succeeded:
        return 1
    if isinstance(result, int):
        return result
    return 0
