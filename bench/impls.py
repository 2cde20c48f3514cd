"""How each implementation's child starts: the reference's venv, environments, versions, paths."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from report import REFERENCE

BENCH = Path(__file__).resolve().parent
REF_SPEC = "pydflow==1.8.134"
REF_VENV = BENCH / ".venv-ref"


@dataclass(frozen=True)
class Impl:
    """How to start a child for one implementation."""

    key: str
    python: str
    package: str
    isolation: str


def ensure_reference(spec: str) -> Path:
    """The reference venv's python, creating the venv and installing ``spec`` if needed."""
    python = REF_VENV / "bin" / "python"
    marker = REF_VENV / "installed-spec"
    if python.exists() and marker.exists() and marker.read_text().strip() == spec:
        return python
    print(f"bench: creating the reference environment with {spec} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(REF_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", spec], check=True)
    subprocess.run([str(python), "-c", "import dflow"], check=True)
    marker.write_text(spec + "\n")
    return python


def child_env(impl: Impl) -> dict[str, str]:
    """The environment of a child: ours or the reference, with no inherited DFLOW_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DFLOW_", "BENCH_"))}
    env.pop("PYTHONHOME", None)
    env.pop("VIRTUAL_ENV", None)
    paths = [str(BENCH)]
    if impl.package == "dflow_jupyter" and not _importable(impl.python, "dflow_jupyter"):
        paths.append(str(BENCH.parent))  # not installed: use the source tree
    # The reference's step scripts run `python3` from PATH: it must be the venv's.
    env["PATH"] = os.pathsep.join([str(Path(impl.python).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["BENCH_IMPL"] = impl.package
    env["BENCH_ISOLATION"] = impl.isolation
    if impl.key == REFERENCE:
        env["VIRTUAL_ENV"] = str(REF_VENV)
    elif impl.isolation == "process":
        env["DFLOW_DEBUG_ISOLATION"] = "process"
    return env


@functools.cache
def _importable(python: str, module: str) -> bool:
    """Whether ``python`` can import ``module`` from anywhere, without our PYTHONPATH."""
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([python, "-c", code], cwd=tempfile.gettempdir(), env=env)
    return done.returncode == 0


def version(python: str, dist: str) -> str:
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    done = subprocess.run([python, "-c", code], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else "not installed as a distribution"


def scrub(text: str) -> str:
    """``text`` with this machine's paths (in error messages) replaced by placeholders."""
    roots = {
        str(REF_VENV): "<ref-venv>",
        str(BENCH.parent): "<repo>",
        sys.prefix: "<python>",
        sys.base_prefix: "<python>",
        tempfile.gettempdir(): "<tmp>",
        str(Path.home()): "<home>",
    }
    for path in sorted(roots, key=len, reverse=True):
        if len(path) > 1:  # never replace a bare "/"
            text = text.replace(path, roots[path])
    return text
