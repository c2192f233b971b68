// The site adapters' declarations, read from the extractors themselves (classic scripts
// hanging off globalThis.RLExtract), for the build and the tests.
await import("../src/extract/common.js");
await import("../src/extract/generic.js");
await import("../src/extract/sites.js");

export const SITES = globalThis.RLExtract.SITES;

/** Every page that gets save buttons, in the adapters' order, without repeats. */
export function contentScriptMatches() {
  return [...new Set(SITES.flatMap((site) => site.contentScriptMatches))];
}

/** `manifest` with its content scripts matching exactly the adapters' pages. */
export function withSiteMatches(manifest) {
  const [scripts, ...rest] = manifest.content_scripts;
  return { ...manifest, content_scripts: [{ ...scripts, matches: contentScriptMatches() }, ...rest] };
}
