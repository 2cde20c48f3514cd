// Bundle the widget: one ES module (dflow_jupyter/widget/static/widget.js) that carries its
// stylesheet, committed, so users never need Node.js.
//
//   node build.mjs          write the bundle
//   node build.mjs --check  fail if the committed bundle differs from a fresh build
//
// Python lays the graph out (dflow_jupyter/widget/layout.py): the bundle only draws, and
// carries no third-party code.
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "dflow_jupyter", "widget", "static");
const minify = !process.argv.includes("--no-minify");
const target = ["es2022", "chrome100", "firefox100", "safari16"];

/** The bundle's files, as strings. */
export async function buildAll() {
  // The stylesheet travels inside the module, which adds it to the page once (see widget.js).
  const css = await esbuild.build({
    entryPoints: [join(here, "src", "styles.css")],
    bundle: true,
    minify,
    write: false,
    target,
  });
  const cssText = css.outputFiles[0].text;
  const widget = await esbuild.build({
    entryPoints: [join(here, "src", "widget.js")],
    bundle: true,
    format: "esm",
    minify,
    target,
    write: false,
    metafile: true,
    legalComments: "none",
    plugins: [
      {
        name: "styles",
        setup(build) {
          build.onResolve({ filter: /^virtual:styles$/ }, () => ({ path: "styles", namespace: "virtual" }));
          build.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({
            contents: `export default ${JSON.stringify(cssText)};`,
            loader: "js",
          }));
        },
      },
    ],
  });
  const packages = await bundledPackages([widget.metafile]);
  // MIT asks for its notice in every copy: the license texts close the file, the banner names them.
  const notices = packages.map((p) => `/* ${p.name} ${p.version}:\n${p.text.trim().replaceAll("*/", "* /")}\n*/\n`).join("");
  const banner =
    "/* dflow_jupyter widget (LGPL-3.0-or-later). Bundled: " +
    (packages.length ? packages.map((p) => `${p.name} ${p.version} (${p.license}, ${p.copyright})`).join("; ") : "nothing") +
    ". */\n";
  return { "widget.js": banner + widget.outputFiles[0].text + notices };
}

/**
 * The npm packages a build took code from, with their licenses: those of the bundled files, and
 * their dependencies (none today; kept so that a bundled library names its license).
 */
async function bundledPackages(metafiles) {
  const names = new Set();
  for (const m of metafiles) {
    for (const input of Object.keys(m.inputs)) {
      const parts = input.split(/[\\/]/);
      const i = parts.lastIndexOf("node_modules");
      if (i < 0) continue;
      names.add(parts[i + 1].startsWith("@") ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]);
    }
  }
  const out = [];
  const queue = [...names];
  const seen = new Set();
  while (queue.length) {
    const name = queue.shift();
    if (seen.has(name)) continue;
    seen.add(name);
    const dir = join(here, "node_modules", name);
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    queue.push(...Object.keys(pkg.dependencies ?? {}));
    const text = await readFile(join(dir, "LICENSE"), "utf8").catch(() => "");
    const copyright = (text.split("\n").find((l) => /copyright/i.test(l)) ?? "").trim();
    out.push({ name, version: pkg.version, license: pkg.license, copyright: copyright || "see its package", text });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function main() {
  const check = process.argv.includes("--check");
  const files = await buildAll();
  await mkdir(outDir, { recursive: true });
  let stale = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(outDir, name);
    if (check) {
      const old = await readFile(path, "utf8").catch(() => null);
      if (old !== text) stale.push(relative(process.cwd(), path));
    } else {
      await writeFile(path, text);
      console.log(`${relative(process.cwd(), path)}  ${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`);
    }
  }
  if (stale.length) {
    console.error(`stale bundle: ${stale.join(", ")}; run scripts/build-js.sh and commit the result`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
