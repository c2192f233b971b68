"""Registry clients against recorded responses (fixtures/README.md says what each one is).

Pure parsing: no network, no database. `recorded` serves the fixture recorded for a URL and
answers NotFound for any other URL, as the registries do for identifiers they do not know.
"""

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from readinglist.enrichment import acl, arxiv, crossref, openreview, pubmed
from readinglist.enrichment.http import Fetch, FetchError, NotFound
from readinglist.enrichment.records import Registry, RegistryRecord
from tests.registries import (
    ARXIV,
    CROSSREF,
    DATACITE,
    EFETCH,
    FIXTURES,
    IDCONV,
    OPENREVIEW_V1,
    OPENREVIEW_V2,
    RECORDED,
    recorded,
)

HTML_PAGE = (FIXTURES / "html_error_page.html").read_bytes()


def fixture(url: str) -> bytes:
    return (FIXTURES / RECORDED[url]).read_bytes()


def serving(answers: dict[str, bytes], asked: list[str] | None = None) -> Fetch:
    """`recorded`, except that the URLs in `answers` get those bodies; notes each URL asked."""

    def get(url: str) -> bytes:
        if asked is not None:
            asked.append(url)
        return answers[url] if url in answers else recorded(url)

    return get


def edited_json(url: str, edit: Callable[[dict[str, Any]], None]) -> dict[str, bytes]:
    """The recorded JSON answer for `url`, changed by `edit`, to serve in its place."""
    data = json.loads(fixture(url))
    edit(data)
    return {url: json.dumps(data).encode()}


def timeout(url: str) -> bytes:
    raise FetchError(f"{url}: timed out")


# --------------------------------------------------------------------------------------------
# arXiv


def test_arxiv_published_paper_gives_journal_doi_journal_ref_and_latest_version() -> None:
    record = arxiv.lookup("2108.04010", get=recorded)

    assert record is not None
    assert replace(record, abstract="", authors=record.authors[:3]) == RegistryRecord(
        registry=Registry.ARXIV,
        title=(
            "Measurement of Muon-induced Neutron Production at the China Jinping"
            " Underground Laboratory"
        ),
        authors=("Lin Zhao", "Wentai Luo", "Lars Bathe Peters"),
        published="2021-08-09",
        venue="2022 Chinese Phys. C 46 085001",
        pdf_url="https://arxiv.org/pdf/2108.04010",
        item_type="preprint",
        identifiers={"doi": "10.1088/1674-1137/ac66cc"},
        latest_arxiv_version=2,
        arxiv_category="hep-ex",  # BibTeX's primaryClass
    )
    assert len(record.authors) == 25
    assert record.authors[-1] == "Bin Zhang"
    assert record.abstract.startswith("Solar, terrestrial, and supernova neutrino experiments")
    assert record.abstract.endswith("on muon energy.")
    assert "\n" not in record.abstract


def test_arxiv_preprint_without_journal_version() -> None:
    record = arxiv.lookup("2204.01249", get=recorded)

    assert record is not None
    assert record.title == "Open-closed homotopy algebra in superstring field theory"
    assert record.authors == ("Hiroshi Kunitomo",)
    assert record.venue == "arXiv"
    assert record.identifiers == {}
    assert record.latest_arxiv_version == 4
    assert record.published == "2022-04-04"


@pytest.mark.parametrize("arxiv_id", ["2501.99999", "1412.12345", "2301.00001"])
def test_arxiv_unknown_id_is_none(arxiv_id: str) -> None:
    # An empty feed, arXiv's error entry for an id it cannot read, and a 404.
    assert arxiv.lookup(arxiv_id, get=recorded) is None


def test_arxiv_entry_without_title_is_an_unknown_id() -> None:
    url = ARXIV + "2204.01249"
    body = fixture(url)
    start, end = body.index(b"<title>Open"), body.index(b"</title>", body.index(b"<title>Open"))
    untitled = body[:start] + body[end + len(b"</title>") :]

    assert arxiv.lookup("2204.01249", get=serving({url: untitled})) is None


def test_arxiv_old_style_id_is_quoted_into_the_query() -> None:
    asked: list[str] = []
    empty = fixture(ARXIV + "2501.99999")
    url = ARXIV + "hep-th%2F9901001"

    assert arxiv.lookup("hep-th/9901001", get=serving({url: empty}, asked)) is None
    assert asked == [url]


def test_arxiv_entry_for_another_paper_is_malformed() -> None:
    other = fixture(ARXIV + "2108.04010")

    with pytest.raises(FetchError, match="malformed"):
        arxiv.lookup("2204.01249", get=serving({ARXIV + "2204.01249": other}))


