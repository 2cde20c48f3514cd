"""``DispatcherExecutor`` against the real one-node Slurm cluster of ``scripts/slurm.sh``."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dflow_jupyter import (
    DAG,
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    ShellOPTemplate,
    Step,
    Task,
    Workflow,
    argo_range,
    config,
    download_artifact,
    upload_artifact,
)
from dflow_jupyter.engine.python_exec import TIMEOUT_MESSAGE
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor
from dflow_jupyter.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices
from dflow_jupyter.status.events import events

from .conftest import job_ids, squeue_states, wait_until

pytestmark = [pytest.mark.slurm, pytest.mark.usefixtures("slurm_cluster")]


def slurm(**settings: object) -> DispatcherExecutor:
    """An executor for the local cluster: jobs submitted from this machine to partition debug."""
    machine = {"batch_type": "Slurm", "context_type": "LocalContext", **settings.pop("machine", {})}  # type: ignore[dict-item]
    resources = {"number_node": 1, "cpu_per_node": 1, **settings.pop("resources", {})}  # type: ignore[dict-item]
    settings.setdefault("queue_name", "debug")
    ex = DispatcherExecutor(machine_dict=machine, resources_dict=resources, **settings)  # type: ignore[arg-type]
    ex.poll_interval = 0.5
    return ex


@pytest.fixture
def node_history() -> Iterator[list[tuple[str, str, str]]]:
    """``(display name, phase, message)`` of every change of a Pod node, in order."""
    seen: list[tuple[str, str, str]] = []

    def listen(event: object) -> None:
        node = getattr(event, "node", None)
        if node and node.get("type") == "Pod":
            seen.append((node["displayName"], node["phase"], node.get("message") or ""))

    unsubscribe = events.subscribe(listen)
    yield seen
    unsubscribe()


def message(pod: object) -> str:
    return str(pod.get("message") or "")  # type: ignore[attr-defined]


def log_of(wf: Workflow, pod: object) -> str:
    step_dir = Path(config["debug_workdir"]) / str(wf.id) / pod.dflowJupyter.stepDir  # type: ignore[attr-defined]
    log = step_dir / "log.txt"
    return log.read_text() if log.exists() else ""


def running_job(wf: Workflow, name: str) -> object:
    """The node ``name`` once its job runs on Slurm, else None."""
    pods = wf.query_step(name=name, phase="Running")
    return pods[0] if pods and "running on Slurm" in message(pods[0]) else None


def phases_of(history: list[tuple[str, str, str]], name: str) -> list[str]:
    """The phases a node went through, repeats dropped."""
    phases: list[str] = []
    for display, phase, _ in history:
        if display == name and (not phases or phases[-1] != phase):
            phases.append(phase)
    return phases


class Duplicate(OP):
    """dflow's Slurm tutorial OP (defined in a module: travels to the job by reference)."""

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"msg": str, "num": int, "foo": Artifact(Path)})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"msg": str, "bar": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        content = Path(op_in["foo"]).read_text()
        Path("bar.txt").write_text(content * op_in["num"])
        return OPIO({"msg": op_in["msg"] * op_in["num"], "bar": Path("bar.txt")})


class Anneal(OP):
    """Reports its progress as it goes (dflow's ``progress_total``/``progress_current``)."""

    progress_total = 3

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"delay": float})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"done": int})

    def execute(self, op_in: OPIO) -> OPIO:
        for i in range(3):
            time.sleep(op_in["delay"])
            self.progress_current = i + 1
        return OPIO({"done": 3})


