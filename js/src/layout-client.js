/**
 * Where a graph's coordinates come from: Python's Graphviz layout when the graph carries one,
 * else the browser's own (`layout.js`), off the main thread when it can be.
 *
 * dagre runs in one synchronous call that cannot be cut into chunks, and takes seconds on a
 * level of thousands of linked boxes: on the main thread that would freeze the notebook. The
 * anywidget bundle therefore registers the layout as a self-contained ES module source
 * (`useLayoutSource`), which runs in a module Worker made from a Blob; only if a Worker cannot
 * be made (a strict Content-Security-Policy) does it run on the main thread. A host that
 * registers nothing (a bundler that imports `dag.js` as it is) gets `layout.js` by dynamic
 * import, on the main thread.
 */

import { unpackLayout } from "./graph.js";

/** @typedef {import("./graph.js").Graph} Graph */
/** @typedef {import("./graph.js").Layout} Layout */

/** @type {string | null} */
let layoutSource = null;

/**
 * Register the layout module's source (an ES module exporting `browserLayout` that, when run
 * as a Worker, answers `{graph}` messages with `{packed}` or `{error}`: layout-worker.js).
 * @param {string} source
 */
export function useLayoutSource(source) {
  layoutSource = source;
}

/**
 * Whether Python's layout covers every node and group of the graph.
 * @param {Graph} graph
 * @returns {boolean}
 */
export function hasGivenLayout(graph) {
  const l = graph.layout;
  if (!l || !l.nodes) return false;
  return (
    (graph.nodes ?? []).every((n) => l.nodes[n.id]) &&
    (graph.groups ?? []).every((g) => (l.groups ?? {})[g.id])
  );
}

/**
 * The layout to draw a graph with.
 * @param {Graph} graph
 * @param {AbortSignal} [signal] abort when a newer graph arrives: the Worker is ended
 * @returns {Promise<Layout>}
 */
export async function computeLayout(graph, signal) {
  if (hasGivenLayout(graph)) return /** @type {Layout} */ (graph.layout);
  // The worker needs only the structure; `layout` may be a partial one we do not use.
  const bare = { rev: graph.rev, nodes: graph.nodes, groups: graph.groups, edges: graph.edges, layout: null };
  if (layoutSource === null) {
    const mod = await import("./layout.js");
    return mod.browserLayout(bare);
  }
  const url = URL.createObjectURL(new Blob([layoutSource], { type: "text/javascript" }));
  try {
    return await inWorker(url, bare, signal);
  } catch (err) {
    if (signal?.aborted || !(err instanceof WorkerUnavailable)) throw err;
    const mod = await import(/* webpackIgnore: true */ url);
    return mod.browserLayout(bare);
  } finally {
    // A Worker fetches its script when made; the module import has finished by now.
    URL.revokeObjectURL(url);
  }
}

class WorkerUnavailable extends Error {}

function inWorker(url, graph, signal) {
  return new Promise((resolve, reject) => {
    let worker;
    try {
      worker = new Worker(url, { type: "module", name: "dflow-layout" });
    } catch (err) {
      reject(new WorkerUnavailable(String(err)));
      return;
    }
    const done = () => {
      worker.terminate();
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(new DOMException("layout superseded", "AbortError"));
    };
    signal?.addEventListener("abort", onAbort);
    worker.onmessage = (ev) => {
      done();
      if (ev.data?.error) reject(new Error(`browser layout failed: ${ev.data.error}`));
      else resolve(unpackLayout(graph, ev.data.packed));
    };
    // A script that never loads (blocked by policy) surfaces here, not in the constructor.
    worker.onerror = (ev) => {
      done();
      ev.preventDefault?.();
      reject(new WorkerUnavailable(ev.message || "worker failed to start"));
    };
    worker.postMessage({ graph });
  });
}
