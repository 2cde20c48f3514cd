/**
 * An artifact's preview, as Python answers a `preview` request: text, an image, a table or a
 * directory listing, or the reason there is none. Everything arrives as data and is shown as
 * text or as an image from a data URL: nothing from an artifact is ever parsed as HTML.
 */
import { h } from "./dom.js";
import { formatSize } from "./format.js";

/** Image types a data URL may carry; anything else is refused rather than trusted. */
const IMAGE_MIMES = new Set(["image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"]);

/**
 * @typedef {object} PreviewAnswer
 * @property {boolean} ok
 * @property {string | null} [reason]
 * @property {"text" | "image" | "table" | "listing"} [type]
 * @property {string} [mime]
 * @property {string} [text]
 * @property {string} [data_b64]
 * @property {string[]} [columns]
 * @property {unknown[][]} [rows]
 * @property {number} [total_rows]
 * @property {{path: string, size: number | null, dir: boolean}[]} [entries]
 * @property {boolean} [truncated]
 */

/**
 * Render a preview answer.
 * @param {PreviewAnswer} answer
 * @param {{title?: string, onOpen?: (path: string) => void}} [opts] `onOpen`: preview one entry of a listing
 * @returns {HTMLElement} a `.dflow-preview` element
 */
export function renderPreview(answer, opts = {}) {
  const el = h("div", { class: "dflow-preview", "data-preview-type": answer.ok ? answer.type ?? "" : "error" });
  if (opts.title) el.append(h("div", { class: "dflow-preview-title" }, [opts.title]));
  if (!answer.ok) {
    el.append(h("div", { class: "dflow-preview-error" }, [`No preview: ${answer.reason || "unknown reason"}`]));
    return el;
  }
  switch (answer.type) {
    case "text":
      el.append(h("pre", { class: "dflow-preview-text" }, [answer.text ?? ""]));
      break;
    case "image": {
      const mime = String(answer.mime ?? "").toLowerCase();
      if (!IMAGE_MIMES.has(mime)) {
        el.append(h("div", { class: "dflow-preview-error" }, [`No preview: not an image type (${mime || "none"})`]));
        break;
      }
      // An <img> from a data URL does not run scripts, even in an SVG.
      el.append(h("img", { class: "dflow-preview-image", alt: opts.title ?? "preview", src: `data:${mime};base64,${answer.data_b64 ?? ""}` }));
      break;
    }
    case "table":
      el.append(table(answer));
      break;
    case "listing":
      el.append(listing(answer, opts.onOpen));
      break;
    default:
      el.append(h("div", { class: "dflow-preview-error" }, [`No preview: unknown type ${String(answer.type)}`]));
  }
  if (answer.truncated) el.append(h("div", { class: "dflow-preview-note" }, ["(truncated)"]));
  return el;
}

function table(answer) {
  const cols = answer.columns ?? [];
  const rows = answer.rows ?? [];
  const t = h("table", { class: "dflow-preview-table" }, [
    h("thead", {}, [h("tr", {}, cols.map((c) => h("th", {}, [String(c)])))]),
    h("tbody", {}, rows.map((r) => h("tr", {}, r.map((v) => h("td", {}, [cell(v)]))))),
  ]);
  const wrap = h("div", { class: "dflow-preview-tablewrap" }, [t]);
  if (answer.total_rows != null && answer.total_rows > rows.length) {
    wrap.append(h("div", { class: "dflow-preview-note" }, [`${rows.length} of ${answer.total_rows} rows`]));
  }
  return wrap;
}

function cell(v) {
  if (v === null || v === undefined) return "";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function listing(answer, onOpen) {
  const entries = answer.entries ?? [];
  return h(
    "ul",
    { class: "dflow-preview-listing" },
    entries.map((e) => {
      const name = e.dir ? `${e.path}/` : e.path;
      const label = onOpen && !e.dir
        ? h("button", { type: "button", class: "dflow-link", title: `Preview ${e.path}`, onclick: () => onOpen(e.path) }, [name])
        : h("span", {}, [name]);
      return h("li", { "data-dir": e.dir ? "true" : "false" }, [label, e.size != null ? h("span", { class: "dflow-size" }, [formatSize(e.size)]) : null]);
    }),
  );
}
