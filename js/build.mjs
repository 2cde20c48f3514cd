// Bundle the widget: one ES module (dflow_jupyter/widget/static/widget.js) and one stylesheet
// (widget.css), both committed, so users never need Node.js.
//
//   node build.mjs          write the bundle
//   node build.mjs --check  fail if the committed bundle differs from a fresh build
//
// The browser layout (layout-worker.js with dagre) is bundled first, on its own, into a string
// that the widget bundle carries and runs in a Web Worker (see src/layout-client.js).
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, "..", "dflow_jupyter", "widget", "static");
const minify = !process.argv.includes("--no-minify");
const target = ["es2022", "chrome100", "firefox100", "safari16"];

/** The bundle's files, as strings. */
export async function buildAll() {
  const worker = await esbuild.build({
    entryPoints: [join(here, "src", "layout-worker.js")],
    bundle: true,
    format: "esm",
    minify,
    target,
    write: false,
    metafile: true,
    legalComments: "none",
  });
  const workerSource = worker.outputFiles[0].text;
  const layoutStub = join(here, "src", "layout.js");
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
        name: "layout-worker",
        setup(build) {
          build.onResolve({ filter: /^virtual:layout-worker$/ }, () => ({ path: "layout-worker", namespace: "virtual" }));
          build.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({
            contents: `export default ${JSON.stringify(workerSource)};`,
            loader: "js",
          }));
          // The bundle always has the worker source: its main-thread fallback imports that
          // source too, so dagre need not be bundled a second time.
          build.onResolve({ filter: /^\.\/layout\.js$/ }, (args) =>
            args.importer.endsWith(`${sep}layout-client.js`) ? { path: layoutStub, namespace: "stub" } : undefined,
          );
          build.onLoad({ filter: /.*/, namespace: "stub" }, () => ({
            contents: 'export function browserLayout() { throw new Error("layout runs from the registered source"); }',
            loader: "js",
          }));
        },
      },
    ],
  });
  const css = await esbuild.build({
    entryPoints: [join(here, "src", "styles.css")],
    bundle: true,
    minify,
    write: false,
    target,
  });
  const packages = await bundledPackages([worker.metafile, widget.metafile]);
  // MIT asks for its notice in every copy: the license texts close the file, the banner names them.
  const notices = packages.map((p) => `/* ${p.name} ${p.version}:\n${p.text.trim().replaceAll("*/", "* /")}\n*/\n`).join("");
  const banner =
    "/* dflow_jupyter widget (LGPL-3.0-or-later). Bundled: " +
    (packages.length ? packages.map((p) => `${p.name} ${p.version} (${p.license}, ${p.copyright})`).join("; ") : "nothing") +
    ". */\n";
  return { "widget.js": banner + widget.outputFiles[0].text + notices, "widget.css": css.outputFiles[0].text };
}

/**
 * The npm packages a build took code from, with their licenses: those of the bundled files, and
 * their dependencies (dagre's dist file carries graphlib inside it).
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
