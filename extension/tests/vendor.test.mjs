// src/vendor/anchoring.js is generated: it must be what scripts/vendor.mjs makes from the
// locked packages, so a reviewer can trust it without reading a minified file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bundle } from "../scripts/vendor.mjs";

test("the vendored anchoring bundle is reproducible from package-lock.json", async () => {
  const committed = readFileSync(new URL("../src/vendor/anchoring.js", import.meta.url), "utf8");
  assert.equal(committed, await bundle(), "run `npm run vendor`");
});

test("the bundle carries no core-js polyfills and stays small", () => {
  const committed = readFileSync(new URL("../src/vendor/anchoring.js", import.meta.url), "utf8");
  assert.doesNotMatch(committed, /core-js-pure/);
  assert.ok(committed.length < 120_000, `${committed.length} bytes`);
});
