"""``%load_ext`` / ``%unload_ext`` / ``%reload_ext dflow_jupyter``, and what loading imports."""

from __future__ import annotations

import subprocess

from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import PYTHON, run, subprocess_env

MAGICS = {"cell": ("dflow_op", "dflow_workflow"), "line": ("dflow",)}


def _registered(ip: InteractiveShell) -> dict[str, bool]:
    assert ip.magics_manager is not None
    found = ip.magics_manager.magics
    return {name: name in found[kind] for kind, names in MAGICS.items() for name in names}


def test_unload_and_reload(ip: InteractiveShell) -> None:
    assert all(_registered(ip).values())
    run(ip, "%unload_ext dflow_jupyter")
    assert not any(_registered(ip).values())
    assert "DflowMagics" not in ip.magics_manager.registry  # type: ignore[union-attr]
    run(ip, "%load_ext dflow_jupyter")
    run(ip, "%reload_ext dflow_jupyter")
    assert all(_registered(ip).values())
    run(ip, "%%dflow_op\ndef inc(x: int) -> int:\n    return x + 1\n")
    assert run(ip, "inc(1)").result == 2


def test_loading_imports_nothing_heavy() -> None:
    # -X importtime lists every module imported by loading the extension (on stderr).
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "ip = InteractiveShell.instance()\n"
        "import sys\n"
        "before = set(sys.modules)\n"
        "ip.run_line_magic('load_ext', 'dflow_jupyter')\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    loaded = eval(done.stdout.strip().splitlines()[-1])
    # IPython may import its own magic helpers lazily (which ones depends on its version):
    # only our modules are held to the list.
    ours = {name for name in loaded if name.split(".")[0] == "dflow_jupyter"}
    assert ours <= {
        "dflow_jupyter",
        "dflow_jupyter.config",
        "dflow_jupyter.errors",  # the exception classes config raises; it imports nothing
        "dflow_jupyter.jupyter",
        "dflow_jupyter.jupyter.magics",
    }
    timing = done.stderr
    for heavy in (
        "pandas",
        "numpy",
        "dflow_jupyter.engine",
        "dflow_jupyter.python",
        "dflow_jupyter.model",
        "typeguard",
    ):
        assert f"| {heavy}\n" not in timing and f"| {heavy}." not in timing
