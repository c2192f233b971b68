// Rules checked on the source: api.js is the only module that talks to the network, and no
// script writes HTML strings into a page (buttons are built with DOM calls in a shadow root).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { contentScriptMatches } from "../scripts/sites.mjs";

const src = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".js")) files.push(path);
  }
})(src);

test("only api.js makes network requests", () => {
  const offenders = files
    .filter((f) => relative(src, f) !== "api.js")
    .filter((f) => /\bfetch\s*\(|XMLHttpRequest|WebSocket|sendBeacon|EventSource/.test(readFileSync(f, "utf8")));
  assert.deepEqual(offenders, []);
});

test("api.js refuses absolute URLs", () => {
  const code = readFileSync(join(src, "api.js"), "utf8");
  assert.match(code, /if \(!path\.startsWith\("\/"\)\) throw/);
});

test("no innerHTML / outerHTML / insertAdjacentHTML / document.write anywhere", () => {
  const offenders = files.filter((f) => /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/.test(readFileSync(f, "utf8")));
  assert.deepEqual(offenders, []);
});

test("the manifest keeps permissions narrow", () => {
  const manifest = JSON.parse(readFileSync(join(src, "..", "manifest.json"), "utf8"));
  assert.deepEqual(manifest.permissions.sort(), ["activeTab", "alarms", "contextMenus", "scripting", "storage"]);
  assert.ok(manifest.background.service_worker && manifest.background.scripts);
  assert.ok(manifest.browser_specific_settings.gecko.id);
  for (const pattern of manifest.content_scripts.flatMap((c) => c.matches)) {
    assert.match(pattern, /^https:\/\/(arxiv\.org\/|huggingface\.co\/papers|openreview\.net\/|aclanthology\.org\/|www\.biorxiv\.org\/|www\.medrxiv\.org\/|www\.semanticscholar\.org\/paper\/)/);
  }
});

test("the manifest's content scripts are exactly the site adapters' pages", () => {
  const manifest = JSON.parse(readFileSync(join(src, "..", "manifest.json"), "utf8"));
  // After adding a site adapter: `node scripts/build.mjs --manifest`.
  assert.deepEqual(manifest.content_scripts[0].matches, contentScriptMatches());
});

test("every site adapter declares a name, its hosts, its pages and an extractor", () => {
  const { SITES } = globalThis.RLExtract;
  assert.ok(SITES.length >= 6);
  for (const site of SITES) {
    assert.equal(typeof site.name, "string");
    assert.ok(site.hosts instanceof RegExp, site.name);
    assert.equal(typeof site.extract, "function", site.name);
    for (const pattern of site.contentScriptMatches) {
      const host = new URL(pattern.replace("*", "x")).hostname.replace(/^www\./, "");
      assert.match(host, site.hosts, `${site.name}: ${pattern} is outside its hosts`);
    }
  }
});