def test_xml_entity_declarations_are_refused() -> None:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2204.01249v1'
        b"</id><title>&b;</title></entry></feed>"
    )

    with pytest.raises(FetchError, match="malformed"):
        arxiv.lookup("2204.01249", get=serving({ARXIV + "2204.01249": bomb}))


# --------------------------------------------------------------------------------------------
# Crossref


def test_crossref_proceedings_article() -> None:
    record = crossref.lookup("10.1145/3448016.3452841", get=recorded)

    assert record == RegistryRecord(
        registry=Registry.CROSSREF,
        # Crossref keeps the subtitle apart; the paper's title is both.
        title="Vector Quotient Filters: Overcoming the Time/Space Trade-Off in Filter Design",
        authors=(
            "Pandey, Prashant",
            "Conway, Alex",
            "Durie, Joe",
            "Bender, Michael A.",
            "Farach-Colton, Martin",
            "Johnson, Rob",
        ),
        published="2021-06-09",
        venue="Proceedings of the 2021 International Conference on Management of Data",
        pages="1386\u20131399",  # Crossref's hyphen as the range dash citations use
        publisher="ACM",
        # The syndication PDF link; the text-mining and similarity-checking links are not.
        pdf_url="https://dl.acm.org/doi/pdf/10.1145/3448016.3452841",
        item_type="conference_paper",
        identifiers={"url": "https://dl.acm.org/doi/10.1145/3448016.3452841"},
    )


def test_crossref_journal_article_with_arxiv_preprint_relation_and_jats_abstract() -> None:
    record = crossref.lookup("10.5506/aphyspolb.56.3-a17", get=recorded)

    assert record is not None
    assert record.title == "Pressure Inside Hadrons: Criticism, Conjectures, and All That"
    assert record.authors == ("Lorcé, C.", "Schweitzer, P.")
    assert record.published == "2025-04-16"
    assert record.venue == "Acta Physica Polonica B"
    assert record.item_type == "article"
    assert record.pdf_url == ""  # its only link is for similarity checking
    assert record.identifiers == {
        "arxiv": "2501.04622",
        "url": "https://www.actaphys.uj.edu.pl/findarticle?series=Reg&vol=56&aid=3-A17",
    }
    # The paragraph only: no tags, no "Abstract" heading, no appended copyright block.
    assert record.abstract == (
        r"The interpretation of the energy-momentum tensor form factor \(D(t)\) of hadrons in"
        " terms of pressure and shear force distributions is discussed, concerns raised in the"
        " literature are reviewed, and ways to reconcile the concerns with the interpretation"
        " are indicated."
    )


ACTA = CROSSREF + "10.5506/aphyspolb.56.3-a17"


def with_relation(relation: dict[str, Any]) -> Fetch:
    def edit(data: dict[str, Any]) -> None:
        data["message"]["relation"] = relation

    return serving(edited_json(ACTA, edit))


@pytest.mark.parametrize(
    ("relation", "arxiv_id"),
    [
        ({"has-preprint": [{"id-type": "doi", "id": "10.48550/arXiv.2501.04622"}]}, "2501.04622"),
        ({"has-preprint": [{"id-type": "doi", "id": "10.48550/ARXIV.2501.04622V2"}]}, "2501.04622"),
        ({"is-identical-to": [{"id-type": "arxiv", "id": "arXiv:2501.04622v3"}]}, "2501.04622"),
        (
            {"is-preprint-of": [{"id-type": "doi", "id": "10.48550/arxiv.hep-th/9901001"}]},
            "hep-th/9901001",
        ),
        ({"has-preprint": [{"id-type": "doi", "id": "10.1101/2024.01.01.123456"}]}, None),
        ({"has-review": [{"id-type": "doi", "id": "10.48550/arXiv.2501.04622"}]}, None),
        ({"cites": [{"id-type": "arxiv", "id": "2501.04622"}]}, None),
        (
            {
                "has-preprint": [
                    {"id-type": "arxiv", "id": "2501.04622"},
                    {"id-type": "arxiv", "id": "2501.04623"},
                ]
            },
            None,
        ),
    ],
)
def test_crossref_only_same_work_relations_to_arxiv_become_identifiers(
    relation: dict[str, Any], arxiv_id: str | None
) -> None:
    record = crossref.lookup("10.5506/aphyspolb.56.3-a17", get=with_relation(relation))

    assert record is not None
    assert record.identifiers.get("arxiv") == arxiv_id
    assert set(record.identifiers) <= {"arxiv", "url"}  # never another DOI


