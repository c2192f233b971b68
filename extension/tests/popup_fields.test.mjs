// What the popup shows of a page before saving (src/popup/fields.js).
import { test } from "node:test";
import assert from "node:assert/strict";
import { describePage } from "../src/popup/fields.js";

const byKey = (rows) => Object.fromEntries(rows.map((r) => [r.key, r]));

test("every field is listed, the missing ones marked, with a lookup note when there is an identifier", () => {
  const { rows, missing, note } = describePage({
    title: "Epstein-Nesbet treatment of Cr2",
    authors: [],
    venue: "Chemical Physics Letters",
    published: "1997-10-31",
    abstract: "",
    identifiers: { doi: "10.1016/S0009-2614(97)04014-1" },
  });
  assert.deepEqual(
    rows.map((r) => r.key),
    ["title", "authors", "venue", "year", "identifiers", "abstract"],
  );
  const row = byKey(rows);
  assert.equal(row.title.value, "Epstein-Nesbet treatment of Cr2");
  assert.equal(row.year.value, "1997");
  assert.equal(row.identifiers.value, "DOI 10.1016/S0009-2614(97)04014-1");
  assert.equal(row.authors.missing, true);
  assert.equal(row.abstract.missing, true);
  assert.equal(row.venue.missing, false);
  assert.deepEqual(missing, ["author", "abstract"]);
  assert.match(note, /^Not on this page: author, abstract\. The server looks these up by DOI after you save\.$/);
});

test("without an identifier the note says nothing can be looked up", () => {
  const { rows, note } = describePage({ title: "A blog post", authors: ["Ada Lovelace"], identifiers: {} });
  assert.equal(byKey(rows).identifiers.missing, true);
  assert.match(note, /no identifier here the server cannot look them up/);
  assert.match(note, /venue, year, abstract/);
});

test("long author lists and abstracts are shortened for the popup", () => {
  const { rows } = describePage({
    title: "T",
    authors: ["A One", "B Two", "C Three", "D Four", "E Five", "F Six"],
    venue: "V",
    published: "2020",
    abstract: "word ".repeat(100),
    identifiers: { arxiv: "2106.09608" },
  });
  const row = byKey(rows);
  assert.equal(row.authors.label, "Authors");
  assert.equal(row.authors.value, "A One, B Two, C Three and 3 more");
  assert.ok(row.abstract.value.length <= 161 && row.abstract.value.endsWith("…"));
  assert.equal(row.identifiers.value, "arXiv 2106.09608");
});

test("a complete page: no missing field, and the note says the registries still check it", () => {
  const { missing, note } = describePage({
    title: "T",
    authors: ["A"],
    venue: "V",
    published: "2021-06",
    abstract: "An abstract.",
    identifiers: { doi: "10.1/x" },
  });
  assert.deepEqual(missing, []);
  assert.match(note, /checks these against the registries/);
});
