import { test } from "node:test";
import assert from "node:assert/strict";
import { NodeStore, countsProgress, nodeView } from "../../src/state.js";

test("a delta merges field by field and reports only real changes", () => {
  const s = new NodeStore();
  const all = s.replace({ a: { phase: "Pending" }, b: { phase: "Running", started_at: 1 } });
  assert.deepEqual([...all].sort(), ["a", "b"]);
  assert.deepEqual(s.merge({ b: { phase: "Running" } }), []); // nothing new
  assert.deepEqual(s.merge({ b: { phase: "Succeeded", finished_at: 5 } }), ["b"]);
  assert.deepEqual(s.get("b"), { phase: "Succeeded", started_at: 1, finished_at: 5 });
  assert.deepEqual(s.merge({ c: { phase: "Pending" } }), ["c"]);
});

test("counts compare by value: a new dict with the same numbers is no change", () => {
  const s = new NodeStore();
  s.replace({ f: { phase: "Running", counts: { Succeeded: 1, Running: 2 } } });
  assert.deepEqual(s.merge({ f: { counts: { Running: 2, Succeeded: 1 } } }), []);
  assert.deepEqual(s.merge({ f: { counts: { Running: 1, Succeeded: 2 } } }), ["f"]);
});

test("a whole state forgets nodes it does not name", () => {
  const s = new NodeStore();
  s.replace({ a: { phase: "Running" } });
  const changed = s.replace({ b: { phase: "Pending" } });
  assert.deepEqual([...changed].sort(), ["a", "b"]);
  assert.equal(s.get("a"), undefined);
});

test("progress of a group or fan-out is finished over all children", () => {
  assert.deepEqual(countsProgress({ Succeeded: 3, Failed: 1, Skipped: 1, Running: 2, Pending: 3 }), { done: 5, total: 10 });
  assert.equal(countsProgress({}), null);
  assert.equal(countsProgress(null), null);
});

test("what a node shows: its own progress first, then its counts, planned without state", () => {
  assert.deepEqual(nodeView({ type: "Planned" }, undefined), { phase: "Planned", progress: null, progressText: "" });
  assert.deepEqual(nodeView({ type: "Pod" }, undefined).phase, "Pending");
  assert.equal(nodeView({ type: "Pod" }, { phase: "Running", progress: "2/5" }).progressText, "2/5");
  const fan = nodeView({ type: "Fanout" }, { phase: "Running", progress: null, counts: { Succeeded: 4, Running: 4 } });
  assert.equal(fan.progressText, "4/8");
});
