import { test } from "node:test";
import assert from "node:assert/strict";
import { elapsed, formatDuration, formatSize, fraction, parseProgress, truncate } from "../../src/format.js";

test("durations read as people write them", () => {
  assert.equal(formatDuration(null), "");
  assert.equal(formatDuration(0), "0.0s");
  assert.equal(formatDuration(0.46), "0.4s");
  assert.equal(formatDuration(9.99), "9.9s");
  assert.equal(formatDuration(12.7), "12s");
  assert.equal(formatDuration(65), "1m 05s");
  assert.equal(formatDuration(3600 + 180), "1h 03m");
  assert.equal(formatDuration(3 * 86400 + 4 * 3600), "3d 04h");
  assert.equal(formatDuration(-5), "0.0s");
  assert.equal(formatDuration(NaN), "");
});

test("elapsed runs to now until finished, never negative", () => {
  assert.equal(elapsed(null, null, 100), null);
  assert.equal(elapsed(90, null, 100), 10);
  assert.equal(elapsed(90, 95, 100), 5);
  assert.equal(elapsed(110, null, 100), 0);
});

test("sizes in binary units", () => {
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(1536), "1.5 KiB");
  assert.equal(formatSize(50 * 1024 * 1024), "50 MiB");
  assert.equal(formatSize(undefined), "");
});

test("progress strings parse or are refused", () => {
  assert.deepEqual(parseProgress("3/10"), { done: 3, total: 10 });
  assert.deepEqual(parseProgress(" 0 / 0 "), { done: 0, total: 0 });
  assert.equal(parseProgress("3 of 10"), null);
  assert.equal(parseProgress(null), null);
  assert.equal(fraction({ done: 3, total: 10 }), 0.3);
  assert.equal(fraction({ done: 5, total: 0 }), 0);
  assert.equal(fraction({ done: 12, total: 10 }), 1);
});

test("labels are cut with an ellipsis", () => {
  assert.equal(truncate("short", 10), "short");
  assert.equal(truncate("a-long-label", 6), "a-lon…");
  assert.equal(truncate(null, 3), "");
});
