/**
 * Browser harness (FAKE HOST): renders the committed widget bundle against fake-host.js and
 * measures it. Query: `size` (nodes), `theme` (auto|light|dark), `jp` (light|dark: pretend to
 * be JupyterLab). Results land in `window.dflowHarness`; js/test/browser/run.py drives it.
 */
import widget from "../../../dflow_jupyter/widget/static/widget.js";
import { fakeHost } from "./fake-host.js";

const q = new URLSearchParams(location.search);
const size = Number(q.get("size") ?? 200);
const theme = q.get("theme") ?? "auto";
const jp = q.get("jp");
if (jp) {
  // What JupyterLab puts on the page: the theme flag and a few of its variables.
  document.body.dataset.jpThemeLight = String(jp === "light");
  const vars = jp === "light"
    ? { "--jp-layout-color0": "#ffffff", "--jp-layout-color2": "#eeeeee", "--jp-ui-font-color1": "rgba(0,0,0,0.87)", "--jp-border-color1": "#bdbdbd" }
    : { "--jp-layout-color0": "#111111", "--jp-layout-color2": "#303030", "--jp-ui-font-color1": "rgba(255,255,255,0.87)", "--jp-border-color1": "#616161" };
  for (const [k, v] of Object.entries(vars)) document.body.style.setProperty(k, v);
}

const longTasks = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
}).observe({ type: "longtask", buffered: true });

const frames = (n) => new Promise((resolve) => {
  const step = () => (--n <= 0 ? resolve() : requestAnimationFrame(step));
  requestAnimationFrame(step);
});
const until = async (cond, timeoutMs = 60000) => {
  const t = performance.now();
  while (!cond()) {
    if (performance.now() - t > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
};
const tasksSince = (t0) => {
  const mine = longTasks.filter((e) => e.start >= t0);
  return { count: mine.length, maxMs: Math.round(Math.max(0, ...mine.map((e) => e.duration))), totalMs: Math.round(mine.reduce((s, e) => s + e.duration, 0)) };
};

const { model, state } = fakeHost({ size, theme });
const el = document.getElementById("host");
await frames(2); // let the page settle, so its own loading is not counted
const t0 = performance.now();
const cleanup = widget.render({ model, el });
const root = el.querySelector(".dflow-widget");
const rev = () => String(model.get("graph").rev);
await until(() => root.dataset.rev === rev());
const tDom = performance.now();
await frames(2); // and painted
const t1 = performance.now();

/**
 * Send state deltas like Python's poller: `rate` batches a second of `perBatch` nodes each,
 * moving nodes along Pending -> Running -> Succeeded.
 */
async function runDeltas({ seconds = 3, rate = 10, perBatch = 100 } = {}) {
  const ids = Object.keys(state);
  const next = { Planned: "Pending", Pending: "Running", Running: "Succeeded", Succeeded: "Running", Failed: "Running", Error: "Running" };
  const start = performance.now();
  const kept = root.querySelector("[data-node-id]");
  let k = 0;
  let last = null;
  const batches = Math.round(seconds * rate);
  for (let b = 0; b < batches; b++) {
    const nodes = {};
    for (let i = 0; i < perBatch; i++) {
      const id = ids[k++ % ids.length];
      const st = state[id];
      const phase = next[st.phase] ?? "Running";
      const now = Date.now() / 1000;
      state[id] = { ...st, phase, started_at: st.started_at ?? now, finished_at: phase === "Succeeded" ? now : null, progress: phase === "Succeeded" ? "1/1" : "0/1" };
      nodes[id] = state[id];
      last = [id, phase];
    }
    model.emit({ kind: "delta", nodes });
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  await frames(2);
  const lastEl = root.querySelector(`[data-node-id="${CSS.escape(last[0])}"]`) ?? root.querySelector(`[data-group-id="${CSS.escape(last[0])}"]`);
  return {
    batches,
    perBatch,
    tasks: tasksSince(start),
    lastApplied: lastEl?.getAttribute("data-phase") === last[1],
    sameElements: kept.isConnected, // patched in place, never redrawn
  };
}

/**
 * Grow the graph like a running workflow: `rate` grows a second of `perGrow` new nodes each
 * (appended to a new grid under the drawing, fed by the first node), as Python's `grow`
 * messages bring them, each followed by the new nodes' states.
 */
async function runGrows({ seconds = 3, rate = 10, perGrow = 20 } = {}) {
  const start = performance.now();
  const kept = root.querySelector("[data-node-id]");
  const g = model.get("graph");
  let rev = Number(root.dataset.rev);
  let height = g.layout.height;
  const first = g.nodes[0].id;
  const grows = Math.round(seconds * rate);
  let k = 0;
  for (let b = 0; b < grows; b++) {
    const nodes = [];
    const boxes = [];
    const edges = [];
    const states = {};
    const row = height + 60;
    for (let i = 0; i < perGrow; i++, k++) {
      const id = `grown-${k}`;
      nodes.push({ id, label: `grown(${k})`, type: "Pod", group: null, key: null, template: "grown", fanout: null });
      boxes.push(80 + (i % 10) * 132, row + 15 + Math.floor(i / 10) * 40, 120, 30, 0);
      edges.push([first, id]);
      states[id] = { phase: "Running", progress: "0/1", started_at: Date.now() / 1000, finished_at: null, message: null, counts: null };
    }
    height = row + Math.ceil(perGrow / 10) * 40;
    model.emit({ kind: "grow", base: rev, rev: rev + 1, nodes, groups: [], edges, changed: [], changed_groups: [],
      layout: { engine: "layered", width: g.layout.width, height, nodes: boxes, groups: [], moved: [], moved_groups: [] } });
    model.emit({ kind: "delta", nodes: states });
    rev += 1;
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  await until(() => root.dataset.rev === String(rev));
  await frames(2);
  const drawnNodes = [...root.querySelectorAll("[data-node-id]")].filter((e) => !e.closest(".dflow-timeline, .dflow-details")).length;
  return { grows, perGrow, tasks: tasksSince(start), drawnNodes, expected: g.nodes.length + k, sameElements: kept.isConnected };
}

window.dflowHarness = {
  runGrows,
  model,
  state,
  cleanup,
  runDeltas,
  tasksSince,
  bench: {
    size,
    nodes: model.get("graph").nodes.length,
    edges: model.get("graph").edges.length,
    elements: root.querySelectorAll("*").length,
    domMs: Math.round(tDom - t0),
    drawMs: Math.round(t1 - t0),
    tasks: tasksSince(t0),
  },
};
document.body.dataset.harnessReady = "true";
