"""Artifacts of every type pass between steps, keep their relative paths and are never copied."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List

import pytest

from dflow_jupyter import Step, Workflow, config, download_artifact, upload_artifact
from dflow_jupyter.python import OP, Artifact, NestedDict, PythonOPTemplate


@OP.function
def make_files() -> {  # type: ignore[valid-type]
    "single": Artifact(Path),
    "many": Artifact(List[Path]),
    "named": Artifact(Dict[str, Path]),
    "nested": Artifact(NestedDict[Path]),
    "text": Artifact(str),
}:
    for name in ("a", "b", "c"):
        Path(f"{name}.txt").write_text(name * 3)
    Path("sub").mkdir()
    Path("sub/d.txt").write_text("ddd")
    return {
        "single": Path("a.txt"),
        "many": [Path("c.txt"), Path("a.txt"), Path("b.txt")],
        "named": {"x": Path("a.txt"), "y": Path("sub/d.txt")},
        "nested": {"outer": {"inner": Path("b.txt")}, "top": Path("c.txt")},
        "text": "sub",
    }


@OP.function
def read_files(
    single: Artifact(Path),
    many: Artifact(List[Path]),
    named: Artifact(Dict[str, Path]),  # type: ignore[valid-type]
    nested: Artifact(NestedDict[Path]),
    text: Artifact(str),  # type: ignore[valid-type]
) -> {"summary": str}:  # type: ignore[valid-type]
    parts = [
        Path(single).read_text(),
        ",".join(Path(p).read_text() for p in many),
        ",".join(f"{k}={Path(v).read_text()}" for k, v in sorted(named.items())),
        Path(nested["outer"]["inner"]).read_text() + Path(nested["top"]).read_text(),
        Path(text, "d.txt").read_text(),
    ]
    return {"summary": "|".join(parts)}


def test_every_artifact_type_round_trips() -> None:
    make = Step("make", PythonOPTemplate(make_files))
    read = Step(
        "read",
        PythonOPTemplate(read_files),
        artifacts={k: make.outputs.artifacts[k] for k in ("single", "many", "named", "nested", "text")},
    )
    wf = Workflow("artifacts")
    wf.add(make)
    wf.add(read)
    wf.submit()
    assert wf.query_status() == "Succeeded", wf.query_step(name="read")[0].message
    summary = wf.query_step(name="read")[0].outputs.parameters["summary"].value
    assert summary == "aaa|ccc,aaa,bbb|x=aaa,y=ddd|bbbccc|ddd"


def test_artifacts_are_not_copied_between_steps(tmp_path: Path) -> None:
    config["debug_copy_method"] = "auto"

    @OP.function
    def big() -> {"data": Artifact(Path)}:  # type: ignore[valid-type]
        Path("data.bin").write_bytes(os.urandom(1 << 20))
        return {"data": Path("data.bin")}

    @OP.function
    def inode(data: Artifact(Path)) -> {"ino": int}:  # type: ignore[valid-type]
        return {"ino": os.stat(data).st_ino}

    producer = Step("producer", PythonOPTemplate(big))
    consumer = Step(
        "consumer", PythonOPTemplate(inode), artifacts={"data": producer.outputs.artifacts["data"]}
    )
    wf = Workflow("zero-copy")
    wf.add(producer)
    wf.add(consumer)
    wf.submit()
    [node] = wf.query_step(name="producer")
    [stored] = download_artifact(node.outputs.artifacts["data"], path=str(tmp_path / "dl"))
    seen = wf.query_step(name="consumer")[0].outputs.parameters["ino"].value
    store_dir = Path(node.outputs.artifacts["data"].key)
    produced = next(p for p in store_dir.rglob("data.bin"))
    assert seen == os.stat(produced).st_ino  # the consumer saw the producer's inode: no copy
    assert Path(stored).read_bytes() == produced.read_bytes()


@pytest.mark.parametrize("method", ["auto", "copy"])
def test_in_place_write_to_an_input_never_corrupts_the_producer(method: str) -> None:
    config["debug_copy_method"] = method

    @OP.function
    def produce() -> {"f": Artifact(Path)}:  # type: ignore[valid-type]
        Path("f.txt").write_text("original")
        return {"f": Path("f.txt")}

    @OP.function
    def scribble(f: Artifact(Path)) -> {"ok": bool}:  # type: ignore[valid-type]
        try:
            with open(f, "w") as handle:
                handle.write("scribbled")
        except PermissionError:
            pass
        return {"ok": True}

    @OP.function
    def check(f: Artifact(Path)) -> {"text": str}:  # type: ignore[valid-type]
        return {"text": Path(f).read_text()}

    p = Step("produce", PythonOPTemplate(produce))
    s = Step("scribble", PythonOPTemplate(scribble), artifacts={"f": p.outputs.artifacts["f"]})
    c = Step("check", PythonOPTemplate(check), artifacts={"f": p.outputs.artifacts["f"]})
    wf = Workflow("in-place")
    wf.add(p)
    wf.add(s)
    wf.add(c)
    wf.submit()
    [scribbler] = wf.query_step(name="scribble")
    if method == "auto" and os.geteuid() == 0:
        # Root ignores read-only bits: the write is detected and the scribbler fails loudly.
        assert scribbler.phase == "Failed" and "in place" in scribbler.message
    else:
        assert scribbler.phase == "Succeeded"
        assert wf.query_step(name="check")[0].outputs.parameters["text"].value == "original"


def test_upload_keeps_relative_paths(tmp_path: Path) -> None:
    Path("data/inner").mkdir(parents=True)
    Path("data/inner/x.txt").write_text("x")
    Path("y.txt").write_text("y")
    art = upload_artifact(["data/inner/x.txt", "y.txt"])
    paths = download_artifact(art, path=str(tmp_path / "down"))
    rel = sorted(str(Path(p).relative_to(tmp_path / "down")) for p in paths)
    assert rel == ["data/inner/x.txt", "y.txt"]
