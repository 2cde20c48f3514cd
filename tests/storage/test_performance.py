"""Per-artifact overhead stays small (a loose bound: catches order-of-magnitude regressions)."""

from __future__ import annotations

import time
from pathlib import Path

from dflow_jupyter.storage import LocalStore

from .helpers import write


def test_single_file_save_and_stage_are_cheap(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    workdir = tmp_path / "wd"
    write(workdir / "a.txt", "A" * 100)
    n = 300
    outs = [tmp_path / f"s{i}" / "outputs" / "artifacts" / "out" for i in range(n)]
    ins = [tmp_path / f"c{i}" / "inputs" / "artifacts" / "inp" for i in range(n)]
    for path in (*outs, *ins):
        path.parent.mkdir(parents=True)
    start = time.perf_counter()
    arts = [store.save_output("a.txt", workdir=workdir, dest=d, sign_type=Path) for d in outs]
    saved = time.perf_counter()
    for art, dest in zip(arts, ins, strict=True):
        store.stage_input(art, dest=dest, sign_type=Path)
    staged = time.perf_counter()
    save_us = (saved - start) / n * 1e6
    stage_us = (staged - saved) / n * 1e6
    # Typically 100-300 us each; the bound leaves room for slow, shared CI disks.
    assert save_us < 3000, f"save_output took {save_us:.0f} us per single-file artifact"
    assert stage_us < 3000, f"stage_input took {stage_us:.0f} us per single-file artifact"
