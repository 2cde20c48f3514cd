/**
 * The live DAG view, host-agnostic: `render(el, model)` draws a workflow into `el` from any
 * model-like object with anywidget's API (`get`, `on`, `off`, `send`, and `set` +
 * `save_changes` when the host lets the view write `selected`). The anywidget entry and the
 * JupyterLab extension both call it as it is.
 *
 * Python keeps the canonical state and lays the graph out. Traits carry what changes rarely
 * (the whole structure with its layout and states, the summary, the theme); custom messages
 * carry what changes often (`grow`: new nodes and moved boxes; `delta`: node states) and the
 * answers to this view's requests. See docs/widget-protocol.md.
 */
import { h, nextFrame } from "./dom.js";
import { Structure, decodeGraph } from "./graph.js";
import { NodeStore } from "./state.js";
import { GraphView } from "./draw.js";
import { panZoom, zoomLevel } from "./panzoom.js";
import { Header, workflowPhase } from "./header.js";
import { DetailsPanel } from "./details.js";
import { Timeline } from "./timeline.js";
import { pageTheme, resolveTheme, watchPageTheme } from "./theme.js";
import { FINISHED } from "./phases.js";

/**
 * @typedef {object} ModelLike
 * @property {(name: string) => any} get
 * @property {(event: string, cb: (...args: any[]) => void) => void} on
 * @property {(event?: string | null, cb?: ((...args: any[]) => void) | null) => void} off
 * @property {(content: object, callbacks?: unknown, buffers?: unknown[]) => void} send
 * @property {(name: string, value: unknown) => void} [set]
 * @property {() => void} [save_changes]
 */

/** Request numbers are unique across the views of one page: answers reach every view. */
let nextReq = 1;

/** How long the view must rest before the nodes in sight get their details. */
const REVEAL_DELAY_MS = 80;
/** Time for writing state changes into the DOM per frame. */
const FLUSH_MS = 8;
/** How long a status line (an action's result) stays. */
const STATUS_MS = 8000;
/** How long the terminate button waits for its confirming second click. */
const CONFIRM_MS = 4000;

/** `grow` messages kept for a graph that has not arrived yet (messages may overtake a trait). */
const MAX_PENDING_GROWS = 64;
/** How long a kept `grow` waits for its base before the view asks for the whole graph. */
const RESYNC_MS = 2000;

/**
 * Draw the workflow of `model` into `el` and keep it live.
 * @param {HTMLElement} el
 * @param {ModelLike} model
 * @returns {() => void} removes the view and everything it listens to
 */