def test_crossref_posted_content_is_a_preprint_on_its_server() -> None:
    record = crossref.lookup("10.1101/2020.12.01.406702", get=recorded)

    assert record is not None
    assert record.item_type == "preprint"
    assert record.venue == "bioRxiv"  # no container title: the posting institution
    assert record.title == (
        "Identification of a novel cationic glycolipid in Streptococcus agalactiae"
        " that contributes to brain entry and meningitis"
    )
    assert record.authors[:3] == ("Joyce, Luke R.", "Manzer, Haider S.", "Mendonça, Jéssica da C.")
    assert record.published == "2020-12-01"
    assert record.identifiers == {"url": "http://biorxiv.org/lookup/doi/10.1101/2020.12.01.406702"}
    assert record.abstract.startswith("Bacterial membrane lipids are critical")
    assert "<" not in record.abstract
    assert "Abstract" not in record.abstract


def test_crossref_journal_article_without_reader_pdf_and_unrelated_relations() -> None:
    record = crossref.lookup("10.7554/eLife.01567", get=recorded)

    assert record is not None
    assert record.item_type == "article"
    assert record.venue == "eLife"
    assert record.published == "2014-02-11"
    assert record.authors[0] == "Sankar, Martial"
    # Its PDF link is for text mining only; its relations are reviews and data, not the work.
    assert record.pdf_url == ""
    assert record.identifiers == {"url": "https://elifesciences.org/articles/01567"}
    assert record.abstract.startswith("Among various advantages, their small size")


def test_crossref_book_chapter_dated_by_year_only() -> None:
    record = crossref.lookup("10.1007/978-3-662-46370-3_13", get=recorded)

    assert record is not None
    assert record.item_type == "chapter"
    assert record.published == "2015"
    assert record.venue == "Shoulder Stiffness"
    assert record.authors == ("Diercks, Ronald L.", "Ludvigsen, Tom Clement")


ACM = CROSSREF + "10.1145/3448016.3452841"


def acm_with(**fields: Any) -> Fetch:
    def edit(data: dict[str, Any]) -> None:
        for name, value in fields.items():
            if value is None:
                data["message"].pop(name.replace("_", "-"), None)
            else:
                data["message"][name.replace("_", "-")] = value

    return serving(edited_json(ACM, edit))


@pytest.mark.parametrize(
    ("kind", "item_type"),
    [
        ("journal-article", "article"),
        ("proceedings-article", "conference_paper"),
        ("posted-content", "preprint"),
        ("monograph", "book"),
        ("edited-book", "book"),
        ("reference-book", "book"),
        ("book-part", "chapter"),
        ("book-section", "chapter"),
        ("dissertation", "thesis"),
        ("report-component", "report"),
        ("dataset", "dataset"),
        ("peer-review", "other"),
    ],
)
def test_crossref_types(kind: str, item_type: str) -> None:
    record = crossref.lookup("10.1145/3448016.3452841", get=acm_with(type=kind))

    assert record is not None
    assert record.item_type == item_type


def test_crossref_date_falls_back_from_published_to_issued_to_print_to_online() -> None:
    def dated(**dates: Any) -> str:
        missing = {"published": None, "issued": None, "published_print": None}
        record = crossref.lookup("10.1145/3448016.3452841", get=acm_with(**{**missing, **dates}))
        assert record is not None
        return record.published

    assert dated(published={"date-parts": [[2021, 6]]}, issued={"date-parts": [[2020]]}) == (
        "2021-06"
    )
    assert dated(issued={"date-parts": [[2020, 12, 31]]}) == "2020-12-31"
    assert dated(issued={"date-parts": [[None]]}, published_print={"date-parts": [[2019]]}) == (
        "2019"
    )
    assert dated() == "2021-06-18"  # only published-online is left


def test_crossref_organisation_authors_and_markup_in_titles() -> None:
    authors = [
        {"name": "The ATLAS Collaboration", "sequence": "first", "affiliation": []},
        {"given": "", "family": "Ng", "sequence": "additional", "affiliation": []},
        {"given": " ", "family": " ", "sequence": "additional", "affiliation": []},
    ]
    title = ["Limits on <mml:math><mml:mi>W</mml:mi><mml:mo>+</mml:mo></mml:math> <i>bosons</i>"]

    record = crossref.lookup(
        "10.1145/3448016.3452841", get=acm_with(author=authors, title=title, subtitle=[])
    )

    assert record is not None
    assert record.authors == ("The ATLAS Collaboration", "Ng")
    assert record.title == "Limits on W+ bosons"


def test_crossref_pdf_link_must_be_for_readers_and_http() -> None:
    links = [
        {"URL": "ftp://example.org/a.pdf", "content-type": "application/pdf"},
        {
            "URL": "https://example.org/tdm.pdf",
            "content-type": "application/pdf",
            "intended-application": "text-mining",
        },
        {"URL": "https://example.org/page", "content-type": "text/html"},
        {
            "URL": "https://example.org/read.pdf",
            "content-type": "application/pdf",
            "intended-application": "unspecified",
        },
    ]

    record = crossref.lookup("10.1145/3448016.3452841", get=acm_with(link=links))

    assert record is not None
    assert record.pdf_url == "https://example.org/read.pdf"


