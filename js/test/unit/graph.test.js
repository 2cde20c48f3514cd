import { test } from "node:test";
import assert from "node:assert/strict";
import { chain, drawnEdges, indexGraph, liftEdge, packLayout, unpackLayout } from "../../src/graph.js";

const graph = {
  rev: 1,
  groups: [
    { id: "wf", label: "wf", type: "DAG", group: null },
    { id: "fan", label: "fan", type: "TaskGroup", group: "wf" },
    { id: "inner", label: "inner", type: "Steps", group: "wf" },
  ],
  nodes: [
    { id: "a", label: "a", type: "Pod", group: "wf" },
    ...Array.from({ length: 10 }, (_, i) => ({ id: `f${i}`, label: `f${i}`, type: "Pod", group: "fan" })),
    { id: "c", label: "c", type: "Pod", group: "inner" },
    { id: "d", label: "d", type: "Pod", group: "inner" },
    { id: "z", label: "z", type: "Pod", group: "nowhere" },
  ],
  edges: [
    ...Array.from({ length: 10 }, (_, i) => ["a", `f${i}`]),
    ["a", "c"],
    ["c", "d"],
    ["c", "d"],
    ["a", "missing"],
  ],
};

test("the index knows who contains whom, parents before children", () => {
  const ix = indexGraph(graph);
  assert.deepEqual(ix.groupOrder, ["wf", "fan", "inner"]);
  assert.deepEqual(chain(ix, "f3"), ["f3", "fan", "wf"]);
  assert.equal(ix.parent.get("z"), null); // an unknown group: drawn at the top
  assert.deepEqual(ix.children.get(null), ["wf", "z"]);
});

test("group cycles are cut instead of looping", () => {
  const ix = indexGraph({ rev: 1, nodes: [], edges: [], groups: [
    { id: "x", label: "x", type: "DAG", group: "y" },
    { id: "y", label: "y", type: "DAG", group: "x" },
  ] });
  assert.equal(ix.groupOrder.length, 2);
});

test("a group's entry node (same id) keeps the group's parent: no group contains itself", () => {
  // As build_graph sends an Argo exit handler: the onExit Steps node is its group's entry.
  const ix = indexGraph({ rev: 1, edges: [], groups: [
    { id: "exit", label: "wf.onExit", type: "Steps", group: null },
  ], nodes: [
    { id: "wf", label: "wf", type: "Pod", group: null },
    { id: "exit", label: "wf.onExit", type: "Steps", group: "exit" },
    { id: "sg", label: "[0]", type: "StepGroup", group: "exit" },
    { id: "cry", label: "cry", type: "Pod", group: "exit" },
  ] });
  assert.deepEqual(ix.groupOrder, ["exit"]);
  assert.equal(ix.parent.get("exit"), null);
  assert.deepEqual(ix.children.get("exit"), ["sg", "cry"]);
  assert.deepEqual(chain(ix, "cry"), ["cry", "exit"]);
});

test("edges lift to the members of the innermost common group", () => {
  const ix = indexGraph(graph);
  assert.deepEqual(liftEdge(ix, "a", "f1"), { container: "wf", from: "a", to: "fan" });
  assert.deepEqual(liftEdge(ix, "c", "d"), { container: "inner", from: "c", to: "d" });
  assert.equal(liftEdge(ix, "f1", "fan"), null);
  assert.equal(liftEdge(ix, "a", "missing"), null);
});

test("many edges into one group are drawn once; the rest one by one, without duplicates", () => {
  const ix = indexGraph(graph);
  const drawn = drawnEdges(graph, ix, 8);
  assert.deepEqual(drawn, [
    { from: "a", to: "fan", bundled: 10 },
    { from: "a", to: "c", bundled: 1 },
    { from: "c", to: "d", bundled: 1 },
  ]);
  assert.equal(drawnEdges(graph, ix, 20).length, 12);
});

test("a layout packs into flat arrays and back (what the Worker transfers)", () => {
  const layout = {
    engine: "dagre",
    width: 300,
    height: 200,
    nodes: { a: { x: 10, y: 20, w: 30, h: 40 }, c: { x: 1.5, y: 2, w: 3, h: 4 } },
    groups: { wf: { x: 150, y: 100, w: 300, h: 200 } },
  };
  const packed = packLayout(graph, layout);
  assert.ok(packed.nodes instanceof Float64Array);
  assert.equal(packed.nodes.length, graph.nodes.length * 4);
  assert.deepEqual(unpackLayout(graph, packed), layout); // boxes it had no coordinates for stay absent
});
