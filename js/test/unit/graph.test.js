import { test } from "node:test";
import assert from "node:assert/strict";
import { GRID_PAD, Structure, decodeGraph, drawnEdges, liftEdge } from "../../src/graph.js";
import { makeWorkflow } from "../fixtures/workflows.js";

/** a -> 10 items in grid 1 -> b; c -> d inside group "inner" (whose entry node is "inner"). */
function graph() {
  const nodes = [
    { id: "a", label: "a", type: "Pod", group: null },
    ...Array.from({ length: 10 }, (_, i) => ({ id: `f${i}`, label: `f${i}`, type: "Pod", group: null })),
    { id: "b", label: "b", type: "Pod", group: null },
    { id: "inner", label: "inner", type: "Steps", group: "inner" },
    { id: "c", label: "c", type: "Pod", group: "inner" },
    { id: "d", label: "d", type: "Pod", group: "inner" },
    { id: "z", label: "z", type: "Pod", group: "nowhere" },
  ];
  const boxes = [];
  const place = { a: [100, 15], b: [100, 200], inner: [300, 40], c: [300, 80], d: [300, 120], z: [500, 15] };
  nodes.forEach((n, i) => {
    if (n.id.startsWith("f")) boxes.push(20 + (i % 5) * 40, 60 + Math.floor(i / 5) * 40, 30, 30, 1);
    else boxes.push(...place[n.id], 30, 30, 0);
  });
  return {
    rev: 3,
    nodes,
    groups: [{ id: "inner", label: "inner", type: "Steps", group: null }],
    edges: [
      ...Array.from({ length: 10 }, (_, i) => ["a", `f${i}`]),
      ...Array.from({ length: 10 }, (_, i) => [`f${i}`, "b"]),
      ["a", "inner"],
      ["inner", "c"],
      ["c", "d"],
      ["c", "d"],
      ["a", "missing"],
    ],
    layout: { engine: "layered", width: 600, height: 300, nodes: boxes, groups: [300, 80, 100, 120, 0] },
  };
}

test("the trait decodes from Python's compact binary JSON, or is taken as it is", () => {
  const g = graph();
  const index = new Map(g.nodes.map((n, i) => [n.id, i]));
  const wire = {
    ...g,
    edges: g.edges.filter(([a, b]) => index.has(a) && index.has(b)).flatMap(([a, b]) => [index.get(a), index.get(b)]),
    states: g.nodes.map((n, i) => (i === 0 ? { phase: "Failed", message: "boom" } : {})),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(wire));
  const decoded = decodeGraph(new DataView(bytes.buffer));
  assert.deepEqual(decoded.edges, g.edges.filter(([, b]) => b !== "missing"));
  assert.deepEqual(decoded.states.a, { phase: "Failed", message: "boom" });
  assert.deepEqual(decoded.states.b, {});
  assert.deepEqual(decodeGraph(g).edges, g.edges); // a host's plain object: id pairs
  assert.equal(decodeGraph(null), null);
  assert.equal(decodeGraph({}), null);
});

test("boxes come from the layout's flat arrays; grids are framed around their boxes", () => {
  const s = new Structure(graph());
  assert.ok(s.laidOut);
  assert.deepEqual(s.nodeBox("b"), { x: 100, y: 200, w: 30, h: 30 });
  assert.deepEqual(s.groupBox("inner"), { x: 300, y: 80, w: 100, h: 120 });
  assert.equal(s.gridOf("f3"), 1);
  const frame = s.index.grids.get(1);
  const items = s.nodes.filter((n) => n.id.startsWith("f")).map((n) => s.nodeBox(n.id));
  const left = Math.min(...items.map((b) => b.x - b.w / 2));
  assert.equal(frame.x - frame.w / 2, left - GRID_PAD);
  assert.ok(!new Structure({ ...graph(), layout: null }).laidOut);
});

test("a group's entry node and the group are told apart; unknown groups are the top", () => {
  const ix = new Structure(graph()).index;
  assert.equal(ix.parent.get("inner"), "\u0001ginner"); // the node sits in its own box
  assert.equal(ix.parent.get("\u0001ginner"), null);
  assert.equal(ix.parent.get("z"), null);
  assert.deepEqual(ix.groupOrder, ["inner"]);
  assert.deepEqual(liftEdge(ix, "a", "c"), { from: "a", to: "\u0001ginner" });
  assert.deepEqual(liftEdge(ix, "inner", "c"), { from: "inner", to: "c" });
  assert.deepEqual(liftEdge(ix, "a", "f1"), { from: "a", to: "\u0001r1" });
  assert.equal(liftEdge(ix, "a", "missing"), null);
});

