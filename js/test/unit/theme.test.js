import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveTheme } from "../../src/theme.js";
import { workflowPhase } from "../../src/header.js";
import { zoomLevel } from "../../src/panzoom.js";

test("an explicit theme wins; auto follows JupyterLab, then the system", () => {
  assert.equal(resolveTheme("dark", { jpLight: "true" }), "dark");
  assert.equal(resolveTheme("auto", { jpLight: "false" }), "dark");
  assert.equal(resolveTheme("auto", { jpLight: "true", prefersDark: true }), "light");
  assert.equal(resolveTheme("auto", { jpLight: null, prefersDark: true }), "dark");
  assert.equal(resolveTheme(undefined, {}), "light");
});

test("the workflow's phase before and after submission", () => {
  assert.equal(workflowPhase({}, ""), "Planned");
  assert.equal(workflowPhase({ phase: "" }, "wf-abc"), "Pending");
  assert.equal(workflowPhase({ phase: "Failed" }, "wf-abc"), "Failed");
});

test("levels of detail by scale", () => {
  assert.equal(zoomLevel(1), "near");
  assert.equal(zoomLevel(0.6), "mid");
  assert.equal(zoomLevel(0.4), "far");
  assert.equal(zoomLevel(0.05), "far");
});
