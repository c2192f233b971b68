import { ext } from "../browser.js";
import { describePage } from "./fields.js";

const $ = (id) => document.getElementById(id);
const send = (message) => ext.runtime.sendMessage(message);
let page = null;
let settings = {};
let citeEntry = null; // the id of the saved entry the Cite section copies from
let listingButtons = []; // on a listing page: [{item, button}] in the page's order

function el(tag, props = {}, text = "") {
  const node = document.createElement(tag);
  Object.assign(node, props);
  if (text) node.textContent = text;
  return node;
}

async function targetTab() {
  const wanted = new URLSearchParams(location.search).get("tab");
  if (wanted) return ext.tabs.get(Number(wanted));
  const [tab] = await ext.tabs.query({ active: true, lastFocusedWindow: true });
  return tab;
}

function renderQueue(items) {
  const list = $("queue");
  list.replaceChildren();
  const visible = items.filter((i) => i.state !== "done").concat(items.filter((i) => i.state === "done").slice(-3));
  if (!visible.length) list.append(el("li", {}, "Empty."));
  for (const item of visible) {
    const li = el("li");
    li.dataset.state = item.state;
    li.append(
      el("span", {}, item.title || item.url || "(no address)"),
      el("span", { className: "state" }, item.state + (item.error ? `: ${item.error}` : "")),
    );
    if (item.state !== "done" && item.state !== "sending") {
      // A failed save (or one the person gave up on) can be taken out of the queue.
      const remove = el("button", { type: "button", className: "remove" }, "Remove");
      remove.setAttribute("aria-label", `Remove ${item.title || item.url || "this item"} from the queue`);
      remove.addEventListener("click", async () => {
        renderQueue((await send({ type: "remove-queued", key: item.key })).queue);
      });
      li.append(remove);
    }
    list.append(li);
  }
}

