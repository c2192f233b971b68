// One name for the WebExtension API in Chromium (chrome.*, promise-based in MV3) and Firefox.
export const ext = globalThis.browser ?? globalThis.chrome;

export async function load(key, fallback) {
  const got = await ext.storage.local.get(key);
  return got[key] === undefined ? fallback : got[key];
}

export async function store(values) {
  await ext.storage.local.set(values);
}

/** Serialise read-modify-write sequences on storage (the worker is single-threaded, awaits are not). */
export function mutex() {
  let tail = Promise.resolve();
  return (fn) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  };
}
