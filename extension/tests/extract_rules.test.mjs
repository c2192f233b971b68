// The precedence and cleaning rules of issue #21, each on a small hand-written page shaped
// like the publisher pages that broke them (markup reduced to what the rule reads).
import { test } from "node:test";
import assert from "node:assert/strict";
import { RL, parse } from "./helpers.mjs";

const page = (head, body = "") => parse(`<!doctype html><html><head>${head}</head><body>${body}</body></html>`);
const extract = (head, body, url = "https://example.org/article/1") => RL.extract(page(head, body), url).metadata;

test("venue: prism.publicationName beats dc.source, whose trailing year is dropped", () => {
  const head = `<meta name="dc.title" content="More than 100 journals vanished">
    <meta name="dc.source" content="Nature 2020"><meta name="prism.publicationName" content="Nature">`;
  assert.equal(extract(head).venue, "Nature");
  const sourceOnly = `<meta name="dc.title" content="DRESS"><meta name="dc.source" content="Current Rheumatology Reports 2017 19:1">`;
  assert.equal(extract(sourceOnly).venue, "Current Rheumatology Reports");
  // A name that ends in a year keeps it when it is not a dc.source value.
  const conference = `<meta name="citation_title" content="T"><meta name="citation_conference_title" content="LATTICE 2013">`;
  assert.equal(extract(conference).venue, "LATTICE 2013");
});

test("venue: a URL or a DOI is never a venue", () => {
  const head = `<meta name="dc.title" content="Topological phases">
    <meta name="dc.relation.isPartOf" content="https://doi.org/10.1146/conmatphys">
    <meta name="citation_journal_title" content="10.1146/annurev-conmatphys-031214-014726">
    <meta name="prism.publicationName" content="Annual Review of Condensed Matter Physics">`;
  assert.equal(extract(head).venue, "Annual Review of Condensed Matter Physics");
  assert.equal(extract(`<meta name="dc.source" content="https://example.org/journal">`).venue, "");
});

test("authors: footnote markers, e-mails, a trailing 'and' and stray commas are cleaned off", () => {
  const head = `<meta name="citation_title" content="T">
    <meta name="citation_author" content="Rachida Ghailane,†">
    <meta name="citation_author" content="Jean Paul Malrieu,*,‡ and">
    <meta name="citation_author" content="Ada Lovelace1,2">
    <meta name="citation_author" content="Alan Turing¹ (alan@example.org)">
    <meta name="citation_author" content="Grace Hopper§¶">`;
  assert.deepEqual(extract(head).authors, ["Rachida Ghailane", "Jean Paul Malrieu", "Ada Lovelace", "Alan Turing", "Grace Hopper"]);
  // "Family, Given" tags still flip, markers or not.
  const flipped = `<meta name="citation_title" content="T"><meta name="citation_author" content="Lovelace, Ada*">`;
  assert.deepEqual(extract(flipped).authors, ["Ada Lovelace"]);
});

