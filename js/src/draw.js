/**
 * The DAG in SVG: group boxes, edges, node boxes. Built once per graph revision (in chunks
 * across frames, so ten thousand nodes never hold the main thread for long) and then only
 * patched: a state change touches the changed node's attributes, one text node and one bar.
 *
 * Nodes live in tiles: separate <svg> elements of a few hundred nodes each, stacked over one
 * <svg> of group boxes and edges. Chromium repaints an <svg> as a whole when anything in it
 * changes, but keeps the paint of the other <svg>s: appending a chunk or patching a node then
 * repaints one tile, not ten thousand nodes.
 *
 * A node is drawn in two steps. Its element and box come first, for every node: that is all a
 * fitted view of thousands of nodes can show (a box in its phase's colour). Its details (label,
 * key, duration, progress bar) are added once it is on screen at a scale where text can be
 * read. Texts are the costliest SVG elements to style, lay out and paint, and a large graph
 * seen whole would otherwise carry tens of thousands of them that nobody can read.
 */
import { svg, setText, setAttr, nextFrame } from "./dom.js";
import { nodeView } from "./state.js";
import { elapsed, formatDuration, fraction } from "./format.js";
import { drawnEdges } from "./graph.js";
import { ACTIVE } from "./phases.js";
import {
  barWidth,
  boundsOf,
  countsMarkup,
  detailMarkup,
  drawEdges,
  groupMarkup,
  isFanout,
  nodeMarkup,
  r1,
} from "./markup.js";


/** Time spent building elements before yielding to the browser for a frame. */
const CHUNK_MS = 12;
/** Nodes parsed per frame at most: the frame's style and paint work grows with them. */
const NODES_PER_FRAME = 500;
/** Nodes per tile (one <svg>): see the module's comment. */
const NODES_PER_TILE = 500;
/** The first chunk shares its frame with the layout, the edges and the groups. */
const FIRST_CHUNK = 200;

/**
 * @typedef {import("./graph.js").Box} Box
 * @typedef {object} NodeRecord
 * @property {"node" | "fanout" | "group"} kind
 * @property {Element} el
 * @property {{type: string, label: string}} entry
 * @property {Box} box
 * @property {import("./state.js").NodeState | undefined} state
 * @property {boolean} detailed whether its label, duration and bar exist yet
 * @property {{bar: Element | null, dur: Element | null, counts: Element | null,
 *             segs: Element | null} | null} parts found on first update of a detailed node
 */

export class GraphView {
  /**
   * @param {HTMLElement} stage the zoomed and panned element to draw into
   * @param {() => {level: string, rect: {x: number, y: number, w: number, h: number}}} view
   *   the level of detail and the visible area, in layout coordinates
   */
  constructor(stage, view) {
    this.stage = stage;
    this.view = view;
    /** @type {Map<string, NodeRecord>} node and group elements by id */
    this.records = new Map();
    /** ids of nodes whose duration grows: the clock updates only these */
    this.running = new Set();
    /** @type {(() => void) | null} */
    this.cancelBuild = null;
    /** @type {(() => void) | null} */
    this.cancelReveal = null;
    this.selected = "";
    this.bounds = { x: 0, y: 0, w: 0, h: 0 };
    this.now = () => Date.now() / 1000;
  }

