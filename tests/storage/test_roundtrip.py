"""save_output -> stage_input gives the consumer the same path object, with the same contents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter.storage import ArtifactNotFoundError, ArtifactTypeError, LocalStore

from .helpers import NestedDictPath, NestedDictStr, in_dest, out_dest, write


def contents(obj: Any) -> Any:
    """The path object with every file replaced by its text (directories by their listing)."""
    if isinstance(obj, dict):
        return {k: contents(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [contents(v) for v in obj]
    if isinstance(obj, set):
        return sorted(contents(v) for v in obj)
    if obj is None:
        return None
    p = Path(obj)
    if p.is_dir():
        return {c.name: contents(c) for c in sorted(p.iterdir())}
    return p.read_text()


def roundtrip(store: LocalStore, tmp_path: Path, workdir: Path, value: Any, sign: Any) -> Any:
    art = store.save_output(value, workdir=workdir, dest=out_dest(tmp_path, "out"), sign_type=sign)
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=sign)
    return staged


def test_single_file(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "a.txt", "A")
    staged = roundtrip(make_store(method), tmp_path, workdir, Path("a.txt"), Path)
    assert staged == in_dest(tmp_path, "inp") / "a.txt"
    assert isinstance(staged, Path)
    assert staged.read_text() == "A"


def test_single_directory(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "d" / "x.txt", "X")
    write(workdir / "d" / "sub" / "y.txt", "Y")
    (workdir / "d" / "empty").mkdir()
    staged = roundtrip(make_store(method), tmp_path, workdir, "d", Path)
    assert staged == in_dest(tmp_path, "inp") / "d"
    assert contents(staged) == {"empty": {}, "sub": {"y.txt": "Y"}, "x.txt": "X"}


def test_str_signature_gives_str(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "a.txt", "A")
    staged = roundtrip(make_store(), tmp_path, workdir, "a.txt", str)
    assert staged == str(in_dest(tmp_path, "inp") / "a.txt")
    assert isinstance(staged, str)


def test_list_keeps_numeric_order(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    # 12 items: "10" must come after "9", not after "1".
    paths = [write(workdir / f"f{i}.txt", str(i)) for i in range(12)]
    staged = roundtrip(make_store(method), tmp_path, workdir, paths[::-1], list[Path])
    assert contents(staged) == [str(i) for i in reversed(range(12))]
    assert all(isinstance(p, Path) for p in staged)


def test_list_of_str_and_none_items(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "a.txt", "A")
    staged = roundtrip(make_store(), tmp_path, workdir, ["a.txt", None], list[str])
    assert staged == [str(in_dest(tmp_path, "inp") / "a.txt"), None]


def test_set(make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path) -> None:
    a, b = write(workdir / "a.txt", "A"), write(workdir / "b.txt", "B")
    staged = roundtrip(make_store(), tmp_path, workdir, {a, b}, set[Path])
    assert isinstance(staged, set)
    assert contents(staged) == ["A", "B"]


def test_dict_keeps_keys_and_order(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    value = {"z": write(workdir / "z.txt", "Z"), "a": write(workdir / "a" / "a.txt", "A")}
    staged = roundtrip(make_store(method), tmp_path, workdir, value, dict[str, Path])
    assert list(staged) == ["z", "a"]
    assert contents(staged) == {"z": "Z", "a": "A"}
    assert staged["a"] == in_dest(tmp_path, "inp") / "a" / "a.txt"


def test_nested_dict(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    value = {
        "x": {"list": [write(workdir / "l0", "0"), write(workdir / "l1", "1")]},
        "y": write(workdir / "y", "Y"),
    }
    staged = roundtrip(make_store(method), tmp_path, workdir, value, NestedDictPath)
    assert contents(staged) == {"x": {"list": ["0", "1"]}, "y": "Y"}
    assert isinstance(staged["y"], Path)
    as_str = roundtrip(make_store(method), tmp_path, workdir, value, NestedDictStr)
    assert isinstance(as_str["y"], str)


def test_no_signature_gives_path_object(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "a.txt", "A")
    staged = roundtrip(make_store(), tmp_path, workdir, ["a.txt"], None)
    assert staged == [in_dest(tmp_path, "inp") / "a.txt"]


def test_sub_path_false_gives_artifact_root(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    class Sign:
        type = Path
        sub_path = False

    store = make_store()
    write(workdir / "a.txt", "A")
    art = store.save_output("a.txt", workdir=workdir, dest=out_dest(tmp_path, "out"))
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=Sign())
    assert staged == in_dest(tmp_path, "inp")
    assert (staged / "a.txt").read_text() == "A"


def test_path_signature_with_many_items_gives_root(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "a.txt", "A")
    write(workdir / "b.txt", "B")
    store = make_store()
    art = store.save_output(["a.txt", "b.txt"], workdir=workdir, dest=out_dest(tmp_path, "o"))
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "i"), sign_type=Path)
    assert staged == in_dest(tmp_path, "i")
    assert sorted(p.name for p in staged.iterdir() if p.name != ".dflow") == ["a.txt", "b.txt"]


def test_shape_mismatch_is_a_clear_error(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    write(workdir / "a.txt", "A")
    store = make_store()
    with pytest.raises(ArtifactTypeError, match=r"output artifact 'o'.*List\[Path\]"):
        store.save_output(["a.txt"], workdir=workdir, dest=out_dest(tmp_path, "o"), sign_type=Path)
    with pytest.raises(ArtifactTypeError, match="returned one path"):
        store.save_output("a.txt", workdir=workdir, dest=out_dest(tmp_path, "out"), sign_type=list[Path])
    art = store.save_output(["a.txt"], workdir=workdir, dest=out_dest(tmp_path, "out"))
    with pytest.raises(ArtifactTypeError, match=r"input artifact 'inp'.*dict of paths"):
        store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=dict[str, Path])


def test_missing_output_path_names_artifact_and_workdir(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    dest = out_dest(tmp_path, "bar")
    with pytest.raises(ArtifactNotFoundError) as info:
        make_store().save_output("bar.txt", workdir=workdir, dest=dest, sign_type=Path)
    assert f"output artifact 'bar': path 'bar.txt' does not exist in {workdir}" in str(info.value)
    assert not dest.exists()
    assert list(dest.parent.iterdir()) == []


def test_optional_missing_artifact(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store()
    assert store.save_output(None, workdir=workdir, dest=out_dest(tmp_path, "out")) is None
    assert not out_dest(tmp_path, "out").exists()
    assert store.stage_input(None, dest=in_dest(tmp_path, "inp"), sign_type=Path) == (None, [])
    assert store.stage_at(None, tmp_path / "x") == []


def test_relative_and_absolute_output_paths(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store()
    inside = write(workdir / "sub" / "in.txt", "in")  # absolute, but under the workdir
    outside = write(tmp_path / "elsewhere" / "out.txt", "out")
    passed = write(tmp_path / "wf" / "producer" / "inputs" / "artifacts" / "src" / "p.txt", "p")
    art = store.save_output(
        [inside, outside, passed, "sub/in.txt"], workdir=workdir, dest=out_dest(tmp_path, "o")
    )
    assert art is not None
    assert isinstance(art.path_list, list)
    assert [i["dflow_list_item"] for i in art.path_list] == [
        "sub/in.txt",
        str(outside).lstrip("/"),
        "p.txt",  # an input passed through keeps its path inside its artifact
        "sub/in.txt",
    ]
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "i"), sign_type=list[Path])
    assert contents(staged) == ["in", "out", "p", "in"]


def test_list_and_dict_of_artifacts(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store()
    write(workdir / "a.txt", "A")
    write(workdir / "b.txt", "B")
    write(workdir / "c.txt", "C")
    one = store.save_output(["a.txt", "b.txt"], workdir=workdir, dest=out_dest(tmp_path, "one"))
    two = store.save_output("c.txt", workdir=workdir, dest=out_dest(tmp_path, "two"))
    dest = in_dest(tmp_path, "x")
    staged, _ = store.stage_input([one, two], dest=dest, sign_type=list[Path])
    assert staged == [dest / "0" / "a.txt", dest / "0" / "b.txt", dest / "1" / "c.txt"]
    assert contents(staged) == ["A", "B", "C"]
    staged, _ = store.stage_input({"p": one, "q": two}, dest=dest, sign_type=NestedDictPath)
    assert contents(staged) == {"p": ["A", "B"], "q": ["C"]}


def test_sliced_artifact_stages_only_its_item(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store()
    paths = [write(workdir / f"f{i}.txt", str(i)) for i in range(5)]
    art = store.save_output(paths, workdir=workdir, dest=out_dest(tmp_path, "o"))
    assert art is not None
    dest = in_dest(tmp_path, "i")
    staged, _ = store.stage_input(art[3], dest=dest, sign_type=Path)
    assert staged == dest / "f3.txt"
    assert staged.read_text() == "3"
    assert sorted(p.name for p in dest.iterdir()) == ["f3.txt"]
    with pytest.raises(IndexError, match="slice 9 does not exist"):
        store.stage_input(art[9], dest=dest, sign_type=Path)


def test_string_artifact_becomes_a_file(make_store: Callable[..., LocalStore], tmp_path: Path) -> None:
    dest = in_dest(tmp_path, "msg")
    staged, prints = make_store().stage_input("hello", dest=dest, sign_type=Path)
    assert staged == dest
    assert dest.read_text() == "hello"
    assert prints == []


def test_restaging_replaces_previous_input(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store()
    write(workdir / "a.txt", "A")
    write(workdir / "b.txt", "B")
    first = store.save_output("a.txt", workdir=workdir, dest=out_dest(tmp_path, "one"))
    second = store.save_output("b.txt", workdir=workdir, dest=out_dest(tmp_path, "two"))
    dest = in_dest(tmp_path, "i")
    store.stage_input(first, dest=dest, sign_type=Path)
    staged, _ = store.stage_input(second, dest=dest, sign_type=Path)
    assert sorted(p.name for p in dest.iterdir()) == ["b.txt"]
    assert staged.read_text() == "B"
    assert [p.name for p in dest.parent.iterdir()] == ["i"]  # no temporary leftovers
