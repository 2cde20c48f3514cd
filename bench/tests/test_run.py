"""The runner's command line and the path scrubbing of what it writes."""

from __future__ import annotations

import sys
import tempfile

import pytest
from impls import BENCH, scrub
from run import parse_args


def test_defaults_and_quick() -> None:
    args = parse_args([])
    assert args.workloads == list("abcdefgh") and args.runs == 3 and not args.skip_ref_g
    assert args.impls == ["ref", "inprocess", "process"]
    quick = parse_args(["--quick", "--only", "h,a_chain", "--impl", "ours"])
    assert quick.runs == 1 and quick.skip_ref_g
    assert quick.workloads == ["a", "h"] and quick.impls == ["inprocess", "process"]
    assert parse_args(["--quick", "--runs", "2"]).runs == 2


def test_bad_selection_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--only", "z"])
    assert "unknown workload 'z'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--impl", "argo"])


def test_scrub_replaces_machine_paths() -> None:
    text = f"{BENCH.parent}/x.py {tempfile.gettempdir()}/run {sys.base_prefix}/lib"
    assert scrub(text) == "<repo>/x.py <tmp>/run <python>/lib"
