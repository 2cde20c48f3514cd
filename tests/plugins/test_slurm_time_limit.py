"""A Slurm job killed at its time limit fails its step with Slurm's reason.

Slurm counts time limits in whole minutes and checks them every 30 s, so this takes about 90 s:
it lives apart from ``test_dispatcher_slurm.py`` (which stays under two minutes) and is marked slow.
"""

from __future__ import annotations

import re

import pytest

from dflow_jupyter import ShellOPTemplate, Step, Workflow
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor

pytestmark = [pytest.mark.slurm, pytest.mark.slow, pytest.mark.usefixtures("slurm_cluster")]


def test_a_job_past_its_time_limit_fails_with_slurms_reason() -> None:
    ex = DispatcherExecutor(
        queue_name="debug",
        machine_dict={"batch_type": "Slurm", "context_type": "LocalContext"},
        resources_dict={"cpu_per_node": 1, "custom_flags": ["#SBATCH --time=1"]},
    )
    wf = Workflow("time-limit")
    wf.add(Step("overrun", ShellOPTemplate(name="overrun", script="echo started; sleep 600"), executor=ex))
    wf.submit()
    [pod] = wf.query_step(name="overrun")
    assert pod.phase == "Failed"
    message = str(pod.get("message"))
    assert re.match(
        r"Slurm job \d+ was killed at its time limit \(JobState=TIMEOUT, Reason=TimeLimit", message
    )
