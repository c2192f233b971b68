/*
 * Highlights on the paper's page. Select text, then press the small "Highlight" control that
 * appears beside the selection (or the context menu's "Highlight selection", or Alt+Shift+H):
 * the selection is described as W3C selectors (RLHighlight, over the bundled anchoring
 * libraries) and the worker stores it on the page's entry in the one-click library, saving the
 * page there first when it is not saved yet. On load the page's highlights (yours, and in a lab
 * library your colleagues', with their names) are anchored again and drawn as <mark>s.
 * Clicking a mark opens a small card: the author, the note (yours to edit), delete, and a link
 * to the discussion in the web app.
 *
 * Safety: the control and the card live in closed shadow roots and ignore untrusted events;
 * page text only ever goes into textContent/value, never markup. Every API call goes through
 * the worker.
 */
(function () {
  "use strict";
  const ext = globalThis.browser ?? globalThis.chrome;
  const RL = globalThis.RLExtract;
  const H = globalThis.RLHighlight;
  if (!RL || !H || globalThis.__readingListHighlights) return;
  globalThis.__readingListHighlights = true;

  const MARK = "data-rl-highlight";
  const STYLE = `
    :host { all: initial; }
    .box { font: 12px/1.35 system-ui, sans-serif; color: #222; background: #fff; border: 1px solid #bbb;
      border-radius: 6px; box-shadow: 0 2px 8px rgba(0,0,0,.18); padding: 4px; display: flex; gap: 4px;
      align-items: center; flex-wrap: wrap; max-width: 320px; }
    .card { flex-direction: column; align-items: stretch; padding: 8px; }
    button { font: 600 12px/1.2 system-ui, sans-serif; border-radius: 5px; cursor: pointer; padding: 4px 8px;
      border: 1px solid #8a6d00; background: #ffe27a; color: #222; }
    button.plain { background: #fff; border-color: #999; font-weight: 400; }
    button.danger { background: #fff; border-color: #a40000; color: #a40000; font-weight: 400; }
    button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #1a73e8; outline-offset: 1px; }
    input { font: 12px system-ui, sans-serif; padding: 3px 4px; border: 1px solid #999; border-radius: 4px; min-width: 0; }
    .who { font-weight: 600; }
    .note { white-space: pre-wrap; margin: 2px 0; }
    .row { display: flex; gap: 4px; align-items: center; flex-wrap: wrap; }
    .status { color: #555; }
    .status[data-error] { color: #a40000; }
    a { color: #1a4fa0; }
  `;

  const drawn = new Map(); // id -> {highlight, remove}
  let pageUrl = location.href;
  let pageMetadata = null;

  function readPage() {
    try {
      const result = RL.extract(document, location.href);
      if (result.kind === "listing") return false;
      pageUrl = result.url || location.href;
      pageMetadata = result.metadata || null;
    } catch {
      pageUrl = location.href;
    }
    return true;
  }

  async function send(message) {
    try {
      return (await ext.runtime.sendMessage(message)) || {};
    } catch (error) {
      return { error: String(error && error.message) };
    }
  }

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "text") node.textContent = value;
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    }
    node.append(...children);
    return node;
  }

  /** A closed shadow root at a page position; returns {host, root}. */
  function floating(kind) {
    const host = document.createElement("span");
    host.setAttribute("data-readinglist", kind);
    host.style.cssText = "position:absolute;z-index:2147483647;top:0;left:0;";
    const root = host.attachShadow({ mode: "closed" });
    root.append(el("style", { text: STYLE }));
    return { host, root };
  }

  function place(host, rect) {
    const top = rect.bottom + window.scrollY + 6;
    const left = Math.max(4, Math.min(rect.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - 220));
    host.style.top = `${Math.round(top)}px`;
    host.style.left = `${Math.round(left)}px`;
    (document.body || document.documentElement).append(host);
  }

  const trusted = (fn) => (event) => {
    // A page script's synthetic events do nothing here.
    if (!event.isTrusted) return;
    event.preventDefault();
    event.stopPropagation();
    fn(event);
  };

  // ---- the control beside a selection ----------------------------------------------------

  const control = (() => {
    const { host, root } = floating("highlight-control");
    const button = el("button", { type: "button", className: "rl-highlight", text: "Highlight" });
    const status = el("span", { className: "status", role: "status", "aria-live": "polite" });
    root.append(el("div", { className: "box" }, [button, status]));
    // Keep the page's selection when the control is pressed.
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", trusted(() => highlightSelection()));
    return { host, button, status };
  })();

  function hideControl() {
    control.host.remove();
    control.status.textContent = "";
    control.status.removeAttribute("data-error");
  }

  /** The selection's range when it is text inside the page (not in our own UI), else null. */
  function selectedRange() {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const range = selection.getRangeAt(0);
    if (!document.body || !document.body.contains(range.commonAncestorContainer)) return null;
    if (!range.toString().trim()) return null;
    return range;
  }

  function showControl() {
    const range = selectedRange();
    if (!range) {
      if (!control.busy) hideControl();
      return;
    }
    const rects = range.getClientRects();
    const rect = rects.length ? rects[rects.length - 1] : range.getBoundingClientRect();
    control.button.disabled = false;
    place(control.host, rect);
  }

  document.addEventListener("mouseup", (event) => {
    if (!event.isTrusted || event.composedPath().includes(control.host)) return;
    setTimeout(showControl, 0); // the selection settles after mouseup
  });
  document.addEventListener("keyup", (event) => {
    if (event.isTrusted && event.shiftKey) showControl();
  });
  document.addEventListener("selectionchange", () => {
    if (!control.busy && !selectedRange()) hideControl();
  });

  function say(status, text, error = false) {
    status.textContent = text;
    if (error) status.setAttribute("data-error", "");
    else status.removeAttribute("data-error");
  }

  async function highlightSelection() {
    const range = selectedRange();
    if (!range || control.busy) return { error: "Select some text first." };
    if (!control.host.isConnected) showControl();
    let selectors;
    try {
      selectors = await H.describe(range.cloneRange(), document.body);
    } catch (error) {
      say(control.status, error.message, true);
      return { error: error.message };
    }
    control.busy = true;
    control.button.disabled = true;
    say(control.status, "Saving…");
    const answer = await send({ type: "highlight-create", url: pageUrl, metadata: pageMetadata, selectors });
    control.busy = false;
    control.button.disabled = false;
    if (!answer.highlight) {
      say(control.status, answer.status === 401 ? "Log in to highlight (extension options)." : answer.error || "Highlight failed.", true);
      return answer;
    }
    await show(answer.highlight);
    document.getSelection().removeAllRanges();
    hideControl();
    return answer;
  }

  // ---- drawn highlights ------------------------------------------------------------------

  async function show(highlight) {
    if (drawn.has(highlight.id)) return true;
    const found = await H.anchor(highlight.selectors, document.body);
    if (!found) return false; // the page no longer has this passage
    const remove = H.draw(found.range, {
      [MARK]: String(highlight.id),
      // No author name here: page scripts read the DOM; the name shows only in the closed card.
      "data-rl-mine": highlight.mine ? "true" : "false",
    });
    drawn.set(highlight.id, { highlight, remove });
    return true;
  }

  function undraw(id) {
    const item = drawn.get(id);
    if (!item) return;
    item.remove();
    drawn.delete(id);
  }

  async function loadHighlights() {
    const answer = await send({ type: "highlights", url: pageUrl });
    for (const highlight of answer.highlights || []) {
      try {
        await show(highlight);
      } catch {
        /* one highlight that cannot be drawn does not stop the others */
      }
    }
  }

  // ---- the card of a drawn highlight -----------------------------------------------------

  let card = null;

  function closeCard() {
    if (card) card.host.remove();
    card = null;
  }

  function openCard(id, mark) {
    closeCard();
    const item = drawn.get(id);
    if (!item) return;
    const h = item.highlight;
    const { host, root } = floating("highlight-card");
    const status = el("span", { className: "status", role: "status", "aria-live": "polite" });
    const who = el("div", { className: "who", text: h.mine ? "Your highlight" : `Highlighted by ${h.author_name}` });
    const parts = [who];
    if (h.library_name) parts.push(el("div", { className: "status", text: `In ${h.library_name}` }));
    if (h.mine) {
      const input = el("input", { type: "text", className: "rl-note", value: h.comment, placeholder: "Add a note", maxLength: 2000 });
      input.setAttribute("aria-label", "Note on this highlight");
      const saveNote = el("button", { type: "button", className: "plain rl-save-note", text: "Save note" });
      const del = el("button", { type: "button", className: "danger rl-delete", text: "Delete" });
      const saveNow = async () => {
        say(status, "Saving…");
        const answer = await send({ type: "highlight-update", id: h.id, comment: input.value });
        if (answer.highlight) {
          h.comment = answer.highlight.comment;
          say(status, "Note saved.");
        } else say(status, answer.error || "Could not save the note.", true);
      };
      saveNote.addEventListener("click", trusted(saveNow));
      input.addEventListener("keydown", (event) => {
        if (event.isTrusted && event.key === "Enter") saveNow();
      });
      del.addEventListener(
        "click",
        trusted(async () => {
          const answer = await send({ type: "highlight-delete", id: h.id });
          if (answer.deleted) {
            undraw(h.id);
            closeCard();
          } else say(status, answer.error || "Could not delete it.", true);
        }),
      );
      parts.push(input, el("div", { className: "row" }, [saveNote, del]));
    } else if (h.comment) {
      parts.push(el("div", { className: "note", text: h.comment }));
    }
    const row = el("div", { className: "row" });
    if (h.discussion_url) {
      row.append(el("a", { href: h.discussion_url, target: "_blank", rel: "noopener noreferrer", className: "rl-discussion", text: h.lab ? "Discussion" : "Open in reading list" }));
    }
    const close = el("button", { type: "button", className: "plain", text: "Close" });
    close.addEventListener("click", trusted(closeCard));
    row.append(close);
    parts.push(row, status);
    root.append(el("div", { className: "box card" }, parts));
    card = { host, id };
    place(host, mark.getBoundingClientRect());
  }

  document.addEventListener(
    "click",
    (event) => {
      if (!event.isTrusted) return;
      if (card && event.composedPath().includes(card.host)) return;
      const mark = event.target && event.target.closest ? event.target.closest(`mark[${MARK}]`) : null;
      if (mark && !(document.getSelection() && !document.getSelection().isCollapsed)) {
        openCard(Number(mark.getAttribute(MARK)), mark);
      } else if (card) closeCard();
    },
    true,
  );

  ext.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (!message || (sender && sender.id && sender.id !== ext.runtime.id)) return false;
    if (message.type === "highlight-selection") {
      highlightSelection().then(sendResponse, (error) => sendResponse({ error: String(error) }));
      return true;
    }
    if (message.type === "session" && message.loggedIn) loadHighlights();
    return false;
  });

  if (readPage()) loadHighlights();
})();