def test_crossref_landing_page_must_be_http() -> None:
    resource = {"primary": {"URL": "javascript:alert(1)"}}

    record = crossref.lookup("10.1145/3448016.3452841", get=acm_with(resource=resource))

    assert record is not None
    assert "url" not in record.identifiers


def test_crossref_url_of_doi_is_quoted_but_keeps_its_slashes() -> None:
    asked: list[str] = []
    doi = "10.1002/(SICI)1097-4636(199812)43:4<356::AID-JBM3>3.0.CO;2-8"
    path = "10.1002/%28SICI%291097-4636%28199812%2943%3A4%3C356%3A%3AAID-JBM3%3E3.0.CO%3B2-8"

    assert crossref.lookup(doi, get=serving({}, asked)) is None
    assert asked == [CROSSREF + path, DATACITE + path]


# --------------------------------------------------------------------------------------------
# DataCite, when Crossref does not know the DOI


def test_crossref_not_found_falls_back_to_datacite_for_arxiv_doi() -> None:
    asked: list[str] = []

    record = crossref.lookup("10.48550/arXiv.1902.02534", get=serving({}, asked))

    assert asked == [CROSSREF + "10.48550/arXiv.1902.02534", DATACITE + "10.48550/arXiv.1902.02534"]
    assert record is not None
    assert replace(record, abstract="") == RegistryRecord(
        registry=Registry.DATACITE,
        title=(
            "Crowdsourcing open citations with CROCI -- An analysis of the current status of"
            " open citations, and a proposal"
        ),
        authors=("Heibi, Ivan", "Peroni, Silvio", "Shotton, David"),
        published="2019",
        venue="arXiv",
        publisher="arXiv",
        item_type="preprint",
        identifiers={"arxiv": "1902.02534"},
    )
    # The "Abstract" description, not the "Other" one (the comments line).
    assert record.abstract.startswith("In this paper, we analyse the current availability")
    assert "7 pages" not in record.abstract


def test_datacite_software_on_zenodo() -> None:
    record = crossref.lookup("10.5281/zenodo.48440", get=recorded)

    assert record is not None
    assert record.registry == Registry.DATACITE
    assert record.title == "Analysis Tools for Crossover Experiment of UI using Choice Architecture"
    assert record.authors == ("Garza, Kristian",)
    assert record.published == "2016-03-27"
    assert record.venue == "Zenodo"
    assert record.item_type == "software"
    assert record.identifiers == {"url": "https://zenodo.org/record/48440"}
    assert "<br>" not in record.abstract
    assert record.abstract.startswith("This tools are used to analyse the data")


DATACITE_ARXIV = DATACITE + "10.48550/arXiv.1902.02534"


def datacite_with(edit: Callable[[dict[str, Any]], None]) -> Fetch:
    def edit_attributes(data: dict[str, Any]) -> None:
        edit(data["data"]["attributes"])

    return serving(edited_json(DATACITE_ARXIV, edit_attributes))


def test_datacite_publisher_object_and_creator_names_without_parts() -> None:
    def edit(attributes: dict[str, Any]) -> None:
        attributes["publisher"] = {"name": "arXiv", "publisherIdentifier": "https://ror.org/x"}
        attributes["creators"] = [
            {"name": "Heibi, Ivan", "nameType": "Personal"},
            {"name": "OpenCitations", "nameType": "Organizational"},
            {"name": "", "nameType": "Personal"},
        ]

    record = crossref.lookup("10.48550/arXiv.1902.02534", get=datacite_with(edit))

    assert record is not None
    assert record.venue == "arXiv"
    assert record.authors == ("Heibi, Ivan", "OpenCitations")


def test_datacite_main_title_is_the_one_without_title_type() -> None:
    def edit(attributes: dict[str, Any]) -> None:
        attributes["titles"] = [
            {"title": "An analysis of open citations", "titleType": "Subtitle"},
            {"title": "Crowdsourcing open citations with <i>CROCI</i>"},
        ]

    record = crossref.lookup("10.48550/arXiv.1902.02534", get=datacite_with(edit))

    assert record is not None
    assert record.title == "Crowdsourcing open citations with CROCI"


