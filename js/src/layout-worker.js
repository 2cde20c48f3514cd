/**
 * The browser layout as one self-contained module: imported on the main thread it exports
 * `browserLayout`; run as a Worker it answers `{graph}` with `{layout}` or `{error}`.
 * The build bundles it (with dagre) into a string that `widget.js` registers.
 */
import { browserLayout } from "./layout.js";

export { browserLayout };

// `WorkerGlobalScope` exists only inside workers: on the main thread this module only exports.
if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.onmessage = (ev) => {
    try {
      self.postMessage({ layout: browserLayout(ev.data.graph) });
    } catch (err) {
      self.postMessage({ error: String(err?.stack ?? err) });
    }
  };
}
