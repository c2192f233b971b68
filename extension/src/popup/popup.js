import { ext } from "../browser.js";

const $ = (id) => document.getElementById(id);
const send = (message) => ext.runtime.sendMessage(message);
let page = null;
let settings = {};

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
    li.append(el("span", {}, item.title || item.url), el("span", { className: "state" }, item.state + (item.error ? `: ${item.error}` : "")));
    list.append(li);
  }
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

async function init() {
  const status = await send({ type: "status" });
  settings = status.settings || {};
  renderQueue(status.queue);
  $("login-needed").hidden = status.loggedIn;
  const tab = await targetTab();
  page = tab ? await send({ type: "extract-tab", tabId: tab.id }) : null;
  if (page && page.kind === "listing") {
    $("page-title").textContent = `A list of ${page.count} papers: use the buttons on the page.`;
    $("save").disabled = true;
  } else if (page && page.metadata) {
    $("page-title").textContent = page.metadata.title || page.url;
    const ids = Object.entries(page.metadata.identifiers || {}).map(([k, v]) => `${k}: ${v}`);
    $("page-ids").textContent = ids.join(" · ");
  }
  if (!status.loggedIn) return;
  const libraries = await send({ type: "libraries" });
  const select = $("library");
  for (const lib of Array.isArray(libraries) ? libraries : []) {
    if (lib.can_edit === false) continue;
    select.append(el("option", { value: String(lib.id) }, lib.kind === "personal" ? `${lib.name} (personal)` : lib.name));
  }
  if (settings.defaultLibrary) select.value = String(settings.defaultLibrary);
  select.addEventListener("change", () => loadLibrary(select.value));
  if (select.value) await loadLibrary(select.value);
  if (page && page.url) {
    const answer = await send({ type: "lookup", items: [{ url: page.url, identifiers: page.metadata && page.metadata.identifiers }] });
    const result = answer.results && answer.results[0];
    if (result && (result.saved || result.inLab)) {
      const parts = [];
      if (result.saved) parts.push("by you");
      if (result.inLab) parts.push(`by ${result.labs.length} lab${result.labs.length > 1 ? "s" : ""} (${result.labs.join(", ")})`);
      $("already").textContent = `Already saved ${parts.join(" and ")}.`;
      $("already").hidden = false;
    }
  }
}

$("save-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!page) return;
  const library = $("library").value || undefined;
  const lists = [...document.querySelectorAll("#lists input:checked")].map((i) => Number(i.value));
  const tags = $("tags").value.split(",").map((t) => t.trim()).filter(Boolean);
  await send({ type: "set-defaults", library: library ? Number(library) : null, lists });
  $("result").textContent = "Saving…";
  const answer = await send({
    type: "save",
    url: page.url,
    metadata: page.metadata,
    library,
    lists,
    tags,
    note: $("note").value,
    status: $("status").value || undefined,
  });
  $("result").textContent =
    answer.state === "saved" ? "Saved." : answer.state === "queued" ? `Queued: ${answer.error || "will retry"}` : `Failed: ${answer.error}`;
  renderQueue((await send({ type: "status" })).queue);
});

$("retry").addEventListener("click", async () => {
  renderQueue((await send({ type: "retry-queue" })).queue);
});

$("open-options").addEventListener("click", (event) => {
  event.preventDefault();
  ext.runtime.openOptionsPage();
});

init().catch((error) => {
  $("result").textContent = error.message;
});
