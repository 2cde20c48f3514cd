/**
 * The browser layout as one self-contained module: imported on the main thread it exports
 * `browserLayout`; run as a Worker it answers `{graph}` with `{packed}` (see `packLayout`) or
 * `{error}`.
 * The build bundles it (with dagre) into a string that `widget.js` registers.
 */
import { browserLayout } from "./layout.js";
import { packLayout } from "./graph.js";

export { browserLayout };

// `WorkerGlobalScope` exists only inside workers: on the main thread this module only exports.
if (typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope) {
  self.onmessage = (ev) => {
    try {
      const graph = ev.data.graph;
      const packed = packLayout(graph, browserLayout(graph));
      self.postMessage({ packed }, [packed.nodes.buffer, packed.groups.buffer]);
    } catch (err) {
      self.postMessage({ error: String(err?.stack ?? err) });
    }
  };
}