def test_dflows_slurm_tutorial_runs_on_the_local_cluster() -> None:
    # dflow's tutorial, with a machine_dict/resources_dict for this cluster instead of SSH.
    dispatcher_executor = DispatcherExecutor(
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        resources_dict={"number_node": 1, "cpu_per_node": 1, "queue_name": "debug", "group_size": 1},
    )
    with open("foo.txt", "w") as f:
        f.write("Hello world!")
    step = Step(
        "duplicate",
        PythonOPTemplate(Duplicate),
        parameters={"msg": "Hello", "num": 2},
        artifacts={"foo": upload_artifact("foo.txt")},
        executor=dispatcher_executor,
    )
    wf = Workflow(name="slurm")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [pod] = wf.query_step(name="duplicate")
    assert pod.outputs.parameters["msg"].value == "HelloHello"
    [bar] = download_artifact(pod.outputs.artifacts["bar"], path="out")
    assert Path(bar).read_text() == "Hello world!Hello world!"
    [job] = job_ids(message(pod))
    assert message(pod) == f"ran on Slurm (job {job})"
    assert squeue_states([job]) == {job: "COMPLETED"}


def test_a_function_op_runs_as_a_slurm_job(node_history: list[tuple[str, str, str]]) -> None:
    @OP.function  # defined here, like in a notebook: travels to the job by value
    def scale(factor: int, data: Artifact(Path)) -> {"total": int, "report": Artifact(Path)}:
        numbers = [int(x) for x in data.read_text().split()]
        time.sleep(1)  # long enough for the node to show the job running
        print(f"scaling {len(numbers)} numbers by {factor}")
        Path("report.txt").write_text(" ".join(str(n * factor) for n in numbers))
        return {"total": sum(numbers) * factor, "report": Path("report.txt")}

    Path("data.txt").write_text("1 2 3")
    wf = Workflow("function")
    wf.add(
        Step(
            "scale",
            PythonOPTemplate(scale),
            parameters={"factor": 10},
            artifacts={"data": upload_artifact("data.txt")},
            executor=slurm(),
        )
    )
    wf.submit()
    [pod] = wf.query_step(name="scale")
    assert (pod.phase, pod.outputs.parameters["total"].value) == ("Succeeded", 60)
    [report] = download_artifact(pod.outputs.artifacts["report"], path="out")
    assert Path(report).read_text() == "10 20 30"
    assert "scaling 3 numbers by 10" in log_of(wf, pod)
    step_dir = Path(config["debug_workdir"]) / str(wf.id) / pod.dflowJupyter.stepDir
    assert not (step_dir / "remote").exists()  # clean=True: the job's remote directory is gone
    # The node showed the job waiting, then running: the widget can tell them apart.
    assert phases_of(node_history, "scale") == ["Running", "Pending", "Running", "Succeeded"]
    messages = [m for name, _, m in node_history if name == "scale"]
    [job] = job_ids(message(pod))
    assert f"queued on Slurm (job {job})" in messages and f"running on Slurm (job {job})" in messages


def test_the_jobs_progress_reaches_the_node() -> None:
    seen: list[str] = []

    def listen(event: object) -> None:
        node = getattr(event, "node", None)
        if node and node.get("displayName") == "anneal" and node.get("progress"):
            seen.append(node["progress"])

    unsubscribe = events.subscribe(listen)
    try:
        wf = Workflow("progress")
        wf.add(Step("anneal", PythonOPTemplate(Anneal), parameters={"delay": 0.7}, executor=slurm()))
        wf.submit()
    finally:
        unsubscribe()
    [pod] = wf.query_step(name="anneal")
    assert (pod.phase, pod.progress) == ("Succeeded", "3/3")
    assert any(p in ("1/3", "2/3") for p in seen), f"no progress while it ran: {seen}"


