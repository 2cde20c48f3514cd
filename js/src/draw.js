/**
 * The DAG in SVG: group boxes, grid frames, edges, node boxes. Built once per whole graph, in
 * a few large chunks of markup (the parser makes SVG elements many times faster than
 * createElementNS and setAttribute do one by one, and no layout is read back), then patched:
 * a state change touches the changed node's attributes, a text node and a bar; a `grow`
 * appends the new nodes, redraws the ones that moved and the thin layer of groups and edges.
 *
 * Nodes live in tiles: separate <svg> elements of a few thousand nodes each, stacked over one
 * <svg> of group boxes and edges. Chromium repaints an <svg> as a whole when anything in it
 * changes, but keeps the paint of the others: appending a chunk or patching a node repaints
 * one tile. Coordinates are absolute (no `transform` per node): each transform would start a
 * paint chunk of its own.
 *
 * A node is drawn in one of two ways. Seen from afar (a large graph fitted whole) or off
 * screen, its element only carries the DOM contract's attributes, in a hidden group, and its
 * box is painted with the other boxes of its tile and phase in one path: ten thousand nodes
 * are then a few dozen styled elements. That matters beyond the first drawing: JupyterLab
 * changes a custom property on a cell each time another cell becomes active, and the browser
 * then restyles every element below it (a third of a second for ten thousand SVG elements).
 * In sight at a scale where text can be read, a node is a group with its box, label, key,
 * duration and progress bar, made when it comes into view.
 */
import { svg, setText, setAttr, nextFrame } from "./dom.js";
import { nodeView } from "./state.js";
import { elapsed, formatDuration, fraction } from "./format.js";
import { drawnEdges } from "./graph.js";
import { ACTIVE } from "./phases.js";
import { barWidth, countsMarkup, edgesMarkup, farMarkup, gridMarkup, groupMarkup, isFanout, nodeMarkup, paintMarkup, r1 } from "./markup.js";

/** Nodes added per frame at most: the frame's parse, style and paint work grows with them. */
const NODES_PER_FRAME = 2500;
/** The first chunk shares its frame with the layer of groups and edges. */
const FIRST_CHUNK = 1000;
/** Nodes drawn in sight (with texts) per frame at most: they cost many times a far one. */
const SHOWN_PER_FRAME = 400;
/** Nodes per tile (one <svg>): see the module's comment. */
const NODES_PER_TILE = 2500;
/** A grow that moves more than this share of the nodes redraws the whole graph. */
const REDRAW_SHARE = 0.3;
/** Time spent bringing nodes into sight before yielding to the browser for a frame. */
const REVEAL_MS = 12;

