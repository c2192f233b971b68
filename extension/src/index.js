// The local index of saved papers, kept fresh from each library's changes feed, so a badge
// or button can show "saved" before (or without) a round trip to the server.
import { load, store, mutex } from "./browser.js";
import * as api from "./api.js";

const locked = mutex();

/** Lookup keys for a paper: "arxiv:2106.09608", "doi:10.1000/x" (lower-cased), "url:https://…". */
export function keysFor(identifiers = {}, url = "") {
  const keys = [];
  for (const [scheme, value] of Object.entries(identifiers || {})) {
    if (!value) continue;
    const v = scheme === "doi" ? String(value).toLowerCase() : String(value);
    keys.push(`${scheme}:${v}`);
  }
  if (url) keys.push(`url:${String(url).replace(/[#?].*$/, "").replace(/\/$/, "")}`);
  return keys;
}

/** {libraries: {id: {version, name, kind, lab}}, entries: {"lib:key": {library, keys}}} */
async function read() {
  return load("index", { libraries: {}, entries: {} });
}

/** Pull every library's changes since the version we hold. */
export async function refresh() {
  return locked(async () => {
    const index = await read();
    const libraries = await api.libraries();
    const seen = new Set();
    for (const lib of libraries) {
      const id = String(lib.id);
      seen.add(id);
      const held = index.libraries[id] || { version: 0 };
      index.libraries[id] = { version: held.version, name: lib.name, kind: lib.kind, lab: lib.lab || null };
      if (held.version >= (lib.version ?? Infinity)) continue;
      let since = held.version;
      let cursor = null;
      for (let page = 0; page < 100; page++) {
        let data;
        try {
          ({ data } = await api.changes(id, since, cursor));
        } catch (error) {
          if (error.status === 410) {
            // Too far behind: start this library again from zero.
            dropLibrary(index, id);
            since = 0;
            cursor = null;
            continue;
          }
          throw error;
        }
        for (const change of data.changes || []) {
          if (change.type !== "entry") continue;
          const k = `${id}:${change.key}`;
          if (change.deleted) delete index.entries[k];
          else {
            const paper = (change.data && change.data.paper) || {};
            index.entries[k] = { library: id, id: change.data.id, keys: keysFor(paper.identifiers, paper.url) };
          }
        }
        index.libraries[id].version = data.until;
        if (!data.next) break;
        cursor = data.next;
      }
    }
    for (const id of Object.keys(index.libraries)) if (!seen.has(id)) dropLibrary(index, id);
    await store({ index, indexRefreshedAt: Date.now() });
    return index;
  });
}

function dropLibrary(index, id) {
  delete index.libraries[id];
  for (const k of Object.keys(index.entries)) if (index.entries[k].library === id) delete index.entries[k];
}

/** Record a save right away (the feed will confirm it). */
export async function remember(entry) {
  if (!entry || !entry.paper) return;
  await locked(async () => {
    const index = await read();
    const lib = String(entry.library);
    index.entries[`${lib}:${entry.key || entry.id}`] = {
      library: lib,
      id: entry.id,
      keys: keysFor(entry.paper.identifiers, entry.paper.url),
    };
    await store({ index });
  });
}

/** Local answer for a paper: [{library, kind, name, lab}] of the libraries holding it. */
export async function localState(identifiers, url) {
  const index = await read();
  const wanted = new Set(keysFor(identifiers, url));
  const libs = new Map();
  for (const entry of Object.values(index.entries)) {
    if (entry.keys.some((k) => wanted.has(k))) {
      const lib = index.libraries[entry.library] || {};
      libs.set(entry.library, { library: Number(entry.library), kind: lib.kind, library_name: lib.name, lab: lib.lab });
    }
  }
  return [...libs.values()];
}

export async function clear() {
  await store({ index: { libraries: {}, entries: {} } });
}
