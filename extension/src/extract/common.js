/*
 * Shared helpers for the extractors: text cleaning, meta-tag reading, identifier parsing.
 *
 * Classic script (no import/export) so the same file runs as a content script, in the
 * background worker (imported for its side effect) and in node tests. Everything hangs off
 * globalThis.RLExtract. Pure functions: they read a Document and a URL, never the network.
 */
(function (root) {
  "use strict";
  const RL = (root.RLExtract = root.RLExtract || {});

  /** NBSP and runs of white space folded to one space, trimmed. */
  function clean(value) {
    if (value == null) return "";
    return String(value)
      .replace(/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  }

  function text(el) {
    return el ? clean(el.textContent) : "";
  }

  /** Inline markup some publishers leave in meta contents ("<i>E. coli</i>") removed. */
  function stripTags(value) {
    return clean(String(value == null ? "" : value).replace(/<\/?[a-z][a-z0-9:-]*(?:\s[^<>]*)?\/?>/gi, ""));
  }

  // Footnote and affiliation markers that pages glue to names: "Rachida Ghailane,†",
  // "Jean Paul Malrieu,*,‡ and", "Ada Lovelace1,2", "Alan Turing¹".
  const MARKERS = "†‡*§¶‖#⁎∗⊥";
  const MARKER_RUN = new RegExp(`(?:[\\s,;]*(?:[${MARKERS}]|[\\u00b9\\u00b2\\u00b3\\u2070-\\u2079]+|(?<=[\\p{L}.)\\s,])\\d{1,2}(?![\\d.])))+[\\s,;]*$`, "u");

  // A name that is only unfilled template slots ("$author.firstName $author.lastName",
  // "{{ author.name }}") is nobody's ("Ke$ha" and "{{van der Berg}}, Jan" are people).
  const TEMPLATE_SLOT = /^\s*(?:(?:\$\{?[A-Za-z_][\w.]*\}?|\{\{[^{}]*\}\}|<%[^%]*%>)\s*)+$/;

  const DEGREE = "(?:MD|M\\.D\\.|PhD|Ph\\.D\\.|MSc|MPH|MBBS|MBChB|FRCSC?|FRCPC?|FACS|DPhil|DrPH|DDS|DMD|PharmD|RN|BSc)";
  const DEGREES_AFTER_COMMA = new RegExp(`(?:,\\s*${DEGREE})+[\\s,;]*$`);
  const DEGREES_AFTER_SPACE = new RegExp(`(?:\\s+${DEGREE})+[\\s,;]*$`);

  /**
   * Degrees after a name: "Ada Lovelace, PhD, FRCS"; "Ji Hun Kim MD" only when three words are
   * left, since "Smith MD" may be a family name and initials (Vancouver style).
   */
  function withoutDegrees(name) {
    const afterComma = name.replace(DEGREES_AFTER_COMMA, "");
    if (afterComma !== name) return afterComma.trim().split(/\s+/).length >= 2 ? afterComma : name;
    const afterSpace = name.replace(DEGREES_AFTER_SPACE, "");
    return afterSpace.trim().split(/\s+/).length >= 3 ? afterSpace : name;
  }

  // A title before a name: "Dr. Angelo R. Santos", "Prof Ada Lovelace" (kept when only one
  // word would be left: "Dr. Who"). Written as titles are, so initials ("MR Hassan Ali",
  // "DR Hofstadter") stay.
  // Capitals only with the dot ("DR. JOHN SMITH").
  const HONORIFIC = /^(?:(?:(?:Dr|Prof|Professor|Mr|Mrs|Ms|Mx|Sir|Dame)\.?|(?:DR|PROF|MR|MRS|MS)\.)\s+)+(?=\S+\s+\S)/;
  // A repository's mark after a name ("Ramos, Ana [UNESP]"), wherever the other clutter is;
  // never letters a name brackets itself ("J[ohn]"). A value that is only one names nobody.
  const BRACKETED_TAG = /\s+\[[^\][]*\]/g;
  const ONLY_BRACKETED = /^\s*\[[^\][]*\]\s*$/;

  /**
   * One person's name as a page wrote it, without markers, degrees, titles, e-mail, a
   * bracketed tag ("[UNESP]", a repository's affiliation mark), a trailing "and" or commas.
   */
  function cleanAuthor(value) {
    if (TEMPLATE_SLOT.test(String(value == null ? "" : value)) || ONLY_BRACKETED.test(String(value == null ? "" : value))) return "";
    let s = stripTags(value)
      .replace(/[(<[]?[^\s()<>[\]]+@[^\s()<>[\]]+\.\w+[)>\]]?/g, " ")
      .replace(BRACKETED_TAG, "")
      .replace(HONORIFIC, "")
      .replace(new RegExp(`^[\\s\\d${MARKERS}\\u00b9\\u00b2\\u00b3\\u2070-\\u2079,;]+(?=\\p{L})`, "u"), "");
    for (let i = 0; i < 4; i++) {
      const before = s;
      s = clean(s.replace(MARKER_RUN, "").replace(/(?:^|[\s,;]+)and$/i, "").replace(/^and\s+/i, "").replace(/^[\s,;]+|[\s,;]+$/g, ""));
      s = withoutDegrees(s);
      if (s === before) break;
    }
    return s;
  }

  /** A URL or a DOI, which is never a venue or a name. */
  function isUrlOrDoi(value) {
    const s = clean(value);
    return /^(?:https?:\/\/|www\.|doi:|info:doi\/)/i.test(s) || /^10\.\d{4,9}\//.test(s);
  }

  /** Whether a text was cut short by the page: it ends with an ellipsis. */
  function endsCut(value) {
    return /(?:\.\.\.|…)\s*$/.test(clean(value));
  }

  function resolveUrl(href, base) {
    if (!href) return "";
    try {
      return new URL(clean(href), base).href;
    } catch {
      return "";
    }
  }

  /**
   * Every meta tag in document order as {key, value, scheme}; keys are lower-cased, split on
   * white space (name="dc.title DC.Title"), `itemprop` keys get an "itemprop:" prefix so
   * microdata never collides with named meta tags. Empty contents are dropped.
   */
  const NAMED_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };
  const ENTITY = /&(?:#(\d{1,7})|#x([\da-f]{1,6})|(amp|lt|gt|quot|apos|nbsp));/gi;

  /**
   * Entities a page escaped twice ("Synthesis &amp;amp; Catalysis" reads "&amp;" once parsed):
   * a meta value is plain text, so any entity still in it was meant as its character.
   */
  function decodeEntities(value) {
    return value.replace(ENTITY, (whole, dec, hex, name) => {
      if (name) return NAMED_ENTITIES[name.toLowerCase()];
      const code = dec ? Number(dec) : parseInt(hex, 16);
      const character = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return character ? String.fromCodePoint(code) : whole; // a lone surrogate is no character
    });
  }

  function readMeta(doc) {
    const out = [];
    for (const el of doc.querySelectorAll("meta")) {
      // Some generators write `value=` where HTML says `content=`; browsers keep both.
      const raw = el.hasAttribute("content") ? el.getAttribute("content") : el.getAttribute("value");
      const value = clean(decodeEntities(String(raw == null ? "" : raw)));
      if (!value) continue;
      const scheme = clean(el.getAttribute("scheme")).toLowerCase();
      const names = [];
      for (const attr of ["name", "property"]) {
        for (const key of clean(el.getAttribute(attr)).split(" ")) if (key) names.push(key.toLowerCase());
      }
      // <meta id="DOI" content="…"> (D-Lib): an id names the value when nothing else does.
      const id = clean(el.getAttribute("id")).toLowerCase();
      if (!names.length && id) names.push(id);
      for (const key of clean(el.getAttribute("itemprop")).split(" ")) {
        if (key) names.push("itemprop:" + key.toLowerCase());
      }
      for (const key of new Set(names)) out.push({ key, value, scheme });
    }
    return out;
  }

  class MetaIndex {
    constructor(doc) {
      this.map = new Map();
      for (const m of readMeta(doc)) {
        if (!this.map.has(m.key)) this.map.set(m.key, []);
        this.map.get(m.key).push(m);
      }
    }
    all(...keys) {
      for (const key of keys) {
        const found = this.map.get(key);
        if (found && found.length) return found.map((m) => m.value);
      }
      return [];
    }
    first(...keys) {
      for (const key of keys) {
        const found = this.map.get(key);
        if (found && found.length) return found[0].value;
      }
      return "";
    }
    entries(key) {
      return this.map.get(key) || [];
    }
  }

  // ---- identifiers -------------------------------------------------------------------

  const ARXIV_NEW = /(?:^|[^\d.])((?:0[7-9]|1\d|2\d)(?:0[1-9]|1[0-2])\.\d{4,5})(v\d+)?(?![\d])/i;
  const ARXIV_OLD = /(?:^|[^a-z-])([a-z-]+(?:\.[a-z]{2})?\/\d{7})(v\d+)?(?!\d)/i;

  /** An arXiv id out of a string ("arXiv:2106.09608v2", "hep-th/9901001"): {id, version}. */
  function parseArxiv(value) {
    const s = clean(value);
    if (!s) return null;
    let m = s.match(ARXIV_NEW);
    if (m) {
      const [yy, mm] = [Number(m[1].slice(0, 2)), Number(m[1].slice(2, 4))];
      const digits = m[1].split(".")[1].length;
      if ((yy < 15 && digits !== 4) || (yy >= 15 && digits !== 5) || mm < 1 || mm > 12) return null;
      return { id: m[1], version: m[2] ? Number(m[2].slice(1)) : null };
    }
    m = s.match(ARXIV_OLD);
    if (m) {
      const id = m[1].replace(/^([a-z-]+)\.[a-z]{2}\//i, "$1/").toLowerCase();
      return { id, version: m[2] ? Number(m[2].slice(1)) : null };
    }
    return null;
  }

  const DOI_RE = /10\.\d{4,9}\/[^\s"'<>]+/;

  /** A DOI out of "doi:…", "info:doi/…", "https://doi.org/…"; trailing punctuation dropped. */
  function normalizeDoi(value) {
    let s = clean(value);
    if (!s) return "";
    try {
      if (/%[0-9a-f]{2}/i.test(s)) s = decodeURIComponent(s);
    } catch {
      /* keep as is */
    }
    s = s.replace(/^(?:doi:\s*|info:doi\/|https?:\/\/(?:www\.|dx\.)?doi\.org\/)/i, "");
    const m = s.match(DOI_RE);
    if (!m) return "";
    let doi = m[0].replace(/[.,;:'"]+$/, "");
    // Drop unbalanced closing brackets at the end ("(see 10.1126/science.1144079)").
    for (const [open, close] of [["(", ")"], ["[", "]"], ["{", "}"]]) {
      while (doi.endsWith(close) && doi.split(open).length < doi.split(close).length) doi = doi.slice(0, -1);
    }
    return doi;
  }

  function isDoiLike(value) {
    return /^(?:doi:\s*|info:doi\/|https?:\/\/(?:www\.|dx\.)?doi\.org\/)?10\.\d{4,9}\/\S+$/i.test(clean(value));
  }

  // The identifier schemes the extension finds and sends; the server's list is
  // readinglist/identifiers.py, which accepts these and more.
  const SCHEMES = ["arxiv", "doi", "pmid", "pmcid", "openreview", "acl"];

  const ACL_ID = /^([A-Z]\d{2}-\d{4}|\d{4}\.[a-z\d]+-[a-z\d]+\.\d+)(?:v\d+)?$/;

  /** Identifiers that the URL itself proves (strongest source; works for PDF tabs). */
  function identifiersFromUrl(url) {
    const ids = {};
    let u;
    try {
      u = new URL(url);
    } catch {
      return ids;
    }
    const host = u.hostname.replace(/^www\./, "").toLowerCase();
    const path = decodeURIComponent(u.pathname);
    if (/(^|\.)arxiv\.org$/.test(host)) {
      const m = path.match(/^\/(?:abs|pdf|html|format|ps)\/(.+?)(?:\.pdf)?\/?$/);
      const a = m && parseArxiv(m[1]);
      if (a) ids.arxiv = a.id;
    } else if (host === "huggingface.co" || host === "hf.co") {
      const m = path.match(/^\/papers\/([^/]+)\/?$/);
      const a = m && parseArxiv(m[1]);
      if (a && m[1].replace(/v\d+$/, "") === a.id) ids.arxiv = a.id;
    } else if (host === "openreview.net") {
      const id = u.searchParams.get("id");
      if (/^\/(forum|pdf|attachment)$/.test(path) && id && /^[A-Za-z0-9_-]+$/.test(id)) ids.openreview = id;
    } else if (host === "aclanthology.org" || host === "aclweb.org") {
      const m = path.match(/([A-Z]\d{2}-\d{4}|\d{4}\.[a-z\d]+-[a-z\d]+\.\d+)(?:v\d+)?(?:\.pdf)?\/?$/);
      if (m) ids.acl = m[1];
    } else if (host === "pubmed.ncbi.nlm.nih.gov") {
      const m = path.match(/^\/(\d{1,9})\/?$/);
      if (m) ids.pmid = m[1];
    } else if (/(^|\.)ncbi\.nlm\.nih\.gov$/.test(host)) {
      const m = path.match(/\/(PMC\d+)\/?/i);
      if (m) ids.pmcid = m[1].toUpperCase();
    } else if (host === "doi.org" || host === "dx.doi.org") {
      const doi = normalizeDoi(path.slice(1));
      if (doi) ids.doi = doi;
    } else if (/(^|\.)(biorxiv|medrxiv)\.org$/.test(host)) {
      const m = path.match(/\/content\/(10\.1101\/[\d.]+?)(?:v\d+)?(?:\.full|\.abstract|\.article-info|\.pdf|\/|$)/);
      if (m) ids.doi = m[1];
    }
    if (!ids.doi) {
      // DOI in the URL path of publisher pages: /doi/10.…, /doi/abs/10.…, /article/10.…
      const m = path.match(/\/(?:doi(?:\/(?:abs|full|pdf|epdf|book))?|article|chapter|content)\/(10\.\d{4,9}\/[^?#]+)/);
      if (m) {
        const doi = normalizeDoi(m[1].replace(/\/(?:full|abstract|pdf)$/, ""));
        if (doi) ids.doi = doi;
      }
    }
    if (!ids.doi) {
      // Older platforms: /article/info:doi/10.…, ?id=10.…, ?doi=10.… (percent-encoded in the URL).
      const inPath = path.match(/(?:^|\/)info:doi\/(10\.\d{4,9}\/[^?#]+)/);
      const values = inPath ? [inPath[1]] : [];
      for (const [key, value] of u.searchParams) {
        if (/^(doi|id|uri|articleuri)$/i.test(key)) values.push(value.replace(/^info:doi\//, ""));
      }
      for (const value of values) {
        const doi = /^10\.\d{4,9}\//.test(value) ? normalizeDoi(value) : "";
        if (doi) {
          ids.doi = doi;
          break;
        }
      }
    }
    return ids;
  }

  /** "2021/06/17" -> "2021-06-17", "2021/6" -> "2021-06", ISO datetimes -> their date. */
  function normalizeDate(value) {
    const s = clean(value);
    if (!s) return "";
    let m = s.match(/^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T\s].*)?$/);
    if (m) {
      const parts = [m[1]];
      if (m[2]) parts.push(m[2].padStart(2, "0"));
      if (m[2] && m[3]) parts.push(m[3].padStart(2, "0"));
      return parts.join("-");
    }
    m = s.match(/\b(1[5-9]\d{2}|20\d{2})\b/);
    const parsed = Date.parse(s);
    if (!Number.isNaN(parsed) && /[a-z]/i.test(s) && /\d{1,2}/.test(s.replace(/\d{4}/, ""))) {
      const d = new Date(parsed);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    }
    return m ? m[1] : s.slice(0, 32);
  }

  /** "Keyname Suffix, Firstnames" -> "Firstnames Keyname Suffix" (arXiv, Springer meta). */
  function flipName(name) {
    const s = clean(name);
    const parts = s.split(",");
    if (parts.length !== 2) return s;
    const [last, first] = parts.map(clean);
    if (!first || !last || /^(jr|sr|ii|iii|iv)\.?$/i.test(first)) return s;
    return `${first} ${last}`;
  }

  Object.assign(RL, {
    clean,
    text,
    stripTags,
    cleanAuthor,
    isUrlOrDoi,
    endsCut,
    resolveUrl,
    readMeta,
    MetaIndex,
    parseArxiv,
    normalizeDoi,
    isDoiLike,
    identifiersFromUrl,
    normalizeDate,
    flipName,
    SCHEMES,
    ACL_ID,
  });
})(globalThis);