def test_a_shell_op_runs_as_a_slurm_job() -> None:
    template = ShellOPTemplate(
        name="shell",
        image="alpine",
        script=(
            "mkdir -p /tmp/outputs\n"
            "tr a-z A-Z < /tmp/inputs/words/words.txt > /tmp/outputs/upper.txt\n"
            "echo {{inputs.parameters.n}} $((6 * 7)) > /tmp/answer.txt\n"
            'echo "job $SLURM_JOB_ID on partition $SLURM_JOB_PARTITION"\n'
        ),
    )
    template.inputs.parameters = {"n": InputParameter()}
    template.inputs.artifacts = {"words": InputArtifact(path="/tmp/inputs/words")}
    template.outputs.parameters = {"answer": OutputParameter(value_from_path="/tmp/answer.txt")}
    template.outputs.artifacts = {"upper": OutputArtifact(path="/tmp/outputs/upper.txt")}
    Path("words.txt").write_text("slurm says hi\n")
    wf = Workflow("shell")
    wf.add(
        Step(
            "shout",
            template,
            parameters={"n": 7},
            artifacts={"words": upload_artifact("words.txt")},
            executor=slurm(),
        )
    )
    wf.submit()
    [pod] = wf.query_step(name="shout")
    assert (pod.phase, pod.outputs.parameters["answer"].value) == ("Succeeded", "7 42")
    [upper] = download_artifact(pod.outputs.artifacts["upper"], path="out")
    assert Path(upper).read_text() == "SLURM SAYS HI\n"
    [job] = job_ids(message(pod))
    assert f"job {job} on partition debug" in log_of(wf, pod)


@OP.function
def square(x: int) -> {"y": int}:
    return {"y": x * x}


@pytest.mark.parametrize("merge", [True, False], ids=["merged", "one-job-per-item"])
def test_a_sliced_fan_out_of_20_items(merge: bool) -> None:
    template = PythonOPTemplate(
        square, slices=Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])
    )
    wf = Workflow("fanout")
    fan = Step(
        "square",
        template,
        parameters={"x": list(range(20))},
        with_param=argo_range(20),
        executor=slurm(merge_sliced_step=merge),
    )
    wf.add(fan)
    wf.add(Step("total", PythonOPTemplate(total), parameters={"ys": fan.outputs.parameters["y"]}))
    started = time.monotonic()
    wf.submit()
    elapsed = time.monotonic() - started
    assert wf.query_status() == "Succeeded"
    [result] = wf.query_step(name="total")
    assert result.outputs.parameters["sum"].value == sum(x * x for x in range(20))
    pods = wf.query_step(name="square", type="Pod")
    jobs = {job for pod in pods for job in job_ids(message(pod))}
    if merge:
        # One pod (one fan-out item holding every slice), one Slurm job.
        assert (len(pods), len(jobs)) == (1, 1)
    else:
        assert (len(pods), len(jobs)) == (20, 20)
    assert set(squeue_states(sorted(jobs)).values()) == {"COMPLETED"}
    print(f"20 slices, merge={merge}: {elapsed:.1f} s")


@OP.function
def total(ys: list) -> {"sum": int}:
    return {"sum": sum(int(y) for y in ys)}


def test_a_failing_op_fails_its_step_with_its_error() -> None:
    @OP.function
    def diverge(steps: int) -> {"energy": float}:
        print("iterating")
        raise ValueError(f"no convergence after {steps} steps")

    failing_shell = ShellOPTemplate(name="exit3", image="alpine", script="echo about to fail; exit 3")
    wf = Workflow("failing")
    wf.add(
        [
            Step("diverge", PythonOPTemplate(diverge), parameters={"steps": 100}, executor=slurm()),
            Step("exit3", failing_shell, executor=slurm()),
        ]
    )
    wf.submit()
    assert wf.query_status() == "Failed"
    [python] = wf.query_step(name="diverge")
    assert (python.phase, python.outputs.exitCode) == ("Failed", "1")
    assert message(python).startswith(
        "ValueError: no convergence after 100 steps (exit code 1); ran on Slurm (job "
    )
    log = log_of(wf, python)
    assert "iterating" in log and "Traceback" in log
    [shell] = wf.query_step(name="exit3")
    assert (shell.phase, shell.outputs.exitCode) == ("Failed", "3")
    assert message(shell).startswith("failed with exit code 3; ran on Slurm (job ")
    assert "about to fail" in log_of(wf, shell)


