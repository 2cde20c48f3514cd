/**
 * Phases as the status model spells them (Argo's NodePhase), plus `Planned` for a step of a
 * workflow not yet submitted. One list, so the header, the drawing and the CSS agree.
 */

/** Every phase the widget knows, in the order the header shows them. */
export const PHASES = Object.freeze([
  "Planned",
  "Pending",
  "Running",
  "Succeeded",
  "Failed",
  "Error",
  "Skipped",
  "Omitted",
]);

/**
 * One symbol per phase, so counts read without colour too (fan-out summaries; the header's
 * chips take the same symbols from styles.css).
 */
export const PHASE_SYMBOL = Object.freeze({
  Planned: "◦",
  Pending: "…",
  Running: "▶",
  Succeeded: "✓",
  Failed: "✗",
  Error: "!",
  Skipped: "↷",
  Omitted: "○",
});

/** Phases after which a node never changes again (progress counts them as done). */
export const FINISHED = new Set(["Succeeded", "Failed", "Error", "Skipped", "Omitted"]);

/** Phases that ended badly: a step in one of them can be retried. */
export const FAILED = new Set(["Failed", "Error"]);

/** Phases whose duration still grows, so the clock ticks for them. */
export const ACTIVE = new Set(["Running"]);

/**
 * The phase of a node that has no state yet: a planned step stays planned, anything else waits.
 * @param {string} type the node's type from the graph
 * @returns {string}
 */
export function defaultPhase(type) {
  return type === "Planned" ? "Planned" : "Pending";
}
