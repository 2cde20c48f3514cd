"""What the scheduler says about a job (why it ended, why it can never start), and cancelling it.

dpdispatcher reports only normalized states (waiting, running, finished, terminated); a step's
message should carry the scheduler's own words. Commands run through the job's dpdispatcher
context, so they work on this machine and over SSH alike.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

#: Slurm pending reasons that no amount of waiting resolves (the job asks for what the
#: partition can never give); a cluster with ``EnforcePartLimits`` rejects these at submission.
SLURM_HOPELESS_REASONS = frozenset(
    {
        "PartitionConfig",
        "BadConstraints",
        "PartitionNodeLimit",
        "PartitionTimeLimit",
        "InvalidAccount",
        "InvalidQOS",
        "QOSMaxCpuPerJobLimit",
        "QOSMaxNodePerJobLimit",
        "QOSMaxWallDurationPerJobLimit",
    }
)

_SLURM_ENDINGS = {
    "TIMEOUT": "was killed at its time limit",
    "CANCELLED": "was cancelled",
    "FAILED": "failed",
    "NODE_FAIL": "lost its node",
    "OUT_OF_MEMORY": "ran out of memory",
    "PREEMPTED": "was preempted",
    "BOOT_FAIL": "could not boot its node",
    "DEADLINE": "missed its deadline",
    "COMPLETED": "completed without its finish tag",
}

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def run(context: Any, command: str) -> tuple[int, str, str]:
    """Run ``command`` where the jobs are submitted; ``(exit code, stdout, stderr)``."""
    code, _, out, err = context.block_call(command)
    return code, _text(out.read()), _text(err.read())


def _text(data: Any) -> str:
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else str(data or "")


def is_slurm(batch_type: str) -> bool:
    return batch_type.lower() in ("slurm", "slurmjobarray")


def is_shell(batch_type: str) -> bool:
    return batch_type.lower() == "shell"


def slurm_fields(context: Any, job_id: str) -> dict[str, str]:
    """``scontrol show job`` of ``job_id`` as a dict (empty once Slurm forgot the job)."""
    try:
        code, out, _ = run(context, f"scontrol show job -o {shlex.quote(job_id)}")
    except Exception:  # the scheduler's words are a bonus: never fail a step over them
        return {}
    if code != 0:
        return {}
    fields: dict[str, str] = {}
    for token in out.split():
        key, sep, value = token.partition("=")
        if sep and key not in fields:
            fields[key] = value
    return fields


def end_description(batch_type: str, context: Any, job_id: str) -> str:
    """Why job ``job_id`` left the queue without finishing, in the scheduler's terms."""
    if is_slurm(batch_type):
        fields = slurm_fields(context, job_id)
        state = fields.get("JobState")
        if state:
            what = _SLURM_ENDINGS.get(state, f"ended {state}")
            reason, code = fields.get("Reason", "?"), fields.get("ExitCode", "?")
            detail = f"JobState={state}, Reason={reason}, ExitCode={code}"
            return f"Slurm job {job_id} {what} ({detail})"
        return f"Slurm job {job_id} left the queue without finishing (Slurm no longer knows it)"
    if is_shell(batch_type):
        return f"the shell job (pid {job_id}) ended without finishing (killed?)"
    return f"{batch_type} job {job_id} left the queue without finishing"


def pending_problem(context: Any, job_id: str, reason: str) -> str | None:
    """Why a Slurm job pending for ``reason`` can never start, or None while waiting may help."""
    if reason not in SLURM_HOPELESS_REASONS:
        return None
    fields = slurm_fields(context, job_id)
    asks = ", ".join(
        f"{key}={fields[key]}" for key in ("Partition", "NumNodes", "NumCPUs", "TimeLimit") if key in fields
    )
    return (
        f"Slurm cannot ever start job {job_id}: it stays pending with reason {reason} (it asks for "
        f"more than the partition offers{': ' + asks if asks else ''}); ask for fewer resources "
        "in resources_dict or pick another queue_name"
    )


def last_error(job: Any) -> str | None:
    """The tail of the job's error log that dpdispatcher keeps, without its colour codes."""
    try:
        text = job.get_last_error_message()
    except Exception:
        return None
    if not text:
        return None
    return _ANSI.sub("", text).strip() or None


def update_local_shell_job(machine: Any, job: Any) -> None:
    """Set the state of a Shell job running on this machine, asking the kernel, not ``ps``.

    dpdispatcher checks a Shell job with a shell that runs ``ps`` (several processes per look);
    twenty jobs followed at once would spend more CPU on that than on their work.
    """
    import psutil
    from dpdispatcher.utils.job_status import JobStatus

    if machine.check_finish_tag(job):
        state = JobStatus.finished
    else:
        try:
            alive = psutil.Process(int(job.job_id)).status() != psutil.STATUS_ZOMBIE
        except (psutil.Error, ValueError):
            alive = False
        state = JobStatus.running if alive else JobStatus.terminated
    job.job_state = state
    for task in job.job_task_list:
        if task.task_state != JobStatus.finished:
            task.task_state = state


def cancel(machine: Any, batch_type: str, job: Any) -> None:
    """Stop ``job`` now: ``scancel`` for Slurm, the whole process tree for Shell jobs.

    dpdispatcher's Shell ``kill`` ends only the job script, leaving the step's program running;
    its children are found with ``ps`` where the job runs.
    """
    if not job.job_id:
        return
    if is_shell(batch_type):
        pid = shlex.quote(str(job.job_id))
        tree = 'tree() { for c in $(ps -o pid= --ppid "$1"); do tree "$c"; done; echo "$1"; }'
        run(machine.context, f"{tree}; kill -9 $(tree {pid}) 2>/dev/null; true")
        return
    machine.kill(job)


def submission_error(exc: BaseException) -> str:
    """The scheduler's words in a dpdispatcher submission error (``sbatch: error: ...``)."""
    text = str(exc)
    match = re.search(r"error message:(.*?)(?:\nreturn code|\Z)", text, re.DOTALL)
    if match and match.group(1).strip():
        return " ".join(line.strip() for line in match.group(1).strip().splitlines())
    return f"{type(exc).__name__}: {text.strip()}"
