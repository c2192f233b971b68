// Small hand-written pages for the rules no saved fixture covers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RL, parse } from "./helpers.mjs";

const page = (head, body = "") => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);

test("never takes a DOI from body text", () => {
  const doc = page(
    `<title>Some article</title><meta name="citation_title" content="Some article">`,
    `<p>See doi:10.1234/body.text and https://doi.org/10.5555/ref.list</p>`,
  );
  const r = RL.extract(doc, "https://example.org/a/1");
  assert.deepEqual(r.metadata.identifiers, {});
});

test("Dublin Core in any case, DOI from dc.identifier with a scheme", () => {
  const doc = page(`
    <meta name="DC.Title" content="Mixed  case title">
    <meta name="dc.Creator" content="Doe, Jane"><meta name="DC.creator" content="Roe, Richard">
    <meta name="dc.Identifier" scheme="doi" content="10.1214/13-AOS1000">
    <meta name="DCTERMS.abstract" content="An abstract.">
    <meta name="DC.Date" content="2013-05-01">`);
  const md = RL.extract(doc, "https://projecteuclid.org/x").metadata;
  assert.equal(md.title, "Mixed case title");
  assert.deepEqual(md.authors, ["Jane Doe", "Richard Roe"]);
  assert.equal(md.identifiers.doi, "10.1214/13-AOS1000");
  assert.equal(md.abstract, "An abstract.");
  assert.equal(md.published, "2013-05-01");
  assert.equal(md.source, "dc");
});

test("family precedence: citation > DC > PRISM > eprints > JSON-LD > OG", () => {
  const all = `
    <meta property="og:title" content="OG title">
    <script type="application/ld+json">{"@type":"ScholarlyArticle","headline":"LD title"}</script>
    <meta name="eprints.title" content="EP title">
    <meta name="prism.title" content="PRISM title">
    <meta name="dc.title" content="DC title">
    <meta name="citation_title" content="Citation title">`;
  const order = [
    ["Citation title", "citation"],
    ["DC title", "dc"],
    ["PRISM title", "dc"],
    ["EP title", "dc"],
    ["LD title", "jsonld"],
    ["OG title", "og"],
  ];
  let head = all;
  for (const [title, source] of order) {
    const md = RL.extract(page(head), "https://example.org/").metadata;
    assert.equal(md.title, title);
    assert.equal(md.field_sources.title, source);
    head = head.replace(new RegExp(`<meta[^>]*content="${title}">|<script[^<]*${title}[^<]*</script>`), "");
  }
});

test("JSON-LD: walks @graph and mainEntity, DOI from sameAs, authors from given/family", () => {
  const ld = {
    "@context": "https://schema.org",
    "@graph": [
      { "@type": "BreadcrumbList", name: "crumbs" },
      {
        "@type": "WebPage",
        mainEntity: {
          "@type": "ScholarlyArticle",
          headline: "Graph paper",
          author: [{ "@type": "Person", givenName: "Ada", familyName: "Lovelace" }, { "@type": "Organization", name: "Org" }],
          datePublished: "2020-02-03T10:00:00Z",
          sameAs: "https://doi.org/10.1000/XYZ.1",
          isPartOf: { "@type": "PublicationVolume", isPartOf: { "@type": "Periodical", name: "J. Graphs" } },
          encoding: { "@type": "MediaObject", encodingFormat: "application/pdf", contentUrl: "/x.pdf" },
        },
      },
    ],
  };
  const doc = page(`<script type="application/ld+json">${JSON.stringify(ld)}</script>`);
  const md = RL.extract(doc, "https://example.org/article").metadata;
  assert.equal(md.title, "Graph paper");
  assert.deepEqual(md.authors, ["Ada Lovelace"]);
  assert.equal(md.published, "2020-02-03");
  assert.equal(md.identifiers.doi, "10.1000/XYZ.1");
  assert.equal(md.venue, "J. Graphs");
  assert.equal(md.pdf_url, "https://example.org/x.pdf");
  assert.equal(md.source, "jsonld");
});

test("arXiv PDF tab: id from the URL, the server fills the rest", () => {
  const r = RL.extract(page(""), "https://arxiv.org/pdf/2106.09608v2");
  assert.equal(r.kind, "paper");
  assert.deepEqual(r.metadata.identifiers, { arxiv: "2106.09608" });
  assert.equal(r.url, "https://arxiv.org/abs/2106.09608");
  assert.deepEqual(RL.fromUrl("https://arxiv.org/pdf/1706.03762.pdf").metadata.identifiers, { arxiv: "1706.03762" });
});

