"""The ``.dflow`` catalog: dflow's format, merge rules and path-object assembly."""

from __future__ import annotations

import json
import typing
from pathlib import Path

import pytest

from dflow_jupyter.storage.catalog import (
    assemble,
    expand,
    flatten,
    get_slices,
    read_catalog,
    write_catalog,
)
from dflow_jupyter.storage.signs import sign_kind

from .helpers import NestedDictPath, NestedDictStr


def test_flatten_expand_round_trip() -> None:
    obj = {"a": {"b": ["x", "y"]}, "c": "z"}
    flat = flatten(obj)
    assert flat == {"a.b.0": "x", "a.b.1": "y", "c": "z"}
    assert expand(flat) == obj
    assert expand({"0": "a", "2": "c"}) == ["a", None, "c"]  # dflow's dict2list fills gaps
    assert flatten([["a", "b"], "c"]) == {"0.0": "a", "0.1": "b", "1": "c"}


def test_assemble_sorts_integer_orders_numerically_and_joins_root() -> None:
    items = [{"dflow_list_item": f"f{i}", "order": i} for i in (10, 2, 1)]
    assert assemble(items) == ["f1", "f2", "f10"]
    assert assemble(items, "/r") == ["/r/f1", "/r/f2", "/r/f10"]
    assert assemble([]) == []
    assert assemble([{"dflow_list_item": None, "order": 0}], "/r") == [None]


def test_reads_dflow_catalogs_and_merges_like_dflow(tmp_path: Path) -> None:
    catalog = tmp_path / ".dflow"
    catalog.mkdir()
    # Two catalog files, as left by two slices writing to one artifact in dflow.
    (catalog / "1").write_text(
        json.dumps(
            {
                "path_list": [
                    {"dflow_list_item": "a", "order": 0},
                    {"dflow_list_item": None, "order": 1},
                ]
            }
        )
    )
    (catalog / "2").write_text(
        json.dumps(
            {
                "path_list": [
                    {"dflow_list_item": "a", "order": 0},  # duplicate: dropped
                    {"dflow_list_item": "b", "order": 1},  # fills the None
                ]
            }
        )
    )
    merged = read_catalog(str(tmp_path))
    assert merged.present
    assert not merged.single_file
    assert assemble(merged.items) == ["a", "b"]
    assert not read_catalog(str(tmp_path / "missing")).present


def test_written_catalog_is_plain_dflow_json(tmp_path: Path) -> None:
    write_catalog(str(tmp_path), [{"dflow_list_item": "x", "order": "k"}])
    (name,) = (tmp_path / ".dflow").iterdir()
    assert json.loads(name.read_text()) == {"path_list": [{"dflow_list_item": "x", "order": "k"}]}


def test_get_slices() -> None:
    obj = {"a": [["x", "y"], "z"]}
    assert get_slices(obj, "a.0.1") == "y"
    assert get_slices(["p", "q", "r"], [2, 0]) == ["r", "p"]
    assert get_slices(["p"], None) == ["p"]


@pytest.mark.parametrize(
    ("annotation", "kind", "leaf"),
    [
        (Path, "single", Path),
        (str, "single", str),
        (typing.List[Path], "list", Path),
        (list[str], "list", str),
        (typing.Set[str], "set", str),
        (typing.Dict[str, Path], "dict", Path),
        (NestedDictPath, "dict", Path),
        (NestedDictStr, "dict", str),
        (None, "any", Path),
    ],
)
def test_sign_kinds(annotation: object, kind: str, leaf: type) -> None:
    got = sign_kind(annotation)
    assert (got.kind, got.leaf) == (kind, leaf)


def test_hdf5_union_is_reduced_and_bare_hdf5_rejected() -> None:
    class HDF5Datasets:
        pass

    assert sign_kind(typing.Union[Path, HDF5Datasets]).kind == "single"  # noqa: UP007
    with pytest.raises(NotImplementedError, match="HDF5Datasets"):
        sign_kind(HDF5Datasets)
