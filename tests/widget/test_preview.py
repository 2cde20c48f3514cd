"""Previews of single files and folders (no workflow needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dflow_jupyter.widget.artifacts import ArtifactUnavailable, measure
from dflow_jupyter.widget.preview import TABLE_ROWS, preview_path


def test_tsv_json_records_and_json_lines(tmp_path: Path) -> None:
    (tmp_path / "t.tsv").write_text("a\tb\n1\tx\n2\ty\n")
    tsv = preview_path(tmp_path / "t.tsv", None)
    assert tsv["columns"] == ["a", "b"] and tsv["rows"] == [[1, "x"], [2, "y"]] and not tsv["truncated"]
    records = [{"name": f"n{i}", "value": i / 2} for i in range(80)]
    (tmp_path / "r.json").write_text(json.dumps(records))
    table = preview_path(tmp_path / "r.json", None)
    assert table["type"] == "table" and table["total_rows"] == 80 and len(table["rows"]) == TABLE_ROWS
    assert table["rows"][1] == ["n1", 0.5]
    (tmp_path / "r.jsonl").write_text("\n".join(json.dumps(r) for r in records))
    lines = preview_path(tmp_path / "r.jsonl", None)
    assert len(lines["rows"]) == TABLE_ROWS and lines["truncated"]


def test_text_that_is_not_a_table_and_binary_files(tmp_path: Path) -> None:
    (tmp_path / "odd.json").write_text("{not json")
    odd = preview_path(tmp_path / "odd.json", None)
    assert odd["ok"] and odd["type"] == "text" and odd["text"] == "{not json"
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" * 100)
    with pytest.raises(ArtifactUnavailable, match="binary file"):
        preview_path(tmp_path / "blob.bin", None)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(ArtifactUnavailable, match="parquet"):
        preview_path(tmp_path / "bad.parquet", None)


def test_svg_images_and_single_file_artifacts(tmp_path: Path) -> None:
    art = tmp_path / "art"
    (art / ".dflow").mkdir(parents=True)
    (art / ".dflow" / "catalog").write_text("{}")
    (art / "plot.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    image = preview_path(art, None)  # one file (the catalog is bookkeeping): the file itself
    assert image["type"] == "image" and image["mime"] == "image/svg+xml"
    assert measure(art) == (len("<svg xmlns='http://www.w3.org/2000/svg'/>"), 1, True)
    (art / "more.txt").write_text("x")
    listing = preview_path(art, None)
    assert listing["type"] == "listing" and [e["path"] for e in listing["entries"]] == [
        "more.txt",
        "plot.svg",
    ]
