// The highlight anchoring (src/content/anchor.js over the bundled libraries): what is stored
// for a selection, and where it lands again, also after the page changed a little. The DOM is
// jsdom's: linkedom's Range has no setStart/setEnd, which the selectors are made of.
import { test } from "node:test";
import assert from "node:assert/strict";
import { JSDOM } from "jsdom";

const { window } = new JSDOM("<!doctype html><body></body>");
for (const name of ["Node", "NodeFilter", "Range", "Text", "Element", "document"]) globalThis[name] = window[name];
await import("../src/vendor/anchoring.js");
await import("../src/content/anchor.js");
const H = globalThis.RLHighlight;

const PAGE = `<h1>Attention Is All You Need</h1>
<p>The dominant sequence transduction models are based on complex recurrent or
<em>convolutional</em> neural networks. We propose a new simple network architecture, the
Transformer, based solely on attention mechanisms.</p>
<p>Experiments on two machine translation tasks show these models to be superior in quality.
The Transformer generalizes well to other tasks.</p>`;

function page(html = PAGE) {
  const doc = new JSDOM(`<!doctype html><body>${html}</body>`).window.document;
  return doc;
}

/** A range over the first occurrence of `words` (may cross elements) in `doc.body`. */
function select(doc, words, nth = 0) {
  const text = H.textOf(doc.body);
  let start = -1;
  for (let i = 0; i <= nth; i++) start = text.indexOf(words, start + 1);
  assert.ok(start >= 0, `${words} is on the page`);
  const end = start + words.length;
  const walker = doc.createTreeWalker(doc.body, 4);
  const range = doc.createRange();
  let seen = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const next = seen + node.data.length;
    if (start >= seen && start < next) range.setStart(node, start - seen);
    if (end > seen && end <= next) range.setEnd(node, end - seen);
    seen = next;
  }
  return range;
}

test("a selection is stored as a quote with 32 characters of context and its position", async () => {
  const doc = page();
  const range = select(doc, "recurrent or\nconvolutional neural");
  const [quote, position] = await H.describe(range, doc.body);
  const text = H.textOf(doc.body);

  assert.equal(quote.type, "TextQuoteSelector");
  assert.equal(quote.exact, "recurrent or\nconvolutional neural");
  assert.equal(quote.prefix, text.slice(position.start - 32, position.start));
  assert.equal(quote.suffix, text.slice(position.end, position.end + 32));
  assert.equal(position.type, "TextPositionSelector");
  assert.equal(text.slice(position.start, position.end), quote.exact);
});

test("a blank selection is refused", async () => {
  const doc = page("<p>one</p>\n\n<p>two</p>");
  const range = select(doc, "\n\n");
  await assert.rejects(H.describe(range, doc.body), /Nothing to highlight/);
});

test("the same page anchors by position and draws marks around exactly the quote", async () => {
  const doc = page();
  const selectors = await H.describe(select(doc, "recurrent or\nconvolutional neural"), doc.body);
  const again = page();

  const found = await H.anchor(selectors, again.body);
  assert.equal(found.how, "position");
  assert.equal(found.range.toString(), "recurrent or\nconvolutional neural");
  const remove = H.draw(found.range, { class: "rl-hl", "data-id": "7" });
  const marks = [...again.querySelectorAll("mark.rl-hl")];
  assert.equal(marks.map((m) => m.textContent).join(""), "recurrent or\nconvolutional neural");
  assert.ok(marks.length >= 2, "the quote crosses <em>, so it takes one mark per text node");
  assert.equal(H.textOf(again.body), H.textOf(page().body), "drawing leaves the text as it was");
  remove();
  assert.equal(again.querySelectorAll("mark").length, 0);
});

test("text added before the quote: the quote is found where it moved", async () => {
  const doc = page();
  const selectors = await H.describe(select(doc, "superior in quality"), doc.body);
  const changed = page(`<div class="banner">A new version of this paper is available.</div>${PAGE}`);

  const found = await H.anchor(selectors, changed.body);
  assert.equal(found.how, "quote");
  assert.equal(found.range.toString(), "superior in quality");
});

test("a repeated phrase lands on the occurrence whose context matches", async () => {
  const doc = page();
  for (const nth of [0, 1]) {
    const selectors = await H.describe(select(doc, "Transformer", nth), doc.body);
    const changed = page(`<p>Preface.</p>${PAGE}`);

    const found = await H.anchor(selectors, changed.body);
    const text = H.textOf(changed.body);
    assert.equal(found.range.toString(), "Transformer");
    const expected = nth ? text.lastIndexOf("Transformer") : text.indexOf("Transformer");
    assert.equal(found.start, expected, `occurrence ${nth}`);
  }
});

test("a quote whose words changed a little is found approximately", async () => {
  const doc = page();
  const selectors = await H.describe(select(doc, "based solely on attention mechanisms"), doc.body);
  const changed = page(PAGE.replace("based solely on attention mechanisms", "based solely on attention mechanism,").replace("Experiments", "Our experiments"));

  const found = await H.anchor(selectors, changed.body);
  assert.equal(found.how, "fuzzy");
  assert.match(found.range.toString(), /^based solely on attention mechanism/);
});

test("a quote that is gone is an orphan, not a wrong highlight", async () => {
  const doc = page();
  const selectors = await H.describe(select(doc, "superior in quality"), doc.body);
  const changed = page("<p>An entirely different page about gardening and tomatoes.</p>");

  assert.equal(await H.anchor(selectors, changed.body), null);
});
