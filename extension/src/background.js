// The background worker: owns the token and every API call (through api.js), the save queue,
// the local index, the badge (a saved mark per tab, the unread notification count globally: see
// badge.js), the context menu and the keyboard shortcut.
import "./extract/common.js";
import "./extract/generic.js";
import "./extract/sites.js";
import { ext, load, store } from "./browser.js";
import * as api from "./api.js";
import * as queue from "./queue.js";
import * as index from "./index.js";
import * as badge from "./badge.js";

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
    ext.contextMenus.create({ id: "highlight-selection", title: "Highlight selection", contexts: ["selection"] });
  });
  await scheduleAlarms();
  await store({ installedAt: Date.now() });
  await refreshUnread().catch(() => {});
});

ext.runtime.onStartup.addListener(() => {
  scheduleAlarms();
  queue.recover().then(() => queue.drain());
  refreshUnread().catch(() => {}); // the browser starts with an empty badge
});

ext.alarms.onAlarm.addListener(async (alarm) => {
  if (!(await load("token", ""))) return;
  if (alarm.name === QUEUE_ALARM) await queue.drain().catch(() => {});
  if (alarm.name === SYNC_ALARM) {
    await index.refresh().catch(() => {});
    await refreshUnread().catch(() => {});
  }
});

ext.contextMenus.onClicked.addListener(async (info, tab) => {
  try {
    if (info.menuItemId === "save-link" && info.linkUrl) {
      await saveAndReport({ url: info.linkUrl, metadata: RL.fromUrl(info.linkUrl).metadata }, tab);
    } else if (info.menuItemId === "save-page" && tab) {
      await saveTab(tab);
    } else if (info.menuItemId === "highlight-selection" && tab && tab.id != null) {
      // The page's content script owns the selection; it describes it and asks back.
      await ext.tabs.sendMessage(tab.id, { type: "highlight-selection" }, { frameId: info.frameId || 0 });
    }
  } catch {
    // A listing's address, or a page with none: refused before anything was queued.
    if (tab && tab.id != null) await markTab(tab.id, "!").catch(() => {});
  }
});

ext.commands.onCommand.addListener(async (command, tab) => {
  if (command !== "save-page" && command !== "focus-button" && command !== "highlight-selection") return;
  const active = tab || (await ext.tabs.query({ active: true, lastFocusedWindow: true }))[0];
  if (!active) return;
  if (command === "highlight-selection") {
    await ext.tabs.sendMessage(active.id, { type: "highlight-selection" }, { frameId: 0 }).catch(() => {});
    return;
  }
  if (command === "focus-button") {
    // The page's own save button takes the keyboard focus (pages without one: nothing happens).
    await ext.tabs.sendMessage(active.id, { type: "focus-button" }).catch(() => {});
    return;
  }
  await saveTab(active).catch(() => markTab(active.id, "!").catch(() => {}));
});

if (ext.tabs.onRemoved) {
  ext.tabs.onRemoved.addListener((tabId) => {
    tabHighlights.delete(tabId);
    if (sessionStore) sessionStore.remove(`highlights:${tabId}`).catch(() => {});
  });
}

ext.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.status === "complete" && tab.url) updateBadge(tabId, tab.url).catch(() => {});
});

api.onTokenDropped(() => {
  index.clear();
  clearUnread().catch(() => {});
  // A 401 from any call logs every in-page button out at once.
  broadcast({ type: "session", loggedIn: false }).catch(() => {});
});

/** Tell every tab's content script (tabs without one just do not answer). */
async function broadcast(message) {
  if (!ext.tabs || !ext.tabs.sendMessage) return;
  const tabs = await ext.tabs.query({});
  await Promise.all(
    tabs.filter((t) => t.id != null && t.id >= 0).map((t) => Promise.resolve(ext.tabs.sendMessage(t.id, message)).catch(() => {})),
  );
}

ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
  const type = message && message.type;
  const handler = Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : null;
  if (!handler) return false;
  // Content scripts (which run beside page scripts) may only save, look up and report a page.
  if (fromContentScript(sender) && !CONTENT_SCRIPT_MESSAGES.has(type)) return false;
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

