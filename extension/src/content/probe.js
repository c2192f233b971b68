// Injected on demand (activeTab) into any page: the value of the last expression is the result.
(() => {
  const r = globalThis.RLExtract.extract(document, location.href);
  if (r.kind === "listing") return { kind: "listing", url: r.url, count: r.items.length, metadata: null };
  return { kind: r.kind, url: r.url, metadata: r.metadata };
})();
