"""The notebook cells of the widget benchmark: workflows, a comm byte counter, timed runs.

Cells print their results as ``BENCH <json>`` lines, which the driver reads from the page.
"""

from __future__ import annotations

SETUP = '''
import asyncio
import json
import time

from dflow_jupyter import Task, Workflow, argo_range
from dflow_jupyter.config import config
from dflow_jupyter.widget.publish import graph_bytes
from dflow_jupyter.python import OP, PythonOPTemplate, Slices

config["debug_workdir"] = config["debug_artifact_dir"] = "bench-runs"


@OP.function
def square(x: int) -> {"y": int}:
    return {"y": x * x}


TEMPLATE = PythonOPTemplate(square, slices=Slices("{{item}}", input_parameter=["x"], output_parameter=["y"]))


def chains(name, width, depth, items=19):
    """`width` chains of `depth` fan-outs of `items` items: width * depth * (items + 1) + 1 nodes.

    19 items stay under the widget's fan-out threshold (20), so every item is drawn.
    """
    wf = Workflow(name=name)
    for c in range(width):
        previous = None
        for d in range(depth):
            task = Task(
                name=f"t{c}-{d}", template=TEMPLATE, parameters={"x": list(range(items))},
                with_param=argo_range(items), dependencies=[previous] if previous else None,
            )
            wf.add(task)
            previous = task
    return wf


def fanout(name, items):
    """One task over `items` items (drawn as one summary node)."""
    wf = Workflow(name=name)
    x = list(range(items))
    wf.add(Task(name="square", template=TEMPLATE, parameters={"x": x}, with_param=argo_range(items)))
    return wf


def count_comm(widget):
    """Record every message the widget's comm sends: its kind, payload bytes, nodes carried."""
    sent = []
    send = widget.comm.send

    def counting(data=None, metadata=None, buffers=None):
        size = len(json.dumps(data, separators=(",", ":"), default=str).encode())
        size += sum(memoryview(b).nbytes for b in buffers or [])
        content = data.get("content") if isinstance(data, dict) and data.get("method") == "custom" else None
        if isinstance(content, dict):
            kind, nodes = content.get("kind"), len(content.get("nodes") or {})
        else:
            kind, nodes = f"trait {','.join(sorted((data or {}).get('state', {})))}", None
        sent.append({"kind": kind, "bytes": size, "nodes": nodes, "t": time.time()})
        return send(data=data, metadata=metadata, buffers=buffers)

    widget.comm.send = counting
    return sent


def bench(**record):
    print("BENCH " + json.dumps(record))
'''

WARM_UP = """
warm = chains("warm-up", 1, 2, items=3)
warm.submit()
warm.widget()
"""


def run_chains(var: str, width: int, depth: int) -> str:
    """Run a chains workflow to its end (untimed: the display after it is what is measured)."""
    return f"""
{var} = chains("{var.replace("_", "-")}", {width}, {depth})
started = time.perf_counter()
{var}.submit()
bench(case="run", name="{var}", phase=str({var}.query_status()), wall=time.perf_counter() - started)
"""


def display(var: str) -> str:
    """A new widget of the ended run ``var`` (an option makes a new one, not the one shown before).

    Prints the layout engine, the kernel's time to make the widget and its mime bundle, and the
    sizes of what goes to the page: the graph (one binary buffer) and the static snapshot.
    """
    return f"""
started = time.perf_counter()
shown = {var}.widget(fanout_threshold=20)
made = time.perf_counter() - started
bundle = shown._repr_mimebundle_()[0]
bench(case="display", name="{var}", engine=shown.graph["layout"]["engine"],
      python_s=time.perf_counter() - started, widget_s=made,
      graph_bytes=len(graph_bytes(shown.graph)), html_bytes=len(bundle["text/html"]))
shown
"""


BYTES_DISPLAY = """
live = chains("bytes-2k", 10, 10)
live_widget = live.widget()
sent = count_comm(live_widget)
live_widget
"""
BYTES_RUN = """
started = time.perf_counter()
live.submit()
bench(case="run", name="live", phase=str(live.query_status()), wall=time.perf_counter() - started)
"""
# Awaited, not slept: the kernel's loop must turn to deliver what the run left to send.
BYTES_REPORT = """
await asyncio.sleep(1.5)
bench(case="bytes", sent=sent)
"""


def overhead_display(name: str, items: int, interval: float = 0.1) -> str:
    return f"""
shown = fanout("{name}", {items})
shown.widget(interval={interval})
"""


def overhead_run(name: str, items: int, widget: bool) -> str:
    """Run a fan-out (blocking, as a cell does by default), with the widget shown or not.

    Also the kernel's CPU seconds (all its threads): less disturbed than wall time by other
    work on a shared machine.
    """
    build = "" if widget else f'shown = fanout("{name}", {items})\n'
    return f"""
{build}started, cpu = time.perf_counter(), time.process_time()
shown.submit()
wall, cpu = time.perf_counter() - started, time.process_time() - cpu
bench(case="overhead", widget={widget}, phase=str(shown.query_status()), wall=wall, cpu=cpu)
"""
