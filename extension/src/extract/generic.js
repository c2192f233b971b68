/*
 * The generic extractor: one paper per page, from head metadata.
 *
 * Family precedence (the first family that yields a value wins a field; list fields never mix
 * families): Highwire citation_* (+ bepress_citation_*) > Dublin Core (dc./dcterms., any case)
 * > PRISM > eprints > JSON-LD ScholarlyArticle (walks arrays, @graph, mainEntity) > Open Graph /
 * twitter > the document itself (<title>, h1, meta description). A DOI is only ever taken from
 * metadata or the URL, never from body text.
 *
 * Some fields have their own order or cleaning, the same on every site:
 * - venue: citation_* > prism.publicationName > eprints > JSON-LD isPartOf > dc.relation.isPartOf
 *   > dc.source (whose trailing "2020" or "2019 574:7776" is the issue, not the name). A URL or a
 *   DOI is never a venue.
 * - authors: footnote and affiliation markers, e-mails, a trailing "and" and stray commas are
 *   cleaned off; with none in the head, schema.org itemprop=author or a publisher's author-list
 *   markup in the body (never inside a reference list).
 * - title: inline tags dropped; a " - Site" / " | lingbuzz/008324" tail is cut when it is the
 *   site's name, venue or publisher, or an id.
 * - DOI: also from any meta whose name, property or id says doi, and from itemprop=doi.
 * - date: also schema.org itemprop=datePublished, then <time datetime>.
 * - abstract: a candidate cut short (ending in an ellipsis, or the start of a longer candidate)
 *   gives way to the full text, from a later family or the page's abstract section: what
 *   follows an "Abstract" or "Summary" heading up to the next section, else a publisher's
 *   abstract container (never a highlights, graphical-abstract, teaser or related box, a link
 *   list, a figure, table or list item, or anything in an aside, nav or footer). A description
 *   (og:, twitter:, meta description, dc.description, JSON-LD description) gives way to such a
 *   section when it shares a word with the title, and one that is the site's blurb (short, the
 *   site's name, or sharing no word with the title) is not an abstract. The section marks a meta copy as cut
 *   only when that copy is under 40 words.
 * - every meta value: entities a page escaped twice ("&amp;amp;") are decoded; an author
 *   that is only an unfilled template slot ("$author.lastName") is dropped.
 */
