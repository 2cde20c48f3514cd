/**
 * Pan (drag), zoom (wheel, buttons) and fit: one CSS transform on the element that holds the
 * drawing, so moving the view never touches the nodes (and their paint is kept: only the
 * transform above them changed). The scale is published as a level of detail (`data-zoom`):
 * labels too small to read are hidden by CSS, and not even made for a large graph seen whole.
 */

const MIN_SCALE = 0.004;
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
 * Attach pan and zoom to `frame` (the visible area, which takes the pointer and the wheel)
 * whose content sits in `stage` (the transformed element).
 * @param {HTMLElement} frame
 * @param {HTMLElement} stage
 * @param {(t: {x: number, y: number, k: number}) => void} [onChange] after the view moved
 * @returns {PanZoom}
 */
export function panZoom(frame, stage, onChange = () => {}) {
  let x = 0;
  let y = 0;
  let k = 1;
  let drag = null;
  let moved = false;
  let pending = 0;
  // Whether the view is as the last fit left it: then a new graph is fitted again.
  let fitted = false;

  const apply = () => {
    pending = 0;
    stage.style.transform = `translate(${x.toFixed(1)}px,${y.toFixed(1)}px) scale(${k.toFixed(4)})`;
    const level = zoomLevel(k);
    if (stage.dataset.zoom !== level) stage.dataset.zoom = level;
    onChange({ x, y, k });
  };
  // Wheel and pointer events come faster than frames: write the transform once per frame.
  const schedule = () => {
    if (!pending) pending = requestAnimationFrame(apply);
  };
  const size = () => {
    const r = frame.getBoundingClientRect();
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
      frame.setPointerCapture?.(ev.pointerId);
      frame.classList.add("dflow-dragging");
    }
    x = drag.x + dx;
    y = drag.y + dy;
    fitted = false;
    schedule();
  };
  const onUp = (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    drag = null;
    frame.classList.remove("dflow-dragging");
    if (frame.hasPointerCapture?.(ev.pointerId)) frame.releasePointerCapture(ev.pointerId);
  };

  frame.addEventListener("wheel", onWheel, { passive: false });
  frame.addEventListener("pointerdown", onDown);
  frame.addEventListener("pointermove", onMove);
  frame.addEventListener("pointerup", onUp);
  frame.addEventListener("pointercancel", onUp);
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
      if (pending) cancelAnimationFrame(pending);
      frame.removeEventListener("wheel", onWheel);
      frame.removeEventListener("pointerdown", onDown);
      frame.removeEventListener("pointermove", onMove);
      frame.removeEventListener("pointerup", onUp);
      frame.removeEventListener("pointercancel", onUp);
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
  // 12px labels below half size are smaller than 6px on screen: unreadable, so not drawn.
  if (k >= 0.8) return "near";
  if (k >= 0.5) return "mid";
  return "far";
}

function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}
