/**
 * What the drawing is made of, as SVG markup: a node's box and its readable parts, a group's
 * box, the edges. Pure string functions (ids and labels escaped), so the drawing can parse a
 * chunk of nodes at once, and tests can read the markup without a browser.
 */
import { nodeView } from "./state.js";
import { elapsed, formatDuration, fraction, truncate } from "./format.js";
import { PHASES, PHASE_SYMBOL } from "./phases.js";

/** Average advance of a 12px sans-serif character: enough to budget a label without measuring. */
const CHAR_W = 6.6;
/** Bundled edges are labelled with their count while there are at most this many. */
const MAX_EDGE_COUNTS = 100;
/** Edges per `<path>`: one element per edge would double the element count of a large graph. */
const EDGES_PER_PATH = 2000;

/** @typedef {import("./graph.js").Box} Box */

/** Whether a graph node is a fan-out summary. */
export function isFanout(n) {
  return n != null && (n.type === "Fanout" || n.fanout != null);
}

/** The width of a progress bar at full progress. */
export function barWidth(kind, box) {
  return kind === "group" ? Math.min(60, Math.max(0, box.w - 20)) : Math.max(0, box.w - 18);
}

/** Whether a graph node is a junction (a step group drawn as a dot): it never shows details. */
export function isJunction(n) {
  return n != null && (n.type === "StepGroup" || n.type === "TaskGroup") && n.fanout == null;
}

/** The attributes of the DOM contract, as markup. */
function contractAttrs(node, v) {
  const fan = isFanout(node);
  return (
    ` data-node-id="${esc(node.id)}" data-type="${esc(node.type)}" data-phase="${esc(v.phase)}" data-progress="${v.progressText}"` +
    (fan ? ` data-fanout="${esc(node.fanout?.total ?? "")}"${node.fanout?.expanded ? " data-expanded" : ""}` : "")
  );
}

/**
 * The element of a node seen from afar: its DOM contract's attributes only, in a box whose
 * content the browser skips (never styled, laid out or painted); its box is painted with the
 * others of its phase (`paintMarkup`).
 * @param {import("./graph.js").GraphNode} node
 * @param {import("./state.js").NodeState | undefined} state
 * @returns {string}
 */
export function farMarkup(node, state) {
  return `<i class="dflow-node dflow-far"${contractAttrs(node, nodeView(node, state))}></i>`;
}

/**
 * The boxes of nodes seen from afar, one path per phase: a few elements for thousands of boxes.
 * @param {Iterable<[string, Box]>} boxes phase and box of each node
 * @returns {string}
 */
export function paintMarkup(boxes) {
  /** @type {Map<string, string[]>} */
  const byPhase = new Map();
  for (const [phase, b] of boxes) {
    let parts = byPhase.get(phase);
    if (!parts) byPhase.set(phase, (parts = []));
    parts.push(`M${r1(b.x - b.w / 2)} ${r1(b.y - b.h / 2)}h${r1(b.w)}v${r1(b.h)}h${r1(-b.w)}z`);
  }
  let out = "";
  for (const [phase, parts] of byPhase) out += `<path data-phase="${esc(phase)}" d="${parts.join("")}"/>`;
  return out;
}

/**
 * The markup of one node shown in sight: a group with its box and (with `detail`) its label,
 * duration and bar; a junction (a step group drawn as a dot) is a round rect.
 * @param {import("./graph.js").GraphNode} node
 * @param {Box} box
 * @param {import("./state.js").NodeState | undefined} state
 * @param {number} now Unix seconds
 * @param {boolean} [detail]
 * @returns {string}
 */
export function nodeMarkup(node, box, state, now, detail = true) {
  const fan = isFanout(node);
  const { w, h } = box;
  const x = r1(box.x - w / 2);
  const y = r1(box.y - h / 2);
  const attrs = contractAttrs(node, nodeView(node, state));
  const title = state?.message ? `<title>${esc(state.message)}</title>` : "";
  if (isJunction(node)) {
    return `<rect class="dflow-node dflow-dot"${attrs} x="${x}" y="${y}" width="${w}" height="${h}" rx="${r1(Math.min(w, h) / 2)}"${title ? `>${title}</rect>` : "/>"}`;
  }
  let out = `<g class="dflow-node${fan ? " dflow-fanout" : ""}"${attrs}>${title}`;
  // A second box offset behind the first reads as "a stack of many".
  if (fan) out += `<rect class="dflow-stack" x="${r1(x + 4)}" y="${r1(y - 4)}" width="${w}" height="${h}" rx="6"/>`;
  out += `<rect class="dflow-box" x="${x}" y="${y}" width="${w}" height="${h}" rx="6"/>`;
  if (detail) out += detailMarkup(node, box, state, now);
  return `${out}</g>`;
}

