// The background worker: owns the token and every API call (through api.js), the save queue,
// the local index, the badge, the context menu and the keyboard shortcut.
import "./extract/common.js";
import "./extract/generic.js";
import "./extract/sites.js";
import { ext, load, store } from "./browser.js";
import * as api from "./api.js";
import * as queue from "./queue.js";
import * as index from "./index.js";

const RL = globalThis.RLExtract;
const SYNC_ALARM = "sync";
const QUEUE_ALARM = "queue";
// The citation styles the popup offers (the server's `CitationStyle`, less "bibtex").
const CITATION_STYLES = ["apa", "ieee", "acm", "chicago", "nature", "mla"];

// ---- listeners (registered synchronously at top level) -------------------------------------

ext.runtime.onInstalled.addListener(async () => {
  ext.contextMenus.removeAll(() => {
    ext.contextMenus.create({ id: "save-link", title: "Save link as paper", contexts: ["link"] });
    ext.contextMenus.create({ id: "save-page", title: "Save page as paper", contexts: ["page"] });
  });
  await scheduleAlarms();
  await store({ installedAt: Date.now() });
});

ext.runtime.onStartup.addListener(() => {
  scheduleAlarms();
  queue.recover().then(() => queue.drain());
});

ext.alarms.onAlarm.addListener(async (alarm) => {
  if (!(await load("token", ""))) return;
  if (alarm.name === QUEUE_ALARM) await queue.drain().catch(() => {});
  if (alarm.name === SYNC_ALARM) await index.refresh().catch(() => {});
});

ext.contextMenus.onClicked.addListener(async (info, tab) => {
  if (info.menuItemId === "save-link" && info.linkUrl) {
    await saveAndReport({ url: info.linkUrl, metadata: RL.fromUrl(info.linkUrl).metadata }, tab);
  } else if (info.menuItemId === "save-page" && tab) {
    await saveTab(tab);
  }
});

ext.commands.onCommand.addListener(async (command, tab) => {
  if (command !== "save-page") return;
  const active = tab || (await ext.tabs.query({ active: true, lastFocusedWindow: true }))[0];
  if (active) await saveTab(active);
});

ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.status === "complete" && tab.url) updateBadge(tabId, tab.url).catch(() => {});
});

api.onTokenDropped(() => {
  index.clear();
  ext.action.setBadgeText({ text: "" });
});

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const handler = HANDLERS[message && message.type];
  if (!handler) return false;
  handler(message, sender).then(sendResponse, (error) =>
    sendResponse({ error: error.message || String(error), status: error.status ?? null }),
  );
  return true; // answer asynchronously (works in every Chromium and Firefox)
});

async function scheduleAlarms() {
  await ext.alarms.create(SYNC_ALARM, { periodInMinutes: 5 });
  await ext.alarms.create(QUEUE_ALARM, { periodInMinutes: 1 });
}

// ---- saving ---------------------------------------------------------------------------------

function saveBody({ url, metadata, library, tags, note, status }) {
  const body = { url };
  if (metadata) body.metadata = cleanMetadata(metadata);
  if (library) body.library = Number(library);
  if (tags && tags.length) body.tags = tags;
  if (note) body.note = note;
  if (status) body.status = status;
  return body;
}

