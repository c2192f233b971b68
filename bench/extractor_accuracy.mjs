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

/**
 * The page's text as a browser would decode it with no HTTP header to go by: a byte-order
 * mark, else the charset a <meta> declares in the first 1024 bytes, else UTF-8 when the
 * bytes are valid UTF-8, else windows-1252 (browsers' fallback for undeclared legacy pages).
 */
function decodePage(bytes) {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder("utf-8").decode(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  const declared = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head);
  if (declared) {
    try {
      return new TextDecoder(declared[1]).decode(bytes);
    } catch {
      // An unknown label: browsers ignore it too.
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

/**
 * A browser's HTML parser lowercases attribute names (<META NAME="DC.Title"> has a `name`);
 * linkedom keeps them as written, which would hide old pages' upper-case meta tags.
 */
function lowerCaseAttributeNames(document) {
  for (const element of document.querySelectorAll("*")) {
    for (const { name, value } of [...element.attributes]) {
      const lower = name.toLowerCase();
      if (lower === name) continue;
      element.removeAttribute(name);
      if (!element.hasAttribute(lower)) element.setAttribute(lower, value);
    }
  }
}

const folder = process.argv[2];
if (!folder) {
  console.error("usage: node bench/extractor_accuracy.mjs <folder with truth.json and pages>");
  process.exit(2);
}
const truth = JSON.parse(readFileSync(join(folder, "truth.json"), "utf8"));
const out = [];
for (const page of truth.pages) {
  const { document } = parseHTML(decodePage(readFileSync(join(folder, page.file))));
  lowerCaseAttributeNames(document);
  let result;
  try {
    result = RL.extract(document, page.url);
  } catch (error) {
    result = { kind: "error", error: String(error && error.stack ? error.stack : error) };
  }
  out.push({ file: page.file, kind: result.kind, url: result.url || page.url, metadata: result.metadata || null, error: result.error });
}
process.stdout.write(JSON.stringify(out));