def test_datacite_related_journal_doi_is_not_confirmation() -> None:
    def edit(attributes: dict[str, Any]) -> None:
        attributes["relatedIdentifiers"] = [
            {
                "relationType": "IsVersionOf",
                "relatedIdentifier": "10.1007/s11192-019-03297-1",
                "relatedIdentifierType": "DOI",
            },
            {
                "relationType": "IsPreviousVersionOf",
                "relatedIdentifier": "10.1007/s11192-019-03297-1",
                "relatedIdentifierType": "DOI",
            },
        ]

    record = crossref.lookup("10.48550/arXiv.1902.02534", get=datacite_with(edit))

    assert record is not None
    assert record.identifiers == {"arxiv": "1902.02534"}


@pytest.mark.parametrize(
    ("general", "item_type"),
    [
        ("Preprint", "preprint"),
        ("JournalArticle", "article"),
        ("ConferencePaper", "conference_paper"),
        ("Book", "book"),
        ("BookChapter", "chapter"),
        ("Dissertation", "thesis"),
        ("Report", "report"),
        ("Dataset", "dataset"),
        ("Software", "software"),
        ("Text", "preprint"),  # an arXiv DOI registered before "Preprint" existed
        ("Image", "other"),
    ],
)
def test_datacite_types(general: str, item_type: str) -> None:
    def edit(attributes: dict[str, Any]) -> None:
        attributes["types"]["resourceTypeGeneral"] = general

    record = crossref.lookup("10.48550/arXiv.1902.02534", get=datacite_with(edit))

    assert record is not None
    assert record.item_type == item_type


def test_datacite_text_is_other_when_not_an_arxiv_doi() -> None:
    url = DATACITE + "10.5281/zenodo.48440"

    def edit(data: dict[str, Any]) -> None:
        data["data"]["attributes"]["types"]["resourceTypeGeneral"] = "Text"

    record = crossref.lookup("10.5281/zenodo.48440", get=serving(edited_json(url, edit)))

    assert record is not None
    assert record.item_type == "other"


def test_doi_unknown_to_crossref_and_datacite_is_none() -> None:
    assert crossref.lookup("10.1234/nowhere", get=recorded) is None


def test_crossref_transient_failure_is_not_a_reason_to_ask_datacite() -> None:
    asked: list[str] = []

    def down(url: str) -> bytes:
        asked.append(url)
        raise FetchError(f"{url}: HTTP 503")

    with pytest.raises(FetchError):
        crossref.lookup("10.48550/arXiv.1902.02534", get=down)
    assert asked == [CROSSREF + "10.48550/arXiv.1902.02534"]


# --------------------------------------------------------------------------------------------
# OpenReview


def test_openreview_v2_accepted_paper() -> None:
    record = openreview.lookup("KS8mIvetg2", get=recorded)

    assert record is not None
    assert replace(record, abstract="") == RegistryRecord(
        registry=Registry.OPENREVIEW,
        title="Proving Test Set Contamination in Black-Box Language Models",
        authors=(
            "Yonatan Oren",
            "Nicole Meister",
            "Niladri S. Chatterji",
            "Faisal Ladhak",
            "Tatsunori Hashimoto",
        ),
        published="2024-01-16",  # pdate
        venue="ICLR 2024 oral",
        pdf_url="https://openreview.net/pdf?id=KS8mIvetg2",
        item_type="conference_paper",
    )
    assert record.abstract.startswith("Large language models are trained on vast amounts")


def test_openreview_falls_back_to_v1_when_v2_has_no_note() -> None:
    asked: list[str] = []

    record = openreview.lookup("nZeVKeeFYf9", get=serving({}, asked))

    assert asked == [OPENREVIEW_V2 + "nZeVKeeFYf9", OPENREVIEW_V1 + "nZeVKeeFYf9"]
    assert record is not None
    assert record.title == "LoRA: Low-Rank Adaptation of Large Language Models"
    assert record.authors[:2] == ("Edward J Hu", "yelong shen")  # as OpenReview spells them
    assert len(record.authors) == 8
    assert record.venue == "ICLR 2022 Poster"
    assert record.item_type == "conference_paper"
    assert record.published == "2021-09-29"  # v1 note without pdate/odate: its cdate
    assert record.pdf_url == "https://openreview.net/pdf?id=nZeVKeeFYf9"
    assert record.abstract.startswith("An important paradigm of natural language processing")


def test_openreview_falls_back_to_v1_when_v2_says_not_found() -> None:
    v1 = fixture(OPENREVIEW_V1 + "nZeVKeeFYf9")

    def v1_only(url: str) -> bytes:
        if url == OPENREVIEW_V1 + "nZeVKeeFYf9":
            return v1
        raise NotFound(url)

    record = openreview.lookup("nZeVKeeFYf9", get=v1_only)

    assert record is not None
    assert record.title == "LoRA: Low-Rank Adaptation of Large Language Models"


