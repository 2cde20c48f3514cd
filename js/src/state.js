/**
 * Node state as the browser holds it: merged from `state` and `delta` messages, never derived
 * from the DOM. The drawing asks this store what a node looks like; the store answers in plain
 * values (phase, progress, counts) so it can be tested without a browser.
 */
import { FINISHED, defaultPhase } from "./phases.js";
import { parseProgress } from "./format.js";

/**
 * @typedef {object} NodeState
 * @property {string} phase
 * @property {string | null} [progress] `"d/t"`
 * @property {number | null} [started_at] Unix seconds
 * @property {number | null} [finished_at] Unix seconds
 * @property {string | null} [message]
 * @property {Record<string, number> | null} [counts] per phase, on fan-out nodes and groups
 */

/**
 * Finished and total items of a counts-per-phase map.
 * @param {Record<string, number> | null | undefined} counts
 * @returns {{done: number, total: number} | null}
 */
export function countsProgress(counts) {
  if (!counts) return null;
  let done = 0;
  let total = 0;
  for (const [phase, n] of Object.entries(counts)) {
    const k = Number(n) || 0;
    total += k;
    if (FINISHED.has(phase)) done += k;
  }
  return total > 0 ? { done, total } : null;
}

/**
 * What a node's box shows, from its graph entry and its state (if any).
 * Progress comes from the state's own `progress` when given, else from `counts`
 * (a group or fan-out: finished children over all children).
 * @param {{type: string}} node the graph entry
 * @param {NodeState | undefined} state
 * @returns {{phase: string, progress: {done: number, total: number} | null, progressText: string}}
 */
export function nodeView(node, state) {
  const phase = state?.phase || defaultPhase(node.type);
  const progress = parseProgress(state?.progress) ?? countsProgress(state?.counts);
  return { phase, progress, progressText: progress ? `${progress.done}/${progress.total}` : "" };
}

/** Holds the latest NodeState of every node, keyed by node id. */
export class NodeStore {
  constructor() {
    /** @type {Map<string, NodeState>} */
    this.states = new Map();
  }

  /**
   * Take a whole state (the answer to `hello`): what is not in it is forgotten.
   * @param {Record<string, NodeState>} nodes
   * @returns {Set<string>} the ids whose state is new, changed or gone
   */
  replace(nodes) {
    const changed = new Set(this.states.keys());
    this.states.clear();
    for (const [id, st] of Object.entries(nodes ?? {})) {
      this.states.set(id, { ...st });
      changed.add(id);
    }
    return changed;
  }

  /**
   * Merge a delta: each node's fields replace the held ones; fields not sent are kept, so a
   * delta may carry only what changed.
   * @param {Record<string, Partial<NodeState>>} nodes
   * @returns {string[]} the ids that changed
   */
  merge(nodes) {
    const changed = [];
    for (const [id, st] of Object.entries(nodes ?? {})) {
      const old = this.states.get(id);
      const next = old ? { ...old, ...st } : { ...st };
      if (old && sameState(old, next)) continue;
      this.states.set(id, /** @type {NodeState} */ (next));
      changed.push(id);
    }
    return changed;
  }

  /**
   * @param {string} id
   * @returns {NodeState | undefined}
   */
  get(id) {
    return this.states.get(id);
  }
}

/** Shallow equality of two states, `counts` compared by value (Python sends new dicts). */
function sameState(a, b) {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k === "counts") {
      if (!sameCounts(a.counts, b.counts)) return false;
    } else if (a[k] !== b[k]) return false;
  }
  return true;
}

function sameCounts(a, b) {
  if (a === b) return true;
  if (!a || !b) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
