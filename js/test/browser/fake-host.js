/**
 * A FAKE HOST for the browser harness: a model object with anywidget's API (`get`, `set`,
 * `on`, `off`, `send`, `save_changes`) whose "Python side" is a few canned answers in this
 * file. It is not dflow_jupyter's Python widget; it only speaks the same protocol
 * (docs/widget-protocol.md), so the view can be drawn, measured and looked at without a kernel.
 */
import { makeWorkflow } from "../fixtures/workflows.js";

export class FakeModel {
  /** @param {Record<string, unknown>} traits */
  constructor(traits) {
    this.traits = { ...traits };
    /** @type {Map<string, Set<Function>>} */
    this.listeners = new Map();
    /** every message the view sent, in order */
    this.sent = [];
    /** @type {(msg: any) => void} */
    this.onSend = () => {};
  }
  get(name) {
    return this.traits[name];
  }
  set(name, value) {
    this.traits[name] = value;
    this.fire(`change:${name}`, value);
  }
  save_changes() {}
  on(event, cb) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(cb);
  }
  off(event, cb) {
    if (!event) this.listeners.clear();
    else if (!cb) this.listeners.delete(event);
    else this.listeners.get(event)?.delete(cb);
  }
  send(msg) {
    this.sent.push(msg);
    // Answers come back later, as over a comm.
    setTimeout(() => this.onSend(msg), 5);
  }
  /** The "Python side" sends a custom message. */
  emit(msg) {
    this.fire("msg:custom", msg, []);
  }
  fire(event, ...args) {
    for (const cb of this.listeners.get(event) ?? []) cb(...args);
  }
}

/**
 * A fake host with a synthetic workflow, answering hello, details, preview, action and expand.
 * @param {{size: number, theme?: string}} opts
 */
export function fakeHost({ size, theme = "auto" }) {
  const now = Date.now() / 1000;
  const wf = makeWorkflow({ size, now });
  const model = new FakeModel({
    workflow_name: "lattice-scan",
    workflow_id: "lattice-scan-x7k2p",
    graph: wf.graph,
    summary: wf.summary,
    theme,
    selected: "",
  });
  const state = wf.state;
  let logTimer = 0;
  model.onSend = (msg) => {
    switch (msg.kind) {
      case "hello":
        if (msg.rev !== model.get("graph").rev) model.emit({ kind: "state", rev: model.get("graph").rev, nodes: state });
        break;
      case "details":
        model.emit(detailsOf(msg, model.get("graph"), state));
        clearInterval(logTimer);
        if (state[msg.id]?.phase === "Running") {
          let i = 0;
          logTimer = setInterval(() => {
            model.emit({ kind: "log", id: msg.id, text: `step ${++i}: energy = ${(-3.7 - i * 0.001).toFixed(4)} eV\n`, reset: false });
            if (i >= 40) clearInterval(logTimer);
          }, 150);
        }
        break;
      case "preview":
        model.emit({ kind: "preview", req: msg.req, ...previewOf(msg.artifact, msg.path) });
        break;
      case "action":
        model.emit({
          kind: "action_result",
          req: msg.req,
          ok: true,
          message: msg.action === "terminate" ? "Workflow lattice-scan-x7k2p terminated." : msg.action === "retry" ? `Resubmitted; reusing the steps that succeeded.` : null,
          text: msg.action === "replay_command" ? `%dflow replay lattice-scan-x7k2p ${msg.id} --pdb` : null,
        });
        break;
      case "expand":
      case "collapse": {
        const g = expand(model.get("graph"), msg.id, msg.kind === "expand", state, now);
        model.set("graph", { ...g, states: state });
        break;
      }
    }
  };
  return { model, state, wf };
}

function detailsOf(msg, graph, state) {
  const node = graph.nodes.find((n) => n.id === msg.id) ?? graph.groups.find((g) => g.id === msg.id) ?? { label: msg.id, type: "?" };
  const st = state[msg.id] ?? { phase: "Pending" };
  const failed = st.phase === "Failed" || st.phase === "Error";
  return {
    kind: "details",
    req: msg.req,
    id: msg.id,
    name: node.label,
    display: node.label,
    phase: st.phase,
    type: node.type,
    key: node.key ?? null,
    template: node.template ?? null,
    started_at: st.started_at ?? null,
    finished_at: st.finished_at ?? null,
    duration: st.finished_at != null && st.started_at != null ? st.finished_at - st.started_at : null,
    message: st.message ?? null,
    inputs: {
      parameters: [
        { name: "a", value: 3.52 },
        { name: "settings", value: { kpoints: [4, 4, 4], ecut: 520 } },
      ],
      artifacts: [{ name: "structure", key: "structure-0", size: 2048, files: 1 }],
    },
    outputs: st.phase === "Succeeded" || failed
      ? {
          parameters: [{ name: "energy", value: -3.7412 }],
          artifacts: [
            { name: "log", key: null, size: 18_400, files: 1 },
            { name: "plot", key: null, size: 5_120, files: 1 },
            { name: "table", key: null, size: 9_000, files: 1 },
            { name: "run_dir", key: null, size: 3_145_728, files: 12 },
            { name: "wavefunctions", key: null, size: 2_254_857_830, files: 1 },
          ],
        }
      : { parameters: [], artifacts: [] },
    log: st.phase === "Pending" ? "" : "reading structure\nrelaxing...\n",
    log_truncated: false,
    error: failed ? "ValueError: lattice constant out of range: 9.1" : null,
    traceback: failed
      ? 'Traceback (most recent call last):\n  File "<cell 4>", line 7, in relax\n    check(a)\n  File "<cell 4>", line 3, in check\n    raise ValueError(f"lattice constant out of range: {a}")\nValueError: lattice constant out of range: 9.1\n(3 library frames hidden)'
      : null,
    replay: failed ? `%dflow replay lattice-scan-x7k2p ${msg.id} --pdb` : null,
  };
}

