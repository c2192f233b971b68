// The worker's side of highlights, against a fake browser API and a fake server: a highlight
// goes on the page's entry in the one-click library (saved there first when it is not), the
// page's highlights come from every entry of the paper the person can see, each marked as
// theirs or a colleague's, and the context menu and shortcut ask the page for its selection.
import { test, beforeEach } from "node:test";
import assert from "node:assert/strict";

function event() {
  const listeners = [];
  return { addListener: (fn) => listeners.push(fn), listeners };
}

const EXT_ORIGIN = "chrome-extension://abcdefghijklmnopabcdefghijklmnop/";
const fake = { storage: new Map(), requests: [], sent: [], answer: () => ({ status: 200, body: {} }) };

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
  contextMenus: { onClicked: event(), removeAll: (cb) => cb && cb(), create: (item) => fake.menus.push(item) },
  commands: { onCommand: event() },
  tabs: {
    onUpdated: event(),
    async query() {
      return [];
    },
    async sendMessage(tabId, message, options) {
      fake.sent.push({ tabId, message, options });
      return {};
    },
  },
  scripting: { async executeScript() {} },
};
fake.menus = [];

globalThis.fetch = async (url, init) => {
  const body = init.body ? JSON.parse(init.body) : undefined;
  fake.requests.push({ url: url.replace("http://127.0.0.1:8000", ""), method: init.method, body, headers: init.headers });
  const { status, body: answer } = fake.answer(url.replace("http://127.0.0.1:8000", ""), init, body);
  return new Response(answer === undefined || status === 204 ? null : JSON.stringify(answer), { status });
};

await import("../src/background.js");

const fromPage = { url: "https://arxiv.org/abs/2106.09608", tab: { id: 7, url: "https://arxiv.org/abs/2106.09608" } };
function message(msg, sender = fromPage) {
  const [listener] = chrome.runtime.onMessage.listeners;
  return new Promise((resolve) => listener(msg, sender, resolve));
}
const QUOTE = { type: "TextQuoteSelector", exact: "world models", prefix: "Abstract: ", suffix: " improve" };
const POSITION = { type: "TextPositionSelector", start: 120, end: 132 };
const PAGE = "https://arxiv.org/abs/2106.09608";
const posts = (path) => fake.requests.filter((r) => r.method === "POST" && r.url === path);

function server({ entries = [], highlights = {} } = {}) {
  return (url, init, body) => {
    if (url === "/api/v1/lookup") return { status: 200, body: { results: [{ identified: true, entries }] } };
    if (url === "/api/v1/save") return { status: 201, body: { id: 10, library: body.library } };
    if (url === "/api/v1/highlights/" && init.method === "POST") {
      return { status: 201, body: { id: 55, entry: body.entry, author: 9, author_name: "Reader", selectors: body.selectors, comment: "", discussion_url: "http://127.0.0.1:8000/entries/10/#highlight-55" } };
    }
    const listed = url.match(/^\/api\/v1\/highlights\/\?entry=(\d+)$/);
    if (listed) return { status: 200, body: { results: highlights[listed[1]] || [], next: null } };
    if (url.startsWith("/api/v1/highlights/55/")) return init.method === "DELETE" ? { status: 204 } : { status: 200, body: { id: 55, comment: body.comment, version: 3 } };
    return { status: 404, body: { detail: "no" } };
  };
}

beforeEach(() => {
  fake.storage.clear();
  fake.storage.set("settings", { server: "http://127.0.0.1:8000", defaultLibrary: 1 });
  fake.storage.set("token", "t0k");
  fake.storage.set("user", { id: 9, email: "reader@example.org" });
  fake.storage.set("index", {
    libraries: { 1: { name: "Reader's library", kind: "personal" }, 2: { name: "Vision group", kind: "lab" } },
    entries: {},
  });
  fake.requests.length = 0;
  fake.sent.length = 0;
});

test("highlighting an unsaved page saves it to the default library first, then highlights it", async () => {
  fake.answer = server();
  const answer = await message({ type: "highlight-create", url: PAGE, metadata: { title: "World models" }, selectors: [QUOTE, POSITION] });

  assert.equal(posts("/api/v1/save").length, 1);
  assert.equal(posts("/api/v1/save")[0].body.library, 1);
  const [created] = posts("/api/v1/highlights/");
  assert.deepEqual(created.body, { entry: 10, selectors: [QUOTE, POSITION], offset_unit: "utf16" });
  assert.match(created.headers["Idempotency-Key"], /^[0-9a-f-]{36}$/);
  assert.equal(answer.highlight.id, 55);
  assert.equal(answer.highlight.mine, true);
  // The page's save button is told to look the paper up again.
  assert.deepEqual(fake.sent.map((m) => [m.tabId, m.message]), [[7, { type: "session", loggedIn: true }]]);
});