/** Why a request cannot be a paper save (nothing is queued for it), or "". */
function refusal(request) {
  const url = String((request && request.url) || "").trim();
  if (!url) return "Nothing to save: this page has no address the extension can read.";
  if (!/^https?:\/\//i.test(url)) return "Only web pages (http or https) can be saved.";
  if (RL.isListingUrl(url)) return "This page is a list of papers, not a paper: save the papers on it one by one.";
  return "";
}

/** A library's name from the local index ("" when unknown). */
async function libraryName(id) {
  if (id == null) return "";
  const idx = await load("index", { libraries: {} });
  const lib = (idx.libraries || {})[String(id)];
  return (lib && lib.name) || "";
}

/** Where one-click saves go: the default library set in the options, else your personal one. */
async function oneClickTarget() {
  const settings = await load("settings", {});
  const idx = await load("index", { libraries: {} });
  const libraries = idx.libraries || {};
  if (settings.defaultLibrary != null && libraries[String(settings.defaultLibrary)]) {
    return { id: Number(settings.defaultLibrary), name: libraries[String(settings.defaultLibrary)].name || "" };
  }
  const personal = Object.entries(libraries).find(([, lib]) => lib.kind === "personal");
  if (settings.defaultLibrary == null && personal) return { id: Number(personal[0]), name: personal[1].name || "" };
  return { id: settings.defaultLibrary ?? null, name: "" };
}

/**
 * Queue a save, try to send it now; the answer says saved, queued or failed. A request with a
 * library (the popup's choice) goes there; one without (the in-page button, the shortcut, the
 * context menu) goes to the default library from the options: the popup's last choice never
 * changes that unless the person ticks "make default" there.
 */
async function save(request) {
  const why = refusal(request);
  if (why) throw new Error(why);
  const settings = await load("settings", {});
  const library = request.library || settings.defaultLibrary || undefined;
  const lists = request.lists || (request.library ? [] : settings.defaultLists || []);
  const key = await queue.enqueue(saveBody({ ...request, library }), { lists });
  const results = await queue.drain();
  const result = results[key];
  if (result && result.ok) {
    await index.remember(result.entry);
    const name = (result.entry && result.entry.library_name) || (await libraryName(result.entry && result.entry.library));
    return { state: "saved", created: result.created, entry: result.entry, key, libraryName: name };
  }
  const items = await queue.items();
  const item = items.find((i) => i.key === key);
  if (!item) return { state: "saved", key };
  if (item.state === "failed") return { state: "failed", error: item.error, key };
  if (item.state === "done") return { state: "saved", entry: item.entry, key, libraryName: await libraryName(item.entry && item.entry.library) };
  return { state: "queued", error: item.error, key };
}

async function saveTab(tab) {
  const page = await extractTab(tab);
  if (page.kind === "listing" || page.kind === "none") throw new Error(refusal({ url: page.url }) || "Nothing to save on this page.");
  return saveAndReport({ url: page.url || tab.url, metadata: page.metadata }, tab);
}

async function saveAndReport(request, tab) {
  const result = await save(request);
  if (tab && tab.id != null) await markTab(tab.id, badge.saveMark(result.state));
  return result;
}

/**
 * What the tab's page says: the content script when there is one, else inject, else the URL.
 * Answers: {kind: "paper"|"page", url, metadata}, {kind: "listing", url, count, items} (each
 * item {id, url, metadata}), or {kind: "none", url} (nothing to save here).
 */
async function extractTab(tab) {
  const usable = (answer) => answer && (answer.kind === "listing" || answer.kind === "none" || answer.metadata);
  try {
    const answer = await ext.tabs.sendMessage(tab.id, { type: "extract" });
    if (usable(answer)) return answer;
  } catch {
    /* no content script on this page */
  }
  try {
    const [injected] = await ext.scripting.executeScript({
      target: { tabId: tab.id },
      files: ["src/extract/common.js", "src/extract/generic.js", "src/extract/sites.js", "src/content/probe.js"],
    });
    if (injected && usable(injected.result)) return injected.result;
  } catch {
    /* PDF viewer, browser pages, or no activeTab grant */
  }
  // The URL alone (a PDF tab): never a listing's, never an empty one.
  if (!tab.url || refusal({ url: tab.url })) return { kind: tab.url && RL.isListingUrl(tab.url) ? "listing" : "none", url: tab.url || "", count: 0, items: [] };
  return { kind: "paper", ...RL.fromUrl(tab.url) };
}

// ---- state ----------------------------------------------------------------------------------

/**
 * A paper's state for a button: saved (in the one-click target or your personal library; `where`
 * names it), in a lab library (`labs`), or not saved.
 */
function summarize(entries, target = {}) {
  const inTarget = target.id != null ? entries.filter((e) => String(e.library) === String(target.id)) : [];
  const mine = entries.filter((e) => e.kind === "personal");
  const saved = inTarget.length ? inTarget : mine;
  const lab = entries.filter((e) => e.kind === "lab" && !saved.includes(e));
  return {
    saved: saved.length > 0,
    where: saved.length ? saved[0].library_name || "" : "",
    inLab: lab.length > 0,
    labs: lab.map((e) => e.library_name),
    entries,
  };
}

async function lookup(items) {
  // items: [{url, identifiers}]; the URL is what the server resolves.
  const target = await oneClickTarget();
  const results = [];
  for (let i = 0; i < items.length; i += 200) {
    const chunk = items.slice(i, i + 200);
    const { data } = await api.lookup(chunk.map((it) => it.url));
    results.push(...data.results.map((r) => ({ ...summarize(r.entries || [], target), identified: r.identified })));
  }
  return results;
}

async function localLookup(items) {
  const target = await oneClickTarget();
  const out = [];
  for (const it of items) out.push({ ...summarize(await index.localState(it.identifiers, it.url), target), local: true });
  return out;
}

async function updateBadge(tabId, url) {
  if (!(await load("token", ""))) return;
  const ids = RL.identifiersFromUrl(url);
  const state = summarize(await index.localState(ids, Object.keys(ids).length ? "" : url));
  await markTab(tabId, state.saved || state.inLab ? "✓" : null);
}

// ---- badge ----------------------------------------------------------------------------------
// A tab's mark ("✓" saved, "…" queued, "!" failed) wins on that tab; every other tab shows the
// global unread notification count. The rule's values live in badge.js.

/** Set (or with null, clear) a tab's mark; a cleared tab shows the global count again. */
async function markTab(tabId, mark) {
  const { text, color } = badge.tabBadge(mark);
  await ext.action.setBadgeBackgroundColor({ tabId, color });
  await ext.action.setBadgeText({ tabId, text });
}

async function showUnread(count) {
  const { text, color, title } = badge.globalBadge(count);
  await ext.action.setBadgeBackgroundColor({ color });
  await ext.action.setBadgeText({ text });
  await ext.action.setTitle({ title });
}

async function clearUnread() {
  await store({ unread: 0 });
  await showUnread(0);
}

/**
 * Ask the server for the unread count and show it. Called on the sync alarm, at startup, on
 * login and when the popup opens; concurrent callers share one request. Logged out: no request.
 * A 401 drops the token (api.js), which clears the count, and then nothing asks until the next
 * login. Unreachable: the last count stays.
 */
let unreadInFlight = null;
function refreshUnread() {
  if (!unreadInFlight) unreadInFlight = fetchUnread().finally(() => (unreadInFlight = null));
  return unreadInFlight;
}

async function fetchUnread() {
  const token = await load("token", "");
  if (!token) {
    await clearUnread();
    return { loggedIn: false, count: 0 };
  }
  try {
    const { data } = await api.unreadNotifications();
    // Logged out (or in as someone else) while the request was out: that answer is stale.
    if ((await load("token", "")) !== token) return { loggedIn: Boolean(await load("token", "")), count: await load("unread", 0) };
    const count = badge.unreadNumber(data && data.unread_count);
    await store({ unread: count });
    await showUnread(count);
    return { loggedIn: true, count };
  } catch (error) {
    const loggedIn = Boolean(await load("token", ""));
    if (!loggedIn || !(error instanceof api.ApiError) || !error.offline) {
      // 401 (the token is gone), or an answer that has no count (an older server): no number.
      await clearUnread();
      return { loggedIn, count: 0, error: error.message };
    }
    return { loggedIn, count: await load("unread", 0), error: error.message };
  }
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
    oneClick: token ? (await oneClickTarget()).name : "",
    citationStyle: CITATION_STYLES.includes(citationStyle) ? citationStyle : "apa",
    queue: items.map(({ body, ...rest }) => ({ ...rest, url: body.url, title: body.metadata && body.metadata.title })),
  };
}

