/**
 * The header: the workflow's name and phase, counts per phase, elapsed time, an overall
 * progress bar and the toolbar (view toggle, zoom, fit, terminate).
 */
import { h, setText, setAttr } from "./dom.js";
import { elapsed, formatDuration, fraction, parseProgress } from "./format.js";
import { PHASES } from "./phases.js";

/**
 * @typedef {object} Summary
 * @property {string} [phase]
 * @property {Record<string, number>} [counts]
 * @property {string | null} [progress] `"d/t"`
 * @property {number | null} [started_at]
 * @property {number | null} [finished_at]
 * @property {string | null} [message]
 */

/**
 * The workflow's phase to show: what Python says, else `Planned` before submission.
 * @param {Summary | null | undefined} summary
 * @param {string} workflowId
 * @returns {string}
 */
export function workflowPhase(summary, workflowId) {
  if (summary?.phase) return summary.phase;
  return workflowId ? "Pending" : "Planned";
}

export class Header {
  /**
   * @param {{onView: (view: "dag" | "timeline") => void, onZoom: (factor: number) => void,
   *          onFit: () => void, onTerminate: () => void}} actions
   */
  constructor(actions) {
    this.summary = /** @type {Summary} */ ({});
    this.name = h("span", { class: "dflow-title" });
    this.phase = h("span", { class: "dflow-phase", "data-phase": "" });
    this.counts = h("span", { class: "dflow-counts" });
    /** @type {Map<string, HTMLElement>} */
    this.countEls = new Map();
    for (const p of PHASES) this.countEl(p);
    this.elapsed = h("span", { class: "dflow-elapsed", title: "elapsed" });
    this.bar = h("div", { class: "dflow-progress-bar" });
    this.progressText = h("span", { class: "dflow-progress-text" });
    this.progress = h("div", { class: "dflow-progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }, [
      this.bar,
      this.progressText,
    ]);
    const button = (label, title, onclick, cls = "") =>
      h("button", { type: "button", class: `dflow-btn ${cls}`, title, "aria-label": title, onclick }, [label]);
    this.viewButtons = {
      dag: button("DAG", "Show the graph", () => actions.onView("dag"), "dflow-view-dag dflow-on"),
      timeline: button("Timeline", "Show the timeline", () => actions.onView("timeline"), "dflow-view-timeline"),
    };
    this.terminate = button("Terminate", "Terminate the workflow", () => actions.onTerminate(), "dflow-terminate");
    this.message = h("div", { class: "dflow-message" });
    this.el = h("div", { class: "dflow-header" }, [
      h("div", { class: "dflow-header-row" }, [
        this.name,
        this.phase,
        this.counts,
        h("span", { class: "dflow-spacer" }),
        this.elapsed,
      ]),
      h("div", { class: "dflow-header-row" }, [
        this.progress,
        h("span", { class: "dflow-toolbar" }, [
          this.viewButtons.dag,
          this.viewButtons.timeline,
          button("−", "Zoom out", () => actions.onZoom(1 / 1.25), "dflow-zoom-out"),
          button("+", "Zoom in", () => actions.onZoom(1.25), "dflow-zoom-in"),
          button("Fit", "Fit the graph in view", () => actions.onFit(), "dflow-fit"),
          this.terminate,
        ]),
      ]),
      this.message,
    ]);
  }

  countEl(phase) {
    let el = this.countEls.get(phase);
    if (!el) {
      el = h("span", { class: "dflow-count-chip dflow-zero", "data-count-phase": phase, title: phase }, ["0"]);
      this.countEls.set(phase, el);
      this.counts.append(el);
    }
    return el;
  }

  /**
   * @param {string} name
   * @param {string} id
   */
  setName(name, id) {
    setText(this.name, name || "workflow");
    setAttr(this.name, "title", id ? `${name} (${id})` : `${name} (not submitted)`);
  }

  /**
   * @param {Summary} summary
   * @param {string} phase the workflow phase to show
   * @param {number} now Unix seconds
   */
  setSummary(summary, phase, now) {
    this.summary = summary ?? {};
    setText(this.phase, phase);
    setAttr(this.phase, "data-phase", phase);
    const counts = this.summary.counts ?? {};
    for (const p of new Set([...this.countEls.keys(), ...Object.keys(counts)])) {
      const n = Number(counts[p] ?? 0);
      const el = this.countEl(p);
      setText(el, String(n));
      el.classList.toggle("dflow-zero", n === 0);
    }
    const prog = parseProgress(this.summary.progress);
    const pct = Math.round(fraction(prog) * 1000) / 10;
    this.bar.style.width = `${pct}%`;
    setText(this.progressText, prog ? `${prog.done}/${prog.total}` : "");
    setAttr(this.progress, "aria-valuenow", String(pct));
    setAttr(this.progress, "data-progress", prog ? `${prog.done}/${prog.total}` : "");
    setText(this.message, this.summary.message ?? "");
    this.terminate.disabled = !(phase === "Running" || phase === "Pending");
    this.tick(now);
  }

  /** @param {number} now Unix seconds */
  tick(now) {
    const s = this.summary;
    setText(this.elapsed, formatDuration(elapsed(s.started_at, s.finished_at, now)));
  }

  /** @param {"dag" | "timeline"} view */
  setView(view) {
    this.viewButtons.dag.classList.toggle("dflow-on", view === "dag");
    this.viewButtons.timeline.classList.toggle("dflow-on", view === "timeline");
  }
}