(function (root) {
  "use strict";
  const RL = (root.RLExtract = root.RLExtract || {});
  const {
    clean,
    text,
    stripTags,
    cleanAuthor,
    isUrlOrDoi,
    endsCut,
    resolveUrl,
    MetaIndex,
    normalizeDoi,
    isDoiLike,
    parseArxiv,
    normalizeDate,
    flipName,
  } = RL;

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

  const SEPARATOR_TAIL = /^(.*\S)\s+[|–—:-]\s+([^|–—]+)$/;
  const SEPARATOR_HEAD = /^([^|–—:]{2,60}?)\s*(?::|\s[|–—-])\s+(.+)$/;
  // "lingbuzz/008324", "PMC6851403", "w29971": a digit and a letter or a slash, no spaces.
  const ID_LIKE = /^(?=[^\s]*\d)(?=[^\s]*[A-Za-z/])[\w./:-]+$/;

  function fold(value) {
    return clean(value)
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/&/g, " and ")
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim();
  }

  /**
   * A title without the tails sites add to it ("Title - lingbuzz/008324", "Title | Nature"):
   * cut only when the tail is one of `names` (site, venue, publisher) or looks like an id.
   */
  function stripSiteSuffix(title, names, headNames = []) {
    const known = new Set(names.map(fold).filter(Boolean));
    let t = clean(title);
    for (let i = 0; i < 3; i++) {
      const m = t.match(SEPARATOR_TAIL);
      if (!m) break;
      const tail = clean(m[2]);
      const isName = known.has(fold(tail)) || [...known].some((n) => n.length > 3 && fold(tail).startsWith(n + " "));
      if (!isName && !(ID_LIKE.test(tail) && tail.length <= 40)) break;
      t = clean(m[1]);
    }
    // A site's own name ahead of the title ("PLoS ONE: Title", "Nature - Title"), only among
    // `headNames` (the site's declared name and its registrable domain's label, never the venue
    // or a project subdomain: "Nerfies: …" on nerfies.github.io and "Science: …" in Science are
    // titles). Compared without spaces too, so "PLoS ONE" matches the domain's "plosone".
    const lead = new Set(headNames.map(fold).filter(Boolean));
    const squeezed = new Set([...lead].map((n) => n.replace(/ /g, "")));
    const head = t.match(SEPARATOR_HEAD);
    if (head && clean(head[2]).length >= 12) {
      const first = fold(head[1]);
      if (lead.has(first) || squeezed.has(first.replace(/ /g, ""))) t = clean(head[2]);
    }
    return t;
  }

  // Second-level labels under a country code that are a suffix with it (co.uk, ac.uk, com.au).
  const SECOND_LEVEL = new Set(["ac", "co", "com", "edu", "gov", "net", "org", "or", "ne", "go"]);

  /** The public suffix and the label before it: www.plosone.org → "plosone.org", a.b.ac.uk → "b.ac.uk". */
  function registrableDomain(host) {
    const labels = String(host || "").toLowerCase().replace(/\.$/, "").split(".").filter(Boolean);
    if (labels.length < 2 || labels.every((l) => /^\d+$/.test(l))) return "";
    const twoPart = labels.length >= 3 && labels[labels.length - 1].length === 2 && SECOND_LEVEL.has(labels[labels.length - 2]);
    return labels.slice(-(twoPart ? 3 : 2)).join(".");
  }

  /** The label before the public suffix: www.plosone.org → "plosone", nerfies.github.io → "github". */
  function registrableLabel(host) {
    return registrableDomain(host).split(".")[0];
  }

  /** Strip a site's affixes from a <title> (of the page at `url`, when known). */
  function stripTitle(title, url = "") {
    // JSTOR's "… on JSTOR", only on JSTOR: elsewhere it may end a title about JSTOR.
    const onJstor = /^https?:\/\/(?:[^/]+\.)?jstor\.org\//i.test(url);
    return clean(onJstor ? clean(title).replace(/\s+on JSTOR$/, "") : title)
      .replace(/^\[[^\]]+\]\s+/, "")
      .replace(/^Paper page - /, "")
      .replace(/(?:\s+[|–—-]\s+(?:OpenReview|arXiv(?:\.org)?|ACL Anthology|bioRxiv|medRxiv|Semantic Scholar|PubMed|NCBI|PeerJ|eLife|SpringerLink|USENIX))+$/i, "")
      .trim();
  }

  /**
   * The families, each a function from field name to value; the order here is the precedence.
   */
  // Reference lists carry itemprop=author and author markup of other papers.
  const NOT_OURS = "[itemprop~='citation'], .references, #references, .ref-list, .c-article-references, .bibliography, [role='doc-bibliography'], ol.references, .citation-list, cite";

  /** Names from elements, each as given+family parts when marked up so, else its text. */
  function namesFrom(elements) {
    const out = [];
    for (const el of elements) {
      if (el.closest && el.closest(NOT_OURS)) continue;
      const named = el.querySelector ? el.querySelector("[itemprop~='name']") : null;
      const given = el.querySelector ? el.querySelector(".given-name, .nlm-given-names, [itemprop~='givenName']") : null;
      const family = el.querySelector ? el.querySelector(".surname, .nlm-surname, [itemprop~='familyName']") : null;
      let name = "";
      if (given && family) name = `${text(given)} ${text(family)}`;
      else if (named) name = text(named);
      else name = el.getAttribute && el.tagName === "META" ? clean(el.getAttribute("content")) : text(el);
      name = cleanAuthor(name);
      if (name && !out.includes(name) && name.length <= 100) out.push(name);
    }
    return out;
  }

  // Publisher author lists, best known first: HighWire, ScienceDirect, Atypon (Wiley, T&F,
  // ACS, SAGE), Springer Nature, OJS, PMC/JATS, generic.
  const AUTHOR_LISTS = [
    ".highwire-citation-authors .highwire-citation-author",
    ".author-group [data-xocs-content-type='author'], #author-group .author, .author-group .author",
    ".loa .hlFld-ContribAuthor, .loa-authors .author-name, .accordion-tabbed .author-name",
    "[data-test='author-name']",
    ".obj_article_details .authors .name, ul.authors li .name, ul.item.authors li .name",
    ".contrib-group .contrib-author, .fm-author a",
    ".authors .author, .author-list .author",
    "a[rel~='author']",
  ];

  // An author list's container, when its people are not marked up one by one as authors
  // (ScienceDirect's buttons): each given-name/surname pair in it is one person.
  const AUTHOR_GROUPS = "#author-group, .author-group, .authors, .author-list, .contrib-group";

  function bodyAuthors(doc) {
    const micro = namesFrom([...doc.querySelectorAll("[itemprop~='author']")].filter((el) => !el.parentElement || !el.parentElement.closest("[itemprop~='author']")));
    if (micro.length) return micro;
    for (const selector of AUTHOR_LISTS) {
      const found = namesFrom(doc.querySelectorAll(selector));
      if (found.length) return found;
    }
    for (const group of doc.querySelectorAll(AUTHOR_GROUPS)) {
      if (isAside(group)) continue;
      const names = [];
      for (const given of group.querySelectorAll(".given-name")) {
        // Its own surname: the next one among its siblings, before another given name.
        let surname = given.nextElementSibling;
        while (surname && !surname.matches(".surname") && !surname.matches(".given-name")) surname = surname.nextElementSibling;
        if (!surname || !surname.matches(".surname") || isAside(given)) continue;
        const name = cleanAuthor(`${text(given)} ${text(surname)}`);
        if (name && !names.includes(name)) names.push(name);
      }
      if (names.length) return names;
    }
    return [];
  }

  // A list a page cut short: "Powell DJ, et al." names one author of several.
  const ET_AL = /(?:^|[\s,;]+)et\.?\s+al\b\.?\s*$/i;

  /** Whether a family's list ends with "et al." (so names only the first authors). */
  function isCutShort(values) {
    return values.some((a) => ET_AL.test(clean(a)));
  }

  /**
   * A family's authors: one tag per person, or one tag listing them ("A; B", "A and B"),
   * without an "et al." that ends a list cut short.
   * `perPerson`: the family's tags name one person each (citation_author, DC.creator), so one
   * comma in its only tag is the "Family, Given" it is written in.
   */
  function splitAuthors(values, perPerson = false) {
    const list = values.map((a) => clean(clean(a).replace(ET_AL, ""))).filter(Boolean);
    if (list.length !== 1) return list;
    const one = list[0];
    if (one.includes(";")) return one.split(";");
    const parts = one.split(/,\s*(?:and\s+)?|\s+and\s+|\s*&\s*/).filter((p) => clean(p)); // "A, , B, " too
    // "Ada Lovelace, Alan Turing and Grace Hopper" (each part a name with a space); never
    // "Lovelace, Ada", nor a DC.creator "Carvalho Júnior, Ilton Jardim de".
    const listed = !perPerson || parts.length > 2 || /\s+and\s+|&/.test(one);
    if (listed && parts.every((p) => /\S\s+\S/.test(clean(p)))) return parts;
    return list;
  }

  function dateFromElement(el) {
    if (!el) return "";
    return clean(el.getAttribute("datetime") || el.getAttribute("content") || el.textContent);
  }

  /**
   * The families, each a function from field name to value; the order here is the precedence.
   */
  function families(doc, meta, url) {
    const ld = scholarlyNode(doc);
    const citationAuthors = () => {
      const a = meta.all("citation_author", "bepress_citation_author");
      // The plural tag is one free-text list ("A; B" or "Ada Lovelace, Alan Turing"): split
      // as such here, so its parts reach `splitAuthors` as one name each.
      // A list cut short keeps its "et al." here, for `isCutShort` to see.
      const listed = (v) => (ET_AL.test(clean(v)) ? [...splitAuthors([v]), "et al."] : splitAuthors([v]));
      const all = a.length ? a : meta.all("citation_authors").flatMap(listed);
      return all.map(clean).filter(Boolean);
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
    /** The first of `keys` whose value is a name, not a URL or a DOI. */
    const firstName = (...keys) => {
      for (const key of keys) for (const v of meta.all(key)) if (!isUrlOrDoi(v)) return v;
      return "";
    };
    /** Any other meta whose name, property or id says doi ("DOI", "publication_doi", "dc.identifier.doi"). */
    const anyMetaDoi = () => {
      for (const [key, entries] of meta.map) {
        if (!/(?:^|[._:-])doi$|^doi[._:-]|^(?:itemprop:)?doi$/.test(key)) continue;
        for (const m of entries) {
          if (!isDoiLike(m.value)) continue;
          const doi = normalizeDoi(m.value);
          if (doi) return doi;
        }
      }
      for (const el of doc.querySelectorAll("[itemprop~='doi']")) {
        if (el.tagName === "META") continue;
        const v = clean(el.getAttribute("content") || el.textContent);
        if (isDoiLike(v)) return normalizeDoi(v);
      }
      return "";
    };
    return [
      {
        source: "citation",
        title: () => meta.first("citation_title", "bepress_citation_title"),
        authors: citationAuthors,
        abstract: () => meta.all("citation_abstract", "bepress_citation_abstract"),
        published: () =>
          meta.first("citation_publication_date", "citation_date", "citation_cover_date", "bepress_citation_date", "citation_year"),
        venue: () =>
          firstName(
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
          const a = meta.all("dc.creator", "dcterms.creator", "dc.creator.personalname");
          return a.length ? a : meta.all("dc.contributor", "dcterms.contributor");
        },
        abstract: () => meta.all("dcterms.abstract", "dc.description.abstract"),
        // A description is often a summary (eLife's digest): it gives way to an Abstract section.
        description: () => [...meta.all("dc.description"), ...meta.all("dcterms.description")],
        published: () => meta.first("dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created"),
        doi: dcDoi,
      },
      {
        source: "dc", // PRISM
        title: () => meta.first("prism.title"),
        published: () => meta.first("prism.publicationdate", "prism.coverdate"),
        venue: () => firstName("prism.publicationname"),
        doi: () => normalizeDoi(meta.first("prism.doi")),
      },
      {
        source: "dc", // eprints
        title: () => meta.first("eprints.title"),
        authors: () => meta.all("eprints.creators_name"),
        abstract: () => meta.all("eprints.abstract"),
        published: () => meta.first("eprints.date"),
        venue: () => firstName("eprints.publication", "eprints.book_title", "eprints.event_title"),
        pdf_url: () => meta.first("eprints.document_url"),
        doi: () => normalizeDoi(meta.first("eprints.id_number")),
      },
      {
        source: "jsonld", // JSON-LD, and schema.org microdata for the date
        title: () => (ld ? ldText(ld.headline) || ldText(ld.name) : ""),
        authors: () => (ld ? ldAuthors(ld.author || ld.creator) : []),
        abstract: () => (ld ? [ldText(ld.abstract)] : []),
        description: () => (ld ? [ldText(ld.description)] : []),
        published: () =>
          (ld ? ldText(ld.datePublished) || ldText(ld.dateCreated) : "") ||
          meta.first("itemprop:datepublished") ||
          dateFromElement(doc.querySelector("[itemprop~='datePublished']:not(meta)")),
        venue: () => (ld ? ldVenue(ld) : ""),
        pdf_url: () => (ld ? ldPdf(ld) : ""),
        doi: () => (ld ? ldDoi(ld) : ""),
      },
      {
        source: "dc", // Dublin Core's container fields, after every family that names a venue
        venue: () => {
          const part = firstName("dc.relation.ispartof", "dcterms.ispartof");
          if (part) return part;
          // "Nature 2020", "Current Rheumatology Reports 2017 19:1": the issue follows the name.
          return firstName("dc.source", "dcterms.source").replace(/\s+(?:1[89]|20)\d\d(?:\s+\d+(?::\d+)?)?$/, "");
        },
        doi: anyMetaDoi,
      },
      {
        source: "og",
        title: () => meta.first("og:title", "twitter:title"),
        authors: () => meta.all("article:author").filter((a) => !/^https?:/i.test(a)),
        abstract: () => [meta.first("og:description"), meta.first("twitter:description")],
        published: () => meta.first("article:published_time"),
      },
      {
        source: "document",
        title: () => stripTitle(text(doc.querySelector("title")), url) || text(doc.querySelector("h1")),
        authors: () => {
          const body = bodyAuthors(doc);
          return body.length ? body : meta.all("author").filter((a) => !/^https?:/i.test(a));
        },
        abstract: () => meta.all("description"),
        published: () => dateFromElement(doc.querySelector("time[pubdate], article time[datetime], time[datetime]")),
        pdf_url: () => {
          const link = doc.querySelector('link[rel~="alternate"][type="application/pdf"]');
          return link ? link.getAttribute("href") : "";
        },
      },
    ];
  }

  const FIELDS = ["title", "authors", "abstract", "published", "venue", "pdf_url"];
  // The page's own abstract section, for when every meta copy is cut short or missing.
  // ".Abstract" too: old pages (HighWire's, Springer's) capitalise the class, and in the
  // quirks mode such pages render in, browsers match class names without regard to case.
  const ABSTRACT_SECTIONS =
    "#abstract, .abstract, section.abstract, div.abstract, .abstractSection, .article__abstract, .hlFld-Abstract, #Abs1-content, .c-article-section__content[id^='Abs'], .Abstract, #Abs1, [itemprop='description']:not(meta)";
  const LOW_TRUST = new Set(["og", "document"]);
  const STOP = new Set(
    "about after also among and are based between both from have into more most only other over such than that their these they this through under using when where which while with within without".split(" "),
  );

  function words(value) {
    return fold(value).split(" ").filter((w) => w.length > 3 && !STOP.has(w));
  }

  /**
   * Whether a description is the site's own blurb rather than this article's: too short to be
   * an abstract, the site's name, or sharing no word with the article's title.
   */
  function isSiteBlurb(value, title, siteNames) {
    const v = clean(value);
    if (v.split(" ").length < 12) return true;
    if (siteNames.some((n) => n && fold(n) === fold(v))) return true;
    const titleWords = new Set(words(title));
    return titleWords.size >= 2 && !words(v).some((w) => titleWords.has(w));
  }

  /**
   * A description a site built from parts joined by " | " ("PDF | <the abstract's start> |
   * Find, read and cite all the research you need on ResearchGate"): its one long part, the
   * one about the article, when every other part is a short label. A bar inside brackets is
   * notation ("p(y | x)"), and a text with two long parts is left whole.
   */
  function mainSegment(value) {
    const parts = value.split(/\s+\|\s+/);
    if (parts.length < 2 || parts.some((part) => !balanced(part))) return value;
    const long = parts.filter((part) => part.split(" ").length > 12);
    return long.length === 1 ? long[0] : value;
  }

  function balanced(part) {
    const count = (re) => (part.match(re) || []).length;
    return count(/\(/g) === count(/\)/g) && count(/\[/g) === count(/\]/g) && count(/\{/g) === count(/\}/g);
  }

  /** Whether `candidate` is `full` cut short: an ellipsis, or the start of the longer text. */
  function cutShort(candidate, others) {
    if (endsCut(candidate)) return true;
    const stem = fold(candidate);
    return others.some((o) => o !== candidate && fold(o).length > stem.length && fold(o).startsWith(stem));
  }

  // Sections that sit beside the abstract and are not it: Elsevier's highlights, graphical
  // abstracts, teasers, related articles; and page furniture.
  const NOT_THE_ABSTRACT = /highlight|graphical|teaser|keyword|related|recommend/i;
  const FURNITURE = "aside, nav, footer, figure, li, [role='navigation'], [role='complementary']";
  const NOT_PROSE = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "BUTTON", "FORM"]);
  // "Abstract (provisional)": a qualifier in brackets still heads the abstract.
  const ABSTRACT_HEADING = /^(abstract|summary)(?:\s*\([^()]{1,40}\))?[:.]?$/i;
  const HEADINGS = ["H1", "H2", "H3", "H4", "H5", "H6"];

  function namedAside(el) {
    return NOT_THE_ABSTRACT.test(`${el.getAttribute("class") || ""} ${el.id || ""}`);
  }

  /**
   * Whether `el` sits in a table of data, not in a table that lays out the page (old pages
   * put the whole article in one): a layout table holds headings itself, not through a table
   * nested in it.
   */
  function inDataTable(el) {
    const table = el.closest("table");
    if (!table) return false;
    const holdsHeading = [...table.querySelectorAll("h1, h2, h3")].some((h) => h.closest("table") === table);
    return !holdsHeading;
  }

  /** Whether `el` sits in page furniture, a reference list or a box that is not the abstract. */
  function isAside(el, { tables = true } = {}) {
    if (el.closest && (el.closest(NOT_OURS) || el.closest(FURNITURE) || (tables && inDataTable(el)))) return true;
    for (let node = el; node && node.tagName !== "BODY"; node = node.parentElement) {
      if (namedAside(node)) return true;
    }
    return false;
  }

  /**
   * The text under an "Abstract" heading: the paragraphs after it up to the next heading of
   * its level or above (a heading alone in a wrapper is looked past), never the rest of the
   * article; scripts, buttons and keyword boxes left out.
   */
  function textAfterHeading(heading) {
    const level = HEADINGS.indexOf(heading.tagName) + 1 || 6;
    let node = heading;
    while (!node.nextElementSibling && node.parentElement && text(node.parentElement) === text(node)) node = node.parentElement;
    const stop = HEADINGS.slice(0, level).join(", ");
    const paragraphs = [];
    const others = [];
    for (let el = node.nextElementSibling; el; el = el.nextElementSibling) {
      if (HEADINGS.includes(el.tagName) && HEADINGS.indexOf(el.tagName) < level) break;
      if (el.querySelector(stop)) break; // the next section
      if (NOT_PROSE.has(el.tagName) || namedAside(el)) continue;
      if (el.tagName === "P") paragraphs.push(el);
      // The section's own ancestors passed `isAside` with the heading: this skips boxes inside it.
      else paragraphs.push(...[...el.querySelectorAll("p")].filter((p) => !isAside(p)));
      others.push(el);
    }
    const parts = paragraphs.length ? paragraphs.map(text) : others.map(text);
    return clean(parts.filter(Boolean).join(" "));
  }

  /** Whether a container is a list (related articles, a menu) or mostly links, not prose. */
  function isLinkList(el) {
    if (/^(UL|OL|NAV)$/.test(el.tagName)) return true;
    const all = text(el).length;
    const linked = [...el.querySelectorAll("a")].reduce((n, a) => n + text(a).length, 0);
    return all > 0 && linked / all > 0.5;
  }

  /**
   * The page's abstract section: {value, strong}. The one under a heading that says
   * "Abstract" (or "Summary") is strong, as is a publisher's abstract container; a schema.org
   * description element is weak (it only stands in for a cut or missing meta, and only when
   * no strong section exists). Highlights, graphical-abstract, teaser and related boxes, link
   * lists, figures, tables, list items and anything in an aside, nav or footer are skipped.
   */
  function domAbstract(doc) {
    for (const heading of doc.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
      if (!ABSTRACT_HEADING.test(text(heading)) || isAside(heading)) continue;
      const value = textAfterHeading(heading).replace(/^Abstract[:.]?\s*/i, "");
      if (value.split(" ").length >= 12) return { value, strong: true };
    }
    let weak = null;
    for (const el of doc.querySelectorAll(ABSTRACT_SECTIONS)) {
      if (isAside(el) || isLinkList(el)) continue;
      const heading = el.querySelector("h1, h2, h3, h4, h5, h6");
      if (heading && NOT_THE_ABSTRACT.test(text(heading))) continue;
      const paragraphs = [...el.querySelectorAll("p")].map(text).filter(Boolean);
      const value = clean(paragraphs.length ? paragraphs.join(" ") : text(el)).replace(/^Abstract[:.]?\s*/i, "");
      if (value.split(" ").length < 12) continue;
      if (!el.matches("[itemprop='description']")) return { value, strong: true };
      weak = weak || { value, strong: false };
    }
    // A record page laid out as label and value cells (PhilPapers, repositories' item pages):
    // the cell after one that says "Abstract". The table is the page's layout here, so it
    // is not furniture; a related, recommended or listed paper's cells still are.
    for (const label of doc.querySelectorAll("td, th, dt")) {
      const cell = label.nextElementSibling;
      if (!cell || !/^(TD|DD)$/.test(cell.tagName) || !ABSTRACT_HEADING.test(text(label))) continue;
      if (isAside(label, { tables: false })) continue;
      const value = clean(text(cell));
      if (value.split(" ").length >= 12) return { value, strong: true };
    }
    return weak;
  }

  /**
   * The abstract: the first family's candidate that is not cut short and, from the low-trust
   * families, not the site's blurb; a cut-short one only when nothing better exists. The
   * page's own abstract section beats a low-trust description, which is often a teaser.
   */
  function chooseAbstract(doc, fams, skip, title, siteNames) {
    const candidates = [];
    for (const fam of fams) {
      if (!fam.abstract || skip.has(`${fam.source}.abstract`)) continue;
      const weak = LOW_TRUST.has(fam.source);
      const found = [
        ...[].concat(fam.abstract() || []).map((raw) => ({ raw, weak })),
        ...[].concat((fam.description && fam.description()) || []).map((raw) => ({ raw, weak: true })),
      ];
      for (const { raw, weak: isWeak } of found) {
        // Only the low-trust families' copies are a site's own assembly of parts.
        const value = LOW_TRUST.has(fam.source) ? mainSegment(clean(stripTags(raw))) : clean(stripTags(raw));
        if (!value) continue;
        if (isWeak && isSiteBlurb(value, title, siteNames)) continue;
        if (!candidates.some((c) => c.value === value)) candidates.push({ value, source: fam.source, weak: isWeak });
      }
    }
    const section = skip.has("document.abstract") ? null : domAbstract(doc);
    const dom = section ? section.value : "";
    // Only a section about this article (sharing a word with its title) displaces a description.
    const strong = Boolean(section && section.strong && !isSiteBlurb(dom, title, siteNames));
    const texts = candidates.map((c) => c.value);
    // The section shows a meta copy cut short only when that copy is short itself (a
    // 151-character teaser): a section that ran on past the abstract must not displace a
    // whole one.
    const isCut = (c) => cutShort(c.value, dom && c.value.split(" ").length < 40 ? [...texts, dom] : texts);
    const whole = candidates.find((c) => !isCut(c) && !(strong && c.weak));
    if (whole) return { value: whole.value, source: whole.source };
    if (dom && !cutShort(dom, texts)) return { value: dom, source: "site" };
    if (candidates.length) {
      // All cut short: the longest says the most; the server replaces it with a full copy.
      const longest = candidates.reduce((a, b) => (fold(b.value).length > fold(a.value).length ? b : a));
      return { value: longest.value, source: longest.source };
    }
    return dom ? { value: dom, source: "site" } : null;
  }

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
      if (field === "abstract") continue; // chosen once the title and venue are known
      let firstAuthors = null; // a list cut short ("Powell DJ, et al."), if no family has more
      for (const fam of fams) {
        if (!fam[field] || skip.has(`${fam.source}.${field}`)) continue;
        let value = fam[field]();
        if (field === "authors") {
          const cut = isCutShort(value || []);
          value = splitAuthors(value || [], ["citation", "dc"].includes(fam.source))
            .map(cleanAuthor)
            .filter((a) => a && !/^https?:/i.test(a));
          value = value.filter((a, i) => value.indexOf(a) === i);
          if (!value.length) continue;
          if (value.every((a) => a.split(",").length === 2)) value = value.map(flipName);
          if (cut && !(firstAuthors && firstAuthors.value.length >= value.length)) {
            firstAuthors = { value, source: fam.source };
          }
          if (cut || (firstAuthors && value.length <= firstAuthors.value.length)) continue;
        } else {
          value = field === "title" || field === "venue" ? stripTags(value) : clean(value);
          if (!value) continue;
          if (field === "venue" && isUrlOrDoi(value)) continue;
          if (field === "pdf_url") value = resolveUrl(value, url);
          if (field === "published") value = normalizeDate(value);
        }
        metadata[field] = value;
        metadata.field_sources[field] = fam.source;
        break;
      }
      if (field === "authors" && !metadata.authors.length && firstAuthors) {
        metadata.authors = firstAuthors.value;
        metadata.field_sources.authors = firstAuthors.source;
      }
    }
    let host = "";
    try {
      host = new URL(url).hostname.replace(/^www\./, "");
    } catch {
      /* no host */
    }
    const siteNames = [
      meta.first("og:site_name"),
      meta.first("application-name"),
      meta.first("citation_publisher"),
      meta.first("dc.publisher"),
      metadata.venue,
      host,
      host.split(".")[0],
    ].filter(Boolean);
    // A prefix cut only on the titles sites decorate (<title>, og:title); a citation_title,
    // dc.title or JSON-LD name is the paper's own, lead-in included ("PyTorch: An Imperative …").
    const decorated = ["og", "document"].includes(metadata.field_sources.title);
    const headNames = decorated ? [meta.first("og:site_name"), meta.first("application-name"), registrableLabel(host)] : [];
    if (metadata.title) metadata.title = stripSiteSuffix(metadata.title, siteNames, headNames);
    const abstract = chooseAbstract(doc, fams, skip, metadata.title, siteNames);
    if (abstract) {
      metadata.abstract = abstract.value;
      metadata.field_sources.abstract = abstract.source;
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

  Object.assign(RL, { extractGeneric, jsonLdNodes, scholarlyNode, stripTitle, stripSiteSuffix, registrableDomain, registrableLabel, canonicalUrl });
})(globalThis);
