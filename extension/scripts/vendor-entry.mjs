// The anchoring libraries the highlight content script uses, bundled by scripts/vendor.mjs into
// src/vendor/anchoring.js as one classic script that sets globalThis.RLAnchoring.
export {
  describeTextQuote,
  describeTextPosition,
  createTextQuoteSelectorMatcher,
  createTextPositionSelectorMatcher,
  highlightText,
} from "@apache-annotator/dom";
export { default as approxSearch } from "approx-string-match";
