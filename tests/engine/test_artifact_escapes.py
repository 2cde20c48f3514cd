"""An OP returning a path outside its step never lets the store link, chmod or write the user's file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate


@OP.function
def point_at(path: str, how: str) -> {"out": Artifact(Path)}:  # type: ignore[valid-type]
    import os
    from pathlib import Path

    if how == "absolute":
        return {"out": Path(path)}
    if how == "dotdot":
        return {"out": Path(os.path.relpath(path, os.getcwd()))}
    os.symlink(path, "link.txt")
    return {"out": Path("link.txt")}


@OP.function
def scribble(inp: Artifact(Path)) -> {"n": int}:  # type: ignore[valid-type]
    import os

    os.chmod(inp, 0o644)  # as root would: permission bits do not stop it
    with open(inp, "w") as f:
        f.write("overwritten by a consumer")
    return {"n": 1}


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_a_consumer_writing_in_place_never_reaches_the_users_file(
    tmp_path_factory: pytest.TempPathFactory, how: str
) -> None:
    user_file = tmp_path_factory.mktemp("home") / "data.txt"
    user_file.write_text("the user's data")
    user_file.chmod(0o644)
    before = os.stat(user_file)
    wf = Workflow("escape")
    producer = Step("producer", PythonOPTemplate(point_at), parameters={"path": str(user_file), "how": how})
    consumer = Step(
        "consumer", PythonOPTemplate(scribble), artifacts={"inp": producer.outputs.artifacts["out"]}
    )
    wf.add(producer)
    wf.add(consumer)
    wf.submit()
    assert wf.query_step(name="producer")[0].phase == "Succeeded"
    after = os.stat(user_file)
    assert user_file.read_text() == "the user's data"
    assert stat.S_IMODE(after.st_mode) == 0o644
    assert (after.st_ino, after.st_nlink) == (before.st_ino, before.st_nlink)
