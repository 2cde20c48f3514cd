"""What the scheduler says about jobs, read from canned command outputs (no cluster)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from dflow_jupyter.plugins import scheduler_info as info
from dflow_jupyter.plugins.slurm_queue import SlurmQueue


class Stream:
    def __init__(self, text: str) -> None:
        self.data = text.encode()

    def read(self) -> bytes:
        return self.data


@dataclass
class FakeContext:
    """A dpdispatcher context whose commands answer from a table (prefix -> (code, out, err))."""

    answers: dict[str, tuple[int, str, str]]
    calls: list[str] = field(default_factory=list)

    def block_call(self, command: str) -> tuple[int, None, Stream, Stream]:
        self.calls.append(command)
        for prefix, (code, out, err) in self.answers.items():
            if command.startswith(prefix):
                return code, None, Stream(out), Stream(err)
        return 1, None, Stream(""), Stream("unknown command")


SCONTROL_TIMEOUT = (
    "JobId=9 JobName=wrap UserId=root(0) JobState=TIMEOUT Reason=TimeLimit Dependency=(null) "
    "ExitCode=0:15 RunTime=00:01:29 TimeLimit=00:01:00 Partition=debug NumNodes=1 NumCPUs=1\n"
)


def test_a_time_limit_kill_is_told_in_slurms_terms() -> None:
    context = FakeContext({"scontrol show job -o 9": (0, SCONTROL_TIMEOUT, "")})
    assert info.end_description("Slurm", context, "9") == (
        "Slurm job 9 was killed at its time limit (JobState=TIMEOUT, Reason=TimeLimit, ExitCode=0:15)"
    )


def test_a_job_slurm_forgot_and_other_schedulers() -> None:
    forgot = FakeContext({"scontrol": (1, "", "slurm_load_jobs error: Invalid job id specified")})
    assert "Slurm no longer knows it" in info.end_description("Slurm", forgot, "9")
    assert (
        info.end_description("PBS", forgot, "12.server")
        == "PBS job 12.server left the queue without finishing"
    )
    assert "pid 77" in info.end_description("Shell", forgot, "77")


def test_hopeless_pending_reasons_name_what_the_job_asks() -> None:
    context = FakeContext({"scontrol show job -o 5": (0, SCONTROL_TIMEOUT.replace("JobId=9", "JobId=5"), "")})
    problem = info.pending_problem(context, "5", "PartitionConfig")
    assert problem is not None
    assert problem.startswith("Slurm cannot ever start job 5: it stays pending with reason PartitionConfig")
    assert "Partition=debug, NumNodes=1, NumCPUs=1, TimeLimit=00:01:00" in problem
    assert info.pending_problem(context, "5", "Resources") is None  # waiting helps
    assert info.pending_problem(context, "5", "Priority") is None


def test_the_schedulers_words_are_taken_out_of_dpdispatchers_error() -> None:
    error = RuntimeError(
        "command cd /x && sbatch --parsable .abc.sub fails to execute\n"
        "error message:sbatch: error: invalid partition specified: nosuch\n"
        "sbatch: error: Batch job submission failed: Invalid partition name specified\n"
        "return code 1\n"
    )
    assert info.submission_error(error) == (
        "sbatch: error: invalid partition specified: nosuch "
        "sbatch: error: Batch job submission failed: Invalid partition name specified"
    )
    assert info.submission_error(OSError("disk full")) == "OSError: disk full"


def test_one_squeue_answers_every_job() -> None:
    context = FakeContext(
        {
            "squeue -h -t all -o '%i %t %r' -j 3,4,5": (0, "3 R None\n4 PD Resources\n5 CD None\n", ""),
            "squeue -h -t all -o '%i %t %r' -j 3,4": (0, "3 R None\n4 R None\n", ""),
        }
    )
    queue = SlurmQueue(min_age=60)
    for job in ("3", "4", "5"):
        queue.watch(job)
    assert queue.look(context, "3") == ("R", "None")
    assert queue.look(context, "4") == ("PD", "Resources")
    assert queue.look(context, "5") == ("CD", "None")
    assert len(context.calls) == 1  # the later looks read the same answer
    queue.forget("5")
    assert queue.look(context, "5") is None  # not followed any more: asked again, without it
    assert context.calls[-1].endswith("-j 3,4")


def test_a_failing_squeue_is_an_error() -> None:
    context = FakeContext({"squeue": (1, "", "slurm_load_jobs error: Unable to contact slurm controller")})
    queue = SlurmQueue()
    queue.watch("3")
    with pytest.raises(RuntimeError, match="Unable to contact slurm controller"):
        queue.look(context, "3")