/**
 * The readable parts of a node: label, key (or counts per phase), duration, progress bar.
 * @param {import("./graph.js").GraphNode} node
 * @param {Box} box
 * @param {import("./state.js").NodeState | undefined} state
 * @param {number} now Unix seconds
 * @returns {string}
 */
export function detailMarkup(node, box, state, now) {
  const fan = isFanout(node);
  const { w, h } = box;
  const x = r1(box.x - w / 2);
  const y = r1(box.y - h / 2);
  const v = nodeView(node, state);
  const chars = Math.max(4, Math.floor((w - 18) / CHAR_W));
  const label = fan ? `${node.label} ×${node.fanout?.total ?? "?"}` : node.label;
  let out = `<text class="dflow-label" x="${r1(x + 9)}" y="${r1(y + Math.min(18, h / 2))}">${esc(truncate(label, chars))}</text>`;
  if (h >= 40) {
    if (fan) {
      out += `<text class="dflow-counts" x="${r1(x + 9)}" y="${r1(y + 35)}">${countsMarkup(state?.counts ?? null, box).text}</text>`;
    } else {
      const sub = node.key ?? (node.template && node.template !== node.label ? node.template : "");
      if (sub) out += `<text class="dflow-sub" x="${r1(x + 9)}" y="${r1(y + 35)}">${esc(truncate(sub, Math.max(4, chars - 9)))}</text>`;
    }
    const dur = formatDuration(elapsed(state?.started_at, state?.finished_at, now));
    out += `<text class="dflow-dur" x="${r1(x + w - 8)}" y="${r1(y + (fan ? 18 : 35))}" text-anchor="end">${dur}</text>`;
  }
  const bw = barWidth("node", box);
  out += `<rect class="dflow-track" x="${r1(x + 9)}" y="${r1(y + h - 9)}" width="${r1(bw)}" height="4" rx="2"/>`;
  if (fan) {
    out += `<g class="dflow-segs" transform="translate(${r1(x + 9)},${r1(y + h - 9)})">${countsMarkup(state?.counts ?? null, box).segs}</g>`;
  } else {
    out += `<rect class="dflow-bar" x="${r1(x + 9)}" y="${r1(y + h - 9)}" width="${r1(bw * fraction(v.progress))}" height="4" rx="2"/>`;
  }
  return out;
}

/**
 * The markup of one group box.
 * @param {string} id
 * @param {import("./graph.js").GraphGroup | undefined} group
 * @param {Box} box
 * @param {import("./state.js").NodeState | undefined} state
 * @returns {string}
 */
export function groupMarkup(id, group, box, state) {
  const { w, h } = box;
  const x = r1(box.x - w / 2);
  const y = r1(box.y - h / 2);
  const v = nodeView(group ?? { type: "" }, state);
  const chars = Math.max(4, Math.floor((w - 90) / CHAR_W));
  const bw = barWidth("group", box);
  return (
    `<g class="dflow-group" data-group-id="${esc(id)}" data-type="${esc(group?.type ?? "")}"` +
    ` data-phase="${esc(v.phase)}" data-progress="${v.progressText}">` +
    (state?.message ? `<title>${esc(state.message)}</title>` : "") +
    `<rect class="dflow-gbox" x="${x}" y="${y}" width="${w}" height="${h}" rx="8"/>` +
    `<text class="dflow-glabel" x="${r1(x + 10)}" y="${r1(y + 17)}">${esc(truncate(group?.label ?? id, chars))}</text>` +
    `<text class="dflow-gprog" x="${r1(x + w - 10)}" y="${r1(y + 17)}" text-anchor="end">${v.progressText}</text>` +
    `<rect class="dflow-track" x="${r1(x + w - 10 - bw)}" y="${r1(y + 21)}" width="${r1(bw)}" height="3" rx="1.5"/>` +
    `<rect class="dflow-bar" x="${r1(x + w - 10 - bw)}" y="${r1(y + 21)}" width="${r1(bw * fraction(v.progress))}" height="3" rx="1.5"/>` +
    "</g>"
  );
}

/** A fan-out's counts per phase (as tspans) and its stacked bar (as rects). */
export function countsMarkup(counts, box) {
  const entries = PHASES.filter((p) => counts?.[p]).map((p) => [p, Number(counts[p])]);
  for (const [p, n] of Object.entries(counts ?? {})) if (!PHASES.includes(p) && n) entries.push([p, Number(n)]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const bw = barWidth("fanout", box);
  let text = "";
  let segs = "";
  let x = 0;
  for (const [p, n] of entries) {
    text += `<tspan class="dflow-count" data-phase="${esc(p)}">${n}${PHASE_SYMBOL[p] ?? ""} </tspan>`;
    const w = total ? (bw * n) / total : 0;
    segs += `<rect class="dflow-seg" data-phase="${esc(p)}" x="${r1(x)}" width="${r1(w)}" height="4"/>`;
    x += w;
  }
  return { text, segs };
}

const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/**
 * Text or an attribute value made safe for markup: ids and labels come from user code.
 * @param {unknown} v
 * @returns {string}
 */
export function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ESC[c]);
}