// ---- message handlers -----------------------------------------------------------------------

/** A message from a content script in a web page (not the extension's popup or options). */
function fromContentScript(sender) {
  const origin = ext.runtime.getURL ? ext.runtime.getURL("") : "";
  const ownPage = Boolean(sender && sender.url && origin && sender.url.startsWith(origin));
  return Boolean(sender && sender.tab) && !ownPage;
}

const CONTENT_SCRIPT_MESSAGES = new Set([
  "save",
  "lookup",
  "lookup-local",
  "page-state",
  "open-options",
  "highlights",
  "highlight-create",
  "highlight-update",
  "highlight-delete",
]);

// ---- highlights -----------------------------------------------------------------------------
// The content script describes and draws; the worker finds the page's entries and talks to the
// server. A highlight goes on the page's entry in the one-click library, saved there first when
// the page is not saved yet.

const MAX_HIGHLIGHT_ENTRIES = 10;

/**
 * The URL whose highlights a tab may see: the content script's canonical URL only when it is on
 * the tab's own site, so a page cannot name another paper in its canonical link and have the
 * lab's highlights on that paper drawn into its DOM.
 */
function highlightPageUrl(message, sender) {
  const tabUrl = (sender && ((sender.tab && sender.tab.url) || sender.url)) || "";
  if (!tabUrl) return String((message && message.url) || "");
  let claimed;
  let actual;
  try {
    claimed = new URL(String(message.url));
    actual = new URL(tabUrl);
  } catch {
    return tabUrl;
  }
  if (!/^https?:$/.test(claimed.protocol)) return tabUrl;
  if (claimed.hostname === actual.hostname) return claimed.href;
  const site = RL.registrableDomain(actual.hostname);
  return site && RL.registrableDomain(claimed.hostname) === site ? claimed.href : tabUrl;
}

