/*
 * Site adapters and the entry point `RLExtract.extract(doc, url)`.
 *
 * Result: {kind: "paper", url, metadata} for a page about one paper,
 *         {kind: "listing", url, items: [{url, id, metadata, anchor}]} for a list of papers
 *         (anchor: the element to draw that paper's button after), or {kind: "none", url}.
 */
(function (root) {
  "use strict";
  const RL = (root.RLExtract = root.RLExtract || {});
  const { clean, text, resolveUrl, parseArxiv, normalizeDate, extractGeneric, identifiersFromUrl } = RL;

  function host(url) {
    try {
      return new URL(url).hostname.replace(/^www\./, "").toLowerCase();
    } catch {
      return "";
    }
  }

  function pathOf(url) {
    try {
      return new URL(url).pathname;
    } catch {
      return "";
    }
  }

  /** Overwrite fields of a generic result with site values (source "site"), skipping blanks. */
  function applySite(result, values, source = "site") {
    const md = result.metadata;
    for (const [field, value] of Object.entries(values)) {
      if (field === "identifiers") {
        Object.assign(md.identifiers, value);
        continue;
      }
      if (Array.isArray(value) ? !value.length : !clean(value)) continue;
      md[field] = Array.isArray(value) ? value.map(clean).filter(Boolean) : clean(value);
      md.field_sources[field] = source;
    }
    md.source = md.field_sources.title || md.source;
    return result;
  }

  /** Fill fields the page's metadata left empty (or only had from og/<title>) from site markup. */
  function fillSite(result, values) {
    const md = result.metadata;
    const blanks = {};
    for (const [field, value] of Object.entries(values)) {
      if (field === "identifiers") blanks[field] = value;
      else if (Array.isArray(md[field]) ? !md[field].length : !md[field]) blanks[field] = value;
      else if (["og", "document"].includes(md.field_sources[field])) blanks[field] = value; // site beats those
    }
    return applySite(result, blanks);
  }

  function paperResult(url, metadata) {
    return {
      kind: "paper",
      url,
      metadata: {
        title: "",
        authors: [],
        abstract: "",
        published: "",
        venue: "",
        pdf_url: "",
        identifiers: {},
        source: "site",
        field_sources: {},
        ...metadata,
      },
    };
  }

  function hydration(doc, target) {
    for (const el of doc.querySelectorAll("[data-props]")) {
      if (target && el.getAttribute("data-target") !== target) continue;
      try {
        return JSON.parse(el.getAttribute("data-props"));
      } catch {
        /* next */
      }
    }
    return null;
  }

  // ---- arXiv ----------------------------------------------------------------------------

  function arxiv(doc, url) {
    const path = pathOf(url);
    if (/^\/(list|catchup)\//.test(path) || /^\/search\/?/.test(path)) return arxivListing(doc, url);
    const ids = identifiersFromUrl(url);
    if (/^\/pdf\//.test(path)) {
      if (!ids.arxiv) return null;
      return paperResult(`https://arxiv.org/abs/${ids.arxiv}`, {
        identifiers: { arxiv: ids.arxiv },
        pdf_url: `https://arxiv.org/pdf/${ids.arxiv}`,
        source: "document",
      });
    }
    const result = extractGeneric(doc, url, { skip: ["og.abstract", "document.abstract", "og.title"] });
    const id = ids.arxiv || result.metadata.identifiers.arxiv;
    if (!id) return null;
    result.metadata.identifiers.arxiv = id;
    // A 10.48550 DOI is derived from the arXiv id; only a journal DOI is worth sending.
    if (/^10\.48550\//i.test(result.metadata.identifiers.doi || "")) delete result.metadata.identifiers.doi;
    result.url = `https://arxiv.org/abs/${id}`;
    if (/^\/html\//.test(path)) {
      fillSite(result, {
        title: text(doc.querySelector("h1.ltx_title")).replace(/^Title:\s*/, ""),
        authors: [...doc.querySelectorAll(".ltx_authors .ltx_personname")]
          .map((el) => clean((el.childNodes[0] && el.childNodes[0].textContent) || el.textContent))
          .filter(Boolean),
        abstract: text(doc.querySelector(".ltx_abstract p")) || text(doc.querySelector(".ltx_abstract")).replace(/^Abstract\s*/, ""),
      });
    } else {
      const h1 = doc.querySelector("h1.title");
      fillSite(result, {
        title: h1 ? text(h1).replace(/^Title:\s*/, "") : "",
        authors: [...doc.querySelectorAll("div.authors a")].map(text),
        abstract: text(doc.querySelector("blockquote.abstract")).replace(/^Abstract:\s*/, ""),
        identifiers: {},
      });
      const journalDoi = text(doc.querySelector("td.tablecell.doi a"));
      if (journalDoi && !result.metadata.identifiers.doi) result.metadata.identifiers.doi = RL.normalizeDoi(journalDoi);
      fillSite(result, { venue: text(doc.querySelector("td.tablecell.jref")) });
    }
    // As the server's arXiv record says: the journal it appeared in, else arXiv itself.
    fillSite(result, { venue: "arXiv" });
    const pdf = result.metadata.pdf_url;
    if (!pdf || /^https?:\/\/(export\.)?arxiv\.org\/pdf\//.test(pdf)) result.metadata.pdf_url = `https://arxiv.org/pdf/${id}`;
    if (!result.metadata.identifiers.doi) delete result.metadata.identifiers.doi;
    return { kind: "paper", ...result };
  }

  function arxivListing(doc, url) {
    const items = [];
    for (const dt of doc.querySelectorAll("dl > dt")) {
      const link = dt.querySelector('a[title="Abstract"], a[href*="/abs/"]');
      const a = link && parseArxiv(link.getAttribute("href") || link.textContent);
      if (!a) continue;
      let dd = dt.nextElementSibling;
      while (dd && dd.tagName !== "DD") dd = dd.nextElementSibling;
      const title = dd ? text(dd.querySelector(".list-title")).replace(/^Title:\s*/, "") : "";
      const authors = dd ? [...dd.querySelectorAll(".list-authors a")].map(text).filter(Boolean) : [];
      const abstract = dd ? text(dd.querySelector("p.mathjax")) : "";
      items.push(listingItem(a.id, title, authors, abstract, "", link));
    }
    for (const li of doc.querySelectorAll("li.arxiv-result")) {
      const link = li.querySelector("p.list-title a");
      const a = link && parseArxiv(link.getAttribute("href") || link.textContent);
      if (!a) continue;
      const authors = [...li.querySelectorAll("p.authors a")].map(text).filter(Boolean);
      const abstract = text(li.querySelector("span.abstract-full")).replace(/\s*△ Less$/, "");
      items.push(listingItem(a.id, text(li.querySelector("p.title")), authors, abstract, "", link));
    }
    return { kind: "listing", url, items };
  }

  function listingItem(id, title, authors, abstract, published, anchor) {
    const field_sources = {};
    for (const [k, v] of Object.entries({ title, authors, abstract, published })) {
      if (Array.isArray(v) ? v.length : v) field_sources[k] = "site";
    }
    return {
      id,
      url: `https://arxiv.org/abs/${id}`,
      anchor,
      metadata: {
        title: clean(title),
        authors,
        abstract: clean(abstract),
        published: normalizeDate(published),
        venue: "",
        pdf_url: `https://arxiv.org/pdf/${id}`,
        identifiers: { arxiv: id },
        source: "site",
        field_sources,
      },
    };
  }

  // ---- Hugging Face Papers ---------------------------------------------------------------

  function hfPaperFields(paper) {
    return {
      title: clean(paper.title),
      authors: (paper.authors || []).map((a) => clean(typeof a === "string" ? a : a && a.name)).filter(Boolean),
      abstract: clean(paper.summary),
      published: paper.publishedAt || "",
    };
  }

  function huggingface(doc, url) {
    const path = pathOf(url);
    const ids = identifiersFromUrl(url);
    if (ids.arxiv) {
      const data = hydration(doc, "PaperContent") || {};
      const paper = data.paper || {};
      const f = hfPaperFields(paper);
      const id = ids.arxiv;
      const result = paperResult(`https://huggingface.co/papers/${id}`, {
        identifiers: { arxiv: id },
        pdf_url: `https://arxiv.org/pdf/${id}`,
      });
      fillSite(result, {
        title: f.title || text(doc.querySelector("h1")) || RL.stripTitle(text(doc.querySelector("title"))),
        authors: f.authors,
        abstract: f.abstract,
      });
      if (f.published) {
        result.metadata.published = normalizeDate(f.published);
        result.metadata.field_sources.published = "site";
      }
      result.metadata.field_sources.pdf_url = "site";
      result.metadata.source = "site";
      return result;
    }
    if (!/^\/papers(\/|$)/.test(path) && !/\/papers\/?$/.test(path)) return null;
    // A listing: daily / weekly / monthly / trending, or an org's papers.
    let data = hydration(doc, "DailyPapers");
    if (!data) {
      for (const el of doc.querySelectorAll("[data-props]")) {
        try {
          const d = JSON.parse(el.getAttribute("data-props"));
          if (d && (Array.isArray(d.dailyPapers) || Array.isArray(d.papers))) {
            data = d;
            break;
          }
        } catch {
          /* next */
        }
      }
    }
    const byId = new Map();
    for (const row of (data && (data.dailyPapers || data.papers)) || []) {
      const paper = row.paper || row;
      if (paper && paper.id) byId.set(String(paper.id), paper);
    }
    const items = [];
    const seen = new Set();
    for (const link of doc.querySelectorAll('a[href^="/papers/"], a[href^="https://huggingface.co/papers/"]')) {
      const m = (link.getAttribute("href") || "").match(/\/papers\/([^/?#]+)$/);
      const a = m && parseArxiv(m[1]);
      if (!a || seen.has(a.id)) continue;
      if (!clean(link.textContent)) continue; // thumbnails: use the titled link
      const heading = link.closest("h3, h2") ? link : null;
      if (!heading && byId.size) continue;
      seen.add(a.id);
      const f = hfPaperFields(byId.get(a.id) || { title: link.textContent });
      const item = listingItem(a.id, f.title, f.authors, f.abstract, f.published, link);
      item.url = `https://huggingface.co/papers/${a.id}`;
      items.push(item);
    }
    return { kind: "listing", url, items };
  }

  // ---- OpenReview --------------------------------------------------------------------------

  function openreview(doc, url) {
    const ids = identifiersFromUrl(url);
    if (!ids.openreview) return null;
    const id = ids.openreview;
    if (/^\/pdf/.test(pathOf(url))) {
      return paperResult(`https://openreview.net/forum?id=${id}`, {
        identifiers: { openreview: id },
        pdf_url: `https://openreview.net/pdf?id=${id}`,
        source: "document",
      });
    }
    // og:title is cut at 70 characters and description is the TL;DR: never use them.
    const result = extractGeneric(doc, url, { skip: ["og.title", "og.abstract", "document.abstract"] });
    result.url = `https://openreview.net/forum?id=${id}`;
    result.metadata.identifiers.openreview = id;
    const pdfLink = doc.querySelector("a.citation_pdf_url");
    fillSite(result, {
      title: text(doc.querySelector("h2.citation_title")),
      authors: text(doc.querySelector(".forum-authors h3"))
        .split(",")
        .map(clean)
        .filter(Boolean),
      abstract: text(doc.querySelector(".note-content-value")),
      pdf_url: pdfLink ? resolveUrl(pdfLink.getAttribute("href"), url) : "",
    });
    if (!result.metadata.pdf_url) result.metadata.pdf_url = `https://openreview.net/pdf?id=${id}`;
    const online = new RL.MetaIndex(doc).first("citation_online_date");
    if (!result.metadata.published && online) {
      result.metadata.published = normalizeDate(online);
      result.metadata.field_sources.published = "citation";
    }
    return { kind: "paper", ...result };
  }

  // ---- ACL Anthology -----------------------------------------------------------------------

  // Anthology pages that are about many papers (or none): events, volumes, people, venues.
  const ACL_NOT_PAPER = /^\/(events|volumes|people|venues|sigs|search|info|faq)(\/|$)/;

  function acl(doc, url) {
    if (ACL_NOT_PAPER.test(pathOf(url)) || pathOf(url) === "/") return { kind: "none", url, metadata: null };
    // og:description is a citation string on the Anthology, not the abstract.
    const result = extractGeneric(doc, url, { skip: ["og.abstract", "document.abstract"] });
    let id = identifiersFromUrl(url).acl;
    if (!id) {
      for (const dt of doc.querySelectorAll("dt")) {
        if (/Anthology ID/i.test(dt.textContent)) {
          const dd = dt.nextElementSibling;
          const v = text(dd);
          if (RL.ACL_ID.test(v)) id = v.replace(/v\d+$/, "");
        }
      }
    }
    if (!id) return null; // not a paper page the Anthology way: the generic rules decide
    result.metadata.identifiers.acl = id;
    result.url = `https://aclanthology.org/${id}/`;
    const box = doc.querySelector(".acl-abstract");
    let abstract = "";
    if (box) {
      const body = box.querySelector("span") || box;
      abstract = text(body).replace(/^Abstract\s*/, "");
    }
    applySite(result, { abstract });
    return { kind: "paper", ...result };
  }

  // ---- bioRxiv / medRxiv ------------------------------------------------------------------

  function biorxiv(doc, url) {
    const result = extractGeneric(doc, url);
    const ids = identifiersFromUrl(url);
    if (ids.doi) result.metadata.identifiers.doi = ids.doi;
    if (/\.pdf$/.test(pathOf(url))) result.metadata.pdf_url = result.metadata.pdf_url || url;
    fillSite(result, {
      title: text(doc.querySelector("h1#page-title, h1.highwire-cite-title")),
      abstract: text(doc.querySelector("div.abstract p, #abstract-1 p")),
    });
    const md = result.metadata;
    return md.identifiers.doi || md.title ? { kind: "paper", ...result } : null;
  }

  // ---- Semantic Scholar ---------------------------------------------------------------------

  function semanticscholar(doc, url) {
    if (!/^\/paper\//.test(pathOf(url))) return null;
    const result = extractGeneric(doc, url, { skip: ["og.abstract", "document.abstract"] });
    const md = result.metadata;
    fillSite(result, {
      title: text(doc.querySelector('h1[data-test-id="paper-detail-title"]')),
      abstract: text(doc.querySelector('[data-test-id="abstract-text"]')).replace(/\s*Collapse$/, ""),
    });
    // S2 links the arXiv copy; an id from a link is fine (not body text), a DOI is not.
    if (!md.identifiers.arxiv) {
      const link = doc.querySelector('a[href*="arxiv.org/abs/"]');
      const a = link && parseArxiv(link.getAttribute("href"));
      if (a) md.identifiers.arxiv = a.id;
    }
    return md.title ? { kind: "paper", ...result } : null;
  }

  // ---- generic fallbacks for DOM-only abstracts (USENIX) ----------------------------------

  function genericPage(doc, url) {
    const result = extractGeneric(doc, url);
    const md = result.metadata;
    if (!md.abstract) {
      // The generic extractor already weighed the usual abstract containers (and refused
      // asides and link lists): only USENIX's paper description is left to look at.
      const el = doc.querySelector(".field-name-field-paper-description");
      const abstract = text(el).replace(/^Abstract[:.]?\s*/i, "");
      if (abstract) applySite(result, { abstract });
    }
    const ids = md.identifiers;
    const scholarly = ids.doi || ids.arxiv || ids.pmid || ids.pmcid || md.field_sources.title === "citation";
    return { kind: scholarly ? "paper" : md.title ? "page" : "none", ...result };
  }

  // ---- IEEE Xplore ------------------------------------------------------------------------

  /** The JSON object a script assigns after `marker` (Xplore: "xplGlobal.document.metadata="), parsed. */
  function assignedJson(doc, marker) {
    for (const script of doc.querySelectorAll("script:not([src])")) {
      const source = script.textContent || "";
      const at = source.indexOf(marker);
      if (at < 0) continue;
      const start = at + marker.length + (/^\s*/.exec(source.slice(at + marker.length, at + marker.length + 100)) || [""])[0].length;
      if (source[start] !== "{") continue; // `= null`, or the marker in a string: not the record
      let depth = 0;
      let inString = false;
      for (let i = start; i < source.length; i++) {
        const ch = source[i];
        if (inString) {
          if (ch === "\\") i++;
          else if (ch === '"') inString = false;
        } else if (ch === '"') inString = true;
        else if (ch === "{") depth++;
        else if (ch === "}" && --depth === 0) {
          try {
            return JSON.parse(source.slice(start, i + 1));
          } catch {
            break; // not JSON: try the next script
          }
        }
      }
    }
    return null;
  }

  /** Xplore writes its record into a script, not into citation_* tags. */
  function ieee(doc, url) {
    const record = assignedJson(doc, ".document.metadata=");
    if (!record || typeof record !== "object") return null;
    const result = extractGeneric(doc, url);
    const authors = Array.isArray(record.authors) ? record.authors.map((a) => (a && (a.name || [a.firstName, a.lastName].filter(Boolean).join(" "))) || "") : [];
    applySite(result, {
      title: RL.stripTags(record.formulaStrippedArticleTitle || record.title || ""),
      authors: authors.map(RL.cleanAuthor).filter(Boolean),
      abstract: RL.stripTags(record.abstract || ""),
      venue: RL.stripTags(record.displayPublicationTitle || record.publicationTitle || ""),
      published: normalizeDate(String(record.publicationYear || record.publicationDate || "")),
      identifiers: RL.normalizeDoi(String(record.doi || "")) ? { doi: RL.normalizeDoi(String(record.doi)) } : {},
    });
    return { kind: "paper", ...result };
  }

  // ---- ACM Digital Library ----------------------------------------------------------------

  /** The DL's markup, for its pages that carry hardly any head metadata. */
  function acm(doc, url) {
    const title = text(doc.querySelector("h1.citation__title"));
    if (!title) return null;
    const result = extractGeneric(doc, url);
    // The article's author list: the first list holding authors (later ones are citing works).
    const list = [...doc.querySelectorAll(".loa")].find((el) => el.querySelector(".loa__author-name"));
    const authors = list ? [...list.querySelectorAll(".loa__author-name")].map((el) => RL.cleanAuthor(text(el))) : [];
    // "AIES '20: Proceedings of ..." names the proceedings after the event's short name.
    const venue = text(doc.querySelector(".epub-section__title")).replace(/^[^:]{1,40}'\d{2}:\s*/, "");
    const abstract = [...doc.querySelectorAll(".abstractSection p, .abstractInFull p")].map(text).filter(Boolean).join(" ");
    const doi = text(doc.querySelector("a.issue-item__doi")).replace(/^https?:\/\/(dx\.)?doi\.org\//i, "");
    fillSite(result, {
      title,
      authors: authors.filter((a, i) => a && authors.indexOf(a) === i),
      venue,
      abstract,
      published: normalizeDate(text(doc.querySelector(".epub-section__date, .CitationCoverDate"))),
      identifiers: doi && !result.metadata.identifiers.doi ? { doi: RL.normalizeDoi(doi) } : {},
    });
    return { kind: "paper", ...result };
  }


  // Every site with its own adapter, declared once: `hosts` picks the adapter for a URL;
  // `contentScriptMatches` are the pages that get save buttons (scripts/build.mjs writes
  // them into the manifest, and the static test checks the manifest against them); `extract`
  // returns a result, or null to fall back to the page's generic metadata.
  const SITES = [
    { name: "arXiv", hosts: /(^|\.)arxiv\.org$/, contentScriptMatches: ["https://arxiv.org/*"], extract: arxiv },
    {
      name: "Hugging Face Papers",
      hosts: /^(huggingface\.co|hf\.co)$/,
      contentScriptMatches: ["https://huggingface.co/papers*"],
      extract: huggingface,
    },
    { name: "OpenReview", hosts: /^openreview\.net$/, contentScriptMatches: ["https://openreview.net/*"], extract: openreview },
    { name: "ACL Anthology", hosts: /^aclanthology\.org$/, contentScriptMatches: ["https://aclanthology.org/*"], extract: acl },
    {
      name: "bioRxiv and medRxiv",
      hosts: /(^|\.)(biorxiv|medrxiv)\.org$/,
      contentScriptMatches: ["https://www.biorxiv.org/*", "https://www.medrxiv.org/*"],
      extract: biorxiv,
    },
    {
      name: "Semantic Scholar",
      hosts: /^semanticscholar\.org$/,
      contentScriptMatches: ["https://www.semanticscholar.org/paper/*"],
      extract: semanticscholar,
    },
    // Large sites whose pages lack citation_* tags: read when the toolbar button is pressed,
    // no in-page button (so no standing host permission).
    { name: "IEEE Xplore", hosts: /^ieeexplore\.ieee\.org$/, contentScriptMatches: [], extract: ieee },
    { name: "ACM Digital Library", hosts: /^dl\.acm\.org$/, contentScriptMatches: [], extract: acm },
  ];

  /** The best metadata for the page at `url` (its Document `doc`). */
  function extract(doc, url) {
    const h = host(url);
    for (const site of SITES) {
      if (site.hosts.test(h)) {
        const result = site.extract(doc, url);
        if (result) return result;
      }
    }
    return genericPage(doc, url);
  }

  /** What the URL alone says (PDF tabs, links from the context menu). */
  function fromUrl(url) {
    const ids = identifiersFromUrl(url);
    const md = { identifiers: ids, source: "document", field_sources: {} };
    if (ids.arxiv) md.pdf_url = `https://arxiv.org/pdf/${ids.arxiv}`;
    if (ids.openreview) md.pdf_url = `https://openreview.net/pdf?id=${ids.openreview}`;
    return { url, metadata: md };
  }

  /**
   * Whether the URL alone says this is a page about many papers (a listing, an event, a
   * volume) rather than one: such a URL is never saved as a paper.
   */
  function isListingUrl(url) {
    const h = host(url);
    const path = pathOf(url);
    if (/(^|\.)arxiv\.org$/.test(h)) return /^\/(list|catchup)\//.test(path) || /^\/search\/?/.test(path);
    if (h === "huggingface.co" || h === "hf.co") return /^\/papers(\/|$)/.test(path) && !identifiersFromUrl(url).arxiv;
    if (h === "aclanthology.org") return ACL_NOT_PAPER.test(path);
    return false;
  }

  Object.assign(RL, { extract, fromUrl, isListingUrl, SITES });
})(globalThis);