test("a page already saved in the default library is highlighted on that entry, unsaved again", async () => {
  fake.answer = server({ entries: [{ id: 3, library: 2, kind: "lab" }, { id: 4, library: 1, kind: "personal", library_name: "Reader's library" }] });
  await message({ type: "highlight-create", url: PAGE, selectors: [QUOTE] });

  assert.equal(posts("/api/v1/save").length, 0);
  assert.equal(posts("/api/v1/highlights/")[0].body.entry, 4);
  assert.deepEqual(fake.sent, []);
});

test("selectors other than a quote and a position are refused before any request", async () => {
  fake.answer = server();
  for (const selectors of [[], "x", [{ type: "CssSelector", value: "p" }], [QUOTE, QUOTE, QUOTE, QUOTE, QUOTE]]) {
    const answer = await message({ type: "highlight-create", url: PAGE, selectors });
    assert.ok(answer.error, JSON.stringify(selectors));
  }
  assert.equal(fake.requests.length, 0);
});

test("a page's highlights come from every visible entry, marked as mine or a colleague's", async () => {
  fake.answer = server({
    entries: [
      { id: 4, library: 1, kind: "personal", library_name: "Reader's library" },
      { id: 3, library: 2, kind: "lab", library_name: "Vision group" },
    ],
    highlights: {
      4: [{ id: 1, entry: 4, author: 9, author_name: "Reader", selectors: [QUOTE], comment: "", discussion_url: "http://127.0.0.1:8000/entries/4/#highlight-1" }],
      3: [{ id: 2, entry: 3, author: 12, author_name: "Colleague", selectors: [QUOTE], comment: "See §3", discussion_url: "javascript:alert(1)" }],
    },
  });
  const answer = await message({ type: "highlights", url: PAGE });

  assert.deepEqual(
    answer.highlights.map((h) => [h.id, h.mine, h.author_name, h.library_name, h.lab, h.comment]),
    [
      [1, true, "Reader", "Reader's library", false, ""],
      [2, false, "Colleague", "Vision group", true, "See §3"],
    ],
  );
  assert.equal(answer.highlights[0].discussion_url, "http://127.0.0.1:8000/entries/4/#highlight-1");
  assert.equal(answer.highlights[1].discussion_url, "", "only http(s) links reach the page");
});

test("logged out: no highlights and no request", async () => {
  fake.storage.delete("token");
  const answer = await message({ type: "highlights", url: PAGE });
  assert.deepEqual(answer, { loggedIn: false, highlights: [] });
  assert.equal(fake.requests.length, 0);
});

test("a note is a PATCH of the comment; delete is a DELETE", async () => {
  fake.answer = server({ entries: [{ id: 4, library: 1, kind: "personal" }], highlights: { 4: [{ id: 55, entry: 4, author: 9, selectors: [QUOTE] }] } });
  await message({ type: "highlights", url: PAGE });
  fake.requests.length = 0;
  const changed = await message({ type: "highlight-update", id: 55, comment: "Compare with Dreamer" });
  await message({ type: "highlight-delete", id: 55 });

  assert.deepEqual(changed.highlight, { id: 55, comment: "Compare with Dreamer", version: 3 });
  assert.deepEqual(
    fake.requests.map((r) => [r.method, r.url, r.body]),
    [
      ["PATCH", "/api/v1/highlights/55/", { comment: "Compare with Dreamer" }],
      ["DELETE", "/api/v1/highlights/55/", undefined],
    ],
  );
});

