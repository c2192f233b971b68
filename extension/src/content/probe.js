// Injected on demand (activeTab) into any page: the value of the last expression is the result.
(() => {
  const r = globalThis.RLExtract.extract(document, location.href);
  if (r.kind === "listing") {
    const items = r.items.slice(0, 200).map((i) => ({ id: i.id, url: i.url, metadata: i.metadata }));
    return { kind: "listing", url: r.url, count: r.items.length, items, metadata: null };
  }
  return { kind: r.kind, url: r.url, metadata: r.metadata || null };
})();