test("group cycles are cut instead of looping", () => {
  const s = new Structure({ rev: 1, nodes: [], edges: [], layout: null, groups: [
    { id: "x", label: "x", type: "DAG", group: "y" },
    { id: "y", label: "y", type: "DAG", group: "x" },
  ] });
  assert.equal(s.index.groupOrder.length, 2);
});

test("a group's entry node (same id) keeps the group's parent: no group contains itself", () => {
  // As build_graph sends an Argo exit handler: the onExit Steps node is its group's entry.
  const s = new Structure({ rev: 1, edges: [["wf", "exit"], ["exit", "sg"], ["sg", "cry"]], layout: null, groups: [
    { id: "exit", label: "wf.onExit", type: "Steps", group: null },
  ], nodes: [
    { id: "wf", label: "wf", type: "Pod", group: null },
    { id: "exit", label: "wf.onExit", type: "Steps", group: "exit" },
    { id: "sg", label: "[0]", type: "StepGroup", group: "exit" },
    { id: "cry", label: "cry", type: "Pod", group: "exit" },
  ] });
  const ix = s.index;
  assert.deepEqual(ix.groupOrder, ["exit"]);
  assert.equal(ix.parent.get("\u0001gexit"), null);
  assert.equal(ix.parent.get("exit"), "\u0001gexit");
  assert.equal(ix.depth("cry"), 2);
  assert.deepEqual(liftEdge(ix, "wf", "exit"), { from: "wf", to: "\u0001gexit" });
  assert.deepEqual(liftEdge(ix, "sg", "cry"), { from: "sg", to: "cry" });
});

test("edges into and out of a grid are drawn once, between the frame and the step", () => {
  const s = new Structure(graph());
  const drawn = drawnEdges(s);
  const frame = s.index.grids.get(1);
  const bundled = drawn.filter((e) => e.bundled > 1);
  assert.equal(bundled.length, 2);
  assert.deepEqual(bundled.map((e) => e.bundled), [10, 10]);
  assert.ok(bundled.some((e) => e.to === frame) && bundled.some((e) => e.from === frame));
  // a -> inner entry, inner -> c, c -> d (once): drawn between their own boxes.
  assert.equal(drawn.length, 2 + 3);
});

test("a grow extends the structure: new nodes, edges and boxes, moved boxes, changed entries", () => {
  const s = new Structure(graph());
  const change = s.grow({
    kind: "grow",
    base: 3,
    rev: 4,
    nodes: [{ id: "e", label: "e", type: "Pod", group: null }],
    groups: [],
    edges: [11, 16], // b -> e, as indices in the view's order (e was appended at 16)
    changed: [{ id: "b", label: "b2", type: "Pod", group: null }],
    changed_groups: [],
    layout: { engine: "layered", width: 600, height: 400, nodes: [100, 300, 30, 30, 0], groups: [], moved: [0, 90, 15, 30, 30, 0], moved_groups: [] },
  });
  assert.equal(s.rev, 4);
  assert.deepEqual(change, { added: ["e"], changed: ["b"], moved: ["a"], groupsChanged: false });
  assert.deepEqual(s.nodeBox("e"), { x: 100, y: 300, w: 30, h: 30 });
  assert.deepEqual(s.nodeBox("a"), { x: 90, y: 15, w: 30, h: 30 });
  assert.equal(s.node("b").label, "b2");
  assert.equal(s.height, 400);
  assert.ok(s.laidOut);
  assert.ok(drawnEdges(s).some((e) => e.to.y === 300));
});

test("the fixture is laid out in the protocol's form", () => {
  const { graph: g } = makeWorkflow({ size: 600, stages: 2 });
  const s = new Structure(g);
  assert.ok(s.laidOut);
  assert.equal(s.index.grids.size, 2);
  const b = s.bounds();
  assert.ok(b.w > 0 && b.h > 0);
});