// Ids of the highlights handed to each tab: a page may edit or delete only those. Mirrored in
// storage.session (where there is one) so a restarted worker still knows them.
const tabHighlights = new Map(); // tabId -> Set of ids
const sessionStore = ext.storage && ext.storage.session;

async function tabHighlightIds(tabId) {
  if (!tabHighlights.has(tabId) && sessionStore) {
    const key = `highlights:${tabId}`;
    const got = await sessionStore.get(key).catch(() => ({}));
    if (!tabHighlights.has(tabId) && Array.isArray(got[key])) tabHighlights.set(tabId, new Set(got[key]));
  }
  if (!tabHighlights.has(tabId)) tabHighlights.set(tabId, new Set());
  return tabHighlights.get(tabId);
}

async function rememberHighlights(tabId, ids, { replace = false } = {}) {
  if (tabId == null) return;
  const set = replace ? new Set() : await tabHighlightIds(tabId);
  for (const id of ids) set.add(Number(id));
  tabHighlights.set(tabId, set);
  if (sessionStore) await sessionStore.set({ [`highlights:${tabId}`]: [...set] }).catch(() => {});
}

async function forgetHighlight(tabId, id) {
  const set = await tabHighlightIds(tabId);
  set.delete(id);
  if (sessionStore) await sessionStore.set({ [`highlights:${tabId}`]: [...set] }).catch(() => {});
}