  /**
   * Draw a graph from scratch. Resolves when every node's element exists; a later `draw` or
   * `clear` abandons an unfinished build.
   *
   * Elements are made from markup, a chunk per frame: the parser makes SVG elements several
   * times faster than createElementNS and setAttribute do one by one. Coordinates are
   * absolute (no `transform` per node): in Chromium each transform starts a paint chunk of its
   * own, and ten thousand of them make every frame's compositing update slow.
   * @param {import("./graph.js").Graph} graph
   * @param {import("./graph.js").GraphIndex} index
   * @param {import("./graph.js").Layout} layout
   * @param {import("./state.js").NodeStore} store
   * @param {() => number} now Unix seconds
   * @returns {Promise<void>}
   */
  draw(graph, index, layout, store, now) {
    this.clear();
    this.store = store;
    this.now = now;
    const boxOf = (id) => layout.nodes[id] ?? layout.groups?.[id];
    this.bounds = boundsOf(layout);
    // Room around the boxes for strokes, arrowheads and the stack behind fan-outs.
    const area = { x: this.bounds.x - 20, y: this.bounds.y - 20, w: this.bounds.w + 40, h: this.bounds.h + 40 };
    const base = this.addLayer("dflow-base", area);
    const groupsLayer = svg("g", { class: "dflow-groups" });
    const edgesLayer = svg("g", { class: "dflow-edge-layer" });
    base.append(groupsLayer, edgesLayer);

    // Groups parents-first, so inner boxes are painted over outer ones.
    const groups = index.groupOrder.filter((gid) => layout.groups?.[gid]);
    this.insert(
      groupsLayer,
      groups,
      groups.map((gid) => groupMarkup(gid, index.groups.get(gid), layout.groups[gid], store.get(gid))),
      (gid) => ({ kind: "group", entry: index.groups.get(gid) ?? { type: "", label: gid }, box: layout.groups[gid], detailed: true }),
    );
    drawEdges(edgesLayer, drawnEdges(graph, index), boxOf);

    const nodes = (graph.nodes ?? []).filter((n) => layout.nodes[n.id]);
    const { level, rect } = this.view();
    let i = 0;
    let tile = null;
    let inTile = 0;
    return new Promise((resolve) => {
      const step = () => {
        const t0 = performance.now();
        const ids = [];
        const parts = [];
        const detailed = [];
        const t = now();
        if (!tile || inTile >= NODES_PER_TILE) {
          tile = this.addLayer("dflow-nodes", area);
          inTile = 0;
        }
        // Markup is cheap to make; check the clock every few nodes, not every node.
        const most = Math.min(i === 0 ? FIRST_CHUNK : NODES_PER_FRAME, NODES_PER_TILE - inTile);
        while (i < nodes.length && ids.length < most && (i % 64 !== 0 || performance.now() - t0 < CHUNK_MS)) {
          const n = nodes[i++];
          const box = layout.nodes[n.id];
          const detail = level !== "far" && overlaps(box, rect);
          ids.push(n.id);
          detailed.push(detail);
          parts.push(nodeMarkup(n, box, store.get(n.id), t, detail));
        }
        let k = 0;
        inTile += ids.length;
        this.insert(tile, ids, parts, (id) => {
          const n = index.nodes.get(id);
          return { kind: isFanout(n) ? "fanout" : "node", entry: n, box: layout.nodes[id], detailed: detailed[k++] };
        });
        if (i < nodes.length) this.cancelBuild = nextFrame(step);
        else {
          this.cancelBuild = null;
          if (this.selected) this.select(this.selected);
          // The view may have moved while the build ran.
          this.reveal();
          resolve();
        }
      };
      step();
    });
  }

  /** A new <svg> over the others, in layout coordinates over `area`. */
  addLayer(cls, area) {
    const el = svg("svg", {
      class: `dflow-layer ${cls}`,
      width: r1(area.w),
      height: r1(area.h),
      viewBox: `${r1(area.x)} ${r1(area.y)} ${r1(area.w)} ${r1(area.h)}`,
    });
    el.style.left = `${r1(area.x)}px`;
    el.style.top = `${r1(area.y)}px`;
    this.stage.append(el);
    return el;
  }

  /** Parse a chunk of markup into `layer` and keep a record of each new element. */
  insert(layer, ids, parts, describe) {
    if (!ids.length) return;
    const last = layer.lastElementChild;
    layer.insertAdjacentHTML("beforeend", parts.join(""));
    let el = last ? last.nextElementSibling : layer.firstElementChild;
    for (const id of ids) {
      const r = /** @type {NodeRecord} */ ({ ...describe(id), el, state: this.store?.get(id), parts: null });
      this.records.set(id, r);
      this.track(id, r);
      el = el.nextElementSibling;
    }
  }

  /**
   * Add the details of the nodes now in sight, if the scale lets them be read. Called when
   * the view moves; the work is spread over frames like the build.
   */
  reveal() {
    if (this.cancelBuild) return; // the build reveals when it ends
    this.cancelReveal?.();
    this.cancelReveal = null;
    const { level, rect } = this.view();
    if (level === "far") return;
    const todo = [];
    for (const r of this.records.values()) if (!r.detailed && overlaps(r.box, rect)) todo.push(r);
    let i = 0;
    const step = () => {
      const t0 = performance.now();
      const now = this.now();
      while (i < todo.length && (i % 32 !== 0 || performance.now() - t0 < CHUNK_MS)) {
        const r = todo[i++];
        r.el.insertAdjacentHTML("beforeend", detailMarkup(/** @type {any} */ (r.entry), r.box, r.state, now));
        r.detailed = true;
        r.parts = null;
      }
      this.cancelReveal = i < todo.length ? nextFrame(step) : null;
    };
    if (todo.length) step();
  }