test("authors: one tag listing several people is split; 'Family, Given' is not", () => {
  const many = `<meta name="dc.title" content="T"><meta name="dc.creator" content="Ada Lovelace, Alan Turing and Grace Hopper">`;
  assert.deepEqual(extract(many).authors, ["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
  const gaps = `<meta name="dc.title" content="T"><meta name="dc.creator" content="C. Girardot, , G. Lemercier, , P.L. Baldeck, ">`;
  assert.deepEqual(extract(gaps).authors, ["C. Girardot", "G. Lemercier", "P.L. Baldeck"]);
  const one = `<meta name="dc.title" content="T"><meta name="dc.creator" content="Lovelace, Ada">`;
  assert.deepEqual(extract(one).authors, ["Ada Lovelace"]);
});

test("authors from the body when the head has none (ScienceDirect markup), never from references", () => {
  const head = `<meta name="citation_title" content="Epstein-Nesbet treatment">`;
  const body = `
    <div class="author-group">
      <button data-xocs-content-type="author"><span class="given-name">Alexander O.</span> <span class="text surname">Mitrushenkov</span><span class="author-ref"><sup>a</sup></span></button>,
      <button data-xocs-content-type="author"><span class="given-name">Paolo</span> <span class="text surname">Palmieri</span><sup>b</sup></button>
    </div>
    <section class="bibliography"><div class="author-group"><span class="author">Someone Cited</span></div></section>`;
  assert.deepEqual(extract(head, body).authors, ["Alexander O. Mitrushenkov", "Paolo Palmieri"]);
});

test("authors from schema.org itemprop=author, skipping the ones in the reference list", () => {
  const body = `
    <article itemscope itemtype="https://schema.org/ScholarlyArticle">
      <h1 itemprop="headline">Micro paper</h1>
      <span itemprop="author" itemscope><span itemprop="name">Marwan H. Adwan</span><sup>1</sup></span>
      <ol class="references"><li itemprop="citation" itemscope><span itemprop="author">Cited Person</span></li></ol>
    </article>`;
  const md = extract(`<meta name="citation_title" content="Micro paper">`, body);
  assert.deepEqual(md.authors, ["Marwan H. Adwan"]);
  assert.equal(md.field_sources.authors, "document");
});

test("authors: head metadata beats body markup", () => {
  const md = extract(
    `<meta name="citation_title" content="T"><meta name="citation_author" content="Head Author">`,
    `<ul class="authors"><li class="author">Body Author</li></ul>`,
  );
  assert.deepEqual(md.authors, ["Head Author"]);
});

test("title: a site-name or id tail is cut, a real subtitle is kept", () => {
  const lingbuzz = extract(`<title>Adverb order with still - lingbuzz/008324</title>`);
  assert.equal(lingbuzz.title, "Adverb order with still");
  const site = extract(`<meta property="og:site_name" content="Nature"><meta property="og:title" content="Gigantic telescope opens | Nature">`);
  assert.equal(site.title, "Gigantic telescope opens");
  const subtitle = extract(`<meta name="citation_title" content="Deep learning - a critical appraisal">`);
  assert.equal(subtitle.title, "Deep learning - a critical appraisal");
  const year = extract(`<meta name="citation_title" content="COVID-19 - 2020">`);
  assert.equal(year.title, "COVID-19 - 2020");
  const markup = extract(`<meta name="citation_title" content="Growth of &lt;i&gt;E. coli&lt;/i&gt; in milk">`);
  assert.equal(markup.title, "Growth of E. coli in milk");
});

test("DOI from any meta whose name, property or id says doi, and from itemprop=doi", () => {
  const dlib = extract(`<title>Crowdsourcing</title><meta id="DOI" content="10.1045/may2017-vanhyning">`);
  assert.equal(dlib.identifiers.doi, "10.1045/may2017-vanhyning");
  const tf = extract(`<meta name="dc.Title" content="T"><meta name="publication_doi" content="10.1080/17453670810016597">`);
  assert.equal(tf.identifiers.doi, "10.1080/17453670810016597");
  const ojs = extract(`<meta name="DC.Title" content="T"><meta name="DC.Identifier.DOI" content="10.5210/fm.v25i10.10274">`);
  assert.equal(ojs.identifiers.doi, "10.5210/fm.v25i10.10274");
  const micro = extract(`<title>T</title>`, `<span itemprop="doi">10.1234/abc.5</span>`);
  assert.equal(micro.identifiers.doi, "10.1234/abc.5");
  // A meta that merely mentions DOIs in its name but holds something else gives nothing.
  const none = extract(`<title>T</title><meta name="doi-help" content="What is a DOI?">`);
  assert.equal(none.identifiers.doi, undefined);
});

test("date from itemprop=datePublished, then a <time datetime>", () => {
  assert.equal(extract(`<title>T</title><meta itemprop="datePublished" content="2017-05-15">`).published, "2017-05-15");
  assert.equal(extract(`<title>T</title>`, `<span itemprop="datePublished" content="2019-04-22">22 Apr 2019</span>`).published, "2019-04-22");
  assert.equal(extract(`<title>T</title>`, `<article><time datetime="2021-03-04T10:00:00Z">4 March</time></article>`).published, "2021-03-04");
  // Head metadata still wins over the body's time element.
  const both = extract(`<meta name="citation_title" content="T"><meta name="citation_publication_date" content="2010/09">`, `<time datetime="2024-01-01">x</time>`);
  assert.equal(both.published, "2010-09");
});

test("abstract: the site's own description is not an abstract", () => {
  const blurb =
    "Founded in 1920, the NBER is a private, non-profit, non-partisan organization dedicated to conducting economic research and to disseminating research findings among academics.";
  const nber = extract(
    `<meta name="citation_title" content="The Narrow Channel of Quantitative Easing: Evidence from YCC Down Under">
     <meta name="description" content="${blurb}"><meta property="og:description" content="${blurb}">`,
  );
  assert.equal(nber.abstract, "");
  const short = extract(`<meta name="citation_title" content="Crowdsourcing libraries"><meta id="description" content="D-Lib Magazine Article">`);
  assert.equal(short.abstract, "");
  // An article's own description (it shares words with the title) is still taken.
  const own = "We study quantitative easing under yield curve control in Australia and find that the narrow channel of bond purchases lowers yields only at the targeted maturity.";
  assert.equal(extract(`<meta name="citation_title" content="Quantitative easing down under"><meta name="description" content="${own}">`).abstract, own);
});

test("abstract: a candidate cut short gives way to the full text", () => {
  const full =
    "The Cr2 potential energy curve is obtained by treating the dynamical correlation with second-order perturbation theory on top of a multireference wave function for the whole curve.";
  const cut = full.slice(0, 151);
  // The start of a longer candidate, from a lower family.
  const prefix = extract(`<meta name="citation_title" content="Cr2 curve"><meta name="dc.description" content="${cut}"><meta property="og:description" content="${full}">`);
  assert.equal(prefix.abstract, full);
  // An ellipsis, with the page's abstract section holding the whole text.
  const ellipsis = extract(
    `<meta name="citation_title" content="Cr2 curve"><meta name="dc.description" content="${cut}...">`,
    `<div class="abstract author"><h2>Abstract</h2><p>${full}</p></div>`,
  );
  assert.equal(ellipsis.abstract, full);
  assert.equal(ellipsis.field_sources.abstract, "site");
  // SpringerLink's older template: <section class="Abstract" id="Abs1">.
  const legacy = extract(
    `<meta name="citation_title" content="Cr2 curve"><meta property="og:description" content="${cut}...">`,
    `<section class="Abstract" id="Abs1"><h2>Abstract</h2><p>${full}</p></section>`,
  );
  assert.equal(legacy.abstract, full);
  // Nothing better: the cut copy is kept (the server replaces it with a full one).
  const only = extract(`<meta name="citation_title" content="Cr2 curve"><meta name="dc.description" content="${cut}...">`);
  assert.equal(only.abstract, `${cut}...`);
});

test("abstract: citation_abstract keeps its precedence over a longer low-trust text", () => {
  const abstract = "A short but complete abstract about graph neural networks for molecules and their training.";
  const md = extract(
    `<meta name="citation_title" content="Graph networks for molecules"><meta name="citation_abstract" content="${abstract}">
     <meta property="og:description" content="Graph networks for molecules: a TL;DR that is longer than the abstract itself and says other things entirely about molecules.">`,
  );
  assert.equal(md.abstract, abstract);
  assert.equal(md.field_sources.abstract, "citation");
});

test("title: a site name ahead of the title is cut, a title's own lead-in is kept", () => {
  const url = "https://www.plosone.org/article/info%3Adoi%2F10.1371%2Fjournal.pone.0012345";
  assert.equal(extract("<title>PLoS ONE: Sleep and memory in older adults</title>", "", url).title, "Sleep and memory in older adults");
  const named = `<meta property="og:site_name" content="Nature"><title>Nature - A map of the mouse brain at scale</title>`;
  assert.equal(extract(named).title, "A map of the mouse brain at scale");
  const own = `<meta property="og:site_name" content="Example Press"><title>BERT: Pre-training of deep bidirectional transformers</title>`;
  assert.equal(extract(own).title, "BERT: Pre-training of deep bidirectional transformers");
});

test("title: a title's own lead-in is kept when it matches a subdomain, the venue or a declared title", () => {
  // A project page's subdomain is not the site's name (the registrable domain is github.io).
  const nerfies = extract("<title>Nerfies: Deformable Neural Radiance Fields</title>", "", "https://nerfies.github.io/");
  assert.equal(nerfies.title, "Nerfies: Deformable Neural Radiance Fields");
  // citation_title is the paper's own title, even when it starts with the site's name.
  const pytorch = extract(`<meta name="citation_title" content="PyTorch: An Imperative Style, High-Performance Deep Learning Library">`, "", "https://pytorch.org/papers/pytorch");
  assert.equal(pytorch.title, "PyTorch: An Imperative Style, High-Performance Deep Learning Library");
  // Nor is the venue a prefix to cut.
  const science = extract(
    `<meta name="citation_title" content="Science: The Endless Frontier"><meta name="citation_journal_title" content="Science">`,
    "",
    "https://www.example.org/doi/10.1126/science.1",
  );
  assert.equal(science.title, "Science: The Endless Frontier");
  assert.equal(science.venue, "Science");
  const wikidata = extract(
    `<meta property="og:site_name" content="Wikidata"><meta name="citation_title" content="Wikidata: a free collaborative knowledgebase">`,
    "",
    "https://www.wikidata.org/wiki/Q18507561",
  );
  assert.equal(wikidata.title, "Wikidata: a free collaborative knowledgebase");
});

test("registrable label: the label before the public suffix, two-part suffixes included", () => {
  assert.equal(RL.registrableLabel("www.plosone.org"), "plosone");
  assert.equal(RL.registrableLabel("nerfies.github.io"), "github");
  assert.equal(RL.registrableLabel("www.cam.ac.uk"), "cam");
  assert.equal(RL.registrableLabel("journals.example.com.au"), "example");
  assert.equal(RL.registrableLabel("bbc.co.uk"), "bbc");
  assert.equal(RL.registrableLabel("localhost"), "");
});

test("DOI from older platforms' URLs: info:doi paths and doi/id query parameters", () => {
  const ids = (url) => RL.identifiersFromUrl(url);
  assert.equal(ids("https://www.plosone.org/article/info%3Adoi%2F10.1371%2Fjournal.pone.0012345").doi, "10.1371/journal.pone.0012345");
  assert.equal(ids("https://journals.plos.org/plosone/article?id=10.1371/journal.pone.0099999").doi, "10.1371/journal.pone.0099999");
  assert.equal(ids("https://example.org/view?doi=10.5555%2Fabc.123").doi, "10.5555/abc.123");
  // An id that is not a DOI is not one.
  assert.equal(ids("https://example.org/view?id=12345").doi, undefined);
});

test("meta tags written with value= instead of content= are read; content= wins when both", () => {
  const head = `<meta name="citation_title" value="Cells in motion"><meta name="citation_journal_title" value="bioRxiv">
    <meta name="citation_publication_date" value="2019/05/02"><meta name="citation_doi" content="10.1101/123456" value="10.1101/999999">`;
  const m = extract(head);
  assert.equal(m.title, "Cells in motion");
  assert.equal(m.venue, "bioRxiv");
  assert.equal(m.published, "2019-05-02");
  assert.equal(m.identifiers.doi, "10.1101/123456");
});

test("abstract: the section under an 'Abstract' heading beats a teaser description", () => {
  const head = `<meta name="citation_title" content="Hybrid fibres for micro-supercapacitors">
    <meta name="description" content="Hybrid fibres of graphene oxide and carbon nanotubes are made and used to build supercapacitors with a high energy density for small devices.">`;
  const body = `<div id="articlebody"><div class="section"><h3 class="hidden">Abstract</h3>
    <p class="lead">Micro-supercapacitors are promising energy storage devices that can complement or even replace batteries in miniaturized portable electronics.</p></div></div>`;
  assert.match(extract(head, body).abstract, /^Micro-supercapacitors are promising/);
  // Without a section of its own, the description still serves.
  assert.match(extract(head).abstract, /^Hybrid fibres of graphene oxide/);
});

test("abstract: a highlights or graphical-abstract box is not the abstract", () => {
  const head = `<meta name="citation_title" content="Leatherback turtles in the South West Atlantic">
    <meta property="og:description" content="Although leatherback turtles are highly migratory, the South West Atlantic subpopula…">`;
  const body = `
    <div class="abstract author-highlights"><h2>Highlights</h2><ul><li>The subpopulation of leatherback turtles is very small, with only 172 nesting females tagged.</li></ul></div>
    <div class="abstract graphical"><h2>Graphical abstract</h2><p>A map of leatherback turtle nesting beaches and their genetic structure along the coast.</p></div>
    <div class="abstract author"><h2>Abstract</h2><p>Although leatherback turtles are highly migratory and have a wide oceanic distribution, the South West Atlantic subpopulation is small.</p></div>`;
  assert.match(extract(head, body).abstract, /^Although leatherback turtles are highly migratory and have/);
});

test("meta values escaped twice are decoded; an unfilled template slot is no author", () => {
  const head = `<meta name="citation_title" content="Cyclopenta[b]naphthalenes">
    <meta name="citation_journal_title" content="Advanced Synthesis &amp;amp; Catalysis">
    <meta name="citation_author" content="Ying-Chieh Wong">
    <meta name="citation_author" content="$author.firstName $author.lastName">
    <meta name="citation_author" content="{{ author.name }}">
    <meta name="citation_author" content="{{author.firstName}} {{author.lastName}}">
    <meta name="citation_author" content="<%= first %> <%= last %>">
    <meta name="citation_abstract" content="Cerium&amp;#x2010;doped terbium gallium garnet single crystal having a large Verdet constant was grown by the floating zone method for optical devices.">`;
  const got = extract(head);
  assert.equal(got.venue, "Advanced Synthesis & Catalysis");
  assert.deepEqual(got.authors, ["Ying-Chieh Wong"]);
  assert.match(got.abstract, /^Cerium\u2010doped terbium/);
});

test("abstract: only what follows the heading up to the next section, and a whole meta copy stays", () => {
  const abstract = "We study how long-range dependencies are learned by attention models trained on long documents of many kinds.";
  const body = `<article><h2>Abstract</h2><p>${abstract}</p><h2>Introduction</h2><p>Attention models have been studied in many settings over the years by many groups of people.</p>
    <h2>References</h2><p>A. Author. Something cited. 2019.</p></article>`;
  const meta = `<meta name="citation_title" content="Long-range attention">`;
  assert.equal(extract(`${meta}<meta name="citation_abstract" content="${abstract}">`, body).abstract, abstract);
  assert.equal(extract(`${meta}<meta property="og:description" content="A teaser about attention models for long documents written for the front page of the site.">`, body).abstract, abstract);
  // A heading that does not start its wrapper, and one wrapped alone.
  const wrapped = `<div><span>§1</span><h2>Abstract</h2><div><p>${abstract}</p></div></div>`;
  assert.equal(extract(meta, wrapped).abstract, abstract);
  const alone = `<section><div class="title"><h3>Abstract</h3></div><div class="content"><p>${abstract}</p></div></section>`;
  assert.equal(extract(meta, alone).abstract, abstract);
});

test("abstract: asides, link lists and schema.org blurbs do not displace the description", () => {
  const description = "Attention models learn long-range dependencies in documents, and we show how they do so on many corpora.";
  const head = `<meta name="citation_title" content="Long-range attention"><meta property="og:description" content="${description}">`;
  const sidebars = [
    `<aside><div itemprop="description">The journal publishes research on machine learning and its applications in science and industry worldwide.</div></aside>`,
    `<ul class="abstract"><li><a href="/a">Eigenvectors of attention and their localization properties in many models</a></li><li><a href="/b">Related article on attention</a></li></ul>`,
    `<aside><h3>Summary</h3><p>Views 1,234 downloads 567 citations 89 altmetric 12 shares 3 saves 4 comments 5 mentions 6.</p></aside>`,
  ];
  for (const body of sidebars) assert.equal(extract(head, body).abstract, description);
});

test("entities: a lone surrogate stays as written; a '$' in a real name is kept", () => {
  const head = `<meta name="citation_title" content="T &amp;#xD800; U"><meta name="citation_author" content="Ke$ha Sebert">`;
  const got = extract(head);
  assert.equal(got.title, "T &#xD800; U");
  assert.deepEqual(got.authors, ["Ke$ha Sebert"]);
});

test("abstract: a dc.description that is a digest gives way to the Abstract section", () => {
  const abstract = "Mutations in the cystic fibrosis transmembrane conductance regulator (CFTR) cause a disease of the lungs and the intestine.";
  const head = `<meta name="citation_title" content="Counteracting suppression of CFTR">
    <meta name="DC.Description" content="Cystic fibrosis is an inherited disease that mainly affects the lungs and the intestine of people with CFTR.">`;
  const body = `<div class="pane"><h2 class="pane-title">Abstract</h2><div class="pane-content"><p>${abstract}</p></div></div>
    <div class="pane"><h2 class="pane-title">eLife digest</h2><div class="pane-content"><p>Cystic fibrosis is an inherited disease.</p></div></div>`;
  assert.equal(extract(head, body).abstract, abstract);
  assert.match(extract(head).abstract, /^Cystic fibrosis is an inherited/); // no section: the description serves
});

test("authors: degrees after a name are dropped, initials that look like one are kept", () => {
  const names = ["Ji Hun Kim MD", "Ada Lovelace, PhD, FRCS", "Grace Hopper, MD†", "Alan Turing MD1,2", "Da Silva MD", "RN"];
  const head = `<meta name="citation_title" content="T">${names.map((n) => `<meta name="citation_author" content="${n}">`).join("")}`;
  assert.deepEqual(extract(head).authors, ["Ji Hun Kim", "Ada Lovelace", "Grace Hopper", "Alan Turing MD", "Da Silva MD", "RN"]);
});

test("IEEE Xplore: the record its script assigns gives every field", () => {
  const record = {
    title: "Computing the <i>α</i>-channel", formulaStrippedArticleTitle: "Computing the α-channel",
    authors: [{ name: "Oscar Dalmau-Cedeno", firstName: "Oscar", lastName: "Dalmau-Cedeno" }, { firstName: "Mariano", lastName: "Rivera" }],
    abstract: "We propose a gray scale image colorization method based on a Bayesian segmentation framework.",
    displayPublicationTitle: "2007 IEEE 11th International Conference on Computer Vision", publicationYear: "2007", doi: "10.1109/ICCV.2007.4409120",
  };
  const doc = page(`<title>Computing the α-channel - IEEE Conference Publication</title>
    <meta property="og:description" content="IEEE Xplore, delivering full text access to the world's highest quality technical literature in engineering.">`,
    `<script>var x = {"a": "}"};\n\tglobal.document.metadata=${JSON.stringify(record)};</script>`);
  const md = RL.extract(doc, "https://ieeexplore.ieee.org/document/4409120/").metadata;
  assert.equal(md.title, "Computing the α-channel");
  assert.deepEqual(md.authors, ["Oscar Dalmau-Cedeno", "Mariano Rivera"]);
  assert.equal(md.venue, "2007 IEEE 11th International Conference on Computer Vision");
  assert.equal(md.published.slice(0, 4), "2007");
  assert.equal(md.identifiers.doi, "10.1109/ICCV.2007.4409120");
  assert.match(md.abstract, /^We propose a gray scale/);
  // Without the record the page is read as any other.
  assert.equal(RL.extract(page(`<meta name="citation_title" content="X">`), "https://ieeexplore.ieee.org/document/1/").metadata.title, "X");
});

test("ACM Digital Library: title, authors, proceedings, date and abstract from its markup", () => {
  const body = `<h1 class="citation__title">Diversity and Inclusion Metrics in Subset Selection</h1>
    <ul class="rlist--inline loa"><li><span class="loa__author-name"><span>Margaret Mitchell</span></span></li><li><span class="loa__author-name"><span>Dylan Baker</span></span></li></ul>
    <div class="issue-item__detail"><a><span class="epub-section__title">AIES '20: Proceedings of the AAAI/ACM Conference on AI, Ethics, and Society</span></a>
    <span class="epub-section__date">February 2020 </span><a href="https://doi.org/10.1145/3375627.3375832" class="issue-item__doi">https://doi.org/10.1145/3375627.3375832</a></div>
    <div class="abstractSection abstractInFull"><p>The ethical concept of fairness has recently been applied in machine learning settings to describe a wide range of constraints.</p></div>`;
  const md = RL.extract(page(`<title>Diversity and Inclusion Metrics | Proceedings of AIES</title>`, body), "https://dl.acm.org/doi/abs/10.1145/3375627.3375832").metadata;
  assert.equal(md.title, "Diversity and Inclusion Metrics in Subset Selection");
  assert.deepEqual(md.authors, ["Margaret Mitchell", "Dylan Baker"]);
  assert.equal(md.venue, "Proceedings of the AAAI/ACM Conference on AI, Ethics, and Society");
  assert.equal(md.published.slice(0, 4), "2020");
  assert.equal(md.identifiers.doi, "10.1145/3375627.3375832");
  assert.match(md.abstract, /^The ethical concept of fairness/);
  // Works citing it list their authors the same way, further down: they are not its authors.
  const citing = `${body}<div class="citedBy"><ul class="rlist--inline loa"><li><span class="loa__author-name">Someone Else</span></li></ul></div>`;
  const again = RL.extract(page("", citing), "https://dl.acm.org/doi/abs/10.1145/3375627.3375832").metadata;
  assert.deepEqual(again.authors, ["Margaret Mitchell", "Dylan Baker"]);
});

test("abstract: headings in figures, teasers and related boxes are not the article's abstract", () => {
  const description = "Long-range attention models learn dependencies across whole documents, as we show on many corpora of text.";
  const head = `<meta name="citation_title" content="Long-range attention models"><meta name="dc.description" content="${description}">`;
  const decoys = [
    `<figure><h4>Summary</h4><table><tr><td>Model A attention 12.3 14.5 16.7 18.9 long-range documents corpora results table</td></tr></table></figure>`,
    `<div class="teaser"><h3>Summary</h3><p>Another article about attention models and long-range dependencies in many kinds of documents.</p></div>`,
    `<div class="related-articles"><div><h4>Abstract</h4><p>A related study of attention models with long-range dependencies across many corpora of text.</p></div></div>`,
    `<div itemprop="description">The journal of attention models publishes long-range research from around the world every month.</div>`,
  ];
  for (const body of decoys) assert.equal(extract(head, body).abstract, description, body);
});

test("abstract: scripts and buttons after the heading are left out; a weak blurb does not hide the container", () => {
  const abstract = "We study how long-range dependencies are learned by attention models trained on long documents of many kinds.";
  const meta = `<meta name="citation_title" content="Long-range attention">`;
  const withScript = `<section><h2>Abstract</h2><p>${abstract}</p><script>window.x = {"a": 1};</script><button>Download PDF</button></section>`;
  assert.equal(extract(meta, withScript).abstract, abstract);
  const teaser = `<meta property="og:description" content="A teaser about attention models for long documents written for the front page of the site.">`;
  const blurbFirst = `<div itemprop="description">The journal publishes attention research from around the world in every issue of the year.</div><div class="abstract"><p>${abstract}</p></div>`;
  assert.equal(extract(meta + teaser, blurbFirst).abstract, abstract);
});

test("IEEE Xplore: only an object right after the marker is the record", () => {
  const doc = page(`<meta name="citation_title" content="From the head">`, `<script>xplGlobal.document.metadata=null; var cfg={"title":"Not the paper"};</script>`);
  assert.equal(RL.extract(doc, "https://ieeexplore.ieee.org/document/1/").metadata.title, "From the head");
  const badDoi = page(`<meta name="citation_doi" content="10.1109/5.771073">`, `<script>xplGlobal.document.metadata={"title":"T","doi":"n/a"};</script>`);
  assert.equal(RL.extract(badDoi, "https://ieeexplore.ieee.org/document/1/").metadata.identifiers.doi, "10.1109/5.771073");
});

test("authors: titles before a name and a repository's bracketed tag are cleaned off", () => {
  const head = `<meta name="citation_title" content="T">
    <meta name="citation_author" content="Dr. Angelo R. Santos">
    <meta name="citation_author" content="Prof Ada Lovelace">
    <meta name="citation_author" content="Dr. Who">
    <meta name="citation_author" content="MR Hassan Ali">`;
  assert.deepEqual(extract(head).authors, ["Angelo R. Santos", "Ada Lovelace", "Dr. Who", "MR Hassan Ali"]);
  const marks = `<meta name="citation_title" content="T"><meta name="citation_author" content="Ramos, Ana [UNESP] [UNIFESP]">
    <meta name="citation_author" content="Lima, Rui [UNESP]1">`;
  assert.deepEqual(extract(marks).authors, ["Ana Ramos", "Rui Lima"]);
  const odd = `<meta name="citation_title" content="T"><meta name="citation_author" content="[No authors listed]">
    <meta name="citation_author" content="DR. JOHN SMITH">`;
  assert.deepEqual(extract(odd).authors, ["JOHN SMITH"]);
  const own = `<meta name="citation_title" content="T"><meta name="citation_author" content="Smith, J[ohn] A.">`;
  assert.deepEqual(extract(own).authors, ["J[ohn] A. Smith"]);
  // A DSpace DC.creator: one person, "Family, Given", with the repository's affiliation mark.
  const dspace = `<meta name="DC.title" content="A neve em Palmas/PR">
    <meta name="DC.creator" content="Carvalho Júnior, Ilton Jardim de [UNESP]">`;
  assert.deepEqual(extract(dspace).authors, ["Ilton Jardim de Carvalho Júnior"]);
});

test("authors: one free-text tag naming two people is two authors; a per-person tag is one", () => {
  const free = `<meta name="author" content="Ada Lovelace, Alan Turing">`;
  assert.deepEqual(extract(free, "<h1>T</h1>").authors, ["Ada Lovelace", "Alan Turing"]);
  const listed = `<meta name="citation_title" content="T"><meta name="citation_author" content="Ada Lovelace, Alan Turing and Grace Hopper">`;
  assert.deepEqual(extract(listed).authors, ["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
  // citation_authors (plural) is one free-text list, not one person.
  const plural = `<meta name="citation_title" content="T"><meta name="citation_authors" content="Ada Lovelace, Alan Turing">`;
  assert.deepEqual(extract(plural).authors, ["Ada Lovelace", "Alan Turing"]);
  assert.deepEqual(extract(`<meta name="citation_title" content="T"><meta name="citation_authors" content="Lovelace, Ada; Turing, Alan">`).authors, ["Ada Lovelace", "Alan Turing"]);
});

test("authors: a list cut short with 'et al.' gives way to a longer one, else is kept without it", () => {
  const cut = `<meta name="author" content="Powell DJ , et al.">`;
  assert.deepEqual(extract(cut, "<h1>Circadian cortisol</h1>").authors, ["Powell DJ"]);
  const full = `${cut}<meta name="DC.creator" content="Powell, Daniel J."><meta name="DC.creator" content="Moss-Morris, Rona">`;
  assert.deepEqual(extract(full).authors, ["Daniel J. Powell", "Rona Moss-Morris"]);
  const tagged = `<meta name="citation_title" content="T"><meta name="citation_author" content="Ada Lovelace">
    <meta name="citation_author" content="Alan Turing"><meta name="citation_author" content="et al.">`;
  assert.deepEqual(extract(tagged).authors, ["Ada Lovelace", "Alan Turing"]);
  const plural = `<meta name="citation_title" content="T"><meta name="citation_authors" content="Powell DJ; Moss-Morris R; et al.">
    <meta name="DC.creator" content="Powell, D."><meta name="DC.creator" content="Moss-Morris, R."><meta name="DC.creator" content="Liossi, C.">`;
  assert.deepEqual(extract(plural).authors, ["D. Powell", "R. Moss-Morris", "C. Liossi"]);
});

test("title: chained site tails and JSTOR's 'on JSTOR' are cut from a <title>", () => {
  const pubmed = `<title>Circadian cortisol and fatigue severity.  - PubMed - NCBI</title>`;
  assert.equal(extract(pubmed).title, "Circadian cortisol and fatigue severity.");
  const jstor = `<title>The UNIX Operating System: A Model for Software Design on JSTOR</title>`;
  assert.equal(extract(jstor, "", "https://www.jstor.org/stable/1687467").title, "The UNIX Operating System: A Model for Software Design");
  assert.equal(extract(`<title>Citation patterns on JSTOR</title>`).title, "Citation patterns on JSTOR"); // elsewhere
  // A citation_title is the paper's own, whatever it ends with.
  const own = `<meta name="citation_title" content="Reading Group Notes on JSTOR"><title>x</title>`;
  assert.equal(extract(own).title, "Reading Group Notes on JSTOR");
});

test("abstract: a heading with a bracketed qualifier ('Abstract (provisional)') heads the abstract", () => {
  const body = `<div class="sidebar"><ul><li><strong>Abstract</strong></li><li>Full text</li></ul></div>
    <div class="authors">Emma K Quinn, Peter D Massey and David N Durrheim Author Affiliations</div>
    <h3>Abstract (provisional)</h3><h4>Background</h4>
    <p>Australian bat lyssavirus infects a number of flying fox and insectivorous bat species in Australia.</p>
    <h3>Background</h3><p>The article's own text.</p>`;
  const found = extract(`<meta name="citation_title" content="Understanding human - bat interactions">`, body);
  assert.match(found.abstract, /^Australian bat lyssavirus infects/);
  assert.doesNotMatch(found.abstract, /own text/);
});

test("abstract: a description built from ' | '-joined parts keeps its longest part", () => {
  const head = `<meta name="citation_title" content="Haptic Teleoperation of High-dimensional Robotic Systems">
    <meta name="description" content="PDF | Model Predictive Control (MPC) schemes have proven their efficiency in controlling high degree-of-freedom robotic systems of many kinds and sizes. | Find, read and cite all the research you need on ResearchGate">`;
  assert.match(extract(head).abstract, /^Model Predictive Control \(MPC\) schemes .* sizes\.$/);
  // The cut part gives way to the page's own copy, as any cut description does.
  const cut = head.replace("of many kinds and sizes.", "However,...");
  const body = `<div itemprop="description">Model Predictive Control (MPC) schemes have proven their efficiency in controlling high degree-of-freedom robotic systems. However, they are costly to run.</div>`;
  assert.match(extract(cut, body).abstract, /However, they are costly to run\.$/);
  // A citation abstract is the publisher's own text: never split.
  const own = `<meta name="citation_title" content="T"><meta name="citation_abstract" content="We compare A | B against C on twelve benchmarks drawn from five domains and report all results here.">`;
  assert.match(extract(own).abstract, /^We compare A \| B against C/);
});

test("abstract: on a page of label and value cells, the cell after 'Abstract' is the abstract", () => {
  const head = `<meta name="citation_title" content="Toward Analytic Theology: An Itinerary">
    <meta property="og:description" content="In this paper I aim at explaining how analytic philosophical theology developed into a thriving field of research. In doing so, I place ...">`;
  const body = `<table id="entry"><tr><td class="label">Abstract</td><td class="content"><div itemprop="description">
    In this paper I aim at explaining how analytic philosophical theology developed into a thriving field of research.
    In doing so, I place analytic philosophical theology into a larger intellectual narrative.</div></td></tr>
    <tr><td class="label">Keywords</td><td>theology, analytic philosophy, method, history of ideas, religion, metaphysics, epistemology</td></tr></table>`;
  assert.match(extract(head, body).abstract, /into a larger intellectual narrative\.$/);
  // A "Summary" label in a reference list is someone else's.
  const refs = `<ol class="references"><li><table><tr><th>Summary</th><td>${"Another paper's summary runs on for many words here. ".repeat(3)}</td></tr></table></li></ol>`;
  assert.equal(extract(`<meta name="citation_title" content="T">`, refs).abstract, "");
});

test("authors: given-name and surname pairs in an author group are its people", () => {
  const head = `<meta name="citation_title" content="The selfless mind">`;
  const body = `<div class="author-group" id="author-group"><span class="sr-only">Author links open overlay panel</span>
    <button class="button-link"><span class="react-xocs-alternative-link"><span class="given-name">Jasminka</span> <span class="text surname">Majdandžić</span></span><span class="author-ref"><sup>a</sup></span></button>,
    <button class="button-link"><span class="react-xocs-alternative-link"><span class="given-name">Sandra</span> <span class="text surname">Amashaufer</span></span></button></div>
    <ol class="references"><li><span class="given-name">Not</span> <span class="surname">Ours</span></li></ol>`;
  assert.deepEqual(extract(head, body).authors, ["Jasminka Majdandžić", "Sandra Amashaufer"]);
});

test("abstract: an old page's capitalised 'Abstract' class holds the abstract, its heading dropped", () => {
  const head = `<meta name="citation_title" content="Cytokinins Secreted by Agrobacterium Promote Transformation">`;
  const body = `<p class="Abstract"><strong class="Heading">Abstract:</strong> <i>Agrobacterium</i>-mediated transformation is the most widely used technique for generating transgenic plants. However, many crops remain recalcitrant.</p>`;
  assert.match(extract(head, body).abstract, /^Agrobacterium-mediated transformation is the most widely used .* recalcitrant\.$/);
});

test("abstract: a table that lays out an old page is not furniture; a data table still is", () => {
  const head = `<meta name="citation_title" content="Cytokinins Secreted by Agrobacterium Promote Transformation">`;
  const abstract = `<p class="Abstract"><strong>Abstract:</strong> Agrobacterium-mediated transformation is the most widely used technique for generating transgenic plants, yet many crops remain recalcitrant.</p>`;
  const layout = `<table class="LayoutTable"><tr><td>menu</td><td><h1>Cytokinins Secreted by Agrobacterium</h1><div>${abstract}</div></td></tr></table>`;
  assert.match(extract(head, layout).abstract, /^Agrobacterium-mediated transformation/);
  const data = `<h1>Cytokinins</h1><table><tr><td>${abstract}</td></tr></table>`;
  assert.equal(extract(head, data).abstract, "");
});

test("abstract: a bar in notation or between two long parts does not split a description", () => {
  const head = `<meta name="citation_title" content="Conditional densities with normalizing flows">`;
  const maths = `${head}<meta property="og:description" content="We learn conditional densities p(y | x) with normalizing flows and show that the resulting estimators are consistent under mild assumptions on the data.">`;
  assert.match(extract(maths).abstract, /^We learn conditional densities p\(y \| x\) with/);
  const twoLong = `${head}<meta property="og:description" content="We learn conditional densities with normalizing flows on twelve benchmarks from five domains | and we show the resulting estimators are consistent under mild assumptions on the data.">`;
  assert.match(extract(twoLong).abstract, /^We learn conditional densities .* on the data\.$/);
});

test("abstract: label cells of a related or listed paper never beat the article's abstract", () => {
  const head = `<meta name="citation_title" content="Toward Analytic Theology"><meta property="og:description" content="Analytic theology developed into a thriving field of research over the last decades, and this paper tells how and why that happened.">`;
  const other = "Another paper's abstract, about something else entirely, runs on for many words here.";
  for (const body of [
    `<div class="related-articles"><dl><dt>Abstract</dt><dd>${other}</dd></dl></div>`,
    `<ul class="similar"><li><table><tr><td>Summary</td><td>${other}</td></tr></table></li></ul>`,
  ]) {
    assert.match(extract(head, body).abstract, /^Analytic theology developed/);
  }
  const own = `<div class="abstract"><p>Analytic theology developed into a thriving field; this is the page's own full abstract, longer than the teaser.</p></div>`;
  const recommended = `<div class="recommended"><table><tr><th>Abstract</th><td>${other}</td></tr></table></div>`;
  assert.match(extract(head, own + recommended).abstract, /page's own full abstract/);
});

test("authors: flat given-name and surname pairs each make one person; groups in asides do not count", () => {
  const head = `<meta name="citation_title" content="T">`;
  const flat = `<div class="author-group"><span class="given-name">Ada</span> <span class="surname">Lovelace</span>, <span class="given-name">Alan</span> <span class="surname">Turing</span></div>`;
  assert.deepEqual(extract(head, flat).authors, ["Ada Lovelace", "Alan Turing"]);
  const recommended = `<div class="RecommendedArticles"><div class="authors"><span><span class="given-name">Other</span> <span class="surname">Person</span></span></div></div>`;
  assert.deepEqual(extract(head, flat + recommended).authors, ["Ada Lovelace", "Alan Turing"]);
  const aside = `<aside><div class="authors"><span class="given-name">Other</span> <span class="surname">Person</span></div></aside>`;
  assert.deepEqual(extract(head, aside).authors, []);
});

test("abstract: a data table nested in a layout table is still furniture", () => {
  const head = `<meta name="citation_title" content="T">`;
  const body = `<table><tr><td><h1>Title of the article</h1><table class="data"><tr><td><div class="abstract">${"Cell text of a data table that is not the abstract at all. ".repeat(2)}</div></td></tr></table></td></tr></table>`;
  assert.equal(extract(head, body).abstract, "");
});
