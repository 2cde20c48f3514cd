/**
 * The DAG in SVG: group boxes, grid frames, edges, node boxes. Built once per whole graph, in
 * a few large chunks of markup (the parser makes SVG elements many times faster than
 * createElementNS and setAttribute do one by one, and no layout is read back), then patched:
 * a state change touches the changed node's attributes, a text node and a bar; a `grow`
 * appends the new nodes, replaces the ones that moved and redraws the thin layer of group
 * boxes and edges.
 *
 * Nodes live in tiles: separate <svg> elements of a few thousand nodes each, stacked over one
 * <svg> of group boxes and edges. Chromium repaints an <svg> as a whole when anything in it
 * changes, but keeps the paint of the others: appending a chunk or patching a node repaints
 * one tile. Coordinates are absolute (no `transform` per node): each transform would start a
 * paint chunk of its own.
 *
 * A node is drawn in two steps. Its element and box come first, for every node: that is all a
 * fitted view of thousands of nodes can show (a box in its phase's colour). Its details (label,
 * key, duration, progress bar) are added once it is on screen at a scale where text can be
 * read: texts are the costliest SVG elements to style, lay out and paint.
 */
import { svg, setText, setAttr, nextFrame } from "./dom.js";
import { nodeView } from "./state.js";
import { elapsed, formatDuration, fraction } from "./format.js";
import { drawnEdges } from "./graph.js";
import { ACTIVE } from "./phases.js";
import { barWidth, countsMarkup, edgesMarkup, gridMarkup, groupMarkup, isFanout, isJunction, nodeMarkup, r1 } from "./markup.js";

