// The toolbar badge: a tab's saved mark wins on that tab, the unread notification count shows
// everywhere else. The rule (src/badge.js) is pure; the worker (src/background.js) runs here
// against a fake browser API that keeps the badge the way browsers do (tab value, else global).
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import * as badge from "../src/badge.js";

// ---- the rule -------------------------------------------------------------------------------

test("the count: empty when none, the number, 99+ past 99", () => {
  assert.equal(badge.unreadText(0), "");
  assert.equal(badge.unreadText(null), "");
  assert.equal(badge.unreadText(-2), "");
  assert.equal(badge.unreadText("nonsense"), "");
  assert.equal(badge.unreadText(1), "1");
  assert.equal(badge.unreadText(42), "42");
  assert.equal(badge.unreadText(99), "99");
  assert.equal(badge.unreadText(100), "99+");
});

test("the count's label and title", () => {
  assert.equal(badge.unreadLabel(0), "");
  assert.equal(badge.unreadLabel(1), "1 unread notification");
  assert.equal(badge.unreadLabel(3), "3 unread notifications");
  assert.equal(badge.unreadLabel(250), "250 unread notifications");
  assert.deepEqual(badge.globalBadge(3), {
    text: "3",
    color: badge.UNREAD_COLOR,
    title: "Save to reading list: 3 unread notifications",
  });
  assert.deepEqual(badge.globalBadge(0), { text: "", color: badge.UNREAD_COLOR, title: "Save to reading list" });
});

test("a tab's mark wins; no mark falls back to the count (null, never an empty string)", () => {
  assert.equal(badge.shownText("✓", 3), "✓");
  assert.equal(badge.shownText("…", 3), "…");
  assert.equal(badge.shownText("!", 3), "!");
  assert.equal(badge.shownText(null, 3), "3");
  assert.equal(badge.shownText(null, 0), "");
  assert.equal(badge.shownText("", 7), "7");
  assert.deepEqual(badge.tabBadge(null), { text: null, color: badge.UNREAD_COLOR });
  assert.deepEqual(badge.tabBadge(""), { text: null, color: badge.UNREAD_COLOR });
  assert.deepEqual(badge.tabBadge("✓"), { text: "✓", color: badge.MARK_COLORS["✓"] });
  assert.notEqual(badge.MARK_COLORS["✓"], badge.UNREAD_COLOR, "the saved mark has its own color");
});

test("a save's outcome picks the mark", () => {
  assert.equal(badge.saveMark("saved"), "✓");
  assert.equal(badge.saveMark("queued"), "…");
  assert.equal(badge.saveMark("failed"), "!");
});

// ---- the worker, against a fake browser -----------------------------------------------------

function event() {
  const listeners = [];
  return { addListener: (fn) => listeners.push(fn), listeners };
}

const fake = {
  storage: new Map(),
  badge: { text: new Map(), color: new Map(), title: new Map() }, // key: tabId, or "global"
  requests: [],
  answer: () => ({ status: 200, body: { unread_count: 0, results: [] } }),
};

function layer(map, details, value) {
  const key = details.tabId ?? "global";
  if (value === null || value === undefined) {
    if (key === "global") map.set(key, "");
    else map.delete(key);
  } else map.set(key, value);
}

const shown = (map, tabId) => (tabId !== undefined && map.has(tabId) ? map.get(tabId) : (map.get("global") ?? ""));

globalThis.chrome = {
  storage: {
    local: {
      async get(key) {
        const keys = typeof key === "string" ? [key] : key;
        const out = {};
        for (const k of keys) if (fake.storage.has(k)) out[k] = structuredClone(fake.storage.get(k));
        return out;
      },
      async set(values) {
        for (const [k, v] of Object.entries(values)) fake.storage.set(k, structuredClone(v));
      },
      async remove(keys) {
        for (const k of [].concat(keys)) fake.storage.delete(k);
      },
    },
  },
  action: {
    async setBadgeText(d) {
      layer(fake.badge.text, d, d.text);
    },
    async setBadgeBackgroundColor(d) {
      layer(fake.badge.color, d, d.color);
    },
    async setTitle(d) {
      layer(fake.badge.title, d, d.title);
    },
  },
  runtime: { onInstalled: event(), onStartup: event(), onMessage: event() },
  alarms: { onAlarm: event(), async create() {} },
  contextMenus: { onClicked: event(), removeAll: (cb) => cb && cb(), create() {} },
  commands: { onCommand: event() },
  tabs: { onUpdated: event(), async query() { return []; }, async get(id) { return { id, url: "" }; } },
};

globalThis.fetch = async (url, init) => {
  fake.requests.push({ url, method: init.method, token: init.headers["X-Session-Token"] });
  const { status, body } = fake.answer(url, init);
  if (status === 0) throw new TypeError("Failed to fetch");
  return new Response(body === undefined ? "" : JSON.stringify(body), { status });
};

await import("../src/background.js");

/** Send the worker a message the way a page would. */
function message(msg, sender = {}) {
  const [listener] = chrome.runtime.onMessage.listeners;
  return new Promise((resolve) => listener(msg, sender, resolve));
}

const notificationRequests = () => fake.requests.filter((r) => r.url.includes("/api/v1/notifications/"));
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