test("arXiv HTML (LaTeXML) page", () => {
  const doc = page(
    "<title>A paper</title>",
    `<h1 class="ltx_title ltx_title_document">Deep Things</h1>
     <div class="ltx_authors"><span class="ltx_personname">Ann Author<br>Univ</span>
     <span class="ltx_personname">Bo Writer</span></div>
     <div class="ltx_abstract"><h6>Abstract</h6><p class="ltx_p">We do things.</p></div>`,
  );
  const r = RL.extract(doc, "https://arxiv.org/html/2403.10561v1");
  assert.equal(r.metadata.identifiers.arxiv, "2403.10561");
  assert.equal(r.metadata.title, "Deep Things");
  assert.deepEqual(r.metadata.authors, ["Ann Author", "Bo Writer"]);
  assert.equal(r.metadata.abstract, "We do things.");
  assert.equal(r.metadata.field_sources.title, "site");
});

test("arXiv /list/ page: one item per paper", () => {
  const doc = page(
    "<title>Computation and Language</title>",
    `<dl id="articles">
      <dt><a name="item1">[1]</a> <a href="/abs/2401.00001" title="Abstract" id="2401.00001">arXiv:2401.00001</a>
        [<a href="/pdf/2401.00001" title="Download PDF">pdf</a>]</dt>
      <dd><div class="meta"><div class="list-title mathjax"><span class="descriptor">Title:</span> First   paper</div>
        <div class="list-authors"><a href="/a/x">Ann One</a>, <a href="/a/y">Bob Two</a></div>
        <p class="mathjax">Abstract one.</p></div></dd>
      <dt><a href="/abs/hep-th/9901001" title="Abstract">arXiv:hep-th/9901001</a></dt>
      <dd><div class="list-title">Title: Old paper</div></dd>
    </dl>`,
  );
  const r = RL.extract(doc, "https://arxiv.org/list/cs.CL/new");
  assert.equal(r.kind, "listing");
  assert.deepEqual(
    r.items.map((i) => [i.id, i.url, i.metadata.title]),
    [
      ["2401.00001", "https://arxiv.org/abs/2401.00001", "First paper"],
      ["hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001", "Old paper"],
    ],
  );
  assert.deepEqual(r.items[0].metadata.authors, ["Ann One", "Bob Two"]);
  assert.equal(r.items[0].metadata.abstract, "Abstract one.");
});

test("HF listing without hydration JSON falls back to the cards", () => {
  const doc = page(
    "",
    `<article><a href="/papers/2401.00002"><img></a><h3><a href="/papers/2401.00002">Card title</a></h3></article>`,
  );
  const r = RL.extract(doc, "https://huggingface.co/papers/week/2024-W01");
  assert.equal(r.kind, "listing");
  assert.deepEqual(r.items.map((i) => [i.id, i.metadata.title]), [["2401.00002", "Card title"]]);
});

test("bioRxiv: DOI without version from the URL", () => {
  const doc = page(`<meta name="citation_title" content="A preprint"><meta name="citation_doi" content="10.1101/2020.01.02.123456">`);
  const r = RL.extract(doc, "https://www.biorxiv.org/content/10.1101/2020.01.02.123456v3.full");
  assert.equal(r.metadata.identifiers.doi, "10.1101/2020.01.02.123456");
  assert.equal(r.metadata.title, "A preprint");
});

test("Semantic Scholar: JSON-LD in script.schema-data, nested arrays", () => {
  const ld = [[{ "@type": "ScholarlyArticle", name: "S2 paper", author: [{ "@type": "Person", name: "Ann" }], abstract: "Abs." }]];
  const doc = page(`<script class="schema-data" type="application/ld+json">${JSON.stringify(ld)}</script>`);
  const r = RL.extract(doc, "https://www.semanticscholar.org/paper/S2-paper/0123456789abcdef0123456789abcdef01234567");
  assert.equal(r.metadata.title, "S2 paper");
  assert.deepEqual(r.metadata.authors, ["Ann"]);
  assert.equal(r.metadata.source, "jsonld");
});