/** The highlight id of an update or delete, when the sender's tab was given it; else it throws. */
async function ownedHighlightId(message, sender) {
  const id = Number(message.id);
  const tabId = sender && sender.tab ? sender.tab.id : null;
  if (!fromContentScript(sender)) return id; // the extension's own pages
  if (tabId == null || !Number.isInteger(id) || !(await tabHighlightIds(tabId)).has(id)) {
    throw new Error("This highlight is not on this page.");
  }
  return id;
}

async function pageEntries(url) {
  const { data } = await api.lookup([url]);
  const result = (data.results || [])[0] || {};
  return result.entries || [];
}

/** What a content script may see of a highlight (`mine`: its author is the person logged in). */
function shownHighlight(h, entry, userId) {
  const link = /^https?:\/\//.test(String(h.discussion_url || "")) ? h.discussion_url : "";
  return {
    id: h.id,
    entry: h.entry,
    selectors: h.selectors,
    exact: h.exact,
    comment: h.comment || "",
    color: h.color || "",
    author_name: h.author_name || "A former member",
    mine: userId != null && h.author === userId,
    library_name: (entry && entry.library_name) || "",
    lab: Boolean(entry && entry.kind === "lab"),
    discussion_url: link,
    version: h.version,
  };
}

async function currentUserId() {
  const user = await load("user", null);
  return user && user.id != null ? Number(user.id) : null;
}

async function highlightTarget(message) {
  const target = await oneClickTarget();
  const entries = await pageEntries(message.url);
  const inTarget = entries.find((e) => target.id != null && String(e.library) === String(target.id));
  if (inTarget) return inTarget;
  const saved = await save({ url: message.url, metadata: message.metadata });
  if (saved.state !== "saved" || !saved.entry || saved.entry.id == null) {
    throw new Error(saved.error || "The page could not be saved, so it cannot be highlighted yet.");
  }
  return { id: saved.entry.id, library: saved.entry.library, library_name: saved.libraryName || target.name, kind: "", justSaved: true };
}

function cleanSelectors(selectors) {
  if (!Array.isArray(selectors) || !selectors.length || selectors.length > 4) throw new Error("Nothing to highlight.");
  return selectors.map((s) => {
    if (s && s.type === "TextQuoteSelector") {
      return { type: s.type, exact: String(s.exact), prefix: String(s.prefix || ""), suffix: String(s.suffix || "") };
    }
    if (s && s.type === "TextPositionSelector") return { type: s.type, start: Number(s.start), end: Number(s.end) };
    throw new Error("Unknown selector.");
  });
}

