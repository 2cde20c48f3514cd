/**
 * The structure to draw, as this view holds it: the `graph` trait decoded, extended by `grow`
 * messages, indexed (who contains whom, which edges are drawn between which boxes). Pure code
 * over plain data, testable without a browser. Python lays the graph out: the boxes come with
 * it, in flat arrays aligned with the node and group lists (docs/widget-protocol.md).
 */

/**
 * @typedef {object} GraphNode
 * @property {string} id
 * @property {string} label
 * @property {string} type
 * @property {string | null} [group]
 * @property {string | null} [key]
 * @property {string | null} [template]
 * @property {{total: number, expanded: boolean} | null} [fanout]
 *
 * @typedef {object} GraphGroup
 * @property {string} id
 * @property {string} label
 * @property {string} type
 * @property {string | null} [group]
 *
 * @typedef {{x: number, y: number, w: number, h: number}} Box centre and size, in pixels
 *
 * @typedef {object} Graph the `graph` trait
 * @property {number} rev
 * @property {GraphNode[]} nodes
 * @property {GraphGroup[]} groups
 * @property {[string, string][]} edges (decoded from the wire's flat index pairs)
 * @property {{engine: string, width: number, height: number, nodes: number[], groups: number[]} | null} [layout]
 * @property {Record<string, object>} [states] every node's state when this graph was made
 *   (decoded from the wire's list aligned with `nodes`)
 */

/** Edges from one box into one group beyond this count are drawn as one edge to the group. */
export const BUNDLE_LIMIT = 8;
/** Pixels between a grid's frame and its boxes (Python's layered.GRID_PAD). */
export const GRID_PAD = 8;
/** Numbers per box in the layout's arrays: x, y, w, h (centre and size), grid number. */
export const STRIDE = 5;
/** Container keys: a group is `G + id`, a grid `R + number`; node ids never start with them. */
const G = "\u0001g";
const R = "\u0001r";

/**
 * The `graph` trait's value: Python sends it as one binary buffer of JSON (a DataView in
 * anywidget); a host may also give the object itself.
 * @param {unknown} value
 * @returns {Graph | null}
 */
export function decodeGraph(value) {
  if (value == null) return null;
  let v = /** @type {any} */ (value);
  if (v instanceof DataView || v instanceof ArrayBuffer || ArrayBuffer.isView(v)) {
    const bytes = v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    v = JSON.parse(new TextDecoder().decode(bytes));
  }
  if (typeof v !== "object" || v.rev == null) return null;
  const nodes = v.nodes ?? [];
  const states = v.states;
  return {
    ...v,
    nodes,
    groups: v.groups ?? [],
    edges: edgePairs(v.edges ?? [], nodes),
    // On the wire: aligned with the nodes (absent: none). Hosts may give them by id.
    states: Array.isArray(states) ? Object.fromEntries(nodes.map((n, i) => [n.id, states[i] ?? {}])) : states,
  };
}

/**
 * Edges as pairs of ids. On the wire they are indices into `nodes`, flattened
 * (`[from0, to0, from1, to1, ...]`); hosts may give id pairs.
 * @param {any[]} edges
 * @param {GraphNode[]} nodes
 * @returns {[string, string][]}
 */
export function edgePairs(edges, nodes) {
  if (!edges.length || Array.isArray(edges[0])) return edges;
  const out = [];
  for (let k = 0; k + 1 < edges.length; k += 2) {
    const a = nodes[edges[k]];
    const b = nodes[edges[k + 1]];
    if (a && b) out.push([a.id, b.id]);
  }
  return out;
}