/** A small PNG drawn on a canvas: a real image for the image preview. */
function pngBase64() {
  const c = document.createElement("canvas");
  c.width = 240;
  c.height = 120;
  const g = c.getContext("2d");
  g.fillStyle = "#f4f6fb";
  g.fillRect(0, 0, 240, 120);
  g.strokeStyle = "#1e7fe0";
  g.lineWidth = 2;
  g.beginPath();
  for (let x = 0; x <= 220; x += 4) {
    const y = 100 - 80 * Math.exp(-(((x - 110) / 40) ** 2));
    x === 0 ? g.moveTo(x + 10, y) : g.lineTo(x + 10, y);
  }
  g.stroke();
  return c.toDataURL("image/png").split(",")[1];
}

function previewOf(artifact, path) {
  switch (artifact) {
    case "structure":
    case "log":
      return { ok: true, reason: null, type: "text", mime: "text/plain", text: "Si 8 atoms\n  a = 5.43 Å\n<script>alert('not run')</script>\n", truncated: false };
    case "plot":
      return { ok: true, reason: null, type: "image", mime: "image/png", data_b64: pngBase64(), truncated: false };
    case "table":
      return {
        ok: true,
        reason: null,
        type: "table",
        columns: ["a", "energy", "converged"],
        rows: Array.from({ length: 12 }, (_, i) => [(5.3 + i * 0.02).toFixed(2), (-3.7 - Math.sin(i / 3) * 0.05).toFixed(4), i % 5 !== 4]),
        total_rows: 400,
        truncated: true,
      };
    case "run_dir":
      if (path) return { ok: true, reason: null, type: "text", mime: "text/plain", text: `contents of ${path}\n`, truncated: false };
      return {
        ok: true,
        reason: null,
        type: "listing",
        entries: [
          { path: "INCAR", size: 412, dir: false },
          { path: "POSCAR", size: 1024, dir: false },
          { path: "out", size: null, dir: true },
          { path: "out/OUTCAR", size: 3_100_000, dir: false },
        ],
        truncated: false,
      };
    default:
      return { ok: false, reason: "wavefunctions is 2.1 GiB; previews stop at 5 MiB", type: null };
  }
}

/**
 * Expand (or collapse) a fan-out summary: its items join the graph, failed first, packed in a
 * grid below the rest (laid out here as Python would send it).
 */
function expand(graph, id, open, state, now) {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) return graph;
  const prefix = `${id}.items(`;
  const keep = graph.nodes.map((n, i) => [n, i]).filter(([n]) => !n.id.startsWith(prefix));
  const nodes = keep.map(([n]) => (n.id === id ? { ...n, fanout: { ...n.fanout, expanded: open } } : n));
  const boxes = keep.flatMap(([, i]) => graph.layout.nodes.slice(i * 5, i * 5 + 5));
  const edges = graph.edges.filter(([a, b]) => !a.startsWith(prefix) && !b.startsWith(prefix));
  let height = graph.layout.height;
  if (open) {
    const phases = ["Failed", "Failed", "Running", "Running", "Running", "Succeeded", "Succeeded", "Succeeded", "Pending", "Pending"];
    const cols = 8;
    const top = graph.layout.height + 60;
    for (let i = 0; i < 40; i++) {
      const nid = `${prefix}${i})`;
      nodes.push({ id: nid, label: `${node.label}(${i})`, type: "Pod", group: null, key: `${node.label}-${i}`, template: node.label, fanout: null });
      boxes.push(80 + (i % cols) * 132, top + 8 + 15 + Math.floor(i / cols) * 40, 120, 30, 999);
      const phase = phases[Math.min(phases.length - 1, Math.floor(i / 4))];
      state[nid] = { phase, progress: null, started_at: phase === "Pending" ? null : now - 300 + i, finished_at: phase === "Succeeded" || phase === "Failed" ? now - 200 + i : null, message: null, counts: null };
      edges.push([id, nid]);
    }
    height = top + 5 * 40 + 16;
  }
  return { ...graph, rev: graph.rev + 1, nodes, edges, layout: { ...graph.layout, height, nodes: boxes } };
}
