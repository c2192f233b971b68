/*
 * Highlights as W3C Web Annotation selectors, and back. A classic script (content scripts
 * cannot be modules) that uses the bundled anchoring libraries (src/vendor/anchoring.js:
 * @apache-annotator/dom for describing, exact matching and drawing; approx-string-match for a
 * quote the page has since changed a little) and sets globalThis.RLHighlight. Pure of the
 * extension API, so node tests run it against a DOM.
 *
 * Offsets are UTF-16 code units over the text of `root` (document.body), which is what the
 * server stores as offset_unit "utf16".
 */
(function () {
  "use strict";
  if (globalThis.RLHighlight) return;
  const A = globalThis.RLAnchoring;
  // Context kept on each side of the quote: enough to tell repeats apart and to rank fuzzy
  // candidates (Hypothesis keeps 32 too).
  const CONTEXT = 32;

  function scopeOf(root) {
    const scope = root.ownerDocument.createRange();
    scope.selectNodeContents(root);
    return scope;
  }

  /** Text of `root` as the position selectors count it (every text node, in order). */
  function textOf(root) {
    const walker = root.ownerDocument.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
    let text = "";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) text += node.data;
    return text;
  }

  /** [TextQuoteSelector, TextPositionSelector] for a range inside `root`. */
  async function describe(range, root) {
    const scope = scopeOf(root);
    const position = await A.describeTextPosition(range, scope);
    const text = textOf(root);
    const exact = text.slice(position.start, position.end);
    if (!exact.trim()) throw new Error("Nothing to highlight: the selection has no text.");
    const quote = {
      type: "TextQuoteSelector",
      exact,
      prefix: text.slice(Math.max(0, position.start - CONTEXT), position.start),
      suffix: text.slice(position.end, position.end + CONTEXT),
    };
    return [quote, { type: "TextPositionSelector", start: position.start, end: position.end }];
  }

  function pick(selectors, type) {
    return (selectors || []).find((s) => s && s.type === type) || null;
  }

  async function rangeAt(root, start, end) {
    const match = A.createTextPositionSelectorMatcher({ type: "TextPositionSelector", start, end });
    for await (const range of match(scopeOf(root))) return range;
    return null;
  }

  /** Every start offset of `needle` in `text`. */
  function occurrences(text, needle) {
    const out = [];
    for (let i = text.indexOf(needle); i >= 0 && out.length < 1000; i = text.indexOf(needle, i + 1)) out.push(i);
    return out;
  }

  /** How well the text around [start, end) agrees with the quote's context (0..1). */
  function contextScore(text, start, end, quote) {
    const prefix = quote.prefix || "";
    const suffix = quote.suffix || "";
    const before = text.slice(Math.max(0, start - prefix.length), start);
    const after = text.slice(end, end + suffix.length);
    const same = (a, b, fromEnd) => {
      let n = 0;
      const len = Math.min(a.length, b.length);
      for (; n < len; n++) {
        const x = fromEnd ? a[a.length - 1 - n] : a[n];
        const y = fromEnd ? b[b.length - 1 - n] : b[n];
        if (x !== y) break;
      }
      return n;
    };
    const total = prefix.length + suffix.length;
    return total ? (same(before, prefix, true) + same(after, suffix, false)) / total : 1;
  }

  /**
   * Where the selectors point in `root` now: {range, start, end, how} or null (an orphan).
   * In order: the stored position if its text is still the quote; the quote with its context
   * (the library's exact match); the quote alone, nearest the old position and best in context;
   * then an approximate match of the quote (a page that changed a little), nearest and best.
   */
  async function anchor(selectors, root) {
    const quote = pick(selectors, "TextQuoteSelector");
    const position = pick(selectors, "TextPositionSelector");
    const text = textOf(root);
    if (position && (!quote || text.slice(position.start, position.end) === quote.exact)) {
      const range = await rangeAt(root, position.start, position.end);
      if (range) return { range, start: position.start, end: position.end, how: "position" };
    }
    if (!quote || !quote.exact) return null;
    const expected = position ? position.start : 0;
    const best = (candidates) =>
      candidates
        .map((c) => ({
          ...c,
          score: (c.quality ?? 1) * 50 + contextScore(text, c.start, c.end, quote) * 20 + (1 - Math.min(1, Math.abs(c.start - expected) / Math.max(1, text.length))) * 2,
        }))
        .sort((a, b) => b.score - a.score)[0];

    if (quote.prefix || quote.suffix) {
      const matcher = A.createTextQuoteSelectorMatcher({ type: "TextQuoteSelector", exact: quote.exact, prefix: quote.prefix || "", suffix: quote.suffix || "" });
      for await (const range of matcher(scopeOf(root))) {
        // The first exact match with its whole context; repeats of the same context are rare.
        const where = await A.describeTextPosition(range, scopeOf(root));
        return { range, start: where.start, end: where.end, how: "quote" };
      }
    }
    const exactHits = occurrences(text, quote.exact).map((start) => ({ start, end: start + quote.exact.length }));
    let chosen = exactHits.length ? best(exactHits) : null;
    let how = "quote";
    if (!chosen) {
      const maxErrors = Math.min(32, Math.floor(quote.exact.length / 4));
      if (!maxErrors) return null;
      const hits = A.approxSearch(text, quote.exact, maxErrors).map((m) => ({
        start: m.start,
        end: m.end,
        quality: 1 - m.errors / quote.exact.length,
      }));
      chosen = hits.length ? best(hits) : null;
      how = "fuzzy";
    }
    if (!chosen) return null;
    const range = await rangeAt(root, chosen.start, chosen.end);
    return range ? { range, start: chosen.start, end: chosen.end, how } : null;
  }

  /**
   * Wrap a range's text in <mark> elements (the library's highlightText: it splits text nodes
   * and never parses markup). Returns a function that unwraps them again.
   */
  function draw(range, attributes) {
    return A.highlightText(range, "mark", attributes);
  }

  globalThis.RLHighlight = { describe, anchor, draw, textOf, CONTEXT };
})();