/** The structure one view draws. */
export class Structure {
  /** @param {Graph} graph */
  constructor(graph) {
    this.rev = graph.rev;
    /** @type {GraphNode[]} in the view's order: the graph's, then what `grow` appended */
    this.nodes = [...(graph.nodes ?? [])];
    /** @type {GraphGroup[]} */
    this.groups = [...(graph.groups ?? [])];
    /** @type {[string, string][]} */
    this.edges = [...(graph.edges ?? [])];
    const l = graph.layout;
    this.engine = l?.engine ?? null;
    this.width = l?.width ?? 0;
    this.height = l?.height ?? 0;
    this.laidOut = !!l && (l.nodes?.length ?? 0) === this.nodes.length * STRIDE && (l.groups?.length ?? 0) === this.groups.length * STRIDE;
    /** @type {number[]} */
    this.nodeBoxes = this.laidOut ? [...l.nodes] : [];
    /** @type {number[]} */
    this.groupBoxes = this.laidOut ? [...l.groups] : [];
    this.reindex();
  }

  reindex() {
    /** @type {Map<string, number>} */
    this.nodeIndex = new Map(this.nodes.map((n, i) => [n.id, i]));
    /** @type {Map<string, number>} */
    this.groupIndex = new Map(this.groups.map((g, i) => [g.id, i]));
    this._index = null;
  }

  /** @param {string} id */
  node(id) {
    const i = this.nodeIndex.get(id);
    return i === undefined ? undefined : this.nodes[i];
  }

  /** @param {string} id */
  group(id) {
    const i = this.groupIndex.get(id);
    return i === undefined ? undefined : this.groups[i];
  }

  /** @param {string} id @returns {Box | undefined} */
  nodeBox(id) {
    const i = this.nodeIndex.get(id);
    return i === undefined ? undefined : boxAt(this.nodeBoxes, i);
  }

  /** @param {string} id @returns {Box | undefined} */
  groupBox(id) {
    const i = this.groupIndex.get(id);
    return i === undefined ? undefined : boxAt(this.groupBoxes, i);
  }

  /** @param {string} id the grid number of a node's box (0: none) */
  gridOf(id) {
    const i = this.nodeIndex.get(id);
    return i === undefined ? 0 : this.nodeBoxes[i * STRIDE + 4];
  }

  /**
   * Apply a `grow` message whose `base` is this structure's `rev`.
   * @param {any} msg
   * @returns {{added: string[], changed: string[], moved: string[], groupsChanged: boolean}}
   */
  grow(msg) {
    const l = msg.layout ?? {};
    const added = [];
    const moved = [];
    for (const n of msg.nodes ?? []) {
      this.nodeIndex.set(n.id, this.nodes.length);
      this.nodes.push(n);
      added.push(n.id);
    }
    for (const v of l.nodes ?? []) this.nodeBoxes.push(v);
    for (const g of msg.groups ?? []) {
      this.groupIndex.set(g.id, this.groups.length);
      this.groups.push(g);
    }
    for (const v of l.groups ?? []) this.groupBoxes.push(v);
    const changed = [];
    for (const n of msg.changed ?? []) {
      const i = this.nodeIndex.get(n.id);
      if (i === undefined) continue;
      this.nodes[i] = n;
      changed.push(n.id);
    }
    for (const g of msg.changed_groups ?? []) {
      const i = this.groupIndex.get(g.id);
      if (i !== undefined) this.groups[i] = g;
    }
    const step = STRIDE + 1;
    const m = l.moved ?? [];
    for (let k = 0; k < m.length; k += step) {
      const i = m[k];
      for (let j = 0; j < STRIDE; j++) this.nodeBoxes[i * STRIDE + j] = m[k + 1 + j];
      if (this.nodes[i]) moved.push(this.nodes[i].id);
    }
    const mg = l.moved_groups ?? [];
    for (let k = 0; k < mg.length; k += step) {
      for (let j = 0; j < STRIDE; j++) this.groupBoxes[mg[k] * STRIDE + j] = mg[k + 1 + j];
    }
    for (const e of edgePairs(msg.edges ?? [], this.nodes)) this.edges.push(e);
    if (l.width != null) this.width = l.width;
    if (l.height != null) this.height = l.height;
    this.laidOut = this.nodeBoxes.length === this.nodes.length * STRIDE && this.groupBoxes.length === this.groups.length * STRIDE;
    this.rev = msg.rev;
    this._index = null;
    const groupsChanged = (msg.groups?.length ?? 0) + (msg.changed_groups?.length ?? 0) + mg.length > 0;
    return { added, changed, moved, groupsChanged };
  }

