"""Micro-benchmarks of per-item costs that used to be timed assertions in the tests.

Prints each measurement beside the budget it used to be held to (ratio = measured / budget;
under 1 is within budget). dflow has no peer for these internals, so the budget is the reference:
run ``python bench/run.py`` for the end-to-end comparison with pydflow.

    python bench/micro.py
"""

from __future__ import annotations

import sys
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path


def _per_artifact() -> tuple[float, float]:
    from dflow_jupyter.storage import LocalStore

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = LocalStore(root / "artifacts")
        workdir = root / "wd"
        workdir.mkdir()
        (workdir / "a.txt").write_text("A" * 100)
        n = 300
        outs = [root / f"s{i}" / "outputs" / "artifacts" / "out" for i in range(n)]
        ins = [root / f"c{i}" / "inputs" / "artifacts" / "inp" for i in range(n)]
        for path in (*outs, *ins):
            path.parent.mkdir(parents=True)
        start = timeit.default_timer()
        arts = [store.save_output("a.txt", workdir=workdir, dest=d, sign_type=Path) for d in outs]
        saved = timeit.default_timer()
        for art, dest in zip(arts, ins, strict=True):
            store.stage_input(art, dest=dest, sign_type=Path)
        staged = timeit.default_timer()
    return (saved - start) / n, (staged - saved) / n


def _stack_10000() -> float:
    from dflow_jupyter.storage import LocalStore, stack_artifacts

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = LocalStore(root / "artifacts")
        (root / "wd").mkdir()
        (root / "wd" / "r.txt").write_text("r")
        art = store.save_output(["r.txt"], workdir=root / "wd", dest=root / "one")
        start = timeit.default_timer()
        stack_artifacts([art] * 10_000, root / "stacked", create_dir=True)
        return timeit.default_timer() - start


def _per_call(call: Callable[[], object], n: int) -> float:
    call()
    return timeit.timeit(call, number=n) / n


def main() -> int:
    from dflow_jupyter.expr import evaluate_when
    from dflow_jupyter.python.opio import OPIOSign
    from dflow_jupyter.python.typecheck import check_opio, check_value

    scope = {
        "inputs": {"parameters": {"n": "10"}},
        "steps": {"flip-coin": {"outputs": {"result": "heads"}}},
    }
    condition = "{{steps.flip-coin.outputs.result}} == heads && {{inputs.parameters.n}} > 9"
    sign = OPIOSign(a=int)
    save, stage = _per_artifact()
    rows = [
        ("save_output, one file", save, 3e-3),
        ("stage_input, one file", stage, 3e-3),
        ("stack 10,000 slice outputs", _stack_10000(), 15.0),
        ("evaluate_when", _per_call(lambda: evaluate_when(condition, scope), 5000), 200e-6),
        ("check_value(int)", _per_call(lambda: check_value(int, 1), 20_000), 5e-6),
        (
            "check_opio, one parameter",
            _per_call(lambda: check_opio(sign, {"a": 1}, op_name="X", direction="input"), 20_000),
            15e-6,
        ),
    ]
    print("| measurement | time | budget | ratio |")
    print("|---|---:|---:|---:|")
    for name, seconds, budget in rows:
        print(f"| {name} | {_fmt(seconds)} | {_fmt(budget)} | {seconds / budget:.2f} |")
    return 0


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


if __name__ == "__main__":
    sys.exit(main())
