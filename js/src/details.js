/**
 * The side panel of one step: what went in and came out (parameters; artifacts with a preview
 * button each), its log tail (growing while it runs), its error and traceback, and the actions
 * that make sense for it (retry a failed step, copy the replay command).
 */
import { h, setText } from "./dom.js";
import { elapsed, formatDuration, formatSize } from "./format.js";
import { renderPreview } from "./preview.js";
import { FAILED } from "./phases.js";

/** The log shown is a tail: beyond this many characters the oldest are dropped. */
export const LOG_LIMIT = 64 * 1024;

/**
 * @typedef {object} DetailsActions
 * @property {() => void} onClose
 * @property {(side: "inputs" | "outputs", artifact: string, path: string | null) => void} onPreview
 * @property {(id: string) => void} onRetry
 * @property {(text: string | null) => void} onCopyReplay `text`: the command when details carried it
 */

export class DetailsPanel {
  /** @param {DetailsActions} actions */
  constructor(actions) {
    this.actions = actions;
    this.id = "";
    /** @type {any} */
    this.details = null;
    this.el = h("aside", { class: "dflow-details", hidden: true, "aria-label": "step details" });
  }

  /**
   * Open the panel on a node while its details are on their way.
   * @param {string} id
   * @param {string} label
   */
  open(id, label) {
    this.id = id;
    this.details = null;
    this.el.hidden = false;
    this.el.dataset.nodeId = id;
    this.el.replaceChildren(
      this.top(label, ""),
      h("div", { class: "dflow-loading" }, ["Loading…"]),
      this.logSection("", false),
    );
  }

  close() {
    this.id = "";
    this.details = null;
    this.el.hidden = true;
    delete this.el.dataset.nodeId;
    this.el.replaceChildren();
  }

  /**
   * Show a `details` answer (ignored unless it is for the open node).
   * @param {any} d
   * @param {number} now Unix seconds
   */
  setDetails(d, now) {
    if (d.id !== this.id) return;
    this.details = d;
    const parts = [this.top(d.display || d.name || d.id, d.phase)];
    const facts = [
      ["type", d.type],
      ["key", d.key],
      ["template", d.template],
      ["started", stamp(d.started_at)],
      ["finished", stamp(d.finished_at)],
    ].filter(([, v]) => v);
    this.duration = h("dd", { class: "dflow-duration" }, [
      formatDuration(d.duration ?? elapsed(d.started_at, d.finished_at, now)),
    ]);
    parts.push(
      h("dl", { class: "dflow-facts" }, [
        ...facts.flatMap(([k, v]) => [h("dt", {}, [k]), h("dd", {}, [String(v)])]),
        h("dt", {}, ["duration"]),
        this.duration,
      ]),
    );
    if (d.message) parts.push(h("div", { class: "dflow-msg" }, [d.message]));
    const buttons = [];
    if (FAILED.has(d.phase)) {
      buttons.push(
        h("button", { type: "button", class: "dflow-btn dflow-retry", title: "Resubmit, reusing the steps that succeeded", onclick: () => this.actions.onRetry(d.id) }, ["Retry"]),
      );
    }
    if (d.replay || FAILED.has(d.phase)) {
      buttons.push(
        h("button", { type: "button", class: "dflow-btn dflow-copy-replay", title: "Copy the %dflow replay command (opens the debugger at the failure)", onclick: () => this.actions.onCopyReplay(d.replay ?? null) }, ["Copy replay command"]),
      );
    }
    if (buttons.length) parts.push(h("div", { class: "dflow-actions" }, buttons));
    this.copySlot = h("div", { class: "dflow-copy-slot" });
    parts.push(this.copySlot);
    if (d.error || d.traceback) {
      parts.push(h("h4", {}, ["Error"]));
      if (d.error) parts.push(h("div", { class: "dflow-error" }, [d.error]));
      if (d.traceback) parts.push(h("pre", { class: "dflow-traceback" }, [d.traceback]));
    }
    parts.push(this.io("Inputs", "inputs", d.inputs), this.io("Outputs", "outputs", d.outputs));
    parts.push(this.logSection(d.log ?? "", Boolean(d.log_truncated)));
    this.previewSlot = h("div", { class: "dflow-preview-slot" });
    parts.push(this.previewSlot);
    this.el.replaceChildren(...parts);
  }