test("the context menu item and the shortcut ask the page's content script for its selection", async () => {
  const [onInstalled] = chrome.runtime.onInstalled.listeners;
  await onInstalled();
  assert.ok(fake.menus.some((m) => m.id === "highlight-selection" && m.title === "Highlight selection" && m.contexts.includes("selection")));

  const [onClicked] = chrome.contextMenus.onClicked.listeners;
  await onClicked({ menuItemId: "highlight-selection", frameId: 0 }, { id: 4 });
  const [onCommand] = chrome.commands.onCommand.listeners;
  await onCommand("highlight-selection", { id: 5 });

  assert.deepEqual(
    fake.sent.map((s) => [s.tabId, s.message.type, s.options.frameId]),
    [
      [4, "highlight-selection", 0],
      [5, "highlight-selection", 0],
    ],
  );
  assert.equal(fake.requests.filter((r) => r.url !== "/api/v1/notifications/?unread=true&limit=1").length, 0);
});

test("a canonical URL on another site is ignored: the tab's own page is looked up instead", async () => {
  fake.answer = server();
  const tab = { id: 21, url: "https://evil.example.net/paper" };
  await message({ type: "highlights", url: PAGE }, { url: tab.url, tab });
  await message({ type: "highlight-create", url: PAGE, metadata: { title: "Spoofed" }, selectors: [QUOTE] }, { url: tab.url, tab });

  const lookups = posts("/api/v1/lookup").map((r) => JSON.stringify(r.body));
  assert.equal(lookups.length, 2);
  for (const body of lookups) {
    assert.ok(body.includes("https://evil.example.net/paper"), body);
    assert.ok(!body.includes("arxiv.org"), body);
  }
  // Saved under the tab's URL, without the page's claims about another paper.
  assert.equal(posts("/api/v1/save")[0].body.url, "https://evil.example.net/paper");
  assert.equal(posts("/api/v1/save")[0].body.metadata, undefined);
});

test("a canonical URL on the tab's own site (same host or registrable domain) is used", async () => {
  fake.answer = server();
  for (const tabUrl of ["https://arxiv.org/abs/2106.09608v2", "https://export.arxiv.org/abs/2106.09608"]) {
    fake.requests.length = 0;
    const tab = { id: 22, url: tabUrl };
    await message({ type: "highlights", url: PAGE }, { url: tabUrl, tab });
    assert.ok(JSON.stringify(posts("/api/v1/lookup")[0].body).includes(PAGE), tabUrl);
  }
  // A shared suffix is not a site: example.co.uk and other.co.uk are two sites.
  fake.requests.length = 0;
  const tab = { id: 23, url: "https://journal.other.co.uk/a/1" };
  await message({ type: "highlights", url: "https://www.example.co.uk/a/1" }, { url: tab.url, tab });
  const body = JSON.stringify(posts("/api/v1/lookup")[0].body);
  assert.ok(body.includes("journal.other.co.uk") && !body.includes("example.co.uk"), body);
});

test("a page may edit or delete only the highlights it was given; any other id is refused unsent", async () => {
  fake.answer = server({ entries: [{ id: 4, library: 1, kind: "personal" }], highlights: { 4: [{ id: 56, entry: 4, author: 9, selectors: [QUOTE] }] } });
  const tab = { id: 24, url: PAGE };
  // Nothing given to this tab yet: refused.
  const early = await message({ type: "highlight-delete", id: 55 }, { url: PAGE, tab });
  assert.ok(early.error);
  await message({ type: "highlights", url: PAGE }, { url: PAGE, tab });
  fake.requests.length = 0;
  const changed = await message({ type: "highlight-update", id: 55, comment: "x" }, { url: PAGE, tab });
  const deleted = await message({ type: "highlight-delete", id: 55 }, { url: PAGE, tab });
  // Another tab's ids are not this tab's.
  const other = await message({ type: "highlight-delete", id: 56 }, { url: PAGE, tab: { id: 25, url: PAGE } });
  assert.ok(changed.error && deleted.error && other.error);
  assert.equal(fake.requests.length, 0);
  // Its own highlight (56) and one it just created (55) are allowed.
  await message({ type: "highlight-update", id: 56, comment: "ok" }, { url: PAGE, tab });
  const created = await message({ type: "highlight-create", url: PAGE, selectors: [QUOTE] }, { url: PAGE, tab });
  assert.equal(created.highlight.id, 55, JSON.stringify(created));
  const mine = await message({ type: "highlight-delete", id: 55 }, { url: PAGE, tab });
  assert.equal(mine.deleted, true, JSON.stringify(mine));
  assert.equal(mine.deleted, true);
  // Deleted once, it is no longer this page's.
  const again = await message({ type: "highlight-delete", id: 55 }, { url: PAGE, tab });
  assert.ok(again.error);
});
