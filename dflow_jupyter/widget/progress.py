"""``wf.wait()`` in a terminal: a progress bar of steps per phase, then what failed.

Shown only when stderr is a terminal or when asked (``wait(progress=True)``), so scripts that
log to files and test runs stay quiet. The bar is tqdm's; the status is polled through the
backend interface, so it works for any backend.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any, TextIO

from dflow_jupyter.status.model import WorkflowStatus
from dflow_jupyter.status.phase import ACTIVE_PHASES, FAILED_PHASES, FINISHED_PHASES
from dflow_jupyter.widget.graph import counted_steps

__all__ = ["failure_summary", "wait_with_progress", "wants_progress"]

#: Seconds between two looks at the status.
POLL = 0.2
#: Failed steps listed by name at the end.
LISTED_FAILURES = 10
_ORDER = ("Running", "Pending", "Succeeded", "Failed", "Error", "Skipped", "Omitted")


def wants_progress(progress: bool | None, stream: TextIO | None = None) -> bool:
    """``progress`` if given, else whether ``stream`` (stderr) is a terminal."""
    if progress is not None:
        return progress
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _counts_text(counts: Counter[str]) -> str:
    return ", ".join(f"{counts[p]} {p}" for p in _ORDER if counts.get(p))


def failure_summary(status: WorkflowStatus) -> str | None:
    """Which steps failed and how to look at them (None if none did)."""
    failed = [n for n in counted_steps(status) if n.phase in FAILED_PHASES]
    if not failed:
        return (
            None
            if status.phase not in FAILED_PHASES
            else f"workflow {status.name} {status.phase}: {status.message}"
        )
    lines = [
        f"workflow {status.name} {status.phase}: {len(failed)} step{'s' if len(failed) > 1 else ''} failed"
    ]
    for node in failed[:LISTED_FAILURES]:
        lines.append(f"  {node.display_name}: {node.message or node.phase}")
    if len(failed) > LISTED_FAILURES:
        lines.append(f"  ... and {len(failed) - LISTED_FAILURES} more")
    first = failed[0].key or failed[0].display_name
    lines.append(
        f"read a log with: python -m dflow_jupyter logs {status.name} {first}; debug it with: "
        f"python -m dflow_jupyter replay {status.name} {first} --op module:OP --pdb"
    )
    return "\n".join(lines)


def wait_with_progress(backend: Any, workflow_id: str, stream: TextIO | None = None) -> WorkflowStatus:
    """Wait for ``workflow_id`` with a progress bar on ``stream`` (stderr); its final status."""
    stream = stream or sys.stderr
    try:
        from tqdm import tqdm
    except ImportError:  # no bar, but still the summary
        status: WorkflowStatus = backend.wait(workflow_id)
        summary = failure_summary(status)
        if summary:
            print(summary, file=stream)
        return status
    bar = tqdm(total=0, desc=workflow_id, unit="step", file=stream, dynamic_ncols=True, leave=True)
    try:
        while True:
            status = backend.wait(workflow_id, POLL)
            steps = counted_steps(status)
            counts: Counter[str] = Counter(n.phase for n in steps)
            bar.total = len(steps)
            bar.n = sum(counts[p] for p in FINISHED_PHASES)
            bar.set_postfix_str(_counts_text(counts), refresh=False)
            bar.refresh()
            if status.phase not in ACTIVE_PHASES:
                break
    finally:
        bar.close()
    summary = failure_summary(status)
    if summary:
        print(summary, file=stream)
    return status
