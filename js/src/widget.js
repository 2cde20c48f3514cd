/**
 * The anywidget entry: the DAG view. Python lays the graph out, so the browser only draws.
 *
 * The stylesheet is added to the page here, once, rather than as anywidget's `_css`: anywidget
 * sets that stylesheet's text again for every widget it loads, and a changed stylesheet makes
 * the browser restyle every element it may apply to, the ten thousand nodes of a widget drawn
 * earlier in the notebook included (a second of work for each new widget).
 */
import css from "virtual:styles";
import { render } from "./dag.js";

const STYLE_ID = "dflow-widget-styles";

function addStyles() {
  if (typeof document === "undefined") return;
  let el = document.getElementById(STYLE_ID);
  if (el?.textContent === css) return;
  if (!el) {
    el = document.createElement("style");
    el.id = STYLE_ID;
    document.head.append(el);
  }
  el.textContent = css;
}

// Only the default export: anywidget takes a named `render` export for its legacy form,
// `render({ model, el })`, which this module's `render(el, model)` is not. Hosts that want the
// drawing itself import `render` from dag.js (and the stylesheet from styles.css).
export default {
  /** @param {{model: import("./dag.js").ModelLike, el: HTMLElement}} ctx */
  render({ model, el }) {
    addStyles();
    return render(el, model);
  },
};