  /** The nesting, computed when first asked after a change. */
  get index() {
    return (this._index ??= indexStructure(this));
  }

  /** The area the boxes cover. */
  bounds() {
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    for (const arr of [this.nodeBoxes, this.groupBoxes]) {
      for (let i = 0; i < arr.length; i += STRIDE) {
        const w = arr[i + 2];
        const h = arr[i + 3];
        if (!(w > 0)) continue;
        x0 = Math.min(x0, arr[i] - w / 2);
        y0 = Math.min(y0, arr[i + 1] - h / 2);
        x1 = Math.max(x1, arr[i] + w / 2);
        y1 = Math.max(y1, arr[i + 1] + h / 2);
      }
    }
    if (!Number.isFinite(x0)) return { x: 0, y: 0, w: 0, h: 0 };
    return { x: x0 - GRID_PAD, y: y0 - GRID_PAD, w: x1 - x0 + 2 * GRID_PAD, h: y1 - y0 + 2 * GRID_PAD };
  }
}

/** @returns {Box} */
function boxAt(arr, i) {
  const k = i * STRIDE;
  return { x: arr[k], y: arr[k + 1], w: arr[k + 2], h: arr[k + 3] };
}

/**
 * @typedef {object} StructureIndex
 * @property {Map<string, string | null>} parent  a node's or container's container (null: the top)
 * @property {string[]} groupOrder  group ids, parents before children (cycles cut)
 * @property {Map<number, Box>} grids  each grid's frame
 * @property {Map<string, Box>} boxes  the box of every container key (groups and grids)
 * @property {(key: string) => number} depth  how deep a node or container is nested (top: 1)
 */

/**
 * Who contains whom. A node's container is its grid if it is in one, else its group; a
 * grid's is its first member's group. Unknown groups and cycles among groups are put at the
 * top, so a malformed graph still draws.
 * @param {Structure} s
 * @returns {StructureIndex}
 */
export function indexStructure(s) {
  /** @type {Map<string, string | null>} */
  const parent = new Map();
  const groupParent = new Map();
  for (const g of s.groups) groupParent.set(g.id, g.group != null && s.groupIndex.has(g.group) ? g.group : null);
  for (const g of s.groups) {
    const seen = new Set([g.id]);
    for (let p = groupParent.get(g.id); p != null; p = groupParent.get(p)) {
      if (seen.has(p)) {
        groupParent.set(g.id, null);
        break;
      }
      seen.add(p);
    }
  }
  for (const [id, p] of groupParent) parent.set(G + id, p == null ? null : G + p);
  /** @type {Map<number, number[]>} grid number -> [x0, y0, x1, y1] */
  const extent = new Map();
  const boxes = new Map();
  const nb = s.nodeBoxes;
  s.nodes.forEach((n, i) => {
    const group = n.group != null && s.groupIndex.has(n.group) ? G + n.group : null;
    const grid = s.laidOut ? nb[i * STRIDE + 4] : 0;
    if (!grid) {
      parent.set(n.id, group);
      return;
    }
    parent.set(n.id, R + grid);
    const k = i * STRIDE;
    const x0 = nb[k] - nb[k + 2] / 2;
    const y0 = nb[k + 1] - nb[k + 3] / 2;
    const x1 = x0 + nb[k + 2];
    const y1 = y0 + nb[k + 3];
    const e = extent.get(grid);
    if (!e) {
      extent.set(grid, [x0, y0, x1, y1]);
      parent.set(R + grid, group);
    } else {
      e[0] = Math.min(e[0], x0);
      e[1] = Math.min(e[1], y0);
      e[2] = Math.max(e[2], x1);
      e[3] = Math.max(e[3], y1);
    }
  });
  /** @type {Map<number, Box>} */
  const grids = new Map();
  for (const [g, [x0, y0, x1, y1]] of extent) {
    const box = { x: (x0 + x1) / 2, y: (y0 + y1) / 2, w: x1 - x0 + 2 * GRID_PAD, h: y1 - y0 + 2 * GRID_PAD };
    grids.set(g, box);
    boxes.set(R + g, box);
  }
  if (s.laidOut) s.groups.forEach((g, i) => boxes.set(G + g.id, boxAt(s.groupBoxes, i)));
  const children = new Map([[null, []]]);
  for (const g of s.groups) children.set(g.id, []);
  for (const g of s.groups) children.get(groupParent.get(g.id) ?? null).push(g.id);
  const groupOrder = [];
  const walk = (id) => {
    for (const c of children.get(id)) {
      groupOrder.push(c);
      walk(c);
    }
  };
  walk(null);
  /** @type {Map<string | null, number>} */
  const depths = new Map([[null, 0]]);
  const depth = (key) => {
    let d = depths.get(key);
    if (d === undefined) {
      d = depth(parent.get(key) ?? null) + 1;
      depths.set(key, d);
    }
    return d;
  };
  return { parent, groupOrder, grids, boxes, depth };
}

