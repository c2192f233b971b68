// Loads the extractors (classic scripts hanging off globalThis.RLExtract) and a DOM shim.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseHTML } from "linkedom";

const here = dirname(fileURLToPath(import.meta.url));
await import("../src/extract/common.js");
await import("../src/extract/generic.js");
await import("../src/extract/sites.js");

export const RL = globalThis.RLExtract;

// ../shared/fixtures/pages beside the repository root (extension/ is one level below it).
export const PAGES = resolve(here, "..", "..", "..", "shared", "fixtures", "pages");
export const PAGES_PRESENT = existsSync(PAGES);
export const SKIP_REASON = PAGES_PRESENT ? false : `${PAGES} is absent: the shared fixture pages are not beside the repo`;

export function parse(html) {
  return parseHTML(html).document;
}

export function loadPage(name) {
  return parse(readFileSync(join(PAGES, name), "utf8"));
}

/** Every .html file under the fixtures folder (incl. synthetic/), relative paths. */
export function allPages() {
  if (!PAGES_PRESENT) return [];
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".html")) out.push(relative(PAGES, path));
    }
  };
  walk(PAGES);
  return out;
}
