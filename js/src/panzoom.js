/**
 * Pan (drag), zoom (wheel, buttons) and fit for one SVG viewport group. The transform is one
 * attribute on one group, so moving the view never touches the nodes. The current scale is
 * published as a level of detail (`data-zoom` on the SVG): labels too small to read are hidden
 * by CSS, which also spares painting ten thousand texts when a large graph is fitted.
 */

const MIN_SCALE = 0.02;
const MAX_SCALE = 3;
/** Pointer travel (px) past which a press is a drag, not a click. */
const DRAG_SLOP = 4;

/**
 * @typedef {object} PanZoom
 * @property {(bounds: {x: number, y: number, w: number, h: number}) => void} fit
 * @property {(factor: number, cx?: number, cy?: number) => void} zoomBy zoom about a point of the SVG (default: its centre)
 * @property {(x: number, y: number) => void} centreOn
 * @property {() => boolean} dragged whether the last press moved the view (its click is not a click)
 * @property {() => boolean} isFitted whether the view is as the last fit left it
 * @property {() => {x: number, y: number, k: number}} get
 * @property {() => {x: number, y: number, w: number, h: number}} visible the area in sight, in content coordinates
 * @property {() => void} destroy
 */

/**
 * Attach pan and zoom to an SVG whose content sits in `viewport`.
 * @param {SVGSVGElement} svgEl
 * @param {SVGGElement} viewport
 * @param {(t: {x: number, y: number, k: number}) => void} [onChange] after the view moved
 * @returns {PanZoom}
 */
export function panZoom(svgEl, viewport, onChange = () => {}) {
  let x = 0;
  let y = 0;
  let k = 1;
  let drag = null;
  let moved = false;
  let frame = 0;
  // Whether the view is as the last fit left it: then a new graph is fitted again.
  let fitted = false;

  const apply = () => {
    frame = 0;
    viewport.setAttribute("transform", `translate(${x.toFixed(1)},${y.toFixed(1)}) scale(${k.toFixed(4)})`);
    const level = zoomLevel(k);
    if (svgEl.dataset.zoom !== level) svgEl.dataset.zoom = level;
    onChange({ x, y, k });
  };
  // Wheel and pointer events come faster than frames: write the transform once per frame.
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(apply);
  };
  const size = () => {
    const r = svgEl.getBoundingClientRect();
    return { w: r.width || 1, h: r.height || 1, left: r.left, top: r.top };
  };
  const zoomBy = (factor, cx, cy) => {
    fitted = false;
    const s = size();
    const px = cx ?? s.w / 2;
    const py = cy ?? s.h / 2;
    const nk = clamp(k * factor, MIN_SCALE, MAX_SCALE);
    // Keep the point under the cursor where it is.
    x = px - ((px - x) * nk) / k;
    y = py - ((py - y) * nk) / k;
    k = nk;
    schedule();
  };

  const onWheel = (ev) => {
    ev.preventDefault();
    const s = size();
    const delta = ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY;
    zoomBy(Math.exp(-delta * 0.0015), ev.clientX - s.left, ev.clientY - s.top);
  };
  const onDown = (ev) => {
    if (ev.button !== 0) return;
    drag = { px: ev.clientX, py: ev.clientY, x, y, id: ev.pointerId };
    moved = false;
  };
  const onMove = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const dx = ev.clientX - drag.px;
    const dy = ev.clientY - drag.py;
    if (!moved && Math.hypot(dx, dy) < DRAG_SLOP) return;
    if (!moved) {
      moved = true;
      svgEl.setPointerCapture?.(ev.pointerId);
      svgEl.classList.add("dflow-dragging");
    }
    x = drag.x + dx;
    y = drag.y + dy;
    fitted = false;
    schedule();
  };
  const onUp = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    drag = null;
    svgEl.classList.remove("dflow-dragging");
    if (svgEl.hasPointerCapture?.(ev.pointerId)) svgEl.releasePointerCapture(ev.pointerId);
  };

  svgEl.addEventListener("wheel", onWheel, { passive: false });
  svgEl.addEventListener("pointerdown", onDown);
  svgEl.addEventListener("pointermove", onMove);
  svgEl.addEventListener("pointerup", onUp);
  svgEl.addEventListener("pointercancel", onUp);
  apply();

  return {
    fit(b) {
      const s = size();
      if (b.w <= 0 || b.h <= 0) return;
      const margin = 16;
      k = clamp(Math.min((s.w - 2 * margin) / b.w, (s.h - 2 * margin) / b.h, 1), MIN_SCALE, MAX_SCALE);
      x = (s.w - b.w * k) / 2 - b.x * k;
      y = Math.max(margin, (s.h - b.h * k) / 2) - b.y * k;
      fitted = true;
      schedule();
    },
    zoomBy,
    centreOn(cx, cy) {
      const s = size();
      x = s.w / 2 - cx * k;
      y = s.h / 2 - cy * k;
      fitted = false;
      schedule();
    },
    dragged: () => moved,
    isFitted: () => fitted,
    get: () => ({ x, y, k }),
    visible() {
      const s = size();
      return { x: -x / k, y: -y / k, w: s.w / k, h: s.h / k };
    },
    destroy() {
      if (frame) cancelAnimationFrame(frame);
      svgEl.removeEventListener("wheel", onWheel);
      svgEl.removeEventListener("pointerdown", onDown);
      svgEl.removeEventListener("pointermove", onMove);
      svgEl.removeEventListener("pointerup", onUp);
      svgEl.removeEventListener("pointercancel", onUp);
    },
  };
}

/**
 * The level of detail for a scale: `near` draws everything, `mid` drops the small texts,
 * `far` keeps only the boxes' colours.
 * @param {number} k
 * @returns {"near" | "mid" | "far"}
 */
export function zoomLevel(k) {
  if (k >= 0.6) return "near";
  if (k >= 0.3) return "mid";
  return "far";
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
