/*
 * Content script on the paper sites: reads the page (RLExtract), draws a save button in a closed
 * shadow root (text only, never innerHTML with page data) and, on listing pages, one small button
 * per paper whose state comes from one batch lookup. Every API call goes through the background.
 *
 * Safety and access: the shadow root is closed (a page script cannot reach the button) and every
 * click handler ignores events that are not `isTrusted` (a page script's synthetic click does
 * nothing). The page button comes first in the tab order, the `focus-button` command (Alt+Shift+B)
 * focuses it, and each state change is announced through an `aria-live` region.
 */
(function () {
  "use strict";
  const ext = globalThis.browser ?? globalThis.chrome;
  const RL = globalThis.RLExtract;
  if (!RL || globalThis.__readingListButtons) return;
  globalThis.__readingListButtons = true;

  const STYLE = `
    :host { all: initial; }
    button { font: 600 12px/1.2 system-ui, sans-serif; border-radius: 6px; cursor: pointer;
      border: 1px solid #b31b1b; background: #fff; color: #b31b1b; padding: 5px 10px; }
    button[data-state="saved"], button[data-state="lab"] { background: #b31b1b; color: #fff; }
    button[data-state="queued"] { border-style: dashed; }
    button[data-state="error"], button[data-state="login"] { border-color: #555; color: #555; }
    button:disabled { cursor: progress; opacity: .7; }
    button:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
    .small button { padding: 2px 6px; font-size: 11px; }
    .live { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0);
      clip-path: inset(50%); white-space: nowrap; }
  `;

  // Where one-click saves go (the default library's name, from the worker), and the session.
  const session = { target: "", loggedIn: true };
  const buttons = []; // {button, live, small, item, where}

  function makeButton({ small }) {
    const host = document.createElement("span");
    host.setAttribute("data-readinglist", small ? "item" : "page");
    const root = host.attachShadow({ mode: "closed" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const wrap = document.createElement("span");
    if (small) wrap.className = "small";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "rl-save";
    const live = document.createElement("span");
    live.className = "live";
    live.setAttribute("role", "status");
    live.setAttribute("aria-live", "polite");
    wrap.append(button, live);
    root.append(style, wrap);
    const entry = { button, live, small, item: null, where: "" };
    buttons.push(entry);
    setState(entry, "idle", { announce: false });
    return { host, entry };
  }

  /** The button's words: where it saves, or where the paper already is. */
  function label(state, where) {
    const target = session.target;
    switch (state) {
      case "idle":
        return target ? `Save to ${target}` : "Save";
      case "saving":
        return target ? `Saving to ${target}…` : "Saving…";
      case "saved":
        return where ? `Saved to ${where}` : "Saved";
      case "lab":
        return where ? `Saved in ${where}` : "Saved in lab";
      case "queued":
        return "Queued (offline)";
      case "error":
        return "Save failed";
      case "login":
        return "Log in to save";
      default:
        return state;
    }
  }

  const SHORT = { idle: "Save", saving: "Saving…", saved: "Saved", lab: "In lab", queued: "Queued", error: "Failed", login: "Log in" };

  function setState(entry, state, { where, detail = "", announce = true } = {}) {
    const { button, live, small } = entry;
    if (where !== undefined) entry.where = where || "";
    const full = label(state, entry.where);
    const changed = button.dataset.state !== state || button.dataset.label !== full;
    button.dataset.state = state;
    button.dataset.label = full;
    // Small buttons beside a listing's titles keep a short text; their name says it all.
    button.textContent = small ? SHORT[state] || full : full;
    button.setAttribute("aria-label", full);
    button.title = detail ? `${full}: ${detail}` : state === "lab" && session.target ? `${full} (click to save to ${session.target})` : full;
    button.disabled = state === "saving";
    if (announce && changed) live.textContent = full;
  }

  function relabel() {
    for (const entry of buttons) setState(entry, entry.button.dataset.state, { announce: false });
  }

  function stateFrom(result) {
    if (!result) return ["idle", ""];
    if (result.saved) return ["saved", result.where || ""];
    if (result.inLab) return ["lab", (result.labs || []).join(", ")];
    return ["idle", ""];
  }

  async function send(message) {
    try {
      return (await ext.runtime.sendMessage(message)) || {};
    } catch (error) {
      return { error: String(error && error.message) };
    }
  }

  function showLoggedOut() {
    session.loggedIn = false;
    for (const entry of buttons) if (entry.button.dataset.state !== "saving") setState(entry, "login");
  }

  async function save(entry) {
    const state = entry.button.dataset.state;
    if (state === "saved" || state === "saving") return;
    if (state === "login") {
      send({ type: "open-options" });
      return;
    }
    setState(entry, "saving");
    const answer = await send({ type: "save", url: entry.item.url, metadata: entry.item.metadata });
    if (answer.target !== undefined) session.target = answer.target;
    if (answer.state === "saved") setState(entry, "saved", { where: answer.libraryName || session.target });
    else if (answer.state === "queued" && answer.error && /log in/i.test(answer.error)) showLoggedOut();
    else if (answer.state === "queued") setState(entry, "queued", { detail: answer.error });
    else setState(entry, "error", { detail: answer.error || "" });
  }

  function onClick(entry, stop) {
    return (event) => {
      if (stop) {
        event.preventDefault();
        event.stopPropagation();
      }
      // A page script's click (`dispatchEvent`, `.click()`) is not trusted: it does nothing.
      if (!event.isTrusted) return;
      save(entry);
    };
  }

  async function fillStates(entries) {
    const items = entries.map(({ item }) => ({ url: item.url, identifiers: item.metadata.identifiers }));
    const apply = (answer, announce) => {
      if (!answer || !answer.results) return;
      if (typeof answer.target === "string" && answer.target !== session.target) {
        session.target = answer.target;
        relabel();
      }
      if (answer.loggedIn === false) {
        showLoggedOut();
        return;
      }
      session.loggedIn = true;
      answer.results.forEach((result, i) => {
        const entry = entries[i];
        if (["idle", "saved", "lab", "login"].includes(entry.button.dataset.state)) {
          const [state, where] = stateFrom(result);
          setState(entry, state, { where, announce });
        }
      });
    };
    apply(await send({ type: "lookup-local", items }), false); // instant, from the local index
    const answer = await send({ type: "lookup", items }); // one batch request for the whole page
    apply(answer, false);
    if (answer && answer.results && entries.length === 1 && answer.loggedIn !== false) {
      send({ type: "page-state", saved: answer.results.some((r) => r.saved || r.inLab) });
    }
  }

  let current = null;
  let pageEntries = [];

  function render() {
    const result = RL.extract(document, location.href);
    current = result;
    const entries = [];
    if (result.kind === "paper") {
      const { host, entry } = makeButton({ small: false });
      host.style.cssText = "position:fixed;top:12px;right:12px;z-index:2147483647;";
      // First in the body: the first Tab press on the page reaches it.
      (document.body || document.documentElement).prepend(host);
      entry.item = { url: result.url, metadata: result.metadata };
      entry.button.addEventListener("click", onClick(entry, false));
      entries.push(entry);
    } else if (result.kind === "listing") {
      for (const item of result.items) {
        const { host, entry } = makeButton({ small: true });
        host.style.cssText = "display:inline-block;margin-left:6px;vertical-align:middle;";
        host.dataset.paper = item.id;
        item.anchor.after(host);
        entry.item = item;
        entry.button.addEventListener("click", onClick(entry, true));
        entries.push(entry);
      }
    }
    pageEntries = entries;
    if (entries.length) fillStates(entries);
  }

  /** The paper's summary for the popup (a listing: its papers, each with what a save needs). */
  function describe() {
    const r = current || RL.extract(document, location.href);
    if (r.kind === "listing") {
      return {
        kind: "listing",
        url: r.url,
        count: r.items.length,
        items: r.items.slice(0, 200).map((i) => ({ id: i.id, url: i.url, metadata: i.metadata })),
      };
    }
    return { kind: r.kind, url: r.url, metadata: r.metadata || null };
  }

  ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!message || (sender && sender.id && sender.id !== ext.runtime.id)) return false;
    if (message.type === "extract") {
      sendResponse(describe());
    } else if (message.type === "focus-button") {
      const first = pageEntries[0];
      if (first) first.button.focus();
      sendResponse({ focused: Boolean(first) });
    } else if (message.type === "session") {
      // Broadcast by the worker: a 401 anywhere logs every button out at once; a login refreshes.
      if (message.loggedIn === false) showLoggedOut();
      else if (pageEntries.length) {
        session.loggedIn = true;
        for (const entry of pageEntries) if (entry.button.dataset.state === "login") setState(entry, "idle");
        fillStates(pageEntries);
      }
      sendResponse({});
    }
    return false;
  });

  render();
})();