const HANDLERS = {
  async save(message, sender) {
    // A content script's save is a one-click save: the default library, nothing else.
    const request = fromContentScript(sender) ? { url: message.url, metadata: message.metadata } : message;
    const result = await save(request);
    if (fromContentScript(sender) && sender.tab.id != null) {
      markTab(sender.tab.id, badge.saveMark(result.state)).catch(() => {});
    }
    return { ...result, target: (await oneClickTarget()).name };
  },
  async lookup(message) {
    const target = (await oneClickTarget()).name;
    if (!(await load("token", ""))) return { loggedIn: false, target, results: await localLookup(message.items) };
    try {
      return { loggedIn: true, target, results: await lookup(message.items) };
    } catch (error) {
      return { loggedIn: Boolean(await load("token", "")), target, results: await localLookup(message.items), error: error.message };
    }
  },
  async "lookup-local"(message) {
    return { target: (await oneClickTarget()).name, results: await localLookup(message.items) };
  },
  async highlights(message, sender) {
    if (!(await load("token", ""))) return { loggedIn: false, highlights: [] };
    const url = highlightPageUrl(message, sender);
    const refused = refusal({ url });
    if (refused) return { loggedIn: true, highlights: [] };
    const userId = await currentUserId();
    const entries = (await pageEntries(url)).slice(0, MAX_HIGHLIGHT_ENTRIES);
    const lists = await Promise.all(entries.map((entry) => api.highlights(entry.id)));
    const highlights = lists.flatMap((list, i) => list.map((h) => shownHighlight(h, entries[i], userId)));
    // A fresh list is the page (re)loading: the ids of the page before it no longer apply.
    await rememberHighlights(sender && sender.tab ? sender.tab.id : null, highlights.map((h) => h.id), { replace: true });
    return { loggedIn: true, highlights };
  },
  async "highlight-create"(message, sender) {
    if (!(await load("token", ""))) throw new api.ApiError(401, null, "Log in to highlight.");
    const selectors = cleanSelectors(message.selectors);
    const url = highlightPageUrl(message, sender);
    // The metadata describes the canonical page; with the tab's own URL instead, the server reads it.
    const metadata = url === message.url ? message.metadata : undefined;
    const entry = await highlightTarget({ url, metadata });
    const body = { entry: entry.id, selectors, offset_unit: "utf16" };
    if (message.comment) body.comment = String(message.comment).slice(0, 100000);
    const { data } = await api.createHighlight(body, crypto.randomUUID());
    if (sender && sender.tab && sender.tab.id != null) {
      markTab(sender.tab.id, "✓").catch(() => {});
      // Saved just now for this highlight: the page's save button looks its paper up again.
      if (entry.justSaved) ext.tabs.sendMessage(sender.tab.id, { type: "session", loggedIn: true }).catch(() => {});
    }
    await rememberHighlights(sender && sender.tab ? sender.tab.id : null, [data.id]);
    return { highlight: shownHighlight(data, entry, await currentUserId()) };
  },
  async "highlight-update"(message, sender) {
    const id = await ownedHighlightId(message, sender);
    const { data } = await api.updateHighlight(id, { comment: String(message.comment ?? "").slice(0, 100000) });
    return { highlight: { id: data.id, comment: data.comment, version: data.version } };
  },
  async "highlight-delete"(message, sender) {
    const id = await ownedHighlightId(message, sender);
    await api.deleteHighlight(id);
    if (sender && sender.tab) await forgetHighlight(sender.tab.id, id);
    return { deleted: true };
  },
  async "open-options"() {
    await ext.runtime.openOptionsPage();
    return {};
  },
  async "page-state"(message, sender) {
    // The content script reports what it found; the badge follows it.
    if (sender.tab && sender.tab.id != null) markTab(sender.tab.id, message.saved ? "✓" : null).catch(() => {});
    return {};
  },
  async "extract-tab"(message) {
    const tab = await ext.tabs.get(message.tabId);
    return extractTab(tab);
  },
  async status() {
    return status();
  },
  async notifications() {
    // The popup opened: refresh the count, and say where the inbox is.
    const [answer, settings] = await Promise.all([refreshUnread(), load("settings", {})]);
    const inbox = settings.server ? `${settings.server}/notifications/` : "";
    return { ...answer, label: badge.unreadLabel(answer.count), url: inbox };
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
    // Only the options page and the popup's "make default" box send this.
    const settings = await load("settings", {});
    const library = message.library ?? null;
    const sameLibrary = String(library) === String(settings.defaultLibrary ?? null);
    const lists = message.lists || (sameLibrary ? settings.defaultLists || [] : []);
    await store({ settings: { ...settings, defaultLibrary: library, defaultLists: lists } });
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
      await clearUnread();
    }
    await store({ settings: { ...settings, server, defaultLibrary: null, defaultLists: [] } });
    return { server };
  },
  async login(message) {
    const settings = await load("settings", {});
    if (!settings.server) throw new Error("Set the server URL first.");
    const user = await api.login(settings.server, message.email, message.password);
    await index.clear();
    index
      .refresh()
      .catch(() => {})
      .then(() => broadcast({ type: "session", loggedIn: true }))
      .catch(() => {});
    queue.drain().catch(() => {});
    refreshUnread().catch(() => {});
    return { user };
  },
  async logout() {
    await api.logout();
    await index.clear();
    await clearUnread();
    broadcast({ type: "session", loggedIn: false }).catch(() => {});
    return {};
  },
  async "refresh-index"() {
    const idx = await index.refresh();
    return { libraries: Object.keys(idx.libraries).length, entries: Object.keys(idx.entries).length };
  },
};
