"""Drive the widget harness (a FAKE HOST, no kernel) in Debian's Chromium with Playwright.

Serves the repository on 127.0.0.1, opens ``harness.html`` for graphs of 2,000 and 10,000 nodes
(laid out as Python sends them), measures draw time and long tasks, state deltas and structure
``grow``s, clicks through details, previews, a fan-out, the timeline and the themes, saves
screenshots, and checks the DOM contract of docs/widget-protocol.md.

    python js/test/browser/run.py [--out DIR] [--strict] [--quick]

``--strict`` also fails on the time budgets (2,000 nodes < 1 s, 10,000 < 3 s, no long task
over 200 ms); without it they are reported. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import sys
import threading
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BUDGET_MS = {2000: 1000, 10000: 3000}
LONG_TASK_MS = 200


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve() -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(Quiet, directory=str(REPO))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/js/test/browser/harness.html"


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> None:
        print(("  ok   " if ok else "  FAIL ") + what)
        if not ok:
            self.failures.append(what)


def open_harness(page: Page, url: str, query: str) -> dict:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}?{query}")
    # Poll slowly: a selector wait observes every DOM mutation, which would slow the build it measures.
    page.wait_for_function("document.body.dataset.harnessReady === 'true'", polling=250, timeout=120_000)
    bench = page.evaluate("window.dflowHarness.bench")
    bench["errors"] = errors
    return bench


def contract(page: Page, c: Checks, label: str) -> None:
    info = page.evaluate(
        """() => {
        const root = document.querySelector('.dflow-widget');
        const nodes = [...root.querySelectorAll('[data-node-id]')].filter(e => !e.closest('.dflow-timeline'));
        const g = window.dflowHarness.model.get('graph');
        const summary = window.dflowHarness.model.get('summary');
        const bad = nodes.filter(e => !e.hasAttribute('data-phase') || !e.hasAttribute('data-progress') || !e.hasAttribute('data-type')).length;
        const fan = nodes.filter(e => e.dataset.type === 'Fanout');
        return {
          drawn: nodes.length, expected: g.nodes.length, bad,
          phase: root.dataset.phase, summaryPhase: summary.phase,
          fanoutsOk: fan.length > 0 && fan.every(e => e.hasAttribute('data-fanout')),
          succeeded: root.querySelector('.dflow-header [data-count-phase=Succeeded]')?.textContent,
          summarySucceeded: String(summary.counts.Succeeded ?? 0),
          progress: !!root.querySelector('.dflow-header .dflow-progress'),
        };
    }"""
    )
    c.check(info["drawn"] == info["expected"], f"{label}: every node drawn ({info['drawn']}/{info['expected']})")
    c.check(info["bad"] == 0, f"{label}: every node has data-phase, data-progress, data-type")
    c.check(info["fanoutsOk"], f"{label}: fan-out summaries carry data-fanout")
    c.check(info["phase"] == info["summaryPhase"], f"{label}: root data-phase is the workflow phase")
    c.check(info["succeeded"] == info["summarySucceeded"], f"{label}: header count of Succeeded")
    c.check(info["progress"], f"{label}: header progress bar")


def bench_case(page: Page, url: str, out: Path, size: int, c: Checks, strict: bool) -> dict:
    name = f"{size}-nodes"
    b = open_harness(page, url, f"size={size}")
    print(
        f"{name}: {b['nodes']} nodes, {b['edges']} edges, {b['elements']} elements; "
        f"DOM complete {b['domMs']} ms, painted {b['drawMs']} ms; long tasks {b['tasks']}"
    )
    c.check(not b["errors"], f"{name}: no page errors {b['errors'][:1]}")
    contract(page, c, name)
    page.screenshot(path=str(out / f"{name}.png"))
    budget = BUDGET_MS.get(size)
    if budget:
        within = b["drawMs"] < budget and b["tasks"]["maxMs"] <= LONG_TASK_MS
        msg = f"{name}: drawn in {b['drawMs']} ms (< {budget}), longest task {b['tasks']['maxMs']} ms (<= {LONG_TASK_MS})"
        c.check(within or not strict, msg + ("" if within else " [over budget]"))
    return {"case": name, **{k: v for k, v in b.items() if k != "errors"}}


def interact(page: Page, url: str, out: Path, c: Checks) -> dict:
    """Details, previews, log, fan-out, zoom, timeline, themes on a small graph."""
    open_harness(page, url, "size=120")
    contract(page, c, "120 nodes")
    # A failed step: traceback, retry, replay command.
    failed = page.locator('.dflow-node[data-phase=Failed][data-type=Pod]').first
    fid = failed.get_attribute("data-node-id")
    failed.click()
    page.wait_for_selector(".dflow-details .dflow-traceback")
    c.check(page.evaluate("window.dflowHarness.model.get('selected')") == fid, "click selects the node (selected trait)")
    c.check(page.locator(".dflow-details .dflow-retry").count() == 1, "failed step offers Retry")
    sent = page.evaluate("window.dflowHarness.model.sent.map(m => m.kind)")
    c.check(sent[0] == "hello" and "details" in sent, f"view sent hello, then details ({sent[:3]})")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator(".dflow-details .dflow-copy-replay").click()
    page.wait_for_function("document.querySelector('.dflow-status').textContent.length > 0")
    clip = page.evaluate("navigator.clipboard.readText()")
    c.check(clip.startswith("%dflow replay") and clip.endswith("--pdb"), f"replay command copied ({clip})")
    page.locator(".dflow-details .dflow-retry").click()
    page.wait_for_function("document.querySelector('.dflow-status').textContent.includes('Resubmitted')")
    c.check(True, "retry answered")
    # Previews: image, table, listing (and an entry of it), refused.
    for artifact, selector in [
        ("plot", ".dflow-preview img.dflow-preview-image"),
        ("table", ".dflow-preview table.dflow-preview-table"),
        ("run_dir", ".dflow-preview .dflow-preview-listing"),
        ("wavefunctions", ".dflow-preview .dflow-preview-error"),
        ("log", ".dflow-preview pre.dflow-preview-text"),
    ]:
        page.locator(f'.dflow-outputs [data-artifact="{artifact}"] .dflow-preview-btn').click()
        page.wait_for_selector(selector)
        c.check(True, f"preview of {artifact}")
        if artifact in ("plot", "table"):
            page.locator(".dflow-preview").scroll_into_view_if_needed()
            page.screenshot(path=str(out / f"details-preview-{artifact}.png"))
    c.check(page.locator(".dflow-preview script").count() == 0, "preview text is text, never HTML")
    c.check("failed" not in page.locator(".dflow-preview-error").all_inner_texts()[0:1], "refused preview says why")
    page.locator(".dflow-details").evaluate("e => e.scrollTop = 0")
    page.screenshot(path=str(out / "details-failed.png"))
    # A running step: its log grows from `log` messages.
    page.locator('.dflow-node[data-phase=Running][data-type=Pod]').first.click()
    page.wait_for_function("(document.querySelector('.dflow-details .dflow-log')?.textContent || '').includes('step 5:')")
    c.check(True, "running step's log appended from log messages")
    page.screenshot(path=str(out / "details-running-log.png"))
    page.locator(".dflow-details .dflow-close").click()
    c.check(page.evaluate("window.dflowHarness.model.get('selected')") == "", "closing clears selected")
    # Deltas patch in place; durations tick.
    d = page.evaluate("window.dflowHarness.runDeltas({seconds: 1, rate: 10, perBatch: 20})")
    c.check(d["lastApplied"] and d["sameElements"], f"deltas patch nodes in place ({d})")
    # Zoom in on the top: a readable close-up.
    page.locator(".dflow-zoom-in").click()
    page.locator(".dflow-zoom-in").click()
    page.locator(".dflow-zoom-in").click()
    page.wait_for_timeout(400)  # the view rests, then the nodes in sight get their labels
    page.screenshot(path=str(out / "zoomed.png"))
    # Pan by dragging.
    before = page.evaluate("document.querySelector('.dflow-stage').style.transform")
    box = page.locator(".dflow-canvas").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + 240, box["y"] + 140, steps=5)
    page.mouse.up()
    page.wait_for_timeout(50)
    after = page.evaluate("document.querySelector('.dflow-stage').style.transform")
    c.check(before != after, "drag pans the view")
    page.locator(".dflow-fit").click()
    # Fan-out: click expands (a new graph rev, its items in a grid).
    fan = page.locator(".dflow-node[data-type=Fanout]").first
    fan.click()
    page.wait_for_selector(".dflow-widget[data-rev='2']", timeout=30_000)
    c.check(page.locator("[data-node-id$='.items(0)']").count() == 1, "fan-out expands on click")
    page.wait_for_timeout(100)
    page.screenshot(path=str(out / "fanout-expanded.png"))
    # Python selects a node: the panel opens on it.
    target = page.locator('.dflow-node[data-phase=Succeeded][data-type=Pod]').first.get_attribute("data-node-id")
    page.evaluate(f"window.dflowHarness.model.set('selected', {json.dumps(target)})")
    page.wait_for_selector(f'.dflow-details[data-node-id="{target}"] .dflow-outputs')
    c.check(True, "selected set from Python opens the details")
    page.locator(".dflow-details .dflow-close").click()
    # Wheel zooms about the pointer.
    k0 = page.evaluate("document.querySelector('.dflow-stage').style.transform")
    page.mouse.move(box["x"] + 300, box["y"] + 200)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(100)
    c.check(page.evaluate("document.querySelector('.dflow-stage').style.transform") != k0, "wheel zooms")
    page.locator(".dflow-fit").click()
    # Terminate asks once, then sends.
    page.locator(".dflow-terminate").click()
    c.check("Really" in page.locator(".dflow-terminate").inner_text(), "terminate asks for a second click")
    page.locator(".dflow-terminate").click()
    page.wait_for_function("document.querySelector('.dflow-status').textContent.includes('terminated')")
    c.check(page.evaluate("window.dflowHarness.model.sent.some(m => m.action === 'terminate' && m.id === null)"), "terminate sent")
    # Timeline.
    page.locator(".dflow-view-timeline").click()
    page.wait_for_selector(".dflow-timeline .dflow-trow")
    page.screenshot(path=str(out / "timeline.png"))
    page.locator(".dflow-view-dag").click()
    # Themes: forced dark, then JupyterLab's dark.
    page.evaluate("window.dflowHarness.model.set('theme', 'dark')")
    c.check(page.locator(".dflow-widget[data-theme=dark]").count() == 1, "theme trait switches to dark")
    page.screenshot(path=str(out / "dark.png"))
    open_harness(page, url, "size=120&jp=dark")
    c.check(
        page.locator(".dflow-widget[data-theme=dark][data-theme-source=jupyterlab]").count() == 1,
        "auto theme follows JupyterLab's dark theme",
    )
    page.screenshot(path=str(out / "jupyterlab-dark.png"))
    page.evaluate("document.body.dataset.jpThemeLight = 'true'")
    page.wait_for_selector(".dflow-widget[data-theme=light]")
    c.check(True, "theme follows a JupyterLab theme change")
    # No clipboard permission: the replay command is offered in a text field instead.
    page.locator('.dflow-node[data-phase=Failed][data-type=Pod]').first.click()
    page.wait_for_selector(".dflow-details .dflow-copy-replay")
    page.evaluate("() => { navigator.clipboard.writeText = () => Promise.reject(new Error('denied')); }")
    page.locator(".dflow-details .dflow-copy-replay").click()
    page.wait_for_selector(".dflow-details .dflow-copy-field")
    value = page.locator(".dflow-copy-field").input_value()
    c.check(value.startswith("%dflow replay"), f"clipboard refused: command offered in a field ({value})")
    # Cleanup removes the view.
    page.evaluate("window.dflowHarness.cleanup()")
    c.check(page.locator(".dflow-widget").count() == 0, "cleanup removes the view")
    return {}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "js" / "test" / "output")
    ap.add_argument("--strict", action="store_true", help="fail on the time budgets too")
    ap.add_argument("--quick", action="store_true", help="2,000 nodes only")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server, url = serve()
    c = Checks()
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            sizes = [2000] if args.quick else [2000, 10000]
            for size in sizes:
                page = browser.new_page(viewport={"width": 1280, "height": 720})
                results.append(bench_case(page, url, args.out, size, c, args.strict))
                d = page.evaluate("window.dflowHarness.runDeltas({seconds: 3, rate: 10, perBatch: 100})")
                print(f"  deltas on {size} nodes: {d}")
                c.check(d["lastApplied"] and d["sameElements"], f"{size}: deltas patch in place")
                ok = d["tasks"]["maxMs"] <= LONG_TASK_MS
                c.check(ok or not args.strict, f"{size}: longest task during deltas {d['tasks']['maxMs']} ms")
                results[-1]["deltas"] = d
                g = page.evaluate("window.dflowHarness.runGrows({seconds: 3, rate: 10, perGrow: 20})")
                print(f"  grows on {size} nodes: {g}")
                c.check(g["drawnNodes"] == g["expected"] and g["sameElements"], f"{size}: grows append in place")
                ok = g["tasks"]["maxMs"] <= LONG_TASK_MS
                c.check(ok or not args.strict, f"{size}: longest task during grows {g['tasks']['maxMs']} ms")
                results[-1]["grows"] = g
                page.close()
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            interact(page, url, args.out, c)
            page.close()
            browser.close()
    finally:
        server.shutdown()
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"{len(c.failures)} failed; screenshots and results.json in {args.out}")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
