import { test } from "node:test";
import assert from "node:assert/strict";
import { SIZES, browserLayout, dagreOptions, packRows } from "../../src/layout.js";
import { hasGivenLayout } from "../../src/layout-client.js";
import { boundsOf } from "../../src/markup.js";
import { makeWorkflow } from "../fixtures/workflows.js";

const inside = (inner, outer) =>
  inner.x - inner.w / 2 >= outer.x - outer.w / 2 - 0.01 &&
  inner.x + inner.w / 2 <= outer.x + outer.w / 2 + 0.01 &&
  inner.y - inner.h / 2 >= outer.y - outer.h / 2 - 0.01 &&
  inner.y + inner.h / 2 <= outer.y + outer.h / 2 + 0.01;

const overlap = (a, b) =>
  Math.abs(a.x - b.x) < (a.w + b.w) / 2 - 0.01 && Math.abs(a.y - b.y) < (a.h + b.h) / 2 - 0.01;

test("every node and group gets a box, inside its group's box", () => {
  const { graph } = makeWorkflow({ size: 120, stages: 2 });
  const l = browserLayout(graph);
  for (const n of graph.nodes) {
    assert.ok(l.nodes[n.id], n.id);
    assert.ok(inside(l.nodes[n.id], l.groups[n.group]), `${n.id} in ${n.group}`);
  }
  for (const g of graph.groups) if (g.group) assert.ok(inside(l.groups[g.id], l.groups[g.group]), g.id);
  const b = boundsOf(l);
  assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= l.width + 0.01 && b.y + b.h <= l.height + 0.01);
});

test("members of one group do not overlap", () => {
  const { graph } = makeWorkflow({ size: 120, stages: 2 });
  const l = browserLayout(graph);
  const byGroup = new Map();
  for (const n of graph.nodes) byGroup.set(n.group, [...(byGroup.get(n.group) ?? []), l.nodes[n.id]]);
  for (const boxes of byGroup.values()) {
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) assert.ok(!overlap(boxes[i], boxes[j]));
  }
});

test("an edge runs downwards: a step sits below what it waits for", () => {
  const graph = {
    rev: 1,
    groups: [],
    nodes: ["a", "b", "c"].map((id) => ({ id, label: id, type: "Pod", group: null })),
    edges: [["a", "b"], ["b", "c"]],
  };
  const l = browserLayout(graph);
  assert.ok(l.nodes.a.y < l.nodes.b.y && l.nodes.b.y < l.nodes.c.y);
  assert.equal(l.nodes.a.w, SIZES.nodeW);
});

test("a fan-out's items are packed in rows, not one endless rank", () => {
  const { graph } = makeWorkflow({ size: 1000, stages: 1 });
  const l = browserLayout(graph);
  const items = graph.nodes.filter((n) => n.group === "wf.stage-0.scan").map((n) => l.nodes[n.id]);
  const rows = new Set(items.map((b) => Math.round(b.y)));
  assert.ok(rows.size > 10, `${rows.size} rows`);
  assert.ok(l.width < 20 * l.height, `${l.width} x ${l.height}`);
});

test("large levels switch dagre to its linear-time steps", () => {
  assert.equal(dagreOptions(10).graph.ranker, "network-simplex");
  assert.equal(dagreOptions(5000).graph.ranker, "longest-path");
  assert.equal(dagreOptions(5000).layout.disableOptimalOrderHeuristic, true);
});

test("rows hold at least one box and wrap at the width", () => {
  const r = packRows(["a", "b", "c"], () => ({ w: 100, h: 10 }), 250);
  assert.deepEqual([...r.boxes.values()].map((b) => [b.x, b.y]), [[0, 0], [116, 0], [0, 26]]);
  assert.equal(packRows(["a"], () => ({ w: 500, h: 10 }), 100).w, 500);
});

test("Python's layout is used only when it covers every box", () => {
  const { graph } = makeWorkflow({ size: 60, stages: 1, layout: true });
  assert.ok(hasGivenLayout(graph));
  delete graph.layout.nodes[graph.nodes[3].id];
  assert.ok(!hasGivenLayout(graph));
  assert.ok(!hasGivenLayout({ ...graph, layout: null }));
});
