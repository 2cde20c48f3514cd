import { test } from "node:test";
import assert from "node:assert/strict";
import { detailMarkup, edgePath, edgesMarkup, esc, farMarkup, gridMarkup, groupMarkup, nodeMarkup, paintMarkup } from "../../src/markup.js";

const box = { x: 100, y: 50, w: 184, h: 56 };

test("a node's markup carries the DOM contract's attributes, its state written in", () => {
  const node = { id: "wf.scan(3)", label: "scan(3)", type: "Pod", key: "scan-3", template: "scan" };
  const m = nodeMarkup(node, box, { phase: "Running", progress: "1/4", started_at: 100, finished_at: null }, 165);
  assert.match(m, /^<g class="dflow-node" data-node-id="wf\.scan\(3\)" data-type="Pod" data-phase="Running" data-progress="1\/4">/);
  assert.match(m, />scan\(3\)<\/text>/);
  assert.match(m, />scan-3<\/text>/);
  assert.match(m, />1m 05s<\/text>/);
  assert.match(m, /class="dflow-bar"[^>]*width="41.5"/); // a quarter of 166
});

test("far away a node is a bare element that carries the contract; its box is painted with others", () => {
  const m = farMarkup({ id: "a", label: "a", type: "Pod" }, { phase: "Failed", progress: "0/1", message: "boom" });
  assert.equal(m, '<i class="dflow-node dflow-far" data-node-id="a" data-type="Pod" data-phase="Failed" data-progress="0/1"></i>');
  const paint = paintMarkup([
    ["Failed", box],
    ["Succeeded", { x: 0, y: 0, w: 10, h: 4 }],
    ["Failed", { x: 300, y: 50, w: 184, h: 56 }],
  ]);
  assert.equal(paint, '<path data-phase="Failed" d="M8 22h184v56h-184zM208 22h184v56h-184z"/><path data-phase="Succeeded" d="M-5 -2h10v4h-10z"/>');
  assert.match(detailMarkup({ id: "a", label: "a", type: "Pod" }, box, undefined, 0), /class="dflow-label"/);
});

test("a junction (a step group drawn as a dot) is a round rect in sight", () => {
  const m = nodeMarkup({ id: "j", label: "[1]", type: "StepGroup" }, { x: 10, y: 10, w: 14, h: 14 }, undefined, 0, true);
  assert.match(m, /^<rect class="dflow-node dflow-dot"[^>]*rx="7"\/>$/);
});

test("edges are a few long paths; bundled ones (into a grid) are counted once", () => {
  const a = { x: 0, y: 0, w: 100, h: 40 };
  const grid = { x: 0, y: 200, w: 400, h: 200 };
  const m = edgesMarkup([
    { from: a, to: { x: 0, y: 100, w: 100, h: 40 }, bundled: 1 },
    { from: a, to: grid, bundled: 19 },
  ]);
  assert.equal((m.match(/<path class="dflow-edge"/g) ?? []).length, 1);
  assert.equal((m.match(/dflow-edge-bundled/g) ?? []).length, 1);
  assert.match(m, />×19<\/text>$/);
  assert.equal(gridMarkup(grid), '<rect class="dflow-grid" x="-200" y="100" width="400" height="200" rx="8"/>');
});

test("a fan-out summary shows counts per phase and a stacked bar", () => {
  const node = { id: "f", label: "relax", type: "Fanout", fanout: { total: 500, expanded: false } };
  const m = nodeMarkup(node, { ...box, h: 64 }, { phase: "Running", counts: { Succeeded: 300, Running: 20, Failed: 4 } }, 0);
  assert.match(m, /data-fanout="500"/);
  assert.match(m, /data-progress="304\/324"/);
  assert.match(m, /relax ×500/);
  assert.match(m, /<tspan class="dflow-count" data-phase="Succeeded">300✓ <\/tspan>/);
  assert.equal((m.match(/class="dflow-seg"/g) ?? []).length, 3);
});

test("ids, labels and messages from user code are escaped", () => {
  const node = { id: 'x" onclick="alert(1)', label: "<script>alert(1)</script>", type: "Pod" };
  const m = nodeMarkup(node, box, { phase: "Failed", message: "a < b & c" }, 0);
  assert.ok(!m.includes("<script>"));
  assert.ok(!m.includes('" onclick="'));
  assert.match(m, /<title>a &lt; b &amp; c<\/title>/);
  assert.equal(esc(`'"<>&`), "&#39;&quot;&lt;&gt;&amp;");
  assert.match(groupMarkup("g", { id: "g", label: "<b>", type: "DAG" }, box, undefined), /&lt;b&gt;/);
});

test("edges leave the side that faces their target", () => {
  const a = { x: 0, y: 0, w: 100, h: 40 };
  const down = edgePath(a, { x: 0, y: 100, w: 100, h: 40 });
  assert.match(down.d, /^M0,20C/);
  assert.match(down.d, /0,80$/);
  const right = edgePath(a, { x: 300, y: 0, w: 100, h: 40 });
  assert.match(right.d, /^M50,0C/);
  assert.match(right.d, /250,0$/);
});
