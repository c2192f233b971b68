// The toolbar badge's rule, kept pure (no browser API) so node can test it.
//
// Two layers, the browser's own: a tab's value wins over the global one.
// - Per tab, a mark about that tab's page: "✓" saved (by you or a lab), "…" queued, "!" failed.
// - Globally, the number of unread notifications ("" when none, "99+" past 99).
// A tab with no mark shows the global count: its tab value is cleared with `null` (an empty
// string would hide the count on that tab). The tab's color is reset to the count's color
// with it, since a tab keeps its own color otherwise. The title is global only: it names the
// count on every tab, also where a mark covers the number.

export const DEFAULT_TITLE = "Save to reading list";
export const UNREAD_COLOR = "#c5221f";
export const MARK_COLORS = Object.freeze({ "✓": "#1a7f37", "…": "#6e7781", "!": "#b35900" });
export const MARKS = Object.freeze(Object.keys(MARK_COLORS));

/** A count the server sent, as a whole number (anything else is 0). */
export function unreadNumber(count) {
  const n = Number(count);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** "", "1" … "99", "99+" */
export function unreadText(count) {
  const n = unreadNumber(count);
  if (!n) return "";
  return n > 99 ? "99+" : String(n);
}

/** "1 unread notification", "3 unread notifications" ("" when none). */
export function unreadLabel(count) {
  const n = unreadNumber(count);
  if (!n) return "";
  return `${n} unread notification${n === 1 ? "" : "s"}`;
}

/** The global badge: {text, color, title}. */
export function globalBadge(count) {
  const label = unreadLabel(count);
  return { text: unreadText(count), color: UNREAD_COLOR, title: label ? `${DEFAULT_TITLE}: ${label}` : DEFAULT_TITLE };
}

/** A tab's badge values for its page's mark ("✓", "…", "!", or none): {text, color}. */
export function tabBadge(mark) {
  if (!MARKS.includes(mark)) return { text: null, color: UNREAD_COLOR };
  return { text: mark, color: MARK_COLORS[mark] };
}

/** The mark for a save's outcome ("saved", "queued", or anything else: failed). */
export function saveMark(state) {
  return state === "saved" ? "✓" : state === "queued" ? "…" : "!";
}

/** What a tab shows: its mark if it has one, else the unread count. */
export function shownText(mark, count) {
  const tab = tabBadge(mark);
  return tab.text === null ? unreadText(count) : tab.text;
}