/**
 * Lift an edge to the two members of the innermost container that holds both its ends
 * (keys: a node's id, or a container's key). An edge inside one box lifts to nothing.
 * @param {StructureIndex} index
 * @param {string} from
 * @param {string} to
 * @returns {{from: string, to: string} | null}
 */
export function liftEdge(index, from, to) {
  const { parent, depth } = index;
  let pa = parent.get(from);
  let pb = parent.get(to);
  if (pa === undefined || pb === undefined) return null;
  if (pa === pb) return from === to ? null : { from, to }; // most edges: siblings
  let a = from;
  let b = to;
  let da = depth(a);
  let db = depth(b);
  for (; da > db; da--) a = /** @type {string} */ (parent.get(a));
  for (; db > da; db--) b = /** @type {string} */ (parent.get(b));
  if (a === b) return null; // one end contains the other
  for (pa = parent.get(a), pb = parent.get(b); pa !== pb; pa = parent.get(a), pb = parent.get(b)) {
    a = /** @type {string} */ (pa);
    b = /** @type {string} */ (pb);
  }
  return { from: a, to: b };
}

/**
 * The edges to draw, as pairs of boxes. Each edge is drawn between its own ends, except where
 * more than `limit` run between the same two boxes of one level (a fan-out of a thousand items
 * fed by one step), or one end is a grid: those are drawn once, between the boxes.
 * @param {Structure} s
 * @param {number} [limit]
 * @returns {{from: Box, to: Box, bundled: number}[]}
 */
export function drawnEdges(s, limit = BUNDLE_LIMIT) {
  const index = s.index;
  /** @type {Map<string, {from: string, to: string, edges: [string, string][]}>} */
  const byPair = new Map();
  for (const [u, v] of s.edges) {
    const lifted = liftEdge(index, u, v);
    if (!lifted) continue;
    const k = `${lifted.from}\u0000${lifted.to}`;
    let entry = byPair.get(k);
    if (!entry) byPair.set(k, (entry = { from: lifted.from, to: lifted.to, edges: [] }));
    entry.edges.push([u, v]);
  }
  const boxOf = (key) => index.boxes.get(key) ?? s.nodeBox(key);
  const out = [];
  const seen = new Set();
  for (const { from, to, edges } of byPair.values()) {
    if (edges.length > limit || from.startsWith(R) || to.startsWith(R)) {
      const a = boxOf(from);
      const b = boxOf(to);
      if (a && b) out.push({ from: a, to: b, bundled: edges.length });
      continue;
    }
    for (const [u, v] of edges) {
      const k = `${u}\u0000${v}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const a = s.nodeBox(u);
      const b = s.nodeBox(v);
      if (a && b) out.push({ from: a, to: b, bundled: 1 });
    }
  }
  return out;
}
