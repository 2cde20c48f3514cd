/**
 * The timeline (Gantt) view: one row per step that has started, a bar from its start to its
 * finish (or to now while it runs), coloured by phase. Only the rows in sight exist in the
 * DOM: ten thousand steps make a tall scroll area, not ten thousand rows of elements.
 */
import { h, svg } from "./dom.js";
import { formatDuration } from "./format.js";
import { nodeView } from "./state.js";

const ROW = 18;
const LABEL_W = 220;
const AXIS_H = 22;

/**
 * @typedef {{id: string, label: string, phase: string, start: number, end: number | null}} Row
 */

/**
 * The rows of a timeline: started nodes (not groups) by start time.
 * @param {import("./graph.js").GraphNode[]} nodes
 * @param {import("./state.js").NodeStore} store
 * @returns {{rows: Row[], t0: number, t1: number, waiting: number, open: boolean}} `t1`: the latest
 *   start or finish; `open`: some row has not finished, so the view reaches to now
 */
export function timelineRows(nodes, store) {
  const rows = [];
  let waiting = 0;
  let t0 = Infinity;
  let t1 = -Infinity;
  let open = false;
  for (const n of nodes) {
    const st = store.get(n.id);
    if (st?.started_at == null) {
      waiting += 1;
      continue;
    }
    const v = nodeView(n, st);
    rows.push({ id: n.id, label: n.key ? `${n.label} [${n.key}]` : n.label, phase: v.phase, start: st.started_at, end: st.finished_at ?? null });
    if (st.finished_at == null) open = true;
    t0 = Math.min(t0, st.started_at);
    t1 = Math.max(t1, st.finished_at ?? st.started_at);
  }
  rows.sort((a, b) => a.start - b.start || (a.end ?? Infinity) - (b.end ?? Infinity));
  return { rows, t0, t1, waiting, open };
}

export class Timeline {
  /** @param {(id: string) => void} onSelect */
  constructor(onSelect) {
    this.onSelect = onSelect;
    this.data = { rows: [], t0: 0, t1: 0, waiting: 0, open: false };
    this.now = 0;
    this.spacer = h("div", { class: "dflow-timeline-spacer" });
    this.svg = svg("svg", { class: "dflow-timeline-svg" });
    this.note = h("div", { class: "dflow-timeline-note" });
    this.el = h("div", { class: "dflow-timeline", hidden: true }, [this.note, this.spacer, this.svg]);
    this.el.addEventListener("scroll", () => this.paint());
    this.svg.addEventListener("click", (ev) => {
      const row = /** @type {Element} */ (ev.target).closest?.("[data-node-id]");
      if (row) this.onSelect(row.getAttribute("data-node-id"));
    });
  }

  /**
   * Recompute the rows from the store and repaint.
   * @param {import("./graph.js").GraphNode[]} nodes
   * @param {import("./state.js").NodeStore} store
   * @param {number} now Unix seconds
   */
  refresh(nodes, store, now) {
    this.data = timelineRows(nodes, store);
    this.now = now;
    const { rows, waiting } = this.data;
    this.note.textContent = rows.length
      ? `${rows.length} started${waiting ? `, ${waiting} not started yet` : ""}`
      : "No step has started yet.";
    this.spacer.style.height = `${AXIS_H + rows.length * ROW}px`;
    this.paint();
  }

  /** Draw the rows in sight (and the axis). */
  paint() {
    if (this.el.hidden) return;
    const { rows, t0 } = this.data;
    const width = Math.max(400, this.el.clientWidth - 4);
    const top = Math.max(0, this.el.scrollTop - this.note.offsetHeight);
    const height = this.el.clientHeight || 300;
    const first = Math.max(0, Math.floor(top / ROW));
    const last = Math.min(rows.length, first + Math.ceil(height / ROW) + 1);
    const end = Math.max(this.data.t1, this.data.open ? this.now : -Infinity);
    const span = Math.max(1, end - t0);
    const plotW = width - LABEL_W - 12;
    const xOf = (t) => LABEL_W + ((t - t0) / span) * plotW;
    this.svg.setAttribute("width", String(width));
    this.svg.setAttribute("height", String(height));
    // The SVG is one screen tall and follows the scroll; the spacer gives the scroll its length.
    this.svg.style.top = `${top + this.note.offsetHeight}px`;
    const kids = [];
    for (let i = first; i < last; i++) {
      const r = rows[i];
      const y = AXIS_H + i * ROW - top;
      const g = svg("g", { class: "dflow-trow", "data-node-id": r.id, "data-phase": r.phase, transform: `translate(0,${y})` });
      const label = svg("text", { class: "dflow-trow-label", x: 6, y: 13 });
      label.textContent = r.label.length > 30 ? `${r.label.slice(0, 29)}…` : r.label;
      const x1 = xOf(r.start);
      const x2 = xOf(r.end ?? this.now);
      const bar = svg("rect", { class: "dflow-tbar", x: x1, y: 3, width: Math.max(2, x2 - x1), height: ROW - 6, rx: 2 });
      const title = svg("title");
      title.textContent = `${r.label}: ${r.phase}, ${formatDuration((r.end ?? this.now) - r.start)}`;
      g.append(title, label, bar);
      kids.push(g);
    }
    // The axis last, over the rows, at the top of the visible area.
    kids.push(svg("rect", { class: "dflow-axis-bg", x: 0, y: 0, width, height: AXIS_H }));
    for (let i = 0; i <= 4; i++) {
      const x = LABEL_W + (plotW * i) / 4;
      kids.push(svg("line", { class: "dflow-tick", x1: x, x2: x, y1: AXIS_H - 4, y2: height }));
      const t = svg("text", { class: "dflow-tick-label", x, y: 14, "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" });
      t.textContent = `+${formatDuration((span * i) / 4)}`;
      kids.push(t);
    }
    this.svg.replaceChildren(...kids);
  }
}