def test_openreview_note_of_another_forum_is_not_taken() -> None:
    v1 = fixture(OPENREVIEW_V1 + "nZeVKeeFYf9")

    record = openreview.lookup("S1lhbnRqF7", get=serving({OPENREVIEW_V1 + "S1lhbnRqF7": v1}))

    assert record is None


def test_openreview_unknown_forum_is_none() -> None:
    assert openreview.lookup("unknownForum", get=recorded) is None
    assert openreview.lookup("missingEverywhere", get=recorded) is None


OPENREVIEW_ORAL = OPENREVIEW_V2 + "KS8mIvetg2"


def note_with(**content: Any) -> Fetch:
    def edit(data: dict[str, Any]) -> None:
        for name, value in content.items():
            if value is None:
                data["notes"][0]["content"].pop(name, None)
            else:
                data["notes"][0]["content"][name] = {"value": value}

    return serving(edited_json(OPENREVIEW_ORAL, edit))


@pytest.mark.parametrize(
    ("venue", "item_type"),
    [
        ("ICLR 2024 poster", "conference_paper"),
        ("NeurIPS 2023 Datasets and Benchmarks Track poster", "conference_paper"),
        ("Submitted to ICLR 2024", "preprint"),
        ("ICLR 2024 Conference Withdrawn Submission", "preprint"),
        ("ICLR 2024 Conference Desk Rejected Submission", "preprint"),
        ("ICLR 2024 Conference Submission", "preprint"),  # still under review
    ],
)
def test_openreview_venue_decides_preprint_or_conference_paper(venue: str, item_type: str) -> None:
    record = openreview.lookup("KS8mIvetg2", get=note_with(venue=venue))

    assert record is not None
    assert record.venue == venue
    assert record.item_type == item_type


def test_openreview_note_without_pdf_or_venue() -> None:
    record = openreview.lookup("KS8mIvetg2", get=note_with(pdf=None, venue=None))

    assert record is not None
    assert record.pdf_url == ""
    assert record.venue == ""
    assert record.item_type == ""


def test_openreview_author_objects_of_newer_venues() -> None:
    authors = [
        {"fullname": "Yonatan Oren", "username": "~Yonatan_Oren1"},
        {"fullname": "Nicole Meister", "username": "~Nicole_Meister1"},
    ]

    record = openreview.lookup("KS8mIvetg2", get=note_with(authors=authors))

    assert record is not None
    assert record.authors == ("Yonatan Oren", "Nicole Meister")


def test_openreview_transient_v2_failure_does_not_ask_v1() -> None:
    asked: list[str] = []

    def down(url: str) -> bytes:
        asked.append(url)
        raise FetchError(f"{url}: HTTP 502")

    with pytest.raises(FetchError):
        openreview.lookup("nZeVKeeFYf9", get=down)
    assert asked == [OPENREVIEW_V2 + "nZeVKeeFYf9"]


# --------------------------------------------------------------------------------------------
# ACL Anthology


def test_acl_conference_paper_from_anthology_bibtex() -> None:
    record = acl.lookup("2021.naacl-main.208", get=recorded)

    assert record is not None
    assert replace(record, abstract="") == RegistryRecord(
        registry=Registry.ACL,
        title="How many data points is a prompt worth?",
        authors=("Le Scao, Teven", "Rush, Alexander"),  # editors are not authors
        published="2021-06",
        venue=(
            "Proceedings of the 2021 Conference of the North American Chapter of the"
            " Association for Computational Linguistics: Human Language Technologies"
        ),
        pdf_url="https://aclanthology.org/2021.naacl-main.208.pdf",
        item_type="conference_paper",
        identifiers={
            "doi": "10.18653/v1/2021.naacl-main.208",
            "url": "https://aclanthology.org/2021.naacl-main.208/",
        },
    )
    assert record.abstract.startswith("When fine-tuning pretrained models for classification")


def test_acl_journal_article() -> None:
    record = acl.lookup("2020.tacl-1.30", get=recorded)

    assert record is not None
    assert record.item_type == "article"
    assert record.venue == "Transactions of the Association for Computational Linguistics"
    assert record.title.startswith("TyDi QA: A Benchmark")  # LaTeX braces decoded
    assert record.identifiers["doi"] == "10.1162/tacl_a_00317"


def test_acl_old_paper_without_doi() -> None:
    record = acl.lookup("N04-1001", get=recorded)

    assert record is not None
    assert record.identifiers == {"url": "https://aclanthology.org/N04-1001/"}
    assert record.published == "2004"
    assert record.authors[0] == "Florian, R."
    assert record.pdf_url == "https://aclanthology.org/N04-1001.pdf"


def test_acl_other_entry_kinds_are_other() -> None:
    url = "https://aclanthology.org/N04-1001.bib"
    bib = fixture(url).replace(b"@inproceedings{", b"@proceedings{")

    record = acl.lookup("N04-1001", get=serving({url: bib}))

    assert record is not None
    assert record.item_type == "other"


