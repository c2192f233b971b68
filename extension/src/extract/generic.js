/*
 * The generic extractor: one paper per page, from head metadata.
 *
 * Family precedence (the first family that yields a value wins a field; list fields never mix
 * families): Highwire citation_* (+ bepress_citation_*) > Dublin Core (dc./dcterms., any case)
 * > PRISM > eprints > JSON-LD ScholarlyArticle (walks arrays, @graph, mainEntity) > Open Graph /
 * twitter > the document itself (<title>, h1, meta description). A DOI is only ever taken from
 * metadata or the URL, never from body text.
 */
(function (root) {
  "use strict";
  const RL = (root.RLExtract = root.RLExtract || {});
  const { clean, text, resolveUrl, MetaIndex, normalizeDoi, isDoiLike, parseArxiv, normalizeDate, flipName } = RL;

  const SCHOLARLY_TYPES = new Set([
    "scholarlyarticle",
    "article",
    "medicalscholarlyarticle",
    "report",
    "thesis",
    "chapter",
    "book",
    "techarticle",
    "newsarticle",
    "creativework",
  ]);

  function types(node) {
    const t = node && node["@type"];
    return (Array.isArray(t) ? t : [t]).filter(Boolean).map((x) => String(x).replace(/^.*[/#:]/, "").toLowerCase());
  }

  /** Every JSON-LD node on the page, flattened through arrays, @graph and mainEntity. */
  function jsonLdNodes(doc) {
    const nodes = [];
    const seen = new Set();
    const walk = (value, depth) => {
      if (!value || depth > 6 || typeof value !== "object" || seen.has(value)) return;
      seen.add(value);
      if (Array.isArray(value)) {
        for (const v of value) walk(v, depth + 1);
        return;
      }
      nodes.push(value);
      if (value["@graph"]) walk(value["@graph"], depth + 1);
      if (value.mainEntity) walk(value.mainEntity, depth + 1);
      if (value.mainEntityOfPage && typeof value.mainEntityOfPage === "object" && value.mainEntityOfPage["@type"]) {
        walk(value.mainEntityOfPage, depth + 1);
      }
    };
    for (const script of doc.querySelectorAll('script[type="application/ld+json"], script.schema-data')) {
      try {
        walk(JSON.parse(script.textContent), 0);
      } catch {
        /* a broken block is skipped */
      }
    }
    return nodes;
  }

  function scholarlyNode(doc) {
    const nodes = jsonLdNodes(doc);
    const rank = (n) => {
      const t = types(n);
      if (t.includes("scholarlyarticle") || t.includes("medicalscholarlyarticle")) return 3;
      if (t.some((x) => SCHOLARLY_TYPES.has(x) && x !== "creativework" && x !== "newsarticle")) return 2;
      return 0;
    };
    let best = null;
    for (const n of nodes) if (rank(n) > (best ? rank(best) : 0)) best = n;
    return best;
  }

  function ldText(value) {
    if (value == null) return "";
    if (typeof value === "string" || typeof value === "number") return clean(value);
    if (Array.isArray(value)) return ldText(value[0]);
    if (typeof value === "object") return clean(value["@value"] || value.name || "");
    return "";
  }

  function ldAuthors(value) {
    const list = Array.isArray(value) ? value : value ? [value] : [];
    const out = [];
    for (const a of list) {
      if (typeof a === "string") out.push(clean(a));
      else if (a && typeof a === "object") {
        const t = types(a);
        if (t.includes("organization")) continue;
        const name = clean(a.name) || clean([a.givenName, a.familyName].filter(Boolean).join(" "));
        if (name) out.push(name);
      }
    }
    return out.filter(Boolean);
  }

  function ldDoi(node) {
    const candidates = [];
    const push = (v) => {
      if (!v) return;
      if (Array.isArray(v)) v.forEach(push);
      else if (typeof v === "object") {
        if (String(v.propertyID || "").toLowerCase() === "doi") candidates.unshift(String(v.value || ""));
        else push(v.value || v["@id"] || v.url);
      } else candidates.push(String(v));
    };
    push(node.identifier);
    push(node.sameAs);
    push(node["@id"]);
    for (const c of candidates) {
      if (/doi\.org\/|^doi:|^10\.\d{4,9}\//i.test(clean(c))) {
        const doi = normalizeDoi(c);
        if (doi) return doi;
      }
    }
    return "";
  }

  function ldPdf(node) {
    const list = [].concat(node.encoding || [], node.associatedMedia || []);
    for (const m of list) {
      if (m && typeof m === "object" && /pdf/i.test(String(m.encodingFormat || m.fileFormat || ""))) {
        return String(m.contentUrl || m.url || "");
      }
    }
    return "";
  }

  function ldVenue(node) {
    let part = node.isPartOf;
    for (let i = 0; part && i < 4; i++) {
      if (Array.isArray(part)) part = part[0];
      const t = types(part);
      if (t.includes("periodical") || !part.isPartOf) return ldText(part.name);
      part = part.isPartOf;
    }
    return "";
  }

  /** Strip a site's affixes from a <title>. */
  function stripTitle(title) {
    return clean(title)
      .replace(/^\[[^\]]+\]\s+/, "")
      .replace(/^Paper page - /, "")
      .replace(/\s+[|–—-]\s+(OpenReview|arXiv(\.org)?|ACL Anthology|bioRxiv|medRxiv|Semantic Scholar|PubMed|PeerJ|eLife|SpringerLink|USENIX)$/i, "")
      .trim();
  }

  /**
   * The families, each a function from field name to value; the order here is the precedence.
   */
  function families(doc, meta, url) {
    const ld = scholarlyNode(doc);
    const citationAuthors = () => {
      let a = meta.all("citation_author", "bepress_citation_author");
      if (!a.length) a = meta.all("citation_authors").flatMap((v) => v.split(";"));
      return a.map(clean).filter(Boolean);
    };
    const dcDoi = () => {
      for (const key of ["dc.identifier", "dcterms.identifier"]) {
        for (const m of meta.entries(key)) {
          if (m.scheme === "doi" || isDoiLike(m.value)) {
            const doi = normalizeDoi(m.value);
            if (doi) return doi;
          }
        }
      }
      return "";
    };
    return [
      {
        source: "citation",
        title: () => meta.first("citation_title", "bepress_citation_title"),
        authors: citationAuthors,
        abstract: () => meta.first("citation_abstract", "bepress_citation_abstract"),
        published: () =>
          meta.first("citation_publication_date", "citation_date", "citation_cover_date", "bepress_citation_date", "citation_year"),
        venue: () =>
          meta.first(
            "citation_journal_title",
            "citation_conference_title",
            "citation_conference",
            "citation_inbook_title",
            "citation_book_title",
            "citation_dissertation_institution",
            "citation_technical_report_institution",
            "bepress_citation_journal_title",
          ),
        pdf_url: () => meta.first("citation_pdf_url", "bepress_citation_pdf_url"),
        doi: () => normalizeDoi(meta.first("citation_doi", "bepress_citation_doi")),
        arxiv: () => (parseArxiv(meta.first("citation_arxiv_id")) || {}).id || "",
        pmid: () => (meta.first("citation_pmid").match(/^\d{1,9}$/) || [""])[0],
      },
      {
        source: "dc",
        title: () => meta.first("dc.title", "dcterms.title"),
        authors: () => {
          const a = meta.all("dc.creator", "dcterms.creator");
          return a.length ? a : meta.all("dc.contributor", "dcterms.contributor");
        },
        abstract: () => meta.first("dcterms.abstract", "dc.description.abstract", "dc.description", "dcterms.description"),
        published: () => meta.first("dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created"),
        venue: () => meta.first("dc.relation.ispartof", "dcterms.ispartof", "dc.source"),
        doi: dcDoi,
      },
      {
        source: "dc", // PRISM
        title: () => meta.first("prism.title"),
        published: () => meta.first("prism.publicationdate", "prism.coverdate"),
        venue: () => meta.first("prism.publicationname"),
        doi: () => normalizeDoi(meta.first("prism.doi")),
      },
      {
        source: "dc", // eprints
        title: () => meta.first("eprints.title"),
        authors: () => meta.all("eprints.creators_name"),
        abstract: () => meta.first("eprints.abstract"),
        published: () => meta.first("eprints.date"),
        venue: () => meta.first("eprints.publication", "eprints.book_title", "eprints.event_title"),
        pdf_url: () => meta.first("eprints.document_url"),
        doi: () => normalizeDoi(meta.first("eprints.id_number")),
      },
      {
        source: "jsonld",
        title: () => (ld ? ldText(ld.headline) || ldText(ld.name) : ""),
        authors: () => (ld ? ldAuthors(ld.author || ld.creator) : []),
        abstract: () => (ld ? ldText(ld.abstract) || ldText(ld.description) : ""),
        published: () => (ld ? ldText(ld.datePublished) || ldText(ld.dateCreated) : ""),
        venue: () => (ld ? ldVenue(ld) : ""),
        pdf_url: () => (ld ? ldPdf(ld) : ""),
        doi: () => (ld ? ldDoi(ld) : ""),
      },
      {
        source: "og",
        title: () => meta.first("og:title", "twitter:title"),
        authors: () => meta.all("article:author").filter((a) => !/^https?:/i.test(a)),
        abstract: () => meta.first("og:description", "twitter:description"),
        published: () => meta.first("article:published_time"),
      },
      {
        source: "document",
        title: () => stripTitle(text(doc.querySelector("title"))) || text(doc.querySelector("h1")),
        authors: () => {
          const micro = [...doc.querySelectorAll('[itemprop~="author"]')]
            .map((el) => text(el.querySelector('[itemprop~="name"]') || el))
            .filter(Boolean);
          return micro.length ? micro : meta.all("author").filter((a) => !/^https?:/i.test(a));
        },
        abstract: () => meta.first("description"),
        pdf_url: () => {
          const link = doc.querySelector('link[rel~="alternate"][type="application/pdf"]');
          return link ? link.getAttribute("href") : "";
        },
      },
    ];
  }

  const FIELDS = ["title", "authors", "abstract", "published", "venue", "pdf_url"];

  /**
   * Metadata of the one paper a page describes.
   * Returns {url, metadata: {title, authors, abstract, published, venue, pdf_url,
   * identifiers, source, field_sources}}.
   * `options.skip` lists "family.field" pairs to ignore (e.g. "og.abstract" on ACL).
   */
  function extractGeneric(doc, url, options = {}) {
    const meta = new MetaIndex(doc);
    const skip = new Set(options.skip || []);
    const fams = families(doc, meta, url);
    const metadata = { identifiers: {}, field_sources: {} };
    for (const field of FIELDS) {
      metadata[field] = field === "authors" ? [] : "";
      for (const fam of fams) {
        if (!fam[field] || skip.has(`${fam.source}.${field}`)) continue;
        let value = fam[field]();
        if (field === "authors") {
          value = (value || []).map(clean).filter(Boolean);
          if (!value.length) continue;
          if (value.every((a) => a.split(",").length === 2)) value = value.map(flipName);
        } else {
          value = clean(value);
          if (!value) continue;
          if (field === "pdf_url") value = resolveUrl(value, url);
          if (field === "published") value = normalizeDate(value);
        }
        metadata[field] = value;
        metadata.field_sources[field] = fam.source;
        break;
      }
    }
    // Identifiers: the URL first, then metadata (citation > dc > prism > eprints > JSON-LD).
    const ids = { ...RL.identifiersFromUrl(url) };
    for (const fam of fams) {
      for (const scheme of ["doi", "arxiv", "pmid"]) {
        if (!ids[scheme] && fam[scheme]) {
          const v = fam[scheme]();
          if (v) ids[scheme] = v;
        }
      }
    }
    const canonical = canonicalUrl(doc, meta, url);
    for (const [k, v] of Object.entries(RL.identifiersFromUrl(canonical))) if (!ids[k]) ids[k] = v;
    metadata.identifiers = ids;
    metadata.source = metadata.field_sources.title || "document";
    return { url: canonical, metadata };
  }

  /** link[rel=canonical] > og:url > citation_abstract_html_url > the location. */
  function canonicalUrl(doc, meta, url) {
    const link = doc.querySelector('link[rel~="canonical"]');
    const candidates = [link && link.getAttribute("href"), meta.first("og:url"), meta.first("citation_abstract_html_url")];
    for (const c of candidates) {
      const abs = resolveUrl(c, url);
      if (/^https?:/.test(abs)) return abs;
    }
    return url;
  }

  Object.assign(RL, { extractGeneric, jsonLdNodes, scholarlyNode, stripTitle, canonicalUrl });
})(globalThis);