def test_a_job_whose_program_cannot_run_fails_with_slurms_words() -> None:
    wf = Workflow("broken")
    wf.add(
        Step("broken", PythonOPTemplate(square), parameters={"x": 2}, executor=slurm(remote_command="false"))
    )
    wf.submit()
    [pod] = wf.query_step(name="broken")
    assert pod.phase == "Failed"
    assert re.match(
        r"Slurm job \d+ failed \(JobState=FAILED, Reason=NonZeroExitCode, ExitCode=1:0\)", message(pod)
    )


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"resources": {"cpu_per_node": 64}}, "More processors requested than permitted"),
        ({"queue_name": "nosuch"}, "invalid partition specified: nosuch"),
    ],
    ids=["more-cpus-than-the-node", "missing-queue"],
)
def test_a_job_the_scheduler_rejects_is_an_error_with_its_message(settings: dict, words: str) -> None:
    wf = Workflow("rejected")
    wf.add(Step("ask", PythonOPTemplate(square), parameters={"x": 2}, executor=slurm(**settings)))
    started = time.monotonic()
    wf.submit()
    assert time.monotonic() - started < 20
    [pod] = wf.query_step(name="ask")
    assert pod.phase == "Error"
    assert message(pod).startswith("Slurm did not accept the job: sbatch: error:")
    assert words in message(pod)


def sleeper(seconds: int = 300) -> ShellOPTemplate:
    return ShellOPTemplate(name="sleeper", image="alpine", script=f"sleep {seconds}")


def test_terminate_cancels_queued_and_running_jobs() -> None:
    config["detach"] = True
    try:
        wf = Workflow("terminate")
        # Two CPUs: two jobs run, the third waits in the queue.
        wf.add([Step(f"s{i}", sleeper(), executor=slurm()) for i in range(3)])
        wf.submit()

        def started() -> bool:
            pods = wf.query_step(type="Pod")
            phases = sorted(p.phase for p in pods if job_ids(message(p)))
            return phases == ["Pending", "Running", "Running"]

        wait_until(started, 30, "two running jobs and one queued")
        ids = sorted(job for pod in wf.query_step(type="Pod") for job in job_ids(message(pod)))
        assert sorted(squeue_states(ids).values()) == ["PENDING", "RUNNING", "RUNNING"]
        wf.terminate()
        wf.wait()
    finally:
        config["detach"] = False
    assert wf.query_status() == "Failed"
    assert all(p.phase == "Failed" for p in wf.query_step(type="Pod"))
    # Killed jobs pass through COMPLETING while slurmd ends their processes.
    wait_until(lambda: set(squeue_states(ids).values()) == {"CANCELLED"}, 15, "the jobs to be CANCELLED")


def test_a_job_cancelled_from_outside_fails_its_step() -> None:
    config["detach"] = True
    try:
        wf = Workflow("scancel")
        noisy = ShellOPTemplate(name="noisy", image="alpine", script="echo warming up; sleep 300")
        wf.add(Step("victim", noisy, executor=slurm()))
        wf.submit()
        pod = wait_until(lambda: running_job(wf, "victim"), 30, "the job to run")
        [job] = job_ids(message(pod))
        # The running job's log reaches the step's log.txt.
        wait_until(lambda: "warming up" in log_of(wf, pod), 15, "the job's log")
        subprocess.run(["scancel", job], check=True)
        wf.wait()
    finally:
        config["detach"] = False
    [pod] = wf.query_step(name="victim")
    assert pod.phase == "Failed"
    assert message(pod).startswith(f"Slurm job {job} was cancelled (JobState=CANCELLED")


