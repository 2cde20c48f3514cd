// The committed bundle is what Python ships: it must be what the sources build to.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { buildAll } from "../../build.mjs";

test("the committed bundle is fresh (else run scripts/build-js.sh)", async () => {
  const files = await buildAll();
  for (const [name, text] of Object.entries(files)) {
    const path = fileURLToPath(new URL(`../../../dflow_jupyter/widget/static/${name}`, import.meta.url));
    const committed = await readFile(path, "utf8");
    assert.ok(committed === text, `${name} differs from a fresh build`);
  }
});

test("the bundle is one ES module with a default export and names its bundled licenses", async () => {
  const { "widget.js": js } = await buildAll();
  assert.match(js.split("\n")[0], /^\/\* dflow_jupyter widget \(LGPL-3.0-or-later\)\. Bundled: nothing\. \*\//);
  assert.match(js, /export\{[^}]*as default/);
  assert.ok(!/\bhttps?:\/\//.test(js.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, "")), "no network address in the bundle");
});
