/**
 * The browser's own layout, for when Python had no Graphviz (`graph.layout` is null).
 *
 * Each group is laid out on its own, innermost first, over its direct members (a nested group
 * is one box of the size its own layout gave it), and edges are lifted to the level where they
 * join two members. That is how Argo's node tree nests, and it keeps each dagre run small: dagre
 * on a flat graph is several times faster than on the same graph with clusters, and its time
 * grows faster than linearly. Members no edge touches at their level (the items of a fan-out)
 * are packed in rows below the rest instead of being set side by side in one rank ten
 * thousand boxes wide.
 *
 * This module is pure (no DOM): it runs in a Web Worker, and under `node --test`.
 */
import dagre from "@dagrejs/dagre";
import { indexGraph, liftEdge } from "./graph.js";

/** Box sizes and spacing, in pixels. */
export const SIZES = Object.freeze({
  nodeW: 184,
  nodeH: 56,
  pad: 14, // inside a group box, around its members
  header: 26, // a group's label row
  nodesep: 24,
  ranksep: 44,
  gap: 16, // between packed boxes
});

/** Above this many members at one level, dagre skips its slow steps (see `dagreOptions`). */
export const LARGE_LEVEL = 400;

/**
 * Lay a graph out.
 * @param {import("./graph.js").Graph} graph
 * @returns {import("./graph.js").Layout} boxes by id (centre and size), like Graphviz's from Python
 */
export function browserLayout(graph) {
  const index = indexGraph(graph);
  const edgesAt = liftedEdges(graph, index);
  /** @type {Map<string, {x: number, y: number, w: number, h: number}>} member boxes, top-left, relative to their container's content */
  const local = new Map();
  /** @type {Map<string | null, {w: number, h: number}>} */
  const size = new Map();
  // Innermost groups first: a group's size must be known before its parent is laid out.
  for (const container of [...index.groupOrder].reverse().concat([null])) {
    const members = index.children.get(container) ?? [];
    const boxOf = (id) =>
      index.groups.has(id) ? size.get(id) : { w: SIZES.nodeW, h: SIZES.nodeH };
    const placed = layoutLevel(members, edgesAt.get(container) ?? [], boxOf);
    for (const [id, box] of placed.boxes) local.set(id, box);
    const inner = container === null ? { l: 0, t: 0 } : { l: SIZES.pad, t: SIZES.header };
    size.set(container, {
      w: Math.max(placed.w + (container === null ? 0 : 2 * SIZES.pad), container === null ? 0 : 120),
      h: placed.h + (container === null ? 0 : SIZES.header + SIZES.pad),
    });
    for (const id of members) {
      const b = local.get(id);
      b.x += inner.l;
      b.y += inner.t;
    }
  }
  // Outermost first: a member's absolute place is its container's plus its own.
  /** @type {import("./graph.js").Layout} */
  const out = { engine: "dagre", width: size.get(null).w, height: size.get(null).h, nodes: {}, groups: {} };
  const origin = new Map([[null, { x: 0, y: 0 }]]);
  const place = (id) => {
    const b = local.get(id);
    const o = origin.get(index.parent.get(id) ?? null);
    const abs = { x: o.x + b.x, y: o.y + b.y, w: b.w, h: b.h };
    return abs;
  };
  for (const gid of index.groupOrder) {
    const abs = place(gid);
    origin.set(gid, { x: abs.x, y: abs.y });
    out.groups[gid] = centre(abs);
  }
  for (const id of index.nodes.keys()) out.nodes[id] = centre(place(id));
  return out;
}

/** Lifted edges by the container they join members of, counted (a weight for dagre). */
function liftedEdges(graph, index) {
  /** @type {Map<string | null, Map<string, {from: string, to: string, n: number}>>} */
  const at = new Map();
  for (const [u, v] of graph.edges ?? []) {
    const e = liftEdge(index, u, v);
    if (!e) continue;
    let m = at.get(e.container);
    if (!m) at.set(e.container, (m = new Map()));
    const k = `${e.from}\u0000${e.to}`;
    const old = m.get(k);
    if (old) old.n += 1;
    else m.set(k, { from: e.from, to: e.to, n: 1 });
  }
  return new Map([...at].map(([c, m]) => [c, [...m.values()]]));
}