function cleanMetadata(md) {
  const out = {};
  for (const field of ["title", "abstract", "published", "venue", "pdf_url"]) {
    if (md[field]) out[field] = String(md[field]);
  }
  if (out.pdf_url && !/^https?:\/\//.test(out.pdf_url)) delete out.pdf_url;
  if (md.authors && md.authors.length) out.authors = md.authors.slice(0, 500).map((a) => String(a).slice(0, 300));
  if (out.title) out.title = out.title.slice(0, 2000);
  if (out.abstract) out.abstract = out.abstract.slice(0, 20000);
  if (out.published) out.published = out.published.slice(0, 32);
  const ids = {};
  for (const scheme of RL.SCHEMES) {
    if (md.identifiers && md.identifiers[scheme]) ids[scheme] = String(md.identifiers[scheme]);
  }
  out.identifiers = ids;
  const sources = ["citation", "jsonld", "dc", "site", "og", "document"];
  out.source = sources.includes(md.source) ? md.source : "document";
  out.field_sources = {};
  for (const [k, v] of Object.entries(md.field_sources || {})) {
    if (sources.includes(v) && k in out) out.field_sources[k] = v;
  }
  return out;
}

/** Queue a save, try to send it now; the answer says saved, queued or failed. */
async function save(request) {
  const settings = await load("settings", {});
  const library = request.library || settings.defaultLibrary || undefined;
  const lists = request.lists || (request.library ? [] : settings.defaultLists || []);
  const key = await queue.enqueue(saveBody({ ...request, library }), { lists });
  const results = await queue.drain();
  const result = results[key];
  if (result && result.ok) {
    await index.remember(result.entry);
    return { state: "saved", created: result.created, entry: result.entry, key };
  }
  const items = await queue.items();
  const item = items.find((i) => i.key === key);
  if (!item) return { state: "saved", key };
  if (item.state === "failed") return { state: "failed", error: item.error, key };
  if (item.state === "done") return { state: "saved", entry: item.entry, key };
  return { state: "queued", error: item.error, key };
}

async function saveTab(tab) {
  const page = await extractTab(tab);
  return saveAndReport({ url: page.url || tab.url, metadata: page.metadata }, tab);
}

async function saveAndReport(request, tab) {
  const result = await save(request);
  if (tab && tab.id != null) {
    const text = result.state === "saved" ? "✓" : result.state === "queued" ? "…" : "!";
    await ext.action.setBadgeText({ tabId: tab.id, text });
  }
  return result;
}

/** What the tab's page says: the content script when there is one, else inject, else the URL. */
async function extractTab(tab) {
  try {
    const answer = await ext.tabs.sendMessage(tab.id, { type: "extract" });
    if (answer && answer.metadata) return answer;
  } catch {
    /* no content script on this page */
  }
  try {
    const [injected] = await ext.scripting.executeScript({
      target: { tabId: tab.id },
      files: ["src/extract/common.js", "src/extract/generic.js", "src/extract/sites.js", "src/content/probe.js"],
    });
    if (injected && injected.result && injected.result.metadata) return injected.result;
  } catch {
    /* PDF viewer, browser pages, or no activeTab grant */
  }
  return { kind: "paper", ...RL.fromUrl(tab.url) };
}

// ---- state ----------------------------------------------------------------------------------

function summarize(entries) {
  const mine = entries.filter((e) => e.kind === "personal");
  const lab = entries.filter((e) => e.kind === "lab");
  return { saved: mine.length > 0, inLab: lab.length > 0, labs: lab.map((e) => e.library_name), entries };
}

async function lookup(items) {
  // items: [{url, identifiers}]; the URL is what the server resolves.
  const results = [];
  for (let i = 0; i < items.length; i += 200) {
    const chunk = items.slice(i, i + 200);
    const { data } = await api.lookup(chunk.map((it) => it.url));
    results.push(...data.results.map((r) => ({ ...summarize(r.entries || []), identified: r.identified })));
  }
  return results;
}

async function localLookup(items) {
  const out = [];
  for (const it of items) out.push({ ...summarize(await index.localState(it.identifiers, it.url)), local: true });
  return out;
}

async function updateBadge(tabId, url) {
  if (!(await load("token", ""))) return;
  const ids = RL.identifiersFromUrl(url);
  const state = summarize(await index.localState(ids, Object.keys(ids).length ? "" : url));
  await ext.action.setBadgeText({ tabId, text: state.saved || state.inLab ? "✓" : "" });
}

async function status() {
  const [token, user, settings, items, citationStyle] = await Promise.all([
    load("token", ""),
    load("user", null),
    load("settings", {}),
    queue.items(),
    load("citationStyle", "apa"),
  ]);
  return {
    loggedIn: Boolean(token),
    user,
    settings,
    citationStyle: CITATION_STYLES.includes(citationStyle) ? citationStyle : "apa",
    queue: items.map(({ body, ...rest }) => ({ ...rest, url: body.url, title: body.metadata && body.metadata.title })),
  };
}

// ---- message handlers -----------------------------------------------------------------------

const HANDLERS = {
  async save(message, sender) {
    const result = await save(message);
    if (sender.tab && sender.tab.id != null) {
      const text = result.state === "saved" ? "✓" : result.state === "queued" ? "…" : "!";
      ext.action.setBadgeText({ tabId: sender.tab.id, text }).catch(() => {});
    }
    return result;
  },
  async lookup(message) {
    if (!(await load("token", ""))) return { loggedIn: false, results: await localLookup(message.items) };
    try {
      return { loggedIn: true, results: await lookup(message.items) };
    } catch (error) {
      return { loggedIn: Boolean(await load("token", "")), results: await localLookup(message.items), error: error.message };
    }
  },
  async "lookup-local"(message) {
    return { results: await localLookup(message.items) };
  },
  async "page-state"(message, sender) {
    // The content script reports what it found; the badge follows it.
    if (sender.tab && sender.tab.id != null) {
      const text = message.saved ? "✓" : "";
      ext.action.setBadgeText({ tabId: sender.tab.id, text }).catch(() => {});
    }
    return {};
  },
  async "extract-tab"(message) {
    const tab = await ext.tabs.get(message.tabId);
    return extractTab(tab);
  },
  async status() {
    return status();
  },
  async "retry-queue"() {
    await queue.recover();
    await queue.drain();
    return status();
  },
  async "remove-queued"(message) {
    await queue.remove(message.key);
    return status();
  },
  async libraries() {
    return api.libraries();
  },
  async tags(message) {
    return api.tags(message.library);
  },
  async lists(message) {
    return api.lists(message.library);
  },
  async "set-defaults"(message) {
    const settings = await load("settings", {});
    await store({ settings: { ...settings, defaultLibrary: message.library ?? null, defaultLists: message.lists || [] } });
    return {};
  },
  async "set-citation-style"(message) {
    if (!CITATION_STYLES.includes(message.style)) throw new Error(`Unknown citation style: ${message.style}`);
    await store({ citationStyle: message.style });
    return {};
  },
  async cite(message) {
    // message: {entry: an entry id from a lookup or a save, style: a citation style or "bibtex"}
    const style = String(message.style || "");
    if (style !== "bibtex" && !CITATION_STYLES.includes(style)) throw new Error(`Unknown citation style: ${style}`);
    if (!(await load("token", ""))) throw new api.ApiError(401, null, "Not logged in.");
    const { data } = await api.cite(String(message.entry), style);
    return { style: data.style, label: data.label, text: data.text };
  },
  async "set-server"(message) {
    const server = api.normalizeServer(message.server);
    const settings = await load("settings", {});
    if (settings.server && settings.server !== server) {
      await api.logout();
      await index.clear();
    }
    await store({ settings: { ...settings, server, defaultLibrary: null, defaultLists: [] } });
    return { server };
  },
  async login(message) {
    const settings = await load("settings", {});
    if (!settings.server) throw new Error("Set the server URL first.");
    const user = await api.login(settings.server, message.email, message.password);
    await index.clear();
    index.refresh().catch(() => {});
    queue.drain().catch(() => {});
    return { user };
  },
  async logout() {
    await api.logout();
    await index.clear();
    return {};
  },
  async "refresh-index"() {
    const idx = await index.refresh();
    return { libraries: Object.keys(idx.libraries).length, entries: Object.keys(idx.entries).length };
  },
};
