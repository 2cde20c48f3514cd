"""A failed step's traceback from its log: the user's frames, library frames hidden."""

from __future__ import annotations

import sysconfig

from dflow_jupyter.widget import tracebacks
from dflow_jupyter.widget.tracebacks import is_library_file, user_traceback

PACKAGE = tracebacks._PACKAGE
STDLIB = sysconfig.get_paths()["stdlib"]

LOG = f"""starting
Traceback (most recent call last):
  File "{PACKAGE}engine/python_exec.py", line 172, in run_op
    result = op.execute(OPIO(op_in))
             ^^^^^^^^^^^^^^^^^^^^^^^
  File "/home/me/project/ops.py", line 18, in execute
    return helper(x)
  File "<ipython-input-3-abc>", line 2, in helper
    return json.loads(x)
  File "{STDLIB}/json/__init__.py", line 346, in loads
    return _default_decoder.decode(s)
json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)
"""


def test_user_frames_stay_and_library_frames_are_counted() -> None:
    shown = user_traceback(LOG)
    assert shown == (
        "Traceback (most recent call last):\n"
        '  File "/home/me/project/ops.py", line 18, in execute\n'
        "    return helper(x)\n"
        '  File "<ipython-input-3-abc>", line 2, in helper\n'
        "    return json.loads(x)\n"
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)\n"
        "(2 library frames hidden: dflow_jupyter, installed packages, Python)"
    )


def test_the_last_traceback_counts_and_library_only_ones_stay_whole() -> None:
    library_only = f"""Traceback (most recent call last):
  File "{PACKAGE}engine/python_exec.py", line 172, in run_op
    result = op.execute(OPIO(op_in))
RuntimeError: engine trouble
"""
    assert user_traceback("no error here") is None
    assert user_traceback(LOG + "retrying\n" + library_only) == library_only.rstrip("\n")


def test_which_files_are_library_files() -> None:
    assert is_library_file(f"{PACKAGE}python/op.py")
    assert is_library_file("/usr/lib/python3/dist-packages/numpy/core.py")
    assert is_library_file("/x/.venv/lib/python3.12/site-packages/pandas/io.py")
    assert is_library_file("<frozen runpy>")
    assert not is_library_file("/home/me/ops.py")
    assert not is_library_file("<string>")