/**
 * The path of one edge between two boxes, and its arrowhead: leave the source on the side
 * that faces the target (below in a top-down layout, beside in a left-right one).
 * @param {Box} a
 * @param {Box} b
 * @returns {{d: string, arrow: string, mid: {x: number, y: number}}}
 */
export function edgePath(a, b) {
  const down = b.y - b.h / 2 >= a.y + a.h / 2 - 1;
  const up = a.y - a.h / 2 >= b.y + b.h / 2 - 1;
  let x1, y1, x2, y2, c1, c2, arrow;
  if (down || up) {
    const s = down ? 1 : -1;
    x1 = a.x;
    y1 = a.y + (s * a.h) / 2;
    x2 = b.x;
    y2 = b.y - (s * b.h) / 2;
    const k = (y2 - y1) / 2;
    c1 = `${r1(x1)},${r1(y1 + k)}`;
    c2 = `${r1(x2)},${r1(y2 - k)}`;
    arrow = `M${r1(x2 - 4)},${r1(y2 - s * 7)}L${r1(x2 + 4)},${r1(y2 - s * 7)}L${r1(x2)},${r1(y2)}Z`;
  } else {
    const s = b.x >= a.x ? 1 : -1;
    x1 = a.x + (s * a.w) / 2;
    y1 = a.y;
    x2 = b.x - (s * b.w) / 2;
    y2 = b.y;
    const k = (x2 - x1) / 2;
    c1 = `${r1(x1 + k)},${r1(y1)}`;
    c2 = `${r1(x2 - k)},${r1(y2)}`;
    arrow = `M${r1(x2 - s * 7)},${r1(y2 - 4)}L${r1(x2 - s * 7)},${r1(y2 + 4)}L${r1(x2)},${r1(y2)}Z`;
  }
  return {
    d: `M${r1(x1)},${r1(y1)}C${c1} ${c2} ${r1(x2)},${r1(y2)}`,
    arrow,
    mid: { x: (x1 + x2) / 2, y: (y1 + y2) / 2 },
  };
}

/**
 * The edges as markup: plain ones in a few long paths, bundled ones (standing for several
 * edges, e.g. into a grid) thicker and counted, arrowheads in paths of their own.
 * @param {{from: Box, to: Box, bundled: number}[]} edges
 * @returns {string}
 */
export function edgesMarkup(edges) {
  const plain = [];
  const arrows = [];
  const bundled = [];
  let labels = "";
  // A count on each bundled edge, while they are few: a thousand of them (five hundred
  // fan-outs, in and out) would be a thousand texts to style, too small to read in the whole.
  const counted = edges.filter((e) => e.bundled > 1).length <= MAX_EDGE_COUNTS;
  for (const e of edges) {
    const p = edgePath(e.from, e.to);
    (e.bundled > 1 ? bundled : plain).push(p.d);
    arrows.push(p.arrow);
    if (e.bundled > 1 && counted) {
      labels += `<text class="dflow-edge-count" x="${r1(p.mid.x + 5)}" y="${r1(p.mid.y + 4)}">×${e.bundled}</text>`;
    }
  }
  let out = "";
  for (let i = 0; i < plain.length; i += EDGES_PER_PATH) {
    out += `<path class="dflow-edge" d="${plain.slice(i, i + EDGES_PER_PATH).join("")}"/>`;
  }
  if (bundled.length) out += `<path class="dflow-edge dflow-edge-bundled" d="${bundled.join("")}"/>`;
  for (let i = 0; i < arrows.length; i += EDGES_PER_PATH) {
    out += `<path class="dflow-arrow" d="${arrows.slice(i, i + EDGES_PER_PATH).join("")}"/>`;
  }
  return out + labels;
}

/**
 * The frame around a grid of boxes (a fan-out's items packed in rows).
 * @param {Box} box
 * @returns {string}
 */
export function gridMarkup(box) {
  return `<rect class="dflow-grid" x="${r1(box.x - box.w / 2)}" y="${r1(box.y - box.h / 2)}" width="${r1(box.w)}" height="${r1(box.h)}" rx="8"/>`;
}

export function r1(v) {
  return Math.round(v * 10) / 10;
}
