/**
 * The structure to draw (the `graph` trait), indexed: who contains whom, and which edges are
 * drawn between which boxes. Pure functions over plain data, shared by the browser layout and
 * the drawing so that both see the same nesting.
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
 * @typedef {{engine?: string, width: number, height: number,
 *            nodes: Record<string, Box>, groups: Record<string, Box>}} Layout
 *
 * @typedef {object} Graph
 * @property {number} rev
 * @property {GraphNode[]} nodes
 * @property {GraphGroup[]} groups
 * @property {[string, string][]} edges
 * @property {Layout | null} [layout]
 *
 * @typedef {object} GraphIndex
 * @property {Map<string, GraphNode>} nodes
 * @property {Map<string, GraphGroup>} groups
 * @property {Map<string, string | null>} parent  the containing group of a node or group
 * @property {Map<string | null, string[]>} children  the direct members of a group (null: the top)
 * @property {string[]} groupOrder  groups with parents before children
 */

/** Edges from one box into one group beyond this count are drawn as one edge to the group. */
export const BUNDLE_LIMIT = 8;

/**
 * Index a graph. Unknown parents and cycles among groups are put at the top level, so a
 * malformed graph still draws.
 * @param {Graph} graph
 * @returns {GraphIndex}
 */
export function indexGraph(graph) {
  const nodes = new Map((graph.nodes ?? []).map((n) => [n.id, n]));
  const groups = new Map((graph.groups ?? []).map((g) => [g.id, g]));
  /** @type {Map<string, string | null>} */
  const parent = new Map();
  for (const g of groups.values()) parent.set(g.id, g.group && groups.has(g.group) ? g.group : null);
  // A group that contains itself through its parents would loop forever below: cut the cycle.
  for (const g of groups.values()) {
    const seen = new Set([g.id]);
    for (let p = parent.get(g.id); p != null; p = parent.get(p)) {
      if (seen.has(p)) {
        parent.set(g.id, null);
        break;
      }
      seen.add(p);
    }
  }
  // A group's entry node has the group's id (docs/widget-protocol.md): one id, one parent, the
  // group's. Set from the node, it would make the group contain itself (and loop below).
  const plain = [...nodes.values()].filter((n) => !groups.has(n.id));
  for (const n of plain) parent.set(n.id, n.group && groups.has(n.group) ? n.group : null);
  /** @type {Map<string | null, string[]>} */
  const children = new Map([[null, []]]);
  for (const id of groups.keys()) children.set(id, []);
  for (const g of groups.values()) children.get(parent.get(g.id) ?? null).push(g.id);
  for (const n of plain) children.get(parent.get(n.id) ?? null).push(n.id);
  const groupOrder = [];
  const walk = (id) => {
    for (const c of children.get(id)) {
      if (groups.has(c)) {
        groupOrder.push(c);
        walk(c);
      }
    }
  };
  walk(null);
  return { nodes, groups, parent, children, groupOrder };
}

/**
 * The chain from an element up to the top: `[id, parent, grandparent, ...]`.
 * @param {GraphIndex} index
 * @param {string} id
 * @returns {string[]}
 */
export function chain(index, id) {
  const out = [id];
  for (let p = index.parent.get(id); p != null; p = index.parent.get(p)) out.push(p);
  return out;
}

/**
 * Lift an edge to the level where it is laid out: the two members of the innermost group that
 * holds both ends (`container`, null for the top). An edge inside one box (a node to its own
 * group) lifts to nothing.
 * @param {GraphIndex} index
 * @param {string} from
 * @param {string} to
 * @returns {{container: string | null, from: string, to: string} | null}
 */
export function liftEdge(index, from, to) {
  if (!index.parent.has(from) || !index.parent.has(to)) return null;
  const a = chain(index, from).reverse();
  const b = chain(index, to).reverse();
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  if (i === a.length || i === b.length) return null; // one end contains the other
  return { container: i === 0 ? null : a[i - 1], from: a[i], to: b[i] };
}

/**
 * The edges to draw. Each edge is drawn between its own ends, except where more than
 * `limit` edges run between the same two boxes of one level (an expanded fan-out of a
 * thousand items fed by one step): those are drawn once, between the boxes, because a
 * thousand lines into one box say nothing more than one line and cost a thousand paths.
 * @param {Graph} graph
 * @param {GraphIndex} index
 * @param {number} [limit]
 * @returns {{from: string, to: string, bundled: number}[]} `bundled`: how many edges one stands for
 */
export function drawnEdges(graph, index, limit = BUNDLE_LIMIT) {
  /** @type {Map<string, {from: string, to: string, edges: [string, string][]}>} */
  const byPair = new Map();
  for (const [u, v] of graph.edges ?? []) {
    const lifted = liftEdge(index, u, v);
    if (!lifted) continue;
    const k = `${lifted.from}\u0000${lifted.to}`;
    let entry = byPair.get(k);
    if (!entry) byPair.set(k, (entry = { from: lifted.from, to: lifted.to, edges: [] }));
    entry.edges.push([u, v]);
  }
  const out = [];
  const seen = new Set();
  for (const { from, to, edges } of byPair.values()) {
    if (edges.length > limit) {
      out.push({ from, to, bundled: edges.length });
      continue;
    }
    for (const [u, v] of edges) {
      const k = `${u}\u0000${v}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ from: u, to: v, bundled: 1 });
    }
  }
  return out;
}

/**
 * A layout as two flat arrays (x, y, w, h per node and per group, in the graph's order), for
 * the Worker to transfer: posting ten thousand small objects costs the main thread a
 * structured-clone deserialisation; a transferred buffer costs nothing.
 * @param {Graph} graph
 * @param {Layout} layout
 * @returns {{width: number, height: number, engine: string, nodes: Float64Array, groups: Float64Array}}
 */
export function packLayout(graph, layout) {
  const pack = (items, boxes) => {
    const out = new Float64Array(items.length * 4);
    items.forEach((it, i) => {
      const b = boxes[it.id];
      out.set(b ? [b.x, b.y, b.w, b.h] : [NaN, NaN, NaN, NaN], i * 4);
    });
    return out;
  };
  return {
    width: layout.width,
    height: layout.height,
    engine: layout.engine ?? "dagre",
    nodes: pack(graph.nodes ?? [], layout.nodes),
    groups: pack(graph.groups ?? [], layout.groups ?? {}),
  };
}

/**
 * The inverse of `packLayout`.
 * @param {Graph} graph
 * @param {ReturnType<typeof packLayout>} packed
 * @returns {Layout}
 */
export function unpackLayout(graph, packed) {
  const unpack = (items, arr) => {
    /** @type {Record<string, Box>} */
    const out = {};
    items.forEach((it, i) => {
      const x = arr[i * 4];
      if (!Number.isNaN(x)) out[it.id] = { x, y: arr[i * 4 + 1], w: arr[i * 4 + 2], h: arr[i * 4 + 3] };
    });
    return out;
  };
  return {
    engine: packed.engine,
    width: packed.width,
    height: packed.height,
    nodes: unpack(graph.nodes ?? [], packed.nodes),
    groups: unpack(graph.groups ?? [], packed.groups),
  };
}