  /**
   * Append to (or, with `reset`, replace) the log of the open node.
   * @param {string} id
   * @param {string} text
   * @param {boolean} reset
   */
  appendLog(id, text, reset) {
    if (id !== this.id || !this.log) return;
    const pre = this.log;
    // Follow the tail only if the reader was already at the bottom.
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    const next = (reset ? "" : pre.textContent) + text;
    pre.textContent = next.length > LOG_LIMIT ? next.slice(next.length - LOG_LIMIT) : next;
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  /**
   * Show a preview answer.
   * @param {any} answer
   * @param {{side: string, artifact: string, path: string | null}} req what was asked
   */
  setPreview(answer, req) {
    if (!this.previewSlot) return;
    const title = `${req.side}/${req.artifact}${req.path ? `/${req.path}` : ""}`;
    const el = renderPreview(answer, { title, onOpen: (path) => this.actions.onPreview(req.side, req.artifact, path) });
    this.previewSlot.replaceChildren(el);
    // The preview sits below inputs, outputs and log: bring it into sight.
    el.scrollIntoView?.({ block: "nearest" });
  }

  /** Show that a preview is on its way. */
  previewLoading(title) {
    this.previewSlot?.replaceChildren(h("div", { class: "dflow-loading" }, [`Loading preview of ${title}…`]));
  }

  /**
   * Offer text to copy by hand when the clipboard refused it.
   * @param {string} text
   */
  showCopyField(text) {
    const field = h("input", { class: "dflow-copy-field", readonly: true, value: text, "aria-label": "replay command" });
    this.copySlot?.replaceChildren(h("div", { class: "dflow-note" }, ["Copy this command:"]), field);
    /** @type {HTMLInputElement} */ (field).select();
  }

  /** @param {number} now Unix seconds */
  tick(now) {
    const d = this.details;
    if (d && d.finished_at == null && d.started_at != null && this.duration) {
      setText(this.duration, formatDuration(elapsed(d.started_at, null, now)));
    }
  }

  top(label, phase) {
    return h("div", { class: "dflow-details-top" }, [
      h("span", { class: "dflow-details-name", title: this.id }, [label]),
      phase ? h("span", { class: "dflow-phase", "data-phase": phase }, [phase]) : null,
      h("button", { type: "button", class: "dflow-btn dflow-close", title: "Close", "aria-label": "Close", onclick: () => this.actions.onClose() }, ["×"]),
    ]);
  }

  logSection(text, truncated) {
    this.log = h("pre", { class: "dflow-log" }, [text]);
    return h("div", { class: "dflow-log-section" }, [
      h("h4", {}, [truncated ? "Log (tail)" : "Log"]),
      this.log,
    ]);
  }

  io(title, side, io) {
    const params = io?.parameters ?? [];
    const arts = io?.artifacts ?? [];
    if (!params.length && !arts.length) return h("div", { class: `dflow-io dflow-${side}` }, [h("h4", {}, [title]), h("div", { class: "dflow-note" }, ["none"])]);
    const rows = [
      ...params.map((p) =>
        h("tr", { class: "dflow-param" }, [h("th", {}, [p.name]), h("td", { colspan: 2 }, [h("code", {}, [showValue(p.value)])])]),
      ),
      ...arts.map((a) =>
        h("tr", { class: "dflow-artifact", "data-artifact": a.name }, [
          h("th", {}, [a.name]),
          h("td", { class: "dflow-size" }, [
            [a.size != null ? formatSize(a.size) : "", a.files != null ? `${a.files} file${a.files === 1 ? "" : "s"}` : ""].filter(Boolean).join(", "),
          ]),
          h("td", {}, [
            h("button", { type: "button", class: "dflow-btn dflow-preview-btn", title: `Preview ${a.name}`, onclick: () => this.actions.onPreview(side, a.name, null) }, ["preview"]),
          ]),
        ]),
      ),
    ];
    return h("div", { class: `dflow-io dflow-${side}` }, [h("h4", {}, [title]), h("table", {}, [h("tbody", {}, rows)])]);
  }
}

/** A parameter value as text: strings as they are, the rest as JSON; long values cut. */
function showValue(v) {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s && s.length > 2000 ? `${s.slice(0, 2000)}…` : s ?? "";
}

function stamp(t) {
  if (t == null) return "";
  return new Date(t * 1000).toLocaleString();
}