test("identifier normalisation", () => {
  assert.equal(RL.normalizeDoi("https://doi.org/10.1007/S10924-010-0192-1"), "10.1007/S10924-010-0192-1");
  assert.equal(RL.normalizeDoi("doi:10.1038/nature10669."), "10.1038/nature10669");
  assert.equal(RL.normalizeDoi("info:doi/10.1145/3368089.3409741"), "10.1145/3368089.3409741");
  assert.equal(RL.normalizeDoi("(see 10.1126/science.1144079)"), "10.1126/science.1144079");
  assert.deepEqual(RL.parseArxiv("arXiv:2106.09608v2"), { id: "2106.09608", version: 2 });
  assert.deepEqual(RL.parseArxiv("arXiv:math.GT/0309136"), { id: "math/0309136", version: null });
  assert.equal(RL.parseArxiv("1412.12345"), null);
  assert.equal(RL.parseArxiv("2113.00001"), null);
  const ids = (u) => RL.identifiersFromUrl(u);
  assert.deepEqual(ids("https://openreview.net/pdf?id=fugnQxbvMm"), { openreview: "fugnQxbvMm" });
  assert.deepEqual(ids("https://aclanthology.org/2020.acl-main.1v2.pdf"), { acl: "2020.acl-main.1" });
  assert.deepEqual(ids("https://pubmed.ncbi.nlm.nih.gov/31081650/"), { pmid: "31081650" });
  assert.deepEqual(ids("https://pmc.ncbi.nlm.nih.gov/articles/PMC6851403/"), { pmcid: "PMC6851403" });
  assert.deepEqual(ids("https://huggingface.co/papers/1706.03762"), { arxiv: "1706.03762" });
  assert.deepEqual(ids("https://example.org/abs/1706.03762"), {});
  assert.equal(RL.normalizeDate("2021/6"), "2021-06");
  assert.equal(RL.normalizeDate("2017-06-12T17:57:34.000Z"), "2017-06-12");
});

test("ACL Anthology: event and volume pages are not papers; paper pages are", () => {
  const doc = page(
    `<title>ACL 2023 - ACL Anthology</title><meta property="og:title" content="ACL 2023">`,
    `<h2>Annual Meeting (2023)</h2><a href="/2023.acl-long.1/">One Cannot Stand for Everyone!</a>`,
  );
  for (const url of [
    "https://aclanthology.org/events/acl-2023/",
    "https://aclanthology.org/volumes/2023.acl-long/",
    "https://aclanthology.org/people/y/yajiao-liu/",
    "https://aclanthology.org/",
  ]) {
    assert.equal(RL.extract(doc, url).kind, "none", url);
    assert.equal(RL.isListingUrl(url), url !== "https://aclanthology.org/", url);
  }
  const paper = page(`<meta name="citation_title" content="One Cannot Stand for Everyone!">`);
  const r = RL.extract(paper, "https://aclanthology.org/2023.acl-long.1/");
  assert.equal(r.kind, "paper");
  assert.equal(r.metadata.identifiers.acl, "2023.acl-long.1");
  assert.equal(RL.isListingUrl("https://aclanthology.org/2023.acl-long.1/"), false);
  assert.equal(RL.isListingUrl("https://huggingface.co/papers/1706.03762"), false);
  assert.equal(RL.isListingUrl("https://huggingface.co/papers/date/2017-06-13"), true);
  assert.equal(RL.isListingUrl("https://arxiv.org/list/cs.CL/new"), true);
  assert.equal(RL.isListingUrl("https://arxiv.org/abs/2106.09608"), false);
});

test("arXiv abstract page: the venue is the journal reference, else arXiv (as the server's record)", () => {
  const abs = (extra) =>
    page(`<meta name="citation_title" content="Attention Is All You Need"><meta name="citation_arxiv_id" content="1706.03762">`, `
      <h1 class="title">Title: Attention Is All You Need</h1><div class="authors"><a>Ashish Vaswani</a></div>
      <table>${extra}</table>`);
  assert.equal(RL.extract(abs(""), "https://arxiv.org/abs/1706.03762").metadata.venue, "arXiv");
  const published = abs(`<tr><td class="tablecell jref">Advances in Neural Information Processing Systems 30 (2017)</td></tr>`);
  assert.equal(RL.extract(published, "https://arxiv.org/abs/1706.03762").metadata.venue, "Advances in Neural Information Processing Systems 30 (2017)");
});
