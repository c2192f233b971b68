// Runs the extension's real extractor (extension/src/extract/*, in node with linkedom, as the
// extension's tests do) over the pages a truth.json lists and prints what it read, as JSON:
//   node bench/extractor_accuracy.mjs <folder> [<extension dir>]
// bench/extractor_accuracy.py scores this output; run that one. <extension dir> (default: this
// checkout's extension/) lets the same pages run through another version of the extractor.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const extension = resolve(process.argv[3] || resolve(here, "..", "extension"));
// linkedom is a dev dependency of the extension, not of the repository root.
const { parseHTML } = createRequire(join(extension, "package.json"))("linkedom");
await import(join(extension, "src/extract/common.js"));
await import(join(extension, "src/extract/generic.js"));
await import(join(extension, "src/extract/sites.js"));
const RL = globalThis.RLExtract;

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node bench/extractor_accuracy.mjs <folder with truth.json and pages>");
  process.exit(2);
}
const truth = JSON.parse(readFileSync(join(folder, "truth.json"), "utf8"));
const out = [];
for (const page of truth.pages) {
  const { document } = parseHTML(readFileSync(join(folder, page.file), "utf8"));
  let result;
  try {
    result = RL.extract(document, page.url);
  } catch (error) {
    result = { kind: "error", error: String(error && error.stack ? error.stack : error) };
  }
  out.push({ file: page.file, kind: result.kind, url: result.url || page.url, metadata: result.metadata || null, error: result.error });
}
process.stdout.write(JSON.stringify(out));
