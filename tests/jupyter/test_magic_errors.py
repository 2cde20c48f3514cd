"""Bad input to the magics: one clear UsageError that says what to change, never a traceback."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import fails, run

from dflow_jupyter import _context


def _usage_error(ip: InteractiveShell, capsys: pytest.CaptureFixture[str], code: str) -> str:
    capsys.readouterr()
    error = fails(ip, code)
    assert isinstance(error, UsageError), repr(error)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("UsageError: ")
    return str(error)


OP_CASES = {
    "no candidate": (
        "x = 1\n",
        ["defines no OP", "it defines no function and no class", "annotated function"],
    ),
    "no annotations": (
        "def f(x):\n    return x\n",
        ["function 'f' has no annotations", "def f(x: int) -> int"],
    ),
    "two candidates": (
        "def a(x: int) -> int:\n    return x\n\ndef b(y: int) -> int:\n    return y\n",
        ["2 OP candidates: function 'a' (line 1), function 'b' (line 4)", "leading underscore"],
    ),
    "missing annotation": (
        "def f(x: int, y) -> int:\n    return x\n",
        ["parameter 'y' has no type annotation", "'y: int'"],
    ),
    "unsupported annotation": (
        "def f(x: 3) -> int:\n    return x\n",
        ["parameter 'x' has an unsupported annotation 3", "Artifact(Path)"],
    ),
    "varargs": ("def f(*xs: int) -> int:\n    return 0\n", ["*xs is not supported"]),
    "abstract class": (
        "from dflow_jupyter.python import OP\nclass Half(OP):\n    pass\n",
        ["class 'Half' is abstract", "execute"],
    ),
    "class without OP base": (
        "class NotOP:\n    def execute(self, op_in):\n        return op_in\n",
        ["class 'NotOP' has execute() but does not subclass OP"],
    ),
    "bad class sign": (
        "from dflow_jupyter.python import OP, OPIOSign\n"
        "class Bad(OP):\n"
        "    @classmethod\n"
        "    def get_input_sign(cls):\n"
        "        return OPIOSign({'x': 3})\n"
        "    @classmethod\n"
        "    def get_output_sign(cls):\n"
        "        return OPIOSign({})\n"
        "    def execute(self, op_in):\n"
        "        return op_in\n",
        ["OPIOSign: entry 'x' must be a type"],
    ),
    "async": ("async def f(x: int) -> int:\n    return x\n", ["async function", "def f(...)"]),
    "ipython syntax": (
        "%time x = 1\ndef f(x: int) -> int:\n    return x\n",
        ["not valid Python (line 1", "without IPython magics"],
    ),
}


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_bad_op_cells(ip: InteractiveShell, capsys: pytest.CaptureFixture[str], case: str) -> None:
    cell, expected = OP_CASES[case]
    message = _usage_error(ip, capsys, "%%dflow_op\n" + cell)
    assert message.startswith("%%dflow_op: ")
    for fragment in expected:
        assert fragment in message


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "--colour red",
            [
                "unrecognized arguments: --colour red",
                "usage: %%dflow_op [--image IMAGE] [--name NAME]",
            ],
        ),
        ("--retries many", ["argument --retries: invalid int value: 'many'"]),
        ("--retries -1", ["--retries must be 0 or more"]),
        ("--timeout soon", ["timeout must be seconds", "'600s', '10m'"]),
        ("--name my-op", ["--name must be a Python identifier", "try --name my_op"]),
        ("--template class", ["--template must be a Python identifier"]),
    ],
)
def test_bad_op_options(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str, expected: list[str]
) -> None:
    message = _usage_error(ip, capsys, f"%%dflow_op {line}\ndef f(x: int) -> int:\n    return x\n")
    for fragment in expected:
        assert fragment in message
    assert "f" not in ip.user_ns  # bad options are rejected before the cell runs


def test_bad_op_cell_binds_nothing(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    _usage_error(
        ip,
        capsys,
        "%%dflow_op\ndef a(x: int) -> int:\n    return x\ndef b(x: int) -> int:\n    return x\n",
    )
    assert not any(type(v).__name__ in ("a", "b") for v in ip.user_ns.values())


WORKFLOW_CASES = {
    "--backend argo": (
        "%%dflow_workflow scan --backend argo\npass\n",
        ["the cell added no steps"],  # argo passes the backend check; the empty cell does not
    ),
    "--backend other": ("%%dflow_workflow scan --backend k8s\npass\n", ["unknown backend 'k8s'"]),
    "bad name": ("%%dflow_workflow Bad_Name\npass\n", ["%%dflow_workflow: ", "Bad_Name"]),
    "bad var": ("%%dflow_workflow scan --var 2x\npass\n", ["--var must be a Python identifier"]),
    "no steps": ("%%dflow_workflow scan\nx = 1\n", ["the cell added no steps", "scan.add(...)"]),
    "no name": ("%%dflow_workflow\npass\n", ["the following arguments are required: NAME"]),
    "unknown option": ("%%dflow_workflow scan --wait\npass\n", ["unrecognized arguments: --wait"]),
}


@pytest.mark.parametrize("case", sorted(WORKFLOW_CASES))
def test_bad_workflow_cells(ip: InteractiveShell, capsys: pytest.CaptureFixture[str], case: str) -> None:
    cell, expected = WORKFLOW_CASES[case]
    message = _usage_error(ip, capsys, cell)
    for fragment in expected:
        assert fragment in message
    assert _context.active() is None


def test_workflow_variable_must_not_replace_an_op(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    run(ip, "%%dflow_op\ndef energy(x: float) -> float:\n    return x\n")
    message = _usage_error(ip, capsys, "%%dflow_workflow energy\ne = energy(x=1.0)\n")
    assert "'energy' holds an OP" in message and "--var energy_wf" in message
    run(ip, "%%dflow_workflow energy --var energy_wf\ne = energy(x=1.0)\n")
    assert ip.user_ns["energy_wf"].query_status() == "Succeeded"


def test_argo_mode_passes_the_backend_check_of_the_workflow_magic(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    from dflow_jupyter.config import config

    config["mode"] = "argo"
    message = _usage_error(ip, capsys, "%%dflow_workflow scan\npass\n")
    assert "not available" not in message and "the cell added no steps" in message


LINE_CASES = {
    "": None,  # help, not an error
    "stepz wf": ["invalid choice: 'stepz'", "usage: %dflow"],
    "steps": ["%dflow steps: the following arguments are required: WF"],
    "logs wf": ["the following arguments are required: STEP"],
    "replay wf step --frobnicate": ["unrecognized arguments: --frobnicate"],
    "steps nope": ["no workflow 'nope'", "no workflow is recorded there yet"],
    "config debug_workdir": ["'debug_workdir' is not KEY=VALUE", "config debug_workdir=runs"],
    "config debug_wrkdir=x": ["unknown key 'debug_wrkdir'", "did you mean 'debug_workdir'?"],
    "config debug_pool_workers=many": ["debug_pool_workers='many'"],
    "mode cluster": ["unknown backend 'cluster'"],
    "steps 'unclosed": ["check the quotes"],
}


@pytest.mark.parametrize("line", sorted(LINE_CASES))
def test_bad_dflow_subcommands(ip: InteractiveShell, capsys: pytest.CaptureFixture[str], line: str) -> None:
    expected = LINE_CASES[line]
    if expected is None:
        run(ip, "%dflow")
        assert "config" in capsys.readouterr().out
        return
    message = _usage_error(ip, capsys, f"%dflow {line}")
    for fragment in expected:
        assert fragment in message


def test_unsubmitted_workflow_variable(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(ip, "from dflow_jupyter import Workflow\nw = Workflow('later')")
    message = _usage_error(ip, capsys, "%dflow steps w")
    assert "has not been submitted" in message and "w.submit()" in message
