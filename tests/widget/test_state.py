"""Node states and the summary: the header names the step that failed, not its node id."""

from __future__ import annotations

from collections import Counter

from test_layout import _Tree

from dflow_jupyter.widget.state import readable_message, summary_of


def _failed_run() -> tuple[object, str]:
    """root DAG -> inner Steps -> [0] -> explode (failed); each level says which child failed."""
    t = _Tree("wf", "DAG")
    inner = t.add("wf.inner", "Steps", "wf", t.root.id, "Failed")
    group = t.add("wf.inner[0]", "StepGroup", inner.id, inner.id, "Failed")
    explode = t.add("wf.inner[0].explode", "Pod", inner.id, group.id, "Failed")
    explode.message = "ValueError: boom"
    group.message = f"child '{explode.id}' failed"
    inner.message = f"child '{group.id}' failed"
    t.status.message = f"child '{inner.id}' failed"
    t.status.phase = "Failed"
    return t.status, explode.id


def test_the_header_names_the_step_that_failed() -> None:
    status, _ = _failed_run()
    summary = summary_of(status, Counter({"Failed": 1}), 1)  # type: ignore[arg-type]
    assert summary["message"] == "step 'explode' failed: ValueError: boom"
    assert "wf-" not in summary["message"]


def test_other_messages_name_their_nodes() -> None:
    status, explode = _failed_run()
    assert readable_message(f"terminated while '{explode}' ran", status) == "terminated while 'explode' ran"  # type: ignore[arg-type]
    assert readable_message("Stopped by the user", status) == "Stopped by the user"  # type: ignore[arg-type]
    assert readable_message("child 'nowhere' failed", status) == "child 'nowhere' failed"  # type: ignore[arg-type]
    assert readable_message(None, status) is None  # type: ignore[arg-type]