def test_a_timeout_cancels_the_job() -> None:
    template = sleeper()
    template.timeout = 2
    wf = Workflow("timeout")
    wf.add(Step("slow", template, executor=slurm()))
    started = time.monotonic()
    wf.submit()
    assert time.monotonic() - started < 20
    [pod] = wf.query_step(name="slow")
    assert (pod.phase, pod.message) == ("Failed", TIMEOUT_MESSAGE)
    ids = [line for line in (Path(config["debug_workdir"]) / str(wf.id)).rglob("*_job_id")]
    assert ids, "dpdispatcher records the job id next to the job"
    job = ids[0].read_text().strip()
    wait_until(lambda: squeue_states([job]) == {job: "CANCELLED"}, 15, "the job to be CANCELLED")


@OP.function
def local_prepare(n: int) -> {"values": list}:
    return {"values": list(range(n))}


@OP.function
def local_report(total: int, mean: float) -> {"line": str}:
    return {"line": f"total={total} mean={mean}"}


def test_in_process_and_slurm_steps_share_one_status_tree(node_history: list[tuple[str, str, str]]) -> None:
    @OP.function
    def crunch(values: list) -> {"total": int}:
        time.sleep(1)  # long enough for the node to show the job running
        return {"total": sum(values)}

    stats = ShellOPTemplate(
        name="stats",
        image="alpine",
        script="sleep 1; python3 -c 'print({{inputs.parameters.total}} / 4)' > /tmp/mean.txt",
    )
    stats.inputs.parameters = {"total": InputParameter()}
    stats.outputs.parameters = {"mean": OutputParameter(value_from_path="/tmp/mean.txt", type=float)}
    dag = DAG("mixed")
    prepare = Task("prepare", PythonOPTemplate(local_prepare), parameters={"n": 5})
    compute = Task(
        "crunch",
        PythonOPTemplate(crunch),
        parameters={"values": prepare.outputs.parameters["values"]},
        executor=slurm(),
    )
    mean = Task("mean", stats, parameters={"total": compute.outputs.parameters["total"]}, executor=slurm())
    report = Task(
        "report",
        PythonOPTemplate(local_report),
        parameters={"total": compute.outputs.parameters["total"], "mean": mean.outputs.parameters["mean"]},
    )
    dag.add([prepare, compute, mean, report])
    wf = Workflow("mixed", dag=dag)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [line] = wf.query_step(name="report")
    assert line.outputs.parameters["line"].value == "total=10 mean=2.5"
    status = wf.query().status
    pods = {n.displayName: n for n in status.nodes.values() if n.type == "Pod"}
    assert sorted(pods) == ["crunch", "mean", "prepare", "report"]
    assert {name: n.phase for name, n in pods.items()} == dict.fromkeys(pods, "Succeeded")
    assert all(n.boundaryID == wf.id for n in pods.values())
    for name in ("crunch", "mean"):
        assert phases_of(node_history, name) == ["Running", "Pending", "Running", "Succeeded"]
        assert message(pods[name]).startswith("ran on Slurm (job ")
    for name in ("prepare", "report"):
        assert phases_of(node_history, name) == ["Running", "Succeeded"]
        assert message(pods[name]) == ""


def test_pre_and_post_scripts_see_the_submission_and_clean_keeps_the_remote_directory() -> None:
    ex = slurm(
        pre_script="open('pre.txt', 'w').write(str(len(tasks)))",
        post_script="import pathlib\npathlib.Path(machine.context.local_root, 'post.txt').write_text('done')",
        clean=False,
        remote_root="remote-jobs",
    )
    wf = Workflow("scripts")
    wf.add(Step("sq", PythonOPTemplate(square), parameters={"x": 3}, executor=ex))
    wf.submit()
    [pod] = wf.query_step(name="sq")
    assert (pod.phase, pod.outputs.parameters["y"].value) == ("Succeeded", 9)
    step_dir = Path(config["debug_workdir"]) / str(wf.id) / pod.dflowJupyter.stepDir
    assert Path("pre.txt").read_text() == "1"
    assert (step_dir / "post.txt").read_text() == "done"
    remote = Path("remote-jobs")
    assert [p.name for p in remote.iterdir()], "clean=False keeps the job's remote directory"