/** What the form says about a save: library, lists, tags, note, status. */
function formChoices() {
  const library = $("library").value || undefined;
  const lists = [...document.querySelectorAll("#lists input:checked")].map((i) => Number(i.value));
  const tags = $("tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  return { library, lists, tags, note: $("note").value, status: $("status").value || undefined };
}

function outcome(answer) {
  if (!answer || answer.error) return `Failed: ${(answer && answer.error) || "no answer"}`;
  if (answer.state === "saved") return answer.libraryName ? `Saved to ${answer.libraryName}.` : "Saved.";
  if (answer.state === "queued") return `Queued: ${answer.error || "will retry"}`;
  return `Failed: ${answer.error}`;
}

/** "Make default" ticked: the popup's library and lists become the one-click default. */
async function maybeMakeDefault({ library, lists }) {
  if (!$("make-default").checked) return;
  await send({ type: "set-defaults", library: library ? Number(library) : null, lists });
  settings = { ...settings, defaultLibrary: library ? Number(library) : null, defaultLists: lists };
  const chosen = $("library").selectedOptions[0];
  if (chosen) $("one-click").textContent = `One-click saves go to ${chosen.dataset.name || chosen.textContent}.`;
}

/** The fields read off the page, the missing ones marked, and what the server will fill. */
function renderFields(metadata) {
  const { rows, note } = describePage(metadata);
  const list = $("page-fields");
  list.replaceChildren();
  for (const row of rows) {
    const dt = el("dt", {}, row.label);
    const dd = el("dd", {}, row.missing ? "missing" : row.value);
    dd.dataset.field = row.key;
    if (row.missing) dd.classList.add("missing");
    list.append(dt, dd);
  }
  list.hidden = false;
  $("lookup-note").textContent = note;
  $("lookup-note").hidden = !note;
}

/** A listing page: its papers, each with its own Save (with the form's choices). */
function renderListing(listing) {
  $("listing").hidden = false;
  $("save").hidden = true;
  $("page-title").textContent = `A list of ${listing.count} paper${listing.count === 1 ? "" : "s"}.`;
  const ul = $("listing-items");
  ul.replaceChildren();
  const items = Array.isArray(listing.items) ? listing.items : [];
  listingButtons = [];
  if (!items.length) ul.append(el("li", {}, "No papers found on this page."));
  for (const item of items) {
    const li = el("li");
    const title = (item.metadata && item.metadata.title) || item.url;
    const button = el("button", { type: "button" }, "Save");
    button.setAttribute("aria-label", `Save ${title}`);
    button.addEventListener("click", async () => {
      button.disabled = true;
      const choices = formChoices();
      await maybeMakeDefault(choices);
      let answer;
      try {
        answer = await send({ type: "save", url: item.url, metadata: item.metadata, ...choices });
      } catch (error) {
        answer = { error: error.message };
      }
      const text = outcome(answer);
      button.textContent = answer && answer.state === "saved" ? "Saved" : answer && answer.state === "queued" ? "Queued" : "Failed";
      button.disabled = answer && answer.state === "saved";
      $("result").textContent = `${title}: ${text}`;
      renderQueue((await send({ type: "status" })).queue);
    });
    li.append(el("span", {}, title), button);
    ul.append(li);
    listingButtons.push({ item, button });
  }
}

/** Mark the listed papers already saved (one lookup for the whole list). */
async function markListed() {
  if (!listingButtons.length) return;
  const items = listingButtons.map(({ item }) => ({ url: item.url, identifiers: item.metadata && item.metadata.identifiers }));
  const answer = await send({ type: "lookup", items });
  (answer && Array.isArray(answer.results) ? answer.results : []).forEach((result, i) => {
    const { button } = listingButtons[i] || {};
    if (!button || !result || !result.saved) return;
    button.textContent = "Saved";
    button.title = result.where ? `Saved to ${result.where}` : "Saved";
  });
}

async function loadLibrary(libraryId) {
  const [lists, tags] = await Promise.all([send({ type: "lists", library: libraryId }), send({ type: "tags", library: libraryId })]);
  const box = $("lists");
  box.replaceChildren();
  for (const list of Array.isArray(lists) ? lists : []) {
    const label = el("label");
    const input = el("input", { type: "checkbox", value: String(list.id) });
    input.checked = (settings.defaultLists || []).map(String).includes(String(list.id));
    label.append(input, document.createTextNode(list.name));
    box.append(label);
  }
  const options = $("tag-options");
  options.replaceChildren(...(Array.isArray(tags) ? tags : []).map((t) => el("option", { value: t.name })));
}

/** Of a paper's entries (lookup answer), the one to cite: in the chosen library, else yours. */
function entryToCite(entries) {
  const known = (Array.isArray(entries) ? entries : []).filter((e) => e && e.id != null);
  const library = $("library").value;
  return (
    known.find((e) => library && String(e.library) === library) || known.find((e) => e.kind === "personal") || known[0] || null
  );
}

function offerCitation(entryId) {
  citeEntry = entryId ?? null;
  $("cite").hidden = citeEntry === null;
}

function citeFailure(answer) {
  const status = answer && answer.status;
  if (status === 401) {
    $("login-needed").hidden = false;
    return "Log in to copy citations";
  }
  if (status === 404) return "This paper is no longer in a library you can see";
  if (status === 400) return "The server does not know this citation style";
  return `Could not copy the citation: ${(answer && answer.error) || "no answer"}`;
}

/** Ask the worker for the reference, then write it to the clipboard (the click is the user gesture). */
async function copyReference(style, what) {
  if (citeEntry === null) return;
  const out = $("cite-result");
  const buttons = [$("copy-citation"), $("copy-bibtex")];
  out.textContent = "";
  delete out.dataset.state;
  for (const b of buttons) b.disabled = true;
  try {
    let answer;
    try {
      answer = await send({ type: "cite", entry: citeEntry, style });
    } catch (error) {
      answer = { error: error.message, status: null };
    }
    if (!answer || answer.error || typeof answer.text !== "string") {
      out.dataset.state = "error";
      out.textContent = citeFailure(answer);
      return;
    }
    try {
      await navigator.clipboard.writeText(answer.text);
    } catch (error) {
      out.dataset.state = "error";
      out.textContent = `The browser refused the clipboard: ${error.message}`;
      return;
    }
    out.textContent = `Copied ${what}`;
  } finally {
    for (const b of buttons) b.disabled = false;
  }
}

/** "N unread notifications", a link to the web app's inbox (hidden when there are none). */
function renderUnread(answer) {
  const box = $("unread");
  const link = $("unread-link");
  if (answer && answer.loggedIn === false) $("login-needed").hidden = false; // the server said 401
  const count = Number(answer && answer.count) || 0;
  if (!count || !answer.url || !answer.label) {
    box.hidden = true;
    return;
  }
  link.textContent = answer.label;
  link.href = answer.url;
  box.hidden = false;
}

async function init() {
  const status = await send({ type: "status" });
  settings = status.settings || {};
  if (status.citationStyle) $("cite-style").value = status.citationStyle;
  renderQueue(status.queue);
  $("login-needed").hidden = status.loggedIn;
  // Opening the popup refreshes the badge's unread count (the worker asks the server).
  if (status.loggedIn) send({ type: "notifications" }).then(renderUnread, () => renderUnread(null));
  const tab = await targetTab();
  page = tab ? await send({ type: "extract-tab", tabId: tab.id }) : null;
  if (page && page.error) page = null;
  if (page && page.kind === "listing") {
    renderListing(page);
  } else if (!page || !page.url || page.kind === "none" || !page.metadata) {
    // Nothing a save could use: say so, and never queue an item without an address.
    $("page-title").textContent = "Nothing to save on this page: it is not a paper.";
    $("save").disabled = true;
    page = null;
  } else if (page && page.metadata) {
    $("page-title").textContent = page.metadata.title || page.url;
    const ids = Object.entries(page.metadata.identifiers || {}).map(([k, v]) => `${k}: ${v}`);
    $("page-ids").textContent = ids.join(" · ");
    renderFields(page.metadata);
  }
  if (!status.loggedIn) return;
  const libraries = await send({ type: "libraries" });
  const select = $("library");
  for (const lib of Array.isArray(libraries) ? libraries : []) {
    if (lib.can_edit === false) continue;
    select.append(el("option", { value: String(lib.id) }, lib.kind === "personal" ? `${lib.name} (personal)` : lib.name));
  }
  for (const option of select.options) option.dataset.name = (libraries.find((l) => String(l.id) === option.value) || {}).name || "";
  if (settings.defaultLibrary) select.value = String(settings.defaultLibrary);
  if (status.oneClick) $("one-click").textContent = `One-click saves go to ${status.oneClick}.`;
  select.addEventListener("change", () => loadLibrary(select.value));
  if (select.value) await loadLibrary(select.value);
  if (page && page.kind === "listing") markListed().catch(() => {});
  if (page && page.kind !== "listing" && page.url) {
    const answer = await send({ type: "lookup", items: [{ url: page.url, identifiers: page.metadata && page.metadata.identifiers }] });
    const result = answer.results && answer.results[0];
    if (result && (result.saved || result.inLab)) {
      const parts = [];
      if (result.saved) parts.push("by you");
      if (result.inLab) parts.push(`by ${result.labs.length} lab${result.labs.length > 1 ? "s" : ""} (${result.labs.join(", ")})`);
      $("already").textContent = `Already saved ${parts.join(" and ")}.`;
      $("already").hidden = false;
    }
    const entry = result && entryToCite(result.entries);
    if (entry) offerCitation(entry.id);
  }
}

$("save-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!page || !page.url) return;
  const choices = formChoices();
  // The popup's choice is for this save only, unless "make default" is ticked.
  await maybeMakeDefault(choices);
  $("result").textContent = "Saving…";
  const answer = await send({ type: "save", url: page.url, metadata: page.metadata, ...choices });
  $("result").textContent = outcome(answer);
  if (answer.state === "saved" && answer.entry && answer.entry.id != null) offerCitation(answer.entry.id);
  renderQueue((await send({ type: "status" })).queue);
});

$("cite-style").addEventListener("change", () => {
  send({ type: "set-citation-style", style: $("cite-style").value }).catch(() => {});
});

$("copy-citation").addEventListener("click", () => {
  const select = $("cite-style");
  copyReference(select.value, `${select.selectedOptions[0].textContent} citation`);
});

$("copy-bibtex").addEventListener("click", () => copyReference("bibtex", "BibTeX"));

$("retry").addEventListener("click", async () => {
  renderQueue((await send({ type: "retry-queue" })).queue);
});

$("unread-link").addEventListener("click", (event) => {
  event.preventDefault();
  const url = $("unread-link").href;
  if (!/^https?:\/\//.test(url)) return;
  // A new active tab; the toolbar popup closes by itself when it loses focus.
  ext.tabs.create({ url }).catch(() => {});
});

$("open-options").addEventListener("click", (event) => {
  event.preventDefault();
  ext.runtime.openOptionsPage();
});

init().catch((error) => {
  $("result").textContent = error.message;
});