/**
 * @typedef {import("./graph.js").Box} Box
 * @typedef {object} Tile
 * @property {SVGElement} svg
 * @property {Element} paint  the far nodes' boxes, one path per phase
 * @property {Element} far  the far nodes' elements (hidden)
 * @property {Element} shown  the nodes in sight
 * @property {Set<string>} farIds
 * @property {number} count
 *
 * @typedef {object} NodeRecord
 * @property {"node" | "fanout" | "group"} kind
 * @property {Element} el
 * @property {{type: string, label: string}} entry
 * @property {Box} box
 * @property {import("./state.js").NodeState | undefined} state
 * @property {string} phase the phase its box is painted in
 * @property {boolean} shown whether it is drawn in sight (a group), not painted from afar
 * @property {Tile | null} tile
 * @property {{bar: Element | null, dur: Element | null, counts: Element | null,
 *             segs: Element | null} | null} parts found on first update of a shown node
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
    /** @type {Map<string, NodeRecord>} node elements by id */
    this.records = new Map();
    /** @type {Map<string, NodeRecord>} group elements by id (a group's entry node has its id) */
    this.groupRecords = new Map();
    /** ids of nodes whose duration grows: the clock updates only these */
    this.running = new Set();
    /** @type {(() => void) | null} */
    this.cancelBuild = null;
    /** @type {(() => void) | null} */
    this.cancelReveal = null;
    /** @type {(() => void) | null} */
    this.cancelPaint = null;
    /** @type {Set<Tile>} tiles whose painted boxes are out of date */
    this.dirty = new Set();
    this.selected = "";
    this.bounds = { x: 0, y: 0, w: 0, h: 0 };
    this.area = this.bounds;
    /** @type {SVGElement | null} */
    this.base = null;
    /** @type {Tile | null} */
    this.tile = null;
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
        el,
        entry: s.group(gid) ?? { type: "", label: gid },
        box: index.boxes.get(`\u0001g${gid}`),
        state: this.store?.get(gid),
        phase: "",
        shown: true,
        tile: null,
        parts: null,
      });
      this.groupRecords.set(gid, r);
      el = el?.nextElementSibling ?? null;
    }
    this.reselect();
  }

  /** A new tile of nodes, over the others. */
  addTile() {
    const el = this.addLayer("dflow-nodes");
    el.innerHTML = '<g class="dflow-paint"></g><g class="dflow-shown"></g>';
    const [paint, shown] = /** @type {Element[]} */ ([...el.children]);
    // The far nodes' elements: in a box whose content the browser skips (`content-visibility:
    // hidden`): they are never styled, laid out or painted, whatever changes above them.
    const far = document.createElement("div");
    far.className = "dflow-far-nodes";
    this.stage.append(far);
    return { svg: el, paint, far, shown, farIds: new Set(), count: 0 };
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
    const step = () => {
      const t = this.now();
      if (!this.tile || this.tile.count >= NODES_PER_TILE) this.tile = this.addTile();
      const tile = this.tile;
      const most = Math.min(i === 0 ? FIRST_CHUNK : NODES_PER_FRAME, NODES_PER_TILE - tile.count);
      const far = [];
      const farParts = [];
      const shown = [];
      const shownParts = [];
      while (i < ids.length && far.length + shown.length < most && shown.length < SHOWN_PER_FRAME) {
        const id = ids[i++];
        const n = s.node(id);
        const box = s.nodeBox(id);
        if (!n || !box) continue;
        const state = store?.get(id);
        if (isFanout(n) || (level !== "far" && overlaps(box, rect))) {
          shown.push(id);
          shownParts.push(nodeMarkup(n, box, state, t, true));
        } else {
          far.push(id);
          farParts.push(farMarkup(n, state));
        }
      }
      tile.count += far.length + shown.length;
      this.insert(tile, tile.far, far, farParts, false);
      this.insert(tile, tile.shown, shown, shownParts, true);
      this.paint(tile);
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
    if (redo.size > REDRAW_SHARE * s.nodes.length) {
      return this.draw(s, /** @type {any} */ (this.store), this.now);
    }
    const b = s.bounds();
    this.bounds = b;
    if (b.x < this.area.x || b.y < this.area.y || b.x + b.w > this.area.x + this.area.w || b.y + b.h > this.area.y + this.area.h) {
      // The picture grew: every layer gets the new area (a viewBox is cheap to change).
      this.area = { x: b.x - 20, y: b.y - 20, w: b.w + 40 + 400, h: b.h + 40 + 400 };
      for (const layer of this.stage.querySelectorAll(":scope > svg")) this.fitLayer(/** @type {SVGElement} */ (layer));
    }
    const t = this.now();
    for (const id of redo) {
      const r = this.records.get(id);
      const n = s.node(id);
      const box = s.nodeBox(id);
      if (!r || !n || !box) continue;
      Object.assign(r, { entry: n, box, kind: isFanout(n) ? "fanout" : "node" });
      if (r.shown) this.replace(r, nodeMarkup(n, box, this.store?.get(id), t, true));
      else {
        this.replace(r, farMarkup(n, this.store?.get(id)));
        if (r.tile) this.dirty.add(r.tile);
      }
      this.track(id, r);
    }
    this.schedulePaint();
    this.drawBase();
    if (!change.added.length) {
      this.reveal();
      return Promise.resolve();
    }
    return this.append(change.added); // it brings what is in sight into view when it ends
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

  /** Parse a chunk of markup into `parent` (of `tile`) and keep a record of each new element. */
  insert(tile, parent, ids, parts, shown) {
    if (!ids.length) return;
    const s = /** @type {import("./graph.js").Structure} */ (this.structure);
    const last = parent.lastElementChild;
    parent.insertAdjacentHTML("beforeend", parts.join(""));
    let el = last ? last.nextElementSibling : parent.firstElementChild;
    for (const id of ids) {
      const old = this.records.get(id);
      if (old) this.forget(id, old); // drawn again (a grow may name a node twice)
      const n = /** @type {import("./graph.js").GraphNode} */ (s.node(id));
      const state = this.store?.get(id);
      const r = /** @type {NodeRecord} */ ({
        kind: isFanout(n) ? "fanout" : "node",
        el,
        entry: n,
        box: s.nodeBox(id),
        state,
        phase: nodeView(n, state).phase,
        shown,
        tile,
        parts: null,
      });
      if (!shown) tile.farIds.add(id);
      this.records.set(id, r);
      this.track(id, r);
      el = /** @type {Element} */ (el).nextElementSibling;
    }
  }

  /** Remove a node's element (it is drawn again elsewhere). */
  forget(id, r) {
    r.el.remove();
    if (r.tile?.farIds.delete(id)) this.dirty.add(r.tile);
  }

  /** Put `markup` in the place of a node's element (it moved, or its entry changed). */
  replace(r, markup) {
    const old = r.el;
    old.insertAdjacentHTML("afterend", markup);
    r.el = /** @type {Element} */ (old.nextElementSibling);
    old.remove();
    r.parts = null;
    if (this.selected && this.records.get(this.selected) === r) r.el.classList.add("dflow-selected");
  }

  /** Bring a far node into sight: a group with its details, its box no longer painted. */
  show(id, r, now) {
    if (r.shown || !r.tile) return;
    const n = /** @type {any} */ (r.entry);
    r.el.remove();
    r.tile.shown.insertAdjacentHTML("beforeend", nodeMarkup(n, r.box, r.state, now, true));
    r.el = /** @type {Element} */ (r.tile.shown.lastElementChild);
    r.shown = true;
    r.parts = null;
    r.tile.farIds.delete(id);
    this.dirty.add(r.tile);
    if (this.selected === id) r.el.classList.add("dflow-selected");
    this.track(id, r);
  }

  /** Paint a tile's far boxes: one path per phase. */
  paint(tile) {
    this.dirty.delete(tile);
    const boxes = [];
    for (const id of tile.farIds) {
      const r = this.records.get(id);
      if (r) boxes.push([r.phase, r.box]);
    }
    tile.paint.innerHTML = paintMarkup(boxes);
  }

  /** Repaint the tiles whose far boxes changed, once per frame. */
  schedulePaint() {
    if (this.cancelPaint || !this.dirty.size) return;
    this.cancelPaint = nextFrame(() => {
      this.cancelPaint = null;
      for (const tile of [...this.dirty]) this.paint(tile);
    });
  }

  /**
   * Bring the nodes now in sight into sight, if the scale lets them be read. Called when the
   * view moves; the work is spread over frames like the build.
   */
  reveal() {
    if (this.cancelBuild) return; // the build reveals when it ends
    this.cancelReveal?.();
    this.cancelReveal = null;
    const { level, rect } = this.view();
    if (level === "far") return;
    const todo = [];
    for (const [id, r] of this.records) if (!r.shown && overlaps(r.box, rect)) todo.push([id, r]);
    let i = 0;
    const step = () => {
      const t0 = performance.now();
      const now = this.now();
      while (i < todo.length && (i % 32 !== 0 || performance.now() - t0 < REVEAL_MS)) {
        const [id, r] = todo[i++];
        if (this.records.get(id) === r) this.show(id, r, now);
      }
      this.schedulePaint();
      this.cancelReveal = i < todo.length ? nextFrame(step) : null;
    };
    if (todo.length) step();
  }

  /**
   * The node whose box holds a point of the drawing (a far node has no element to click).
   * @param {number} x
   * @param {number} y layout coordinates
   * @returns {string | null}
   */
  nodeAt(x, y) {
    for (const [id, r] of this.records) {
      const b = r.box;
      if (Math.abs(x - b.x) <= b.w / 2 && Math.abs(y - b.y) <= b.h / 2) return id;
    }
    return null;
  }

  /** Remove everything drawn and stop an unfinished build. */
  clear() {
    this.cancelBuild?.();
    this.cancelBuild = null;
    this.cancelReveal?.();
    this.cancelReveal = null;
    this.cancelPaint?.();
    this.cancelPaint = null;
    this.dirty.clear();
    this.building = null;
    this.pending = null;
    this.records.clear();
    this.groupRecords.clear();
    this.running.clear();
    this.base = null;
    this.tile = null;
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
    this.schedulePaint();
  }

  /**
   * Advance the durations of running nodes.
   * @param {number} now Unix seconds
   */
  tick(now) {
    for (const id of this.running) {
      const r = this.records.get(id);
      const dur = r?.shown && partsOf(r).dur;
      if (dur) setText(dur, formatDuration(elapsed(r.state?.started_at, r.state?.finished_at, now)));
    }
  }

  /**
   * Mark the node (or group) whose details are open; a far node is brought into sight for it.
   * @param {string} id `""` for none
   */
  select(id) {
    for (const el of this.stage.querySelectorAll(".dflow-selected")) el.classList.remove("dflow-selected");
    this.selected = id;
    const r = this.records.get(id);
    if (r && !r.shown) {
      this.show(id, r, this.now());
      this.schedulePaint();
    }
    this.reselect();
  }

  reselect() {
    const id = this.selected;
    if (!id) return;
    (this.records.get(id) ?? this.groupRecords.get(id))?.el.classList.add("dflow-selected");
  }

  /** Whether a node's clock ticks. */
  track(id, r) {
    if (r.kind !== "group" && r.shown && ACTIVE.has(r.phase) && r.state?.started_at != null) this.running.add(id);
    else this.running.delete(id);
  }

  /** Write one element's state: attributes, a bar width, a text node or two, a painted box. */
  apply(id, r, state, now) {
    r.state = state;
    const v = nodeView(r.entry, state);
    setAttr(r.el, "data-phase", v.phase);
    setAttr(r.el, "data-progress", v.progressText);
    if (!r.shown) {
      if (r.phase !== v.phase && r.tile) this.dirty.add(r.tile);
      r.phase = v.phase;
      return;
    }
    r.phase = v.phase;
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
 * The parts of a shown node's element that state changes touch, found on first use: a
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