export function render(el, model) {
  const nowSec = () => Date.now() / 1000;
  const store = new NodeStore();
  /** @type {Map<number, {kind: string, [k: string]: any}>} requests awaiting an answer */
  const requests = new Map();
  /** @type {Structure | null} */
  let structure = null;
  /** @type {any[]} grow messages whose base has not arrived */
  let pendingGrows = [];
  let drawGen = 0;
  let resyncAsked = -1;
  let resyncTimer = 0;
  let view = "dag";
  let needsFit = true;
  let detailsReq = 0;
  const dirty = new Set();
  let cancelFlush = null;
  let timelineDirty = true;
  let statusTimer = 0;
  let confirmTimer = 0;

  // ---- DOM skeleton
  const stage = h("div", { class: "dflow-stage" });
  const placeholder = h("div", { class: "dflow-placeholder" });
  const status = h("div", { class: "dflow-status", role: "status" });
  const canvas = h("div", { class: "dflow-canvas", role: "img", "aria-label": "workflow graph" }, [stage, placeholder, status]);
  let revealTimer = 0;
  const pz = panZoom(canvas, stage, () => {
    // Details of the nodes in sight, once the view rests (not at every wheel step).
    clearTimeout(revealTimer);
    revealTimer = window.setTimeout(() => graphView.reveal(), REVEAL_DELAY_MS);
  });
  const graphView = new GraphView(stage, () => {
    const v = pz.visible();
    // A margin of half a screen, so a small pan does not show bare boxes.
    return { level: zoomLevel(pz.get().k), rect: { x: v.x - v.w / 2, y: v.y - v.h / 2, w: v.w * 2, h: v.h * 2 } };
  });

  const header = new Header({
    onView: (v) => setView(v),
    onZoom: (f) => pz.zoomBy(f),
    onFit: () => pz.fit(graphView.bounds),
    onTerminate: () => terminate(),
  });
  const details = new DetailsPanel({
    onClose: () => select(""),
    onPreview: (side, artifact, path) => requestPreview(side, artifact, path),
    onRetry: (id) => request({ kind: "action", action: "retry", id }),
    onCopyReplay: (text) => (text ? copy(text) : request({ kind: "action", action: "replay_command", id: details.id })),
  });
  const timeline = new Timeline((id) => select(id));
  const root = h("div", { class: "dflow-widget", "data-phase": "" }, [
    header.el,
    h("div", { class: "dflow-body" }, [canvas, timeline.el, details.el]),
  ]);
  el.append(root);

  // ---- requests and answers
  function request(msg) {
    const req = nextReq++;
    requests.set(req, msg);
    model.send({ ...msg, req });
    return req;
  }

  function onMessage(msg) {
    if (!msg || typeof msg !== "object") return;
    switch (msg.kind) {
      case "state":
        markDirty(store.replace(msg.nodes));
        return;
      case "delta": {
        const selectedBefore = store.get(details.id)?.phase;
        const changed = store.merge(msg.nodes);
        markDirty(changed);
        // A step that just finished has outputs (or a traceback) its open panel lacks.
        const after = store.get(details.id)?.phase;
        if (details.id && changed.includes(details.id) && after !== selectedBefore && FINISHED.has(after)) {
          openDetails(details.id, false);
        }
        return;
      }
      case "log":
        details.appendLog(msg.id, msg.text ?? "", Boolean(msg.reset));
        return;
      case "grow":
        onGrow(msg);
        return;
    }
    const asked = requests.get(msg.req);
    if (!asked) return; // another view's answer
    requests.delete(msg.req);
    if (msg.kind === "details") {
      if (msg.req === detailsReq) details.setDetails(msg, nowSec());
    } else if (msg.kind === "preview") {
      details.setPreview(msg, /** @type {any} */ (asked));
    } else if (msg.kind === "action_result") {
      if (asked.action === "replay_command" && msg.ok && msg.text) copy(msg.text);
      else showStatus(msg.message || (msg.ok ? "Done." : "Failed."), msg.ok !== false);
    }
  }

  // ---- state -> DOM, coalesced per frame
  function markDirty(ids) {
    for (const id of ids) dirty.add(id);
    timelineDirty = true;
    if (!cancelFlush) cancelFlush = nextFrame(flush);
  }

  function flush() {
    cancelFlush = null;
    // A whole state of ten thousand nodes is written over a few frames, not in one.
    const t0 = performance.now();
    const now = nowSec();
    const batch = [];
    for (const id of dirty) {
      batch.push(id);
      dirty.delete(id);
      if (batch.length % 256 === 0) {
        graphView.update(batch.splice(0), store, now);
        if (performance.now() - t0 > FLUSH_MS) break;
      }
    }
    graphView.update(batch, store, now);
    if (dirty.size) cancelFlush = nextFrame(flush);
  }

  // ---- the structure: a whole graph (the trait), or a `grow` of the one drawn
  function onGraph() {
    const g = decodeGraph(model.get("graph"));
    // Revs only grow: an older graph arriving late (trait updates sent from two threads may
    // cross) is not drawn, nor the one this view reached by grows.
    if (!g || (structure && g.rev <= structure.rev)) return;
    structure = new Structure(g);
    // Drawn with the states it came with; later `delta`s patch what the build already drew.
    if (g.states) store.replace(g.states);
    dirty.clear();
    pendingGrows = pendingGrows.filter((m) => m.rev > g.rev);
    drawWhole();
    applyPendingGrows();
  }

  async function drawWhole() {
    const s = /** @type {Structure} */ (structure);
    const gen = ++drawGen;
    const n = s.nodes.length;
    placeholder.textContent = n === 0 ? "No steps yet." : s.laidOut ? "" : "The graph came without a layout.";
    if (n === 0 || !s.laidOut) {
      graphView.clear();
      root.dataset.rev = String(s.rev);
      return;
    }
    // Fit before building: the first chunks then appear in place, at their level of detail.
    // A view the reader has moved stays where it is (an expanded fan-out keeps its place).
    if (needsFit || pz.isFitted()) fit(s.bounds());
    await graphView.draw(s, store, nowSec);
    if (gen !== drawGen) return;
    drawn(s);
  }

  function drawn(s) {
    root.dataset.rev = String(s.rev);
    if (details.id) graphView.select(details.id);
    if (status.dataset.pending === "graph") showStatus("", true);
    timelineDirty = true;
    if (view === "timeline") refreshTimeline();
  }

  /** A `grow` of the graph this view holds; kept if its base has not arrived yet. */
  function onGrow(msg) {
    if (!structure || msg.base > structure.rev) {
      if (pendingGrows.length < MAX_PENDING_GROWS) pendingGrows.push(msg);
      // Its base should arrive at once; if it does not, ask for the whole graph.
      clearTimeout(resyncTimer);
      resyncTimer = window.setTimeout(() => {
        if (structure && pendingGrows.some((m) => m.base > structure.rev)) model.send({ kind: "hello", rev: structure.rev });
      }, RESYNC_MS);
      return;
    }
    if (msg.base !== structure.rev) {
      // This view missed a change: ask for the whole graph (once per rev).
      if (msg.rev > structure.rev && resyncAsked !== structure.rev) {
        resyncAsked = structure.rev;
        model.send({ kind: "hello", rev: structure.rev });
      }
      return;
    }
    const s = structure;
    const change = s.grow(msg);
    if (!s.laidOut) return;
    if (pz.isFitted()) fit(s.bounds());
    const gen = drawGen;
    graphView.grow(change).then(() => {
      if (gen === drawGen && structure === s) drawn(s);
    });
    applyPendingGrows();
  }

  function applyPendingGrows() {
    const next = structure && pendingGrows.find((m) => m.base === structure.rev);
    if (next) {
      pendingGrows = pendingGrows.filter((m) => m !== next);
      onGrow(next);
    }
  }

  function fit(bounds) {
    const r = canvas.getBoundingClientRect();
    // Not on screen yet (a hidden output, a tab in the background): fit when it gets a size.
    if (r.width === 0 || r.height === 0) return;
    pz.fit(bounds);
    needsFit = false;
  }
  const resize = new ResizeObserver(() => {
    if (needsFit && graphView.bounds.w > 0) fit(graphView.bounds);
    if (view === "timeline") timeline.paint();
  });
  resize.observe(canvas);
  resize.observe(timeline.el);

  // ---- header and traits
  function onSummary() {
    const summary = model.get("summary") || {};
    const phase = workflowPhase(summary, model.get("workflow_id") || "");
    root.dataset.phase = phase;
    header.setSummary(summary, phase, nowSec());
  }
  function onName() {
    header.setName(model.get("workflow_name") || "", model.get("workflow_id") || "");
    onSummary();
  }
  function onTheme() {
    const pref = model.get("theme") || "auto";
    const env = pageTheme();
    root.dataset.theme = resolveTheme(pref, env);
    root.dataset.themeSource = pref === "auto" && env.jpLight != null ? "jupyterlab" : "own";
  }
  const stopThemeWatch = watchPageTheme(onTheme);

  // ---- selection and details
  function select(id) {
    if (id === details.id) return;
    if (id) openDetails(id, true);
    else {
      details.close();
      graphView.select("");
    }
    if (typeof model.set === "function") {
      model.set("selected", id);
      model.save_changes?.();
    }
  }
  function openDetails(id, fresh) {
    if (fresh) details.open(id, structure?.node(id)?.label ?? structure?.group(id)?.label ?? id);
    graphView.select(id);
    detailsReq = request({ kind: "details", id });
  }
  function onSelected() {
    const id = model.get("selected") || "";
    if (id === details.id) return;
    if (id) openDetails(id, true);
    else {
      details.close();
      graphView.select("");
    }
  }
  function requestPreview(side, artifact, path) {
    details.previewLoading(`${side}/${artifact}${path ? `/${path}` : ""}`);
    request({ kind: "preview", id: details.id, side, artifact, path: path ?? null });
  }

  canvas.addEventListener("click", (ev) => {
    if (pz.dragged()) return;
    const target = /** @type {Element} */ (ev.target);
    const nodeEl = target.closest?.("[data-node-id]");
    // A node seen from afar has no element of its own to click: find it under the pointer.
    const farId = nodeEl || target.closest?.(".dflow-glabel") ? null : nodeUnder(ev);
    if (nodeEl || farId) {
      const id = nodeEl ? nodeEl.getAttribute("data-node-id") : farId;
      const entry = structure?.node(id);
      if (entry && (entry.type === "Fanout" || entry.fanout)) {
        request({ kind: entry.fanout?.expanded ? "collapse" : "expand", id });
        showStatus(entry.fanout?.expanded ? `Collapsing ${entry.label}…` : `Expanding ${entry.label}…`, true);
        status.dataset.pending = "graph"; // cleared when the new graph is drawn
      } else select(id);
      return;
    }
    if (target.closest?.(".dflow-glabel")) select(target.closest("[data-group-id]").getAttribute("data-group-id"));
  });

  /** The node whose box is under a pointer event, in layout coordinates. */
  function nodeUnder(ev) {
    const r = canvas.getBoundingClientRect();
    const { x, y, k } = pz.get();
    return graphView.nodeAt((ev.clientX - r.left - x) / k, (ev.clientY - r.top - y) / k);
  }

  // ---- actions
  function terminate() {
    const btn = header.terminate;
    if (!confirmTimer) {
      // One stray click must not end hours of work: the first click asks, the second acts.
      btn.textContent = "Really terminate?";
      btn.classList.add("dflow-armed");
      confirmTimer = window.setTimeout(disarm, CONFIRM_MS);
      return;
    }
    disarm();
    request({ kind: "action", action: "terminate", id: null });
    showStatus("Terminating…", true);
  }
  function disarm() {
    clearTimeout(confirmTimer);
    confirmTimer = 0;
    header.terminate.textContent = "Terminate";
    header.terminate.classList.remove("dflow-armed");
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
      showStatus(`Copied: ${text}`, true);
    } catch {
      // No clipboard (an insecure origin, no permission, no user gesture left): copy by hand.
      details.showCopyField(text);
      let ok = false;
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      showStatus(ok ? `Copied: ${text}` : "Select the command and copy it.", true);
    }
  }

  function showStatus(text, ok) {
    delete status.dataset.pending;
    status.textContent = text;
    status.dataset.ok = String(ok);
    clearTimeout(statusTimer);
    statusTimer = window.setTimeout(() => (status.textContent = ""), STATUS_MS);
  }

  // ---- views
  function setView(v) {
    view = v;
    header.setView(v);
    canvas.hidden = v !== "dag";
    timeline.el.hidden = v !== "timeline";
    if (v === "timeline") refreshTimeline();
    else if (needsFit) fit(graphView.bounds);
  }
  function refreshTimeline() {
    timelineDirty = false;
    timeline.refresh(structure?.nodes ?? [], store, nowSec());
  }

  // ---- the clock: durations of running steps, elapsed time, a live timeline
  const clock = window.setInterval(() => {
    const now = nowSec();
    graphView.tick(now);
    header.tick(now);
    details.tick(now);
    if (view === "timeline" && (timelineDirty || timeline.data.open)) refreshTimeline();
  }, 1000);

  // ---- wire up
  const handlers = [
    ["change:graph", onGraph],
    ["change:summary", onSummary],
    ["change:workflow_name", onName],
    ["change:workflow_id", onName],
    ["change:theme", onTheme],
    ["change:selected", onSelected],
    ["msg:custom", onMessage],
  ];
  for (const [event, cb] of handlers) model.on(event, cb);
  onTheme();
  onName();
  onGraph();
  onSelected();
  // The graph trait came with its states: Python answers only if this view lacks something.
  model.send({ kind: "hello", rev: structure?.rev ?? null });

  return () => {
    for (const [event, cb] of handlers) model.off(event, cb);
    drawGen += 1;
    cancelFlush?.();
    clearInterval(clock);
    clearTimeout(statusTimer);
    clearTimeout(confirmTimer);
    clearTimeout(revealTimer);
    clearTimeout(resyncTimer);
    stopThemeWatch();
    resize.disconnect();
    pz.destroy();
    graphView.clear();
    root.remove();
  };
}
