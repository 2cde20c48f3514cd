/** Small DOM helpers shared by the views. */

export const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * An SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/**
 * An HTML element with attributes and children (strings become text nodes, never HTML).
 * @param {string} tag
 * @param {Record<string, string | number | boolean | Function>} [attrs] `on<event>` keys add listeners
 * @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

/**
 * Set a text node's value only when it changed: a write of the same text still dirties layout.
 * @param {Node} node
 * @param {string} text
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * Set an attribute only when it changed.
 * @param {Element} el
 * @param {string} name
 * @param {string} value
 */
export function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

/**
 * Run `fn` on the next frame, or soon when the page is hidden (frames stop in hidden tabs,
 * and a widget drawn in a background tab must still finish).
 * @param {() => void} fn
 * @returns {() => void} cancels
 */
export function nextFrame(fn) {
  if (typeof document !== "undefined" && document.hidden) {
    const t = setTimeout(fn, 0);
    return () => clearTimeout(t);
  }
  const r = requestAnimationFrame(fn);
  return () => cancelAnimationFrame(r);
}
