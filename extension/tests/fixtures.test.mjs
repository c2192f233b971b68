// The extractors against every saved page in ../shared/fixtures/pages, with the expected
// values from PROVENANCE.md. Authors come out as "First Last" (arXiv and Springer meta tags
// say "Last, First"; the extractor flips a list where every name has exactly one comma).
import { test } from "node:test";
import assert from "node:assert/strict";
import { RL, loadPage, allPages, SKIP_REASON } from "./helpers.mjs";

const EXPECTED = {
  "arxiv_abs_2106.09608_2021.html": {
    url: "https://arxiv.org/abs/2106.09608v2",
    canonical: "https://arxiv.org/abs/2106.09608",
    title: "Learning Knowledge Graph-based World Models of Textual Environments",
    authors: ["Prithviraj Ammanabrolu", "Mark O. Riedl"],
    ids: { arxiv: "2106.09608" },
    published: "2021-06-17",
    abstract: "World models improve a learning agent's ability to efficiently operate in interactive",
    pdf: "https://arxiv.org/pdf/2106.09608",
    sources: { title: "citation", authors: "citation", abstract: "citation" },
  },
  "arxiv_abs_1902.02534_head_2023.html": {
    url: "https://arxiv.org/abs/1902.02534v2",
    canonical: "https://arxiv.org/abs/1902.02534",
    title: "Crowdsourcing open citations with CROCI -- An analysis of the current status of open citations, and a proposal",
    authors: ["Ivan Heibi", "Silvio Peroni", "David Shotton"],
    ids: { arxiv: "1902.02534" },
    published: "2019-02-07",
    abstract: "In this paper, we analyse the current availability of open citations data",
    pdf: "https://arxiv.org/pdf/1902.02534",
  },
  "acl_2021.naacl-main.208.html": {
    url: "https://aclanthology.org/2021.naacl-main.208/",
    canonical: "https://aclanthology.org/2021.naacl-main.208/",
    title: "How many data points is a prompt worth?",
    authors: ["Teven Le Scao", "Alexander M. Rush"],
    ids: { acl: "2021.naacl-main.208", doi: "10.18653/v1/2021.naacl-main.208" },
    published: "2021-06",
    abstract: "When fine-tuning pretrained models for classification, researchers either use a generic model head",
    sources: { abstract: "site", title: "citation" },
  },
  "acl_N04-1001.html": {
    url: "https://aclanthology.org/N04-1001/",
    title: "A Statistical Model for Multilingual Entity Detection and Tracking",
    authors: [
      "Radu Florian",
      "H. Hassan",
      "Abe Ittycheriah",
      "Hongyan Jing",
      "Nanda Kambhatla",
      "Xiaoqiang Luo",
      "Nicolas Nicolov",
      "Salim Roukos",
    ],
    ids: { acl: "N04-1001" },
    published: "2004",
    abstract: "", // og:description is a citation string and must not be used
  },
  "springer_s10924-010-0192-1_jsonld.html": {
    // A neutral URL: the DOI must come from the page's metadata, not the URL path.
    url: "https://example.org/saved-page",
    title: "In Vitro Cytotoxicity of Amylose-Based Bioplastic for Packaging Applications",
    authors: ["Sanchita Bandyopadhyay-Ghosh", "Robert Jeng", "Joydeep Mukherjee", "Mohini Sain"],
    ids: { doi: "10.1007/s10924-010-0192-1" },
    published: "2010-09",
    venue: "Journal of Polymers and the Environment",
    abstract: "Amylose containing polysaccharides are one of the most abundant and inexpensive naturally",
  },
  "peerj_4375.html": {
    url: "https://peerj.com/articles/4375/",
    title: "The state of OA: a large-scale analysis of the prevalence and impact of Open Access articles",
    authors: [
      "Heather Piwowar",
      "Jason Priem",
      "Vincent Larivière",
      "Juan Pablo Alperin",
      "Lisa Matthias",
      "Bree Norlander",
      "Ashley Farley",
      "Jevin West",
      "Stefanie Haustein",
    ],
    ids: { doi: "10.7717/peerj.4375" },
    published: "2018-02-13",
    venue: "PeerJ",
    abstract: "Despite growing interest in Open Access (OA) to scholarly literature, there is an unmet need",
  },
  "elife_44753_dc_only.html": {
    url: "https://elifesciences.org/articles/44753",
    canonical: "https://elifesciences.org/articles/44753",
    title: "Parallel visual circuitry in a basal chordate",
    authors: [
      "Matthew J Kourakis",
      "Cezar Borba",
      "Angela Zhang",
      "Erin Newman-Smith",
      "Priscilla Salas",
      "B Manjunath",
      "William C Smith",
    ],
    ids: { doi: "10.7554/eLife.44753" },
    published: "2019-04-18",
    abstract: "The ascidian Ciona integrates visual information from two photoreceptor types through convergent",
    sources: { title: "dc", authors: "dc", published: "dc" },
  },
  "hal_jpa-00235190.html": {
    url: "https://hal.science/jpa-00235190",
    title: "Déplacement de Knight dans les alliages",
    authors: ["Jacques Friedel"],
    ids: { doi: "10.1051/jphysrad:01955001606044400" },
    published: "1955",
    abstract: "Des calculs récents de la densité électronique dans les alliages prévoient que le déplacement",
  },
  "usenix_nsdi22-goyal.html": {
    url: "https://www.usenix.org/conference/nsdi22/presentation/goyal",
    title: "Backpressure Flow Control",
    authors: [
      "Prateesh Goyal",
      "Preey Shah",
      "Kevin Zhao",
      "Georgios Nikolaidis",
      "Mohammad Alizadeh",
      "Thomas E. Anderson",
    ],
    ids: {},
    published: "2022",
    abstract: "Effective congestion control for data center networks is becoming increasingly challenging",
  },
  "synthetic/hf_paper_1706.03762.synthetic.html": {
    url: "https://huggingface.co/papers/1706.03762",
    canonical: "https://huggingface.co/papers/1706.03762",
    title: "Attention Is All You Need",
    authors: [
      "Ashish Vaswani",
      "Noam Shazeer",
      "Niki Parmar",
      "Jakob Uszkoreit",
      "Llion Jones",
      "Aidan N. Gomez",
      "Lukasz Kaiser",
      "Illia Polosukhin",
    ],
    ids: { arxiv: "1706.03762" },
    published: "2017-06-12",
    abstract: "The dominant sequence transduction models are based on complex recurrent",
    sources: { title: "site", authors: "site" },
  },
  "synthetic/openreview_S1lhbnRqF7.synthetic.html": {
    url: "https://openreview.net/forum?id=S1lhbnRqF7&noteId=abc",
    canonical: "https://openreview.net/forum?id=S1lhbnRqF7",
    title: "Building Dynamic Knowledge Graphs from Text using Machine Reading Comprehension",
    authors: ["Rajarshi Das", "Tsendsuren Munkhdalai", "Xingdi Yuan", "Adam Trischler", "Andrew McCallum"],
    ids: { openreview: "S1lhbnRqF7" },
    pdf: "https://openreview.net/pdf?id=S1lhbnRqF7",
    venue: "International Conference on Learning Representations",
  },
};

