/*
 * Content script on the paper sites: reads the page (RLExtract), draws a save button in a shadow
 * root (text only, never innerHTML with page data) and, on listing pages, one small button per
 * paper whose state comes from one batch lookup. Every API call goes through the background.
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
    button[data-state="error"] { border-color: #555; color: #555; }
    button:disabled { cursor: progress; opacity: .7; }
    .small button { padding: 2px 6px; font-size: 11px; }
  `;

  function makeButton({ small }) {
    const host = document.createElement("span");
    host.setAttribute("data-readinglist", small ? "item" : "page");
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = STYLE;
    const wrap = document.createElement("span");
    if (small) wrap.className = "small";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "rl-save";
    wrap.append(button);
    root.append(style, wrap);
    setState(button, "idle");
    return { host, button };
  }

  const LABELS = {
    idle: "Save",
    saving: "Saving…",
    saved: "Saved",
    lab: "Saved in lab",
    queued: "Queued (offline)",
    error: "Save failed",
    login: "Log in to save",
  };

  function setState(button, state, detail = "") {
    button.dataset.state = state;
    button.textContent = LABELS[state] || state;
    button.title = detail || (state === "lab" ? "Saved in a lab library" : LABELS[state]);
    button.disabled = state === "saving";
  }

  function stateFrom(result) {
    if (!result) return "idle";
    if (result.saved) return "saved";
    if (result.inLab) return "lab";
    return "idle";
  }

  async function send(message) {
    try {
      return await ext.runtime.sendMessage(message);
    } catch (error) {
      return { error: String(error && error.message) };
    }
  }

  async function save(button, item) {
    if (button.dataset.state === "saved") return;
    setState(button, "saving");
    const answer = await send({ type: "save", url: item.url, metadata: item.metadata });
    if (answer.state === "saved") setState(button, "saved");
    else if (answer.state === "queued") setState(button, answer.error && /log in/i.test(answer.error) ? "login" : "queued", answer.error);
    else setState(button, "error", answer.error || "");
  }

  async function fillStates(pairs) {
    const items = pairs.map(({ item }) => ({ url: item.url, identifiers: item.metadata.identifiers }));
    const apply = (answer) => {
      if (!answer || !answer.results) return;
      answer.results.forEach((result, i) => {
        const { button } = pairs[i];
        if (["idle", "saved", "lab"].includes(button.dataset.state)) setState(button, stateFrom(result));
      });
    };
    apply(await send({ type: "lookup-local", items })); // instant, from the local index
    const answer = await send({ type: "lookup", items }); // one batch request for the whole page
    apply(answer);
    if (answer && answer.results && pairs.length === 1) {
      send({ type: "page-state", saved: answer.results.some((r) => r.saved || r.inLab) });
    }
  }

  let current = null;

  function render() {
    const result = RL.extract(document, location.href);
    current = result;
    const pairs = [];
    if (result.kind === "paper") {
      const { host, button } = makeButton({ small: false });
      host.style.cssText = "position:fixed;top:12px;right:12px;z-index:2147483647;";
      document.documentElement.append(host);
      const item = { url: result.url, metadata: result.metadata };
      button.addEventListener("click", () => save(button, item));
      pairs.push({ item, button });
    } else if (result.kind === "listing") {
      for (const item of result.items) {
        const { host, button } = makeButton({ small: true });
        host.style.cssText = "display:inline-block;margin-left:6px;vertical-align:middle;";
        host.dataset.paper = item.id;
        item.anchor.after(host);
        button.addEventListener("click", (event) => {
          event.preventDefault();
          event.stopPropagation();
          save(button, item);
        });
        pairs.push({ item, button });
      }
    }
    if (pairs.length) fillStates(pairs);
  }

  ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!message || message.type !== "extract") return false;
    const r = current || RL.extract(document, location.href);
    sendResponse(r.kind === "listing" ? { kind: "listing", url: r.url, count: r.items.length } : { kind: r.kind, url: r.url, metadata: r.metadata });
    return false;
  });

  render();
})();
