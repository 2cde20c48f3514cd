/**
 * The anywidget entry: the DAG view, with the browser layout registered as a module that runs
 * in a Web Worker. The build replaces `virtual:layout-worker` with that module's bundled source.
 */
import layoutSource from "virtual:layout-worker";
import { useLayoutSource } from "./layout-client.js";
import { render } from "./dag.js";

useLayoutSource(layoutSource);

// Only the default export: anywidget takes a named `render` export for its legacy form,
// `render({ model, el })`, which this module's `render(el, model)` is not. Hosts that want the
// drawing itself import `render` from dag.js.
export default {
  /** @param {{model: import("./dag.js").ModelLike, el: HTMLElement}} ctx */
  render({ model, el }) {
    return render(el, model);
  },
};