const LISTINGS = {
  "synthetic/hf_daily_papers.synthetic.html": {
    url: "https://huggingface.co/papers/date/2017-06-13",
    items: [
      ["1706.03762", "Attention Is All You Need", "Ashish Vaswani", "The dominant sequence transduction models"],
      ["1810.04805", "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding", "Jacob Devlin", "We introduce a new language representation model"],
    ],
  },
};

test("every fixture page has an expectation", { skip: SKIP_REASON }, () => {
  const missing = allPages().filter((p) => !(p in EXPECTED) && !(p in LISTINGS));
  assert.deepEqual(missing, [], "add expected values for new fixture pages");
});

for (const [name, want] of Object.entries(EXPECTED)) {
  test(`paper page ${name}`, { skip: SKIP_REASON }, () => {
    const result = RL.extract(loadPage(name), want.url);
    assert.equal(result.kind, "paper");
    const md = result.metadata;
    assert.equal(md.title, want.title);
    assert.deepEqual(md.authors, want.authors);
    assert.deepEqual(md.identifiers, want.ids);
    if ("published" in want) assert.equal(md.published, want.published);
    if ("venue" in want) assert.equal(md.venue, want.venue);
    if ("pdf" in want) assert.equal(md.pdf_url, want.pdf);
    if ("canonical" in want) assert.equal(result.url, want.canonical);
    if (want.abstract === "") assert.equal(md.abstract, "");
    else if (want.abstract) assert.ok(md.abstract.startsWith(want.abstract), md.abstract.slice(0, 120));
    assert.ok(!/\s{2}|\u00a0/.test(md.title + md.abstract), "white space is folded");
    for (const [field, source] of Object.entries(want.sources || {})) assert.equal(md.field_sources[field], source, field);
    for (const [field, value] of Object.entries(md)) {
      if (["identifiers", "field_sources", "source"].includes(field)) continue;
      const empty = Array.isArray(value) ? !value.length : !value;
      assert.equal(empty, !(field in md.field_sources), `field_sources tracks ${field}`);
    }
    assert.ok(["citation", "jsonld", "dc", "site", "og", "document"].includes(md.source));
    assert.ok(md.published.length <= 32);
  });
}

for (const [name, want] of Object.entries(LISTINGS)) {
  test(`listing page ${name}`, { skip: SKIP_REASON }, () => {
    const result = RL.extract(loadPage(name), want.url);
    assert.equal(result.kind, "listing");
    assert.equal(result.items.length, want.items.length);
    result.items.forEach((item, i) => {
      const [id, title, firstAuthor, abstract] = want.items[i];
      assert.equal(item.id, id);
      assert.equal(item.url, `https://huggingface.co/papers/${id}`);
      assert.equal(item.metadata.title, title);
      assert.equal(item.metadata.authors[0], firstAuthor);
      assert.ok(item.metadata.abstract.startsWith(abstract));
      assert.deepEqual(item.metadata.identifiers, { arxiv: id });
      assert.ok(item.anchor && item.anchor.tagName === "A", "an anchor to draw the button at");
      assert.match(item.metadata.published, /^\d{4}-\d{2}-\d{2}$/);
    });
  });
}

test("a page viewed at another arXiv version keeps the unversioned id", { skip: SKIP_REASON }, () => {
  const result = RL.extract(loadPage("arxiv_abs_2106.09608_2021.html"), "https://arxiv.org/abs/2106.09608v1");
  assert.equal(result.metadata.identifiers.arxiv, "2106.09608");
  assert.equal(result.url, "https://arxiv.org/abs/2106.09608");
});