/**
 * Lay out one level: members joined by edges with dagre, the rest packed in rows below.
 * @returns {{boxes: Map<string, {x: number, y: number, w: number, h: number}>, w: number, h: number}}
 */
export function layoutLevel(members, edges, boxOf) {
  const touched = new Set();
  for (const e of edges) {
    if (e.from !== e.to) {
      touched.add(e.from);
      touched.add(e.to);
    }
  }
  const linked = members.filter((id) => touched.has(id));
  const loose = members.filter((id) => !touched.has(id));
  // A few loose members sit well in dagre's first rank; many would make it endlessly wide.
  const packLoose = loose.length > 4;
  const ranked = packLoose ? linked : members;
  const boxes = new Map();
  let w = 0;
  let h = 0;
  if (ranked.length > 0) {
    const r = dagreLevel(ranked, edges, boxOf);
    for (const [id, b] of r.boxes) boxes.set(id, b);
    w = r.w;
    h = r.h;
  }
  if (packLoose) {
    const top = h > 0 ? h + SIZES.ranksep : 0;
    const r = packRows(loose, boxOf, Math.max(w, targetWidth(loose, boxOf)));
    for (const [id, b] of r.boxes) boxes.set(id, { ...b, y: b.y + top });
    w = Math.max(w, r.w);
    h = top + r.h;
  }
  return { boxes, w, h };
}

/** dagre's options for a level of `n` members. */
export function dagreOptions(n) {
  return {
    graph: {
      rankdir: "TB",
      nodesep: SIZES.nodesep,
      ranksep: SIZES.ranksep,
      marginx: 0,
      marginy: 0,
      // network-simplex gives the tidiest ranks but its time grows fast; longest-path is linear.
      ranker: n > LARGE_LEVEL ? "longest-path" : "network-simplex",
    },
    // The crossing-minimisation sweeps dominate on large levels.
    layout: n > LARGE_LEVEL ? { disableOptimalOrderHeuristic: true } : {},
  };
}

function dagreLevel(ids, edges, boxOf) {
  const opts = dagreOptions(ids.length);
  const g = new dagre.graphlib.Graph({ multigraph: false, compound: false });
  g.setGraph(opts.graph);
  g.setDefaultEdgeLabel(() => ({}));
  const inLevel = new Set(ids);
  for (const id of ids) {
    const b = boxOf(id);
    g.setNode(id, { width: b.w, height: b.h });
  }
  for (const e of edges) {
    if (e.from !== e.to && inLevel.has(e.from) && inLevel.has(e.to)) {
      g.setEdge(e.from, e.to, { weight: e.n, minlen: 1 });
    }
  }
  dagre.layout(g, opts.layout);
  const boxes = new Map();
  let w = 0;
  let h = 0;
  for (const id of ids) {
    const n = g.node(id);
    const b = { x: n.x - n.width / 2, y: n.y - n.height / 2, w: n.width, h: n.height };
    boxes.set(id, b);
    w = Math.max(w, b.x + b.w);
    h = Math.max(h, b.y + b.h);
  }
  return { boxes, w, h };
}

/** A row width that makes packed boxes roughly twice as wide as tall (screens are wide). */
function targetWidth(ids, boxOf) {
  let area = 0;
  for (const id of ids) {
    const b = boxOf(id);
    area += (b.w + SIZES.gap) * (b.h + SIZES.gap);
  }
  return Math.sqrt(area * 2);
}

/**
 * Pack boxes left to right in rows no wider than `maxW` (a row holds at least one box).
 * @returns {{boxes: Map<string, {x: number, y: number, w: number, h: number}>, w: number, h: number}}
 */
export function packRows(ids, boxOf, maxW) {
  const boxes = new Map();
  let x = 0;
  let y = 0;
  let rowH = 0;
  let w = 0;
  for (const id of ids) {
    const b = boxOf(id);
    if (x > 0 && x + b.w > maxW) {
      x = 0;
      y += rowH + SIZES.gap;
      rowH = 0;
    }
    boxes.set(id, { x, y, w: b.w, h: b.h });
    w = Math.max(w, x + b.w);
    rowH = Math.max(rowH, b.h);
    x += b.w + SIZES.gap;
  }
  return { boxes, w, h: ids.length ? y + rowH : 0 };
}

function centre(b) {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2, w: b.w, h: b.h };
}
