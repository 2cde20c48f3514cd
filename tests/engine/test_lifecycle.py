"""Keys, queries, reuse, restart, terminate, progress and engine events."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from dflow_jupyter import Step, Workflow, config, events, upload_artifact
from dflow_jupyter.errors import InvalidNameError, WorkflowNotFound
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate


@OP.function
def plus(x: int, y: int) -> {"z": int}:  # type: ignore[valid-type]
    return {"z": x + y}


@OP.function
def fail_once(x: int, marker: str) -> {"z": int}:  # type: ignore[valid-type]
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise RuntimeError("first run fails")
    return {"z": x + 1}


@OP.function
def count_runs(x: int, log: str) -> {"z": int}:  # type: ignore[valid-type]
    with open(log, "a") as handle:
        handle.write(f"{x}\n")
    return {"z": x + 1}


class Slow(OP):
    progress_total = 4

    @classmethod
    def get_input_sign(cls):  # type: ignore[no-untyped-def]
        from dflow_jupyter.python import OPIOSign

        return OPIOSign({"delay": float})

    @classmethod
    def get_output_sign(cls):  # type: ignore[no-untyped-def]
        from dflow_jupyter.python import OPIOSign

        return OPIOSign({"done": int})

    def execute(self, op_in):  # type: ignore[no-untyped-def]
        from dflow_jupyter.python import OPIO

        for i in range(4):
            time.sleep(op_in["delay"])
            self.progress_current = i + 1
        return OPIO({"done": 4})


def test_keys_templated_and_queried() -> None:
    step = Step(
        "fan",
        PythonOPTemplate(plus),
        parameters={"x": "{{item}}", "y": 1},
        with_param=[0, 1, 2],
        key="fan-{{item}}",
    )
    wf = Workflow("keys")
    wf.add(step)
    wf.submit()
    assert wf.query_keys_of_steps() == ["fan-0", "fan-1", "fan-2"]
    [one] = wf.query_step(key="fan-1")
    assert one.key == "fan-1" and one.outputs.parameters["z"].value == 2
    [two] = wf.query_step_by_key("fan-2")
    assert two.outputs.parameters["z"].value == 3
    assert len(wf.query_step(key=["fan-0", "fan-2"])) == 2
    assert wf.query_step(phase="Succeeded", type="Pod", key="fan-0")[0].id == wf.query_step(key="fan-0")[0].id
    assert wf.query_step(id=one.id)[0].key == "fan-1"
    assert [s.displayName for s in wf.query_step(name="fan(1:1)")] == ["fan(1:1)"]
    step_dir = Path(config["debug_workdir"]) / str(wf.id) / "fan-1"
    assert (step_dir / "phase").read_text() == "Succeeded"


def test_key_collision_and_invalid_rendered_key() -> None:
    a = Step("a", PythonOPTemplate(plus), parameters={"x": 1, "y": 1}, key="same")
    b = Step("b", PythonOPTemplate(plus), parameters={"x": 1, "y": 1}, key="same")
    wf = Workflow("collide")
    wf.add(a)
    wf.add(b)
    wf.submit()
    [node] = wf.query_step(name="b")
    assert node.phase == "Error" and "key 'same' is already used" in node.message
    bad = Step(
        "c",
        PythonOPTemplate(plus),
        parameters={"x": "{{item}}", "y": 1},
        with_param=["A_B"],
        key="k-{{item}}",
    )
    wf2 = Workflow("badkey")
    wf2.add(bad)
    wf2.submit()
    [node] = wf2.query_step(type="Pod")
    assert node.phase == "Error" and "k-A_B" in node.message
    with pytest.raises(InvalidNameError):
        Step("d", PythonOPTemplate(plus), parameters={"x": 1, "y": 1}, key="Bad_Key")


def test_reuse_step_with_modified_output(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    first = Step("first", PythonOPTemplate(count_runs), parameters={"x": 1, "log": str(log)}, key="first")
    second = Step(
        "second",
        PythonOPTemplate(plus),
        parameters={"x": first.outputs.parameters["z"], "y": 100},
        key="second",
    )
    wf = Workflow("reuse")
    wf.add(first)
    wf.add(second)
    wf.submit()
    assert wf.query_step(key="second")[0].outputs.parameters["z"].value == 102
    [old] = wf.query_step(key="first")
    old.modify_output_parameter("z", 50)

    first2 = Step("first", PythonOPTemplate(count_runs), parameters={"x": 1, "log": str(log)}, key="first")
    second2 = Step(
        "second",
        PythonOPTemplate(plus),
        parameters={"x": first2.outputs.parameters["z"], "y": 100},
        key="second",
    )
    wf2 = Workflow("reuse")
    wf2.add(first2)
    wf2.add(second2)
    wf2.submit(reuse_step=[old])
    assert log.read_text() == "1\n"  # the reused step did not run again
    assert wf2.query_step(key="second")[0].outputs.parameters["z"].value == 150


def test_restart_runs_only_what_did_not_succeed(tmp_path: Path) -> None:
    log = tmp_path / "runs.log"
    marker = tmp_path / "fail-once"

    def build() -> Workflow:
        wf = Workflow("restart")
        previous = None
        for i in range(1, 21):
            x = 0 if previous is None else previous.outputs.parameters["z"]
            if i == 12:
                step = Step(f"s{i}", PythonOPTemplate(fail_once), parameters={"x": x, "marker": str(marker)})
            else:
                step = Step(f"s{i}", PythonOPTemplate(count_runs), parameters={"x": x, "log": str(log)})
            wf.add(step)
            previous = step
        return wf

    wf = build()
    wf.submit()
    assert wf.query_status() == "Failed"
    assert wf.query_step(name="s12")[0].phase == "Failed"
    assert log.read_text().split() == [str(i) for i in range(11)]

    again = build()
    again.id = wf.id  # the same as Workflow("restart", id=wf.id)
    again.submit()
    assert again.query_status() == "Succeeded"
    runs = log.read_text().split()
    assert runs[:11] == [str(i) for i in range(11)]  # steps 1-11 were not executed again
    assert runs[11:] == [str(i) for i in range(12, 20)]
    assert again.query_step(name="s20")[0].outputs.parameters["z"].value == 20


def test_restart_of_an_unknown_id_fails_clearly() -> None:
    wf = Workflow("nothing", id="nothing-abcde")
    with pytest.raises(WorkflowNotFound, match="nothing-abcde"):
        wf.query_status()


def test_terminate_stops_a_running_workflow_quickly() -> None:
    from dflow_jupyter import ShellOPTemplate

    config["detach"] = True
    try:
        sleeper = ShellOPTemplate(name="sleeper", image="alpine", script="sleep 60")
        wf = Workflow("terminate")
        wf.add([Step("a", sleeper), Step("b", sleeper)])
        wf.add(Step("never", sleeper))
        wf.submit()
        deadline = time.monotonic() + 10
        while len(wf.query_step(type="Pod", phase="Running")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        wf.terminate()
        # The sleeps would take a minute: terminate() killed them rather than waiting.
        assert time.monotonic() - started < 30
        wf.wait()
        assert wf.query_status() == "Failed"
        pods = wf.query_step(type="Pod")
        assert sorted(p.displayName for p in pods) == ["a", "b"]
        assert all(p.phase == "Failed" for p in pods)
        assert "Terminate" in wf.query().status.message
    finally:
        config["detach"] = False


def test_progress_is_live_in_events_and_queries() -> None:
    seen: list[str] = []

    def listener(event: object) -> None:
        if getattr(event, "kind", None) == "node" and event.node["type"] == "Pod":  # type: ignore[attr-defined]
            seen.append(event.progress)  # type: ignore[attr-defined]

    unsubscribe = events.subscribe(listener)
    try:
        wf = Workflow("progress")
        wf.add(Step("slow", PythonOPTemplate(Slow), parameters={"delay": 0.05}))
        wf.submit()
    finally:
        unsubscribe()
    assert [p for p in dict.fromkeys(seen) if p and p.endswith("/4")] == ["1/4", "2/4", "3/4", "4/4"]
    assert wf.query_step(name="slow")[0].progress == "4/4"
    assert wf.query().status.progress == "4/4"


def test_events_follow_a_run_without_polling() -> None:
    queue, unsubscribe = events.subscribe_queue()
    try:
        wf = Workflow("events")
        wf.add(Step("one", PythonOPTemplate(plus), parameters={"x": 1, "y": 2}))
        wf.submit()
    finally:
        unsubscribe()
    got = []
    while not queue.empty():
        got.append(queue.get())
    assert got[0].kind == "workflow" and got[0].phase == "Running"
    assert got[-1].kind == "workflow" and got[-1].phase == "Succeeded"
    phases = [e.phase for e in got if e.kind == "node" and e.node["displayName"] == "one"]
    assert phases[0] == "Running" and phases[-1] == "Succeeded"


def test_global_outputs() -> None:
    from dflow_jupyter import OutputParameter, Steps

    body = Steps("body")
    s = Step("s", PythonOPTemplate(plus), parameters={"x": 2, "y": 3})
    body.add(s)
    body.outputs.parameters["total"] = OutputParameter(
        value_from_parameter=s.outputs.parameters["z"], global_name="grand-total"
    )
    wf = Workflow("globals")
    wf.add(Step("b", body))
    wf.submit()
    assert wf.query_global_outputs().parameters["grand-total"].value == 5


def test_status_is_readable_from_another_process_while_running(tmp_path: Path) -> None:
    import json

    config["detach"] = True
    try:

        @OP.function
        def nap(x: int) -> {"y": int}:  # type: ignore[valid-type]
            time.sleep(0.3)
            return {"y": x}

        wf = Workflow("reader")
        for i in range(3):
            wf.add(Step(f"n{i}", PythonOPTemplate(nap), parameters={"x": i}))
        wf.submit()
        directory = Path(config["debug_workdir"]) / str(wf.id)
        seen = set()
        stop = threading.Event()

        def read() -> None:
            while not stop.is_set():
                try:
                    data = json.loads((directory / "status.json").read_text())
                except FileNotFoundError:
                    continue
                seen.add(data["status"]["phase"])

        reader = threading.Thread(target=read)
        reader.start()
        wf.wait()
        stop.set()
        reader.join()
        assert "Running" in seen
        assert wf.query_status() == "Succeeded"
    finally:
        config["detach"] = False


def test_upload_artifact_for_many_steps(tmp_path: Path) -> None:
    Path("in.txt").write_text("abc")
    art = upload_artifact("in.txt")

    @OP.function
    def size(f: Artifact(Path)) -> {"n": int}:  # type: ignore[valid-type]
        return {"n": len(Path(f).read_text())}

    wf = Workflow("shared-input")
    wf.add([Step(f"s{i}", PythonOPTemplate(size), artifacts={"f": art}) for i in range(5)])
    wf.submit()
    assert [s.outputs.parameters["n"].value for s in wf.query_step(type="Pod")] == [3] * 5