beforeEach(() => {
  fake.storage.clear();
  fake.storage.set("settings", { server: "http://127.0.0.1:8000" });
  fake.storage.set("token", "t0k");
  for (const map of Object.values(fake.badge)) map.clear();
  fake.requests.length = 0;
  fake.answer = () => ({ status: 200, body: { unread_count: 0, results: [] } });
});

test("the popup's refresh shows the count on the badge and says where the inbox is", async () => {
  fake.answer = () => ({ status: 200, body: { unread_count: 3, results: [{}] } });
  const answer = await message({ type: "notifications" });
  assert.deepEqual(answer, {
    loggedIn: true,
    count: 3,
    label: "3 unread notifications",
    url: "http://127.0.0.1:8000/notifications/",
  });
  const [req] = notificationRequests();
  assert.equal(req.url, "http://127.0.0.1:8000/api/v1/notifications/?unread=true&limit=1");
  assert.equal(req.token, "t0k");
  assert.equal(shown(fake.badge.text), "3");
  assert.equal(shown(fake.badge.color), badge.UNREAD_COLOR);
  assert.equal(shown(fake.badge.title), "Save to reading list: 3 unread notifications");
});

test("a saved page's mark wins on its tab; an unsaved page's tab shows the count", async () => {
  fake.answer = () => ({ status: 200, body: { unread_count: 2, results: [{}] } });
  await message({ type: "notifications" });
  await message({ type: "page-state", saved: true }, { tab: { id: 7 } });
  await message({ type: "page-state", saved: false }, { tab: { id: 8 } });
  await settle();
  assert.equal(shown(fake.badge.text, 7), "✓");
  assert.equal(shown(fake.badge.color, 7), badge.MARK_COLORS["✓"]);
  assert.equal(shown(fake.badge.text, 8), "2");
  assert.equal(shown(fake.badge.color, 8), badge.UNREAD_COLOR);
  assert.equal(shown(fake.badge.text, 9), "2");
  // The title names the count on every tab, also where the mark covers it.
  assert.equal(shown(fake.badge.title, 7), "Save to reading list: 2 unread notifications");

  // Once read, the global count clears and the mark stays.
  fake.answer = () => ({ status: 200, body: { unread_count: 0, results: [] } });
  await message({ type: "notifications" });
  assert.equal(shown(fake.badge.text, 7), "✓");
  assert.equal(shown(fake.badge.text, 8), "");
  assert.equal(shown(fake.badge.title), "Save to reading list");
});

test("the sync alarm refreshes the count; the queue alarm does not", async () => {
  fake.answer = (url) =>
    url.includes("/notifications/")
      ? { status: 200, body: { unread_count: 5, results: [{}] } }
      : { status: 200, body: { results: [], next: null } };
  const [onAlarm] = chrome.alarms.onAlarm.listeners;
  await onAlarm({ name: "queue" });
  assert.equal(notificationRequests().length, 0);
  await onAlarm({ name: "sync" });
  assert.equal(notificationRequests().length, 1);
  assert.equal(shown(fake.badge.text), "5");
});

test("a 401 clears the count and the token; nothing asks again until a login", async () => {
  fake.answer = () => ({ status: 200, body: { unread_count: 4, results: [{}] } });
  await message({ type: "notifications" });
  assert.equal(shown(fake.badge.text), "4");

  fake.answer = () => ({ status: 401, body: { detail: "Not logged in." } });
  const answer = await message({ type: "notifications" });
  await settle();
  assert.equal(answer.loggedIn, false);
  assert.equal(answer.count, 0);
  assert.equal(shown(fake.badge.text), "");
  assert.equal(shown(fake.badge.title), "Save to reading list");
  assert.equal(fake.storage.has("token"), false);

  const [onAlarm] = chrome.alarms.onAlarm.listeners;
  await onAlarm({ name: "sync" });
  await message({ type: "notifications" });
  await message({ type: "notifications" });
  assert.equal(notificationRequests().length, 2, "no request without a token");
});

test("an unreachable server keeps the last count", async () => {
  fake.answer = () => ({ status: 200, body: { unread_count: 6, results: [{}] } });
  await message({ type: "notifications" });
  fake.answer = () => ({ status: 0 });
  const answer = await message({ type: "notifications" });
  assert.equal(answer.count, 6);
  assert.ok(answer.error);
  assert.equal(shown(fake.badge.text), "6");
  fake.answer = () => ({ status: 503, body: "down" });
  await message({ type: "notifications" });
  assert.equal(shown(fake.badge.text), "6");
});

test("popups opened together share one request", async () => {
  fake.answer = () => ({ status: 200, body: { unread_count: 1, results: [{}] } });
  const answers = await Promise.all([message({ type: "notifications" }), message({ type: "notifications" })]);
  assert.deepEqual(
    answers.map((a) => a.count),
    [1, 1],
  );
  assert.equal(notificationRequests().length, 1);
});

test("logging out clears the count", async () => {
  fake.answer = (url) =>
    url.includes("/notifications/") ? { status: 200, body: { unread_count: 2, results: [{}] } } : { status: 204 };
  await message({ type: "notifications" });
  assert.equal(shown(fake.badge.text), "2");
  await message({ type: "logout" });
  assert.equal(shown(fake.badge.text), "");
  assert.equal(fake.storage.get("unread"), 0);
});