  /** Remove everything drawn and stop an unfinished build. */
  clear() {
    this.cancelBuild?.();
    this.cancelBuild = null;
    this.cancelReveal?.();
    this.cancelReveal = null;
    this.records.clear();
    this.running.clear();
    this.stage.replaceChildren();
  }

  /**
   * Bring the given elements up to date with the store.
   * @param {Iterable<string>} ids
   * @param {import("./state.js").NodeStore} store
   * @param {number} now Unix seconds
   */
  update(ids, store, now) {
    for (const id of ids) if (this.records.has(id)) this.apply(id, store.get(id), now);
  }

  /**
   * Advance the durations of running nodes.
   * @param {number} now Unix seconds
   */
  tick(now) {
    for (const id of this.running) {
      const r = this.records.get(id);
      const dur = r?.detailed && partsOf(r).dur;
      if (dur) setText(dur, formatDuration(elapsed(r.state?.started_at, r.state?.finished_at, now)));
    }
  }

  /**
   * Mark the node whose details are open.
   * @param {string} id `""` for none
   */
  select(id) {
    this.records.get(this.selected)?.el.classList.remove("dflow-selected");
    this.selected = id;
    this.records.get(id)?.el.classList.add("dflow-selected");
  }

  /** Whether a node's clock ticks. */
  track(id, r) {
    const phase = r.el.getAttribute("data-phase");
    if (r.kind !== "group" && ACTIVE.has(phase) && r.state?.started_at != null) this.running.add(id);
    else this.running.delete(id);
  }

  /** Write one element's state: attributes, a bar width, a text node or two. */
  apply(id, state, now) {
    const r = this.records.get(id);
    if (!r) return;
    r.state = state;
    const v = nodeView(r.entry, state);
    setAttr(r.el, "data-phase", v.phase);
    setAttr(r.el, "data-progress", v.progressText);
    if (r.detailed) {
      const p = partsOf(r);
      if (p.bar) setAttr(p.bar, "width", String(r1(barWidth(r.kind, r.box) * fraction(v.progress))));
      if (p.dur) {
        setText(p.dur, r.kind === "group" ? v.progressText : formatDuration(elapsed(state?.started_at, state?.finished_at, now)));
      }
      if (r.kind === "fanout" && p.counts && p.segs) {
        const c = countsMarkup(state?.counts ?? null, r.box);
        p.counts.innerHTML = c.text;
        p.segs.innerHTML = c.segs;
      }
    }
    setTitle(r, state?.message ?? "");
    this.track(id, r);
  }
}

/** Whether two boxes (a centre-based one and a corner-based one) overlap. */
function overlaps(box, rect) {
  return (
    box.x + box.w / 2 >= rect.x &&
    box.x - box.w / 2 <= rect.x + rect.w &&
    box.y + box.h / 2 >= rect.y &&
    box.y - box.h / 2 <= rect.y + rect.h
  );
}

/**
 * The parts of a detailed node's element that state changes touch, found on first use: a
 * delta touches few nodes, so looking them up then is cheaper than keeping ten thousand
 * references.
 */
function partsOf(r) {
  if (!r.parts) {
    const q = (sel) => r.el.querySelector(sel);
    r.parts = {
      bar: q(":scope > .dflow-bar"),
      dur: q(":scope > .dflow-dur, :scope > .dflow-gprog"),
      counts: q(":scope > .dflow-counts"),
      segs: q(":scope > .dflow-segs"),
    };
  }
  return r.parts;
}

/**
 * A tooltip with the node's message, present only while there is one (a `<title>` per node
 * costs elements). It is the element's first child when present.
 */
function setTitle(r, message) {
  const first = r.el.firstElementChild;
  const title = first?.tagName === "title" ? first : null;
  if (!message) {
    title?.remove();
    return;
  }
  if (title) setText(title, message);
  else {
    const t = svg("title");
    t.textContent = message;
    r.el.prepend(t);
  }
}
