/** Text for durations, sizes and progress: pure functions, shared by every view. */

/**
 * A duration as people read it: `0.4s`, `12s`, `1m 05s`, `2h 03m`, `3d 04h`.
 * @param {number | null | undefined} seconds
 * @returns {string} `""` when the duration is unknown
 */
export function formatDuration(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, seconds);
  if (s < 10) return `${(Math.floor(s * 10) / 10).toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  const pad = (n) => String(n).padStart(2, "0");
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${pad(Math.floor(s % 60))}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${pad(m % 60)}m`;
  return `${Math.floor(h / 24)}d ${pad(h % 24)}h`;
}

/**
 * Seconds between a start and a finish, or until `now` for what still runs.
 * @param {number | null | undefined} started Unix seconds
 * @param {number | null | undefined} finished Unix seconds
 * @param {number} now Unix seconds
 * @returns {number | null}
 */
export function elapsed(started, finished, now) {
  if (started == null) return null;
  // Clocks of the kernel and the browser may differ a little: never show a negative time.
  return Math.max(0, (finished ?? now) - started);
}

/**
 * A byte count in binary units: `512 B`, `1.5 KiB`, `3.2 MiB`.
 * @param {number | null | undefined} bytes
 * @returns {string}
 */
export function formatSize(bytes) {
  if (bytes == null || !Number.isFinite(bytes)) return "";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return i === 0 ? `${v} B` : `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/**
 * Parse Argo's progress string.
 * @param {string | null | undefined} text `"d/t"`
 * @returns {{done: number, total: number} | null} null when absent or malformed
 */
export function parseProgress(text) {
  if (typeof text !== "string") return null;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return null;
  return { done: Number(m[1]), total: Number(m[2]) };
}

/**
 * The fraction done, clamped to [0, 1]; 0 for an empty total.
 * @param {{done: number, total: number} | null} p
 * @returns {number}
 */
export function fraction(p) {
  if (!p || p.total <= 0) return 0;
  return Math.min(1, Math.max(0, p.done / p.total));
}

/**
 * Cut a label to about `max` characters with an ellipsis. Measuring text in the DOM for ten
 * thousand nodes costs a layout each; a character budget is close enough for a box label.
 * @param {string} text
 * @param {number} max
 * @returns {string}
 */
export function truncate(text, max) {
  const s = String(text ?? "");
  if (s.length <= max) return s;
  return max <= 1 ? "…" : `${s.slice(0, max - 1)}…`;
}
