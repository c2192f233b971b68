// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Confirm destructive forms.
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  // "Select all" for bulk actions.
  for (const master of document.querySelectorAll("input[data-select-all]")) {
    master.hidden = false;
    master.addEventListener("change", () => {
      for (const box of document.querySelectorAll(`input[name="${master.dataset.selectAll}"]`)) {
        box.checked = master.checked;
      }
    });
  }

  // Copy a citation (or anything else) to the clipboard; the text stays selectable without.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = document.getElementById("copy-status");
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = button.dataset.copied || "Copied.";
      } catch {
        if (status) status.textContent = "Could not copy; select the text and copy it instead.";
      }
    });
  }

  // Preselect the browser's own zone in time-zone pickers; the server's default is UTC.
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (const select of document.querySelectorAll("select[data-browser-zone]")) {
    const option = [...select.options].find((candidate) => candidate.value === browserZone);
    if (option) option.selected = true;
  }

  // Show journal-club times in the reader's zone too, beside the zone they were set in.
  for (const time of document.querySelectorAll("time[data-local-time]")) {
    const when = new Date(time.getAttribute("datetime"));
    if (Number.isNaN(when.getTime()) || !browserZone) continue;
    const local = document.createElement("span");
    local.className = "muted";
    local.textContent = ` · ${when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" })} your time`;
    time.after(local);
  }

  // Drag to reorder a reading list; the drop submits the same move form the buttons use.
  for (const list of document.querySelectorAll("[data-sortable]")) {
    let dragged = null;
    for (const item of list.querySelectorAll("[data-item]")) {
      item.draggable = true;
      item.addEventListener("dragstart", () => {
        dragged = item;
        item.classList.add("dragging");
      });
      item.addEventListener("dragend", () => item.classList.remove("dragging"));
      item.addEventListener("dragover", (event) => event.preventDefault());
      item.addEventListener("drop", (event) => {
        event.preventDefault();
        if (!dragged || dragged === item) return;
        const form = document.getElementById(list.dataset.sortable);
        const rect = item.getBoundingClientRect();
        const below = event.clientY > rect.top + rect.height / 2;
        // namedItem: `elements.item` is the collection's own item() method, not the input.
        const field = (name) => form.elements.namedItem(name);
        field("item").value = dragged.dataset.item;
        field("after").value = below ? item.dataset.item : "";
        field("before").value = below ? "" : item.dataset.item;
        form.submit();
      });
    }
  }
});