def test_acl_unknown_id_is_none() -> None:
    assert acl.lookup("P18-1001", get=recorded) is None


def test_acl_broken_bibtex_is_malformed() -> None:
    url = "https://aclanthology.org/N04-1001.bib"
    cut = fixture(url)[:120]

    with pytest.raises(FetchError, match="malformed"):
        acl.lookup("N04-1001", get=serving({url: cut}))


# --------------------------------------------------------------------------------------------
# PubMed


def test_pubmed_article() -> None:
    record = pubmed.lookup("29963580", get=recorded)

    assert record is not None
    assert replace(record, abstract="") == RegistryRecord(
        registry=Registry.PUBMED,
        # MEDLINE's closing period is not part of the title.
        title=(
            "Development of a pulmonary imaging biomarker pipeline for phenotyping of"
            " chronic lung disease"
        ),
        authors=(
            "Guo, Fumin",
            "Capaldi, Dante",
            "Kirby, Miranda",
            "Sheikh, Khadija",
            "Svenningsen, Sarah",
            "McCormack, David G",
            "Fenster, Aaron",
            "Parraga, Grace",
            "Canadian Respiratory Research Network",
        ),
        published="2018-04",
        venue="Journal of medical imaging (Bellingham, Wash.)",
        volume="5",
        issue="2",
        pages="026002",
        item_type="article",
        # The article's own ids, not those of the references it cites.
        identifiers={"pmid": "29963580", "doi": "10.1117/1.JMI.5.2.026002", "pmcid": "PMC6022861"},
    )
    assert record.abstract.startswith("We designed and generated pulmonary imaging biomarker")
    assert "mml" not in record.abstract
    assert "He 3 / Xe 129 MRI" in record.abstract  # MathML keeps its text


def test_pubmed_ids_of_cited_references_are_not_the_articles() -> None:
    url = EFETCH.format("29963580")
    body = fixture(url).replace(b'<ArticleId IdType="pmc">PMC6022861</ArticleId>', b"")
    body = body.replace(
        b'<ArticleId IdType="pubmed">25144646</ArticleId>',
        b'<ArticleId IdType="pubmed">25144646</ArticleId>'
        b'<ArticleId IdType="doi">10.1148/radiol.14140070</ArticleId>'
        b'<ArticleId IdType="pmc">PMC4274320</ArticleId>',
    )

    record = pubmed.lookup("29963580", get=serving({url: body}))

    assert record is not None
    assert record.identifiers == {"pmid": "29963580", "doi": "10.1117/1.JMI.5.2.026002"}


def test_pubmed_title_markup_keeps_its_text() -> None:
    record = pubmed.lookup("30108519", get=recorded)

    assert record is not None
    assert record.title == (
        'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent and Maximal'
        " Lactate Steady State in Trained Runners. Back to the Old Days?"
    )
    assert record.published == "2018"
    assert record.identifiers["pmcid"] == "PMC6079548"


def test_pubmed_preprint_publication_type() -> None:
    url = EFETCH.format("29963580")
    body = fixture(url).replace(
        b'<PublicationType UI="D016428">Journal Article</PublicationType>',
        b'<PublicationType UI="D000076942">Preprint</PublicationType>',
    )

    record = pubmed.lookup("29963580", get=serving({url: body}))

    assert record is not None
    assert record.item_type == "preprint"


def test_pubmed_structured_abstract_and_medline_date() -> None:
    url = EFETCH.format("29963580")
    body = fixture(url)
    start, end = body.index(b"<Abstract>"), body.index(b"</Abstract>")
    body = (
        body[:start]
        + b'<Abstract><AbstractText Label="BACKGROUND">Lungs.</AbstractText>'
        + b'<AbstractText Label="RESULTS">Pipelines.</AbstractText>'
        + body[end:]
    )
    body = body.replace(
        b"<Year>2018</Year>\n                        <Month>Apr</Month>",
        b"<MedlineDate>2017 Dec-2018 Jan</MedlineDate>",
    )

    record = pubmed.lookup("29963580", get=serving({url: body}))

    assert record is not None
    assert record.abstract == "BACKGROUND: Lungs. RESULTS: Pipelines."
    assert record.published == "2017"


def test_pubmed_unknown_pmid_is_none() -> None:
    assert pubmed.lookup("99999999", get=recorded) is None  # an empty PubmedArticleSet
    assert pubmed.lookup("12345", get=recorded) is None  # 404


