// The worker's rules for saves and the session (issue 21), against a fake browser API:
// nothing without an address or a listing's address is queued; the in-page button's saves go to
// the default library and the popup's choice changes it only with "make default"; a 401 from any
// call is broadcast to every tab's content script at once.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function event() {
  const listeners = [];
  return { addListener: (fn) => listeners.push(fn), listeners };
}

const EXT_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";
const fake = { storage: new Map(), requests: [], sent: [], tabs: [], answer: () => ({ status: 200, body: {} }) };

globalThis.chrome = {
  storage: {
    local: {
      async get(key) {
        const out = {};
        for (const k of [].concat(key)) if (fake.storage.has(k)) out[k] = structuredClone(fake.storage.get(k));
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
  action: { async setBadgeText() {}, async setBadgeBackgroundColor() {}, async setTitle() {} },
  runtime: { onInstalled: event(), onStartup: event(), onMessage: event(), getURL: (p) => EXT_ORIGIN + p, async openOptionsPage() {} },
  alarms: { onAlarm: event(), async create() {} },
  contextMenus: { onClicked: event(), removeAll: (cb) => cb && cb(), create() {} },
  commands: { onCommand: event() },
  tabs: {
    onUpdated: event(),
    async query() {
      return fake.tabs;
    },
    async get(id) {
      return fake.tabs.find((t) => t.id === id) || { id, url: "" };
    },
    async sendMessage(tabId, message) {
      fake.sent.push({ tabId, message });
      if (tabId === 2) throw new Error("Could not establish connection. Receiving end does not exist.");
      return message.type === "extract" ? undefined : {};
    },
  },
  scripting: {
    async executeScript() {
      throw new Error("Cannot access contents of the page.");
    },
  },
};

globalThis.fetch = async (url, init) => {
  const body = init.body ? JSON.parse(init.body) : undefined;
  fake.requests.push({ url, method: init.method, body });
  const { status, body: answer } = fake.answer(url, init, body);
  return new Response(answer === undefined ? "" : JSON.stringify(answer), { status });
};

await import("../src/background.js");

function message(msg, sender = { url: `${EXT_ORIGIN}src/popup/popup.html` }) {
  const [listener] = chrome.runtime.onMessage.listeners;
  return new Promise((resolve) => listener(msg, sender, resolve));
}
const fromPage = { url: "https://arxiv.org/abs/2106.09608", tab: { id: 7 } };
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const saves = () => fake.requests.filter((r) => r.url.endsWith("/api/v1/save"));

beforeEach(() => {
  fake.storage.clear();
  fake.storage.set("settings", { server: "http://127.0.0.1:8000", defaultLibrary: 1 });
  fake.storage.set("token", "t0k");
  fake.storage.set("index", {
    libraries: { 1: { name: "Reader's library", kind: "personal" }, 2: { name: "Vision group", kind: "lab" } },
    entries: {},
  });
  fake.requests.length = 0;
  fake.sent.length = 0;
  fake.tabs = [{ id: 1 }, { id: 2 }, { id: 3 }];
  fake.answer = (url, init, body) =>
    url.endsWith("/api/v1/save")
      ? { status: 201, body: { id: 10, library: body.library, paper: { identifiers: {}, url: body.url } } }
      : { status: 200, body: { results: [] } };
});

test("a save without an address is refused and never queued", async () => {
  for (const url of [undefined, "", "   "]) {
    const answer = await message({ type: "save", url, metadata: { title: "x" } });
    assert.match(answer.error, /no address/);
  }
  assert.match((await message({ type: "save", url: "chrome://newtab/" })).error, /Only web pages/);
  assert.equal(saves().length, 0);
  assert.deepEqual(fake.storage.get("queue") || [], []);
});

test("a listing's address is never saved as a paper", async () => {
  for (const url of [
    "https://huggingface.co/papers/date/2017-06-13",
    "https://huggingface.co/papers",
    "https://arxiv.org/list/cs.CL/new",
    "https://arxiv.org/search/?query=x",
    "https://aclanthology.org/events/acl-2023/",
    "https://aclanthology.org/volumes/2023.acl-long/",
  ]) {
    const answer = await message({ type: "save", url });
    assert.match(answer.error, /list of papers/, url);
  }
  assert.equal(saves().length, 0);
  assert.deepEqual(fake.storage.get("queue") || [], []);
});

test("the popup of a page it cannot read says there is nothing to save (no URL guess)", async () => {
  fake.tabs = [{ id: 5, url: "https://huggingface.co/papers/date/2017-06-13" }, { id: 6 }];
  const listing = await message({ type: "extract-tab", tabId: 5 });
  assert.equal(listing.kind, "listing");
  const blank = await message({ type: "extract-tab", tabId: 6 });
  assert.equal(blank.kind, "none");
  assert.equal(blank.url, "");
});

test("the in-page button saves to the default library, whatever it sends", async () => {
  const answer = await message({ type: "save", url: "https://arxiv.org/abs/2106.09608", library: 2, lists: [5] }, fromPage);
  assert.equal(answer.state, "saved");
  assert.equal(answer.libraryName, "Reader's library");
  assert.equal(answer.target, "Reader's library");
  assert.equal(saves()[0].body.library, 1);
  assert.equal(fake.requests.filter((r) => r.url.includes("/lists/")).length, 0);
});

test("a popup save into another library leaves the default alone", async () => {
  const answer = await message({ type: "save", url: "https://arxiv.org/abs/2106.09608", library: "2" });
  assert.equal(answer.libraryName, "Vision group");
  assert.equal(saves()[0].body.library, 2);
  assert.equal(fake.storage.get("settings").defaultLibrary, 1);
  await message({ type: "save", url: "https://arxiv.org/abs/1902.02534" }, fromPage);
  assert.equal(saves()[1].body.library, 1);
});

test("set-defaults (the options page, the popup's make default) keeps lists for the same library", async () => {
  fake.storage.set("settings", { server: "http://x", defaultLibrary: 2, defaultLists: [4] });
  await message({ type: "set-defaults", library: 2 });
  assert.deepEqual(fake.storage.get("settings").defaultLists, [4]);
  await message({ type: "set-defaults", library: 1 });
  assert.deepEqual(fake.storage.get("settings"), { server: "http://x", defaultLibrary: 1, defaultLists: [] });
});

test("lookups name where the paper is and where one-click saves go", async () => {
  fake.answer = () => ({
    status: 200,
    body: {
      results: [
        { identified: true, entries: [{ id: 3, library: 2, library_name: "Vision group", kind: "lab" }] },
        { identified: true, entries: [{ id: 4, library: 1, library_name: "Reader's library", kind: "personal" }] },
      ],
    },
  });
  const answer = await message({ type: "lookup", items: [{ url: "https://a" }, { url: "https://b" }] }, fromPage);
  assert.equal(answer.loggedIn, true);
  assert.equal(answer.target, "Reader's library");
  assert.deepEqual(
    answer.results.map((r) => [r.saved, r.where, r.inLab, r.labs]),
    [
      [false, "", true, ["Vision group"]],
      [true, "Reader's library", false, []],
    ],
  );
});

test("a 401 from any call is broadcast to every tab's content script at once", async () => {
  fake.answer = () => ({ status: 401, body: { detail: "Invalid token." } });
  const answer = await message({ type: "lookup", items: [{ url: "https://arxiv.org/abs/2106.09608" }] }, fromPage);
  await settle();
  assert.equal(answer.loggedIn, false);
  assert.equal(fake.storage.has("token"), false);
  const sessions = fake.sent.filter((s) => s.message.type === "session");
  assert.deepEqual(
    sessions.map((s) => [s.tabId, s.message.loggedIn]),
    [
      [1, false],
      [2, false],
      [3, false],
    ],
  );
  // Logged out: lookups say so without asking the server.
  const before = fake.requests.length;
  const again = await message({ type: "lookup", items: [{ url: "https://arxiv.org/abs/2106.09608" }] }, fromPage);
  assert.equal(again.loggedIn, false);
  assert.equal(fake.requests.length, before);
});

test("the focus-button command asks the active tab's page to focus its button", async () => {
  const [onCommand] = chrome.commands.onCommand.listeners;
  await onCommand("focus-button", { id: 3 });
  assert.deepEqual(fake.sent, [{ tabId: 3, message: { type: "focus-button" } }]);
  assert.equal(saves().length, 0);
});

test("the manifest declares the focus shortcut; the button is closed and trusts only people", () => {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
  assert.equal(manifest.commands["focus-button"].suggested_key.default, "Alt+Shift+B");
  const keys = Object.values(manifest.commands).map((c) => c.suggested_key && c.suggested_key.default);
  assert.equal(new Set(keys).size, keys.length, "no two commands share a key");
  assert.ok(keys.length <= 4, "Chromium allows at most four suggested keys");
  const button = readFileSync(join(root, "src", "content", "button.js"), "utf8");
  assert.match(button, /attachShadow\(\{ mode: "closed" \}\)/);
  assert.doesNotMatch(button, /mode: "open"/);
  assert.match(button, /if \(!event\.isTrusted\) return;/);
  assert.match(button, /setAttribute\("aria-live", "polite"\)/);
  // Every click handler goes through the trusted check.
  const handlers = button.match(/addEventListener\("click", [^)]*\)/g) || [];
  assert.ok(handlers.length >= 2);
  for (const h of handlers) assert.match(h, /onClick\(/);
});

test("a content script may only save, look up and report its page", async () => {
  const [listener] = chrome.runtime.onMessage.listeners;
  for (const type of ["set-defaults", "logout", "login", "set-server", "remove-queued", "status", "cite", "extract-tab"]) {
    let answered = false;
    const async = listener({ type, library: 2 }, fromPage, () => (answered = true));
    assert.equal(async, false, type);
    await settle();
    assert.equal(answered, false, type);
  }
  assert.equal(fake.storage.get("settings").defaultLibrary, 1);
  assert.equal(fake.storage.get("token"), "t0k");
});
