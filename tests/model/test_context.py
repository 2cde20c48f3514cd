"""The stack of open ``with`` blocks: nesting, and isolation between threads and asyncio tasks."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading

from dflow_jupyter import _context
from dflow_jupyter.model.dag import DAG, Task
from dflow_jupyter.model.steps import Steps

from .builders import takes_x


def test_nested_blocks() -> None:
    with Steps("outer") as outer:
        assert _context.active() is outer
        with DAG("inner") as inner:
            assert _context.active() is inner
        assert _context.active() is outer
    assert _context.active() is None


def test_pop_closes_blocks_left_open_inside() -> None:
    outer, inner = Steps("outer"), DAG("inner")
    _context.push(outer)
    _context.push(inner)
    _context.pop(outer)  # e.g. an exception skipped the inner block's exit
    assert _context.active() is None


def test_popping_a_block_that_is_not_open_changes_nothing() -> None:
    outer = Steps("outer")
    with outer:
        _context.pop(DAG("never-opened"))
        assert _context.active() is outer


def test_an_exception_inside_a_block_closes_it() -> None:
    try:
        with DAG("d"):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert _context.active() is None


def test_threads_do_not_see_each_others_blocks() -> None:
    seen: dict[str, object] = {}
    opened = threading.Event()
    checked = threading.Event()

    def worker() -> None:
        seen["worker-at-start"] = _context.active()
        with DAG("worker-dag") as dag:
            seen["worker-dag"] = dag
            opened.set()
            checked.wait(5)
            Task("t", takes_x(), parameters={"x": 1})

    with Steps("main") as main:
        thread = threading.Thread(target=worker)
        thread.start()
        assert opened.wait(5)
        assert _context.active() is main  # the worker's open DAG is invisible here
        checked.set()
        thread.join(5)
    assert seen["worker-at-start"] is None
    worker_dag = seen["worker-dag"]
    assert isinstance(worker_dag, DAG) and [t.name for t in worker_dag.tasks] == ["t"]
    assert main.steps == []


def test_asyncio_tasks_build_their_own_dags() -> None:
    async def build(name: str, other_opened: asyncio.Event, opened: asyncio.Event) -> DAG:
        with DAG(name) as dag:
            opened.set()
            await other_opened.wait()
            await asyncio.sleep(0)  # let the other task run while both blocks are open
            Task(f"{name}-task", takes_x(), parameters={"x": 1})
            await asyncio.sleep(0)
        return dag

    async def main() -> tuple[DAG, DAG]:
        a_open, b_open = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(build("a", b_open, a_open), build("b", a_open, b_open))

    # A fresh thread: its own event loop, whatever loop an earlier test left in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        a, b = pool.submit(asyncio.run, main()).result()
    assert [t.name for t in a.tasks] == ["a-task"] and [t.name for t in b.tasks] == ["b-task"]