def test_pmcid_goes_through_the_id_converter() -> None:
    asked: list[str] = []

    record = pubmed.lookup_pmcid("PMC6022861", get=serving({}, asked))

    assert asked == [IDCONV.format("PMC6022861"), EFETCH.format("29963580")]
    assert record is not None
    assert record.identifiers["pmcid"] == "PMC6022861"
    assert record.title.startswith("Development of a pulmonary imaging biomarker pipeline")


def test_pmcid_with_string_pmid_from_older_converter_answers() -> None:
    url = IDCONV.format("PMC6022861")

    def edit(data: dict[str, Any]) -> None:
        data["records"][0]["pmid"] = "29963580"

    record = pubmed.lookup_pmcid("PMC6022861", get=serving(edited_json(url, edit)))

    assert record is not None
    assert record.identifiers["pmid"] == "29963580"


def test_pmcid_unknown_to_the_converter_is_none() -> None:
    asked: list[str] = []

    assert pubmed.lookup_pmcid("PMC99999999", get=serving({}, asked)) is None
    assert asked == [IDCONV.format("PMC99999999")]  # no efetch without a PMID


# --------------------------------------------------------------------------------------------
# Every registry: transient failures propagate, malformed bodies are transient failures

Lookup = Callable[[Fetch], RegistryRecord | None]
LOOKUPS: dict[str, tuple[Lookup, str]] = {
    "arxiv": (lambda get: arxiv.lookup("2108.04010", get=get), ARXIV + "2108.04010"),
    "crossref": (
        lambda get: crossref.lookup("10.1145/3448016.3452841", get=get),
        CROSSREF + "10.1145/3448016.3452841",
    ),
    "datacite": (
        lambda get: crossref.lookup("10.48550/arXiv.1902.02534", get=get),
        DATACITE + "10.48550/arXiv.1902.02534",
    ),
    "openreview": (
        lambda get: openreview.lookup("KS8mIvetg2", get=get),
        OPENREVIEW_V2 + "KS8mIvetg2",
    ),
    "acl": (
        lambda get: acl.lookup("2021.naacl-main.208", get=get),
        "https://aclanthology.org/2021.naacl-main.208.bib",
    ),
    "pubmed": (lambda get: pubmed.lookup("29963580", get=get), EFETCH.format("29963580")),
    "pmc": (lambda get: pubmed.lookup_pmcid("PMC6022861", get=get), IDCONV.format("PMC6022861")),
}


@pytest.mark.parametrize("registry", LOOKUPS)
def test_recorded_answer_parses(registry: str) -> None:
    lookup, _ = LOOKUPS[registry]

    assert lookup(recorded) is not None


@pytest.mark.parametrize("registry", LOOKUPS)
def test_transient_failure_propagates(registry: str) -> None:
    lookup, _ = LOOKUPS[registry]

    with pytest.raises(FetchError, match="timed out"):
        lookup(timeout)


@pytest.mark.parametrize("registry", LOOKUPS)
def test_html_page_instead_of_an_answer_is_malformed(registry: str) -> None:
    lookup, url = LOOKUPS[registry]

    with pytest.raises(FetchError, match="malformed") as raised:
        lookup(serving({url: HTML_PAGE}))
    assert not isinstance(raised.value, NotFound)


@pytest.mark.parametrize("registry", LOOKUPS)
def test_truncated_answer_is_malformed(registry: str) -> None:
    lookup, url = LOOKUPS[registry]
    body = fixture(url)

    with pytest.raises(FetchError, match="malformed"):
        lookup(serving({url: body[: len(body) // 2]}))


@pytest.mark.parametrize("registry", LOOKUPS)
def test_bytes_that_are_not_utf8_are_malformed(registry: str) -> None:
    lookup, url = LOOKUPS[registry]

    with pytest.raises(FetchError, match="malformed"):
        lookup(serving({url: b"\xff\xfe\x00garbage\x9c"}))


@pytest.mark.parametrize(
    ("registry", "body"),
    [
        ("crossref", b'{"status": "ok", "message": ["not", "a", "work"]}'),
        ("crossref", b"[1, 2, 3]"),
        ("datacite", b'{"errors": [{"status": "500", "title": "Internal Server Error"}]}'),
        ("openreview", b'{"name": "RateLimitError", "message": "Too many requests"}'),
        ("openreview", b'{"notes": [{"id": "KS8mIvetg2", "content": "gone"}]}'),
        ("pubmed", b"<eFetchResult><ERROR>Empty id list</ERROR></eFetchResult>"),
        ("pmc", b'{"status": "error", "message": "bad request"}'),
    ],
)
def test_json_or_xml_of_the_wrong_shape_is_malformed(registry: str, body: bytes) -> None:
    lookup, url = LOOKUPS[registry]

    with pytest.raises(FetchError, match="malformed"):
        lookup(serving({url: body}))
