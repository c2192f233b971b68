/*
 * What the popup shows of a page's metadata before saving: each field the extractor read, the
 * ones it could not find marked, and whether the server can fill them. Pure (no DOM, no
 * browser API) so node tests can check it.
 */

const ABSTRACT_START = 160;
const MAX_AUTHORS_SHOWN = 4;
const SCHEME_NAMES = { doi: "DOI", arxiv: "arXiv", pmid: "PMID", pmcid: "PMCID", openreview: "OpenReview", acl: "ACL", isbn: "ISBN" };

function authorsText(authors) {
  if (!authors.length) return "";
  if (authors.length <= MAX_AUTHORS_SHOWN) return authors.join(", ");
  return `${authors.slice(0, MAX_AUTHORS_SHOWN - 1).join(", ")} and ${authors.length - (MAX_AUTHORS_SHOWN - 1)} more`;
}

function abstractStart(abstract) {
  const text = String(abstract || "").trim();
  if (text.length <= ABSTRACT_START) return text;
  return `${text.slice(0, ABSTRACT_START).replace(/\s+\S*$/, "")}…`;
}

/**
 * Rows for the popup's field list ({key, label, value, missing}) and a sentence on what the
 * server will do about the missing ones.
 */
export function describePage(metadata) {
  const md = metadata || {};
  const ids = Object.entries(md.identifiers || {}).filter(([, v]) => v);
  const authors = Array.isArray(md.authors) ? md.authors.filter(Boolean) : [];
  const year = (String(md.published || "").match(/\d{4}/) || [""])[0];
  const rows = [
    { key: "title", label: "Title", value: String(md.title || "").trim() },
    { key: "authors", label: authors.length > 1 ? "Authors" : "Author", value: authorsText(authors) },
    { key: "venue", label: "Venue", value: String(md.venue || "").trim() },
    { key: "year", label: "Year", value: year },
    { key: "identifiers", label: "Identifiers", value: ids.map(([k, v]) => `${SCHEME_NAMES[k] || k} ${v}`).join(" · ") },
    { key: "abstract", label: "Abstract", value: abstractStart(md.abstract) },
  ].map((row) => ({ ...row, missing: !row.value }));
  const missing = rows.filter((r) => r.missing && r.key !== "identifiers").map((r) => r.label.toLowerCase());
  let note = "";
  if (missing.length && ids.length) {
    const [scheme] = ids[0];
    note = `Not on this page: ${missing.join(", ")}. The server looks these up by ${SCHEME_NAMES[scheme] || scheme} after you save.`;
  } else if (missing.length) {
    note = `Not on this page: ${missing.join(", ")}. With no identifier here the server cannot look them up; you can add them after saving.`;
  } else if (ids.length) {
    note = "The server also checks these against the registries after you save.";
  }
  return { rows, missing, note };
}