/** Nodes parsed per frame at most: the frame's parse, style and paint work grows with them. */
const NODES_PER_FRAME = 1200;
/** The first chunk shares its frame with the layer of groups and edges. */
const FIRST_CHUNK = 400;
/** Nodes with their details (texts) per frame at most: they cost several times a bare box. */
const DETAILED_PER_FRAME = 400;
/** Nodes per tile (one <svg>): see the module's comment. */
const NODES_PER_TILE = 2400;
/** A grow that moves more than this share of the nodes redraws the whole graph. */
const REDRAW_SHARE = 0.3;
/** Time spent adding details before yielding to the browser for a frame. */
const REVEAL_MS = 12;

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
    /** group elements by id (a group's entry node has the group's id) */
    this.groupRecords = new Map();
    /** ids of nodes whose duration grows: the clock updates only these */
    this.running = new Set();
    /** @type {(() => void) | null} */
    this.cancelBuild = null;
    /** @type {(() => void) | null} */
    this.cancelReveal = null;
    this.selected = "";
    this.bounds = { x: 0, y: 0, w: 0, h: 0 };
    this.area = this.bounds;
    /** @type {SVGElement | null} */
    this.base = null;
    /** @type {SVGElement | null} */
    this.tile = null;
    this.inTile = 0;
    /** @type {import("./graph.js").Structure | null} */
    this.structure = null;
    /** @type {Promise<void> | null} the build under way */
    this.building = null;
    /** @type {{added: string[], changed: string[], moved: string[]} | null} what grew meanwhile */
    this.pending = null;
    this.now = () => Date.now() / 1000;
  }

  /**
   * Draw a structure from scratch. Resolves when every node's element exists; a later `draw`
   * or `clear` abandons an unfinished build.
   * @param {import("./graph.js").Structure} s
   * @param {import("./state.js").NodeStore} store
   * @param {() => number} now Unix seconds
   * @returns {Promise<void>}
   */
  draw(s, store, now) {
    this.clear();
    this.structure = s;
    this.store = store;
    this.now = now;
    this.bounds = s.bounds();
    // Room around the boxes for strokes, arrowheads and the stack behind fan-outs.
    const b = this.bounds;
    this.area = { x: b.x - 20, y: b.y - 20, w: b.w + 40, h: b.h + 40 };
    this.drawBase();
    return this.append(s.nodes.map((n) => n.id));
  }

  /** (Re)draw the layer under the nodes: group boxes, grid frames, edges. */
  drawBase() {
    const s = /** @type {import("./graph.js").Structure} */ (this.structure);
    const index = s.index;
    const base = this.base ?? this.addLayer("dflow-base");
    this.base = base;
    this.groupRecords.clear();
    // Groups parents first, so inner boxes are painted over outer ones.
    const groups = index.groupOrder.filter((gid) => index.boxes.has(`\u0001g${gid}`));
    let markup = '<g class="dflow-groups">';
    for (const gid of groups) markup += groupMarkup(gid, s.group(gid), index.boxes.get(`\u0001g${gid}`), this.store?.get(gid));
    markup += '</g><g class="dflow-grids">';
    for (const box of index.grids.values()) markup += gridMarkup(box);
    markup += `</g><g class="dflow-edge-layer">${edgesMarkup(drawnEdges(s))}</g>`;
    base.innerHTML = markup;
    let el = base.firstElementChild?.firstElementChild ?? null;
    for (const gid of groups) {
      const r = /** @type {NodeRecord} */ ({
        kind: "group",
        id: gid,
        el,
        entry: s.group(gid) ?? { type: "", label: gid },
        box: index.boxes.get(`\u0001g${gid}`),
        state: this.store?.get(gid),
        detailed: true,
        parts: null,
      });
      this.groupRecords.set(gid, r);
      el = el?.nextElementSibling ?? null;
    }
    this.reselect();
  }

  /**
   * Add the elements of nodes `ids` (in chunks across frames).
   * @param {string[]} ids
   * @returns {Promise<void>}
   */
  append(ids) {
    const s = /** @type {import("./graph.js").Structure} */ (this.structure);
    const store = this.store;
    // Asked once: the view's size is a layout read, which must not follow each chunk's writes.
    const { level, rect } = this.view();
    let i = 0;
    /** @type {(v: undefined) => void} */
    let resolve = () => {};
    const done = new Promise((r) => (resolve = r));
    // Set before the first step: a small build ends within it.
    this.building = done;
    {
      const step = () => {
        const t = this.now();
        const chunk = [];
        const parts = [];
        const detailed = [];
        let details = 0;
        const room = NODES_PER_TILE - this.inTile;
        const most = Math.min(i === 0 ? FIRST_CHUNK : NODES_PER_FRAME, room > 0 ? room : NODES_PER_TILE);
        if (room <= 0 || !this.tile) {
          this.tile = this.addLayer("dflow-nodes");
          this.inTile = 0;
        }
        while (i < ids.length && chunk.length < most && details < DETAILED_PER_FRAME) {
          const id = ids[i++];
          const n = s.node(id);
          const box = s.nodeBox(id);
          if (!n || !box) continue;
          const detail = level !== "far" && overlaps(box, rect);
          details += detail ? 1 : 0;
          chunk.push(id);
          detailed.push(detail || isJunction(n));
          parts.push(nodeMarkup(n, box, store?.get(id), t, detail));
        }
        this.inTile += chunk.length;
        this.insert(this.tile, chunk, parts, (id, k) => {
          const n = /** @type {import("./graph.js").GraphNode} */ (s.node(id));
          return { kind: isFanout(n) ? "fanout" : "node", entry: n, box: /** @type {Box} */ (s.nodeBox(id)), detailed: detailed[k] };
        });
        if (i < ids.length) this.cancelBuild = nextFrame(step);
        else {
          this.cancelBuild = null;
          this.building = null;
          this.reselect();
          // The view may have moved while the build ran.
          this.reveal();
          resolve(undefined);
        }
      };
      step();
    }
    return done;
  }

  /**
   * Take a `grow` in: new nodes appended, moved or changed ones drawn again in place, the
   * layer of groups and edges redrawn. A grow that moves much of the graph redraws it whole.
   * @param {{added: string[], changed: string[], moved: string[]}} change
   * @returns {Promise<void>}
   */
  grow(change) {
    if (this.building) {
      // A build is under way: it takes this in when it ends.
      const p = this.pending ?? { added: [], changed: [], moved: [] };
      this.pending = { added: [...p.added, ...change.added], changed: [...p.changed, ...change.changed], moved: [...p.moved, ...change.moved] };
      return this.building.then(() => this.growPending());
    }
    const s = /** @type {import("./graph.js").Structure} */ (this.structure);
    const redo = new Set([...change.moved, ...change.changed]);
    const b = s.bounds();
    const outside = b.x < this.area.x || b.y < this.area.y || b.x + b.w > this.area.x + this.area.w || b.y + b.h > this.area.y + this.area.h;
    if (redo.size > REDRAW_SHARE * s.nodes.length) {
      return this.draw(s, /** @type {any} */ (this.store), this.now);
    }
    this.bounds = b;
    if (outside) {
      // The picture grew: every layer gets the new area (a viewBox is cheap to change).
      this.area = { x: b.x - 20, y: b.y - 20, w: b.w + 40 + 400, h: b.h + 40 + 400 };
      for (const layer of this.stage.children) this.fitLayer(/** @type {SVGElement} */ (layer));
    }
    const t = this.now();
    const { level, rect } = this.view();
    for (const id of redo) {
      const r = this.records.get(id);
      const n = s.node(id);
      const box = s.nodeBox(id);
      if (!r || !n || !box) continue;
      const detail = level !== "far" && overlaps(box, rect);
      Object.assign(r, { entry: n, box, kind: isFanout(n) ? "fanout" : "node" });
      this.redraw(r, nodeMarkup(n, box, this.store?.get(id), t, detail), detail || isJunction(n));
      this.track(id, r);
    }
    this.drawBase();
    return this.append(change.added);
  }

  /** Put `markup` in the place of a node's element (its details added, or it moved). */
  redraw(r, markup, detailed) {
    const old = r.el;
    old.insertAdjacentHTML("afterend", markup);
    r.el = /** @type {Element} */ (old.nextElementSibling);
    old.remove();
    r.detailed = detailed;
    r.parts = null;
    if (this.selected && (this.records.get(this.selected) === r)) r.el.classList.add("dflow-selected");
  }

  /** What grew while a build ran. */
  growPending() {
    const p = this.pending;
    this.pending = null;
    return p ? this.grow(p) : this.building ?? Promise.resolve();
  }

  /** A new <svg> over the others, in layout coordinates over the drawing's area. */
  addLayer(cls) {
    const el = svg("svg", { class: `dflow-layer ${cls}` });
    this.fitLayer(el);
    this.stage.append(el);
    return el;
  }

  fitLayer(el) {
    const a = this.area;
    el.setAttribute("width", String(r1(a.w)));
    el.setAttribute("height", String(r1(a.h)));
    el.setAttribute("viewBox", `${r1(a.x)} ${r1(a.y)} ${r1(a.w)} ${r1(a.h)}`);
    el.style.left = `${r1(a.x)}px`;
    el.style.top = `${r1(a.y)}px`;
  }

  /** Parse a chunk of markup into `layer` and keep a record of each new element. */
  insert(layer, ids, parts, describe) {
    if (!ids.length) return;
    const last = layer.lastElementChild;
    layer.insertAdjacentHTML("beforeend", parts.join(""));
    let el = last ? last.nextElementSibling : layer.firstElementChild;
    ids.forEach((id, k) => {
      const old = this.records.get(id);
      if (old) old.el.remove(); // drawn again (a grow may name a node twice)
      const r = /** @type {NodeRecord} */ ({ ...describe(id, k), el, state: this.store?.get(id), parts: null });
      this.records.set(id, r);
      this.track(id, r);
      el = el.nextElementSibling;
    });
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
      while (i < todo.length && (i % 32 !== 0 || performance.now() - t0 < REVEAL_MS)) {
        const r = todo[i++];
        if (!r.el.isConnected) continue; // drawn again meanwhile
        this.redraw(r, nodeMarkup(/** @type {any} */ (r.entry), r.box, r.state, now, true), true);
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
    this.building = null;
    this.pending = null;
    this.records.clear();
    this.groupRecords.clear();
    this.running.clear();
    this.base = null;
    this.tile = null;
    this.inTile = 0;
    this.stage.replaceChildren();
  }

  /**
   * Bring the given elements up to date with the store.
   * @param {Iterable<string>} ids
   * @param {import("./state.js").NodeStore} store
   * @param {number} now Unix seconds
   */
  update(ids, store, now) {
    for (const id of ids) {
      const r = this.records.get(id);
      if (r) this.apply(id, r, store.get(id), now);
      const g = this.groupRecords.get(id);
      if (g) this.apply(id, g, store.get(id), now);
    }
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
   * Mark the node (or group) whose details are open.
   * @param {string} id `""` for none
   */
  select(id) {
    for (const el of this.stage.querySelectorAll(".dflow-selected")) el.classList.remove("dflow-selected");
    this.selected = id;
    this.reselect();
  }

  reselect() {
    const id = this.selected;
    if (!id) return;
    (this.records.get(id) ?? this.groupRecords.get(id))?.el.classList.add("dflow-selected");
  }

  /** Whether a node's clock ticks. */
  track(id, r) {
    const phase = r.el.getAttribute("data-phase");
    if (r.kind !== "group" && ACTIVE.has(phase) && r.state?.started_at != null) this.running.add(id);
    else this.running.delete(id);
  }

  /** Write one element's state: attributes, a bar width, a text node or two. */
  apply(id, r, state, now) {
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
