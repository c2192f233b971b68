"""Parsers and writers without the database: line-numbered errors and lossless round trips."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from readinglist.io.bibtex import parse_bibtex
from readinglist.io.bookmarks import parse_bookmarks, write_bookmarks
from readinglist.io.citekeys import assign_citekeys
from readinglist.io.csljson import parse_csljson
from readinglist.io.formats import PARSERS, WRITERS, Format, guess_format
from readinglist.io.records import ImportFileError, Record
from readinglist.io.ris import parse_ris
from tests.io.strategies import libraries

FIXTURES = Path(__file__).parent / "fixtures"


def test_bibtex_decodes_latex_accents_and_keeps_odd_names() -> None:
    records = parse_bibtex((FIXTURES / "sample.bib").read_text())

    first = records[0]
    assert first.title == "Attention Is All You Need — für Café"
    assert first.authors == ("Le Scao, Teven", "Müller, Jürgen", "Google Research and Friends")
    assert first.published == "2017-06"
    assert first.identifiers == {"arxiv": "1706.03762"}
    assert first.tags == ("transformers", "nlp")
    assert first.line == 2
    second = records[1]
    assert second.identifiers == {"doi": "10.18653/v1/N19-1423"}
    assert second.venue == "Proceedings of NAACL"
    assert second.published == "2019-06-02"
    assert records[2].identifiers == {"arxiv": "2106.09608"}  # from "arXiv preprint arXiv:..."


def test_malformed_bibtex_names_the_line_of_each_broken_entry() -> None:
    text = (
        "@article{ok, title={Fine}, doi={10.1/x}}\n\n"
        "@article{bad,\n  title = {Open\n\n@misc{c, title={x}}\n"
    )
    with pytest.raises(ImportFileError) as caught:
        parse_bibtex(text)
    assert [line for line, _ in caught.value.errors] == [3]
    assert "line 3" in str(caught.value)


def test_ris_reads_zotero_style_records_and_reports_broken_ones() -> None:
    records = parse_ris((FIXTURES / "sample.ris").read_text())
    assert [r.title for r in records] == ["BERT: Pre-training", "Deep Residual Learning"]
    assert records[0].identifiers == {"doi": "10.18653/v1/N19-1423", "arxiv": "1810.04805"}
    assert records[0].authors == ("Devlin, Jacob", "Chang, Ming-Wei")
    assert records[0].published == "2019-06-02"
    assert records[1].line == 12
    with pytest.raises(ImportFileError) as caught:
        parse_ris("TY  - JOUR\nTI  - x\n\nTY  - JOUR\nER  - \nAU  - stray\n")
    assert [line for line, _ in caught.value.errors] == [1, 6]


def test_csljson_reads_zotero_export_and_names_lines() -> None:
    records = parse_csljson((FIXTURES / "zotero.json").read_text())
    assert records[0].authors == ("Le Scao, Teven", "BigScience Workshop")
    # arXiv's own DOI names the arXiv id; it is written back from it on export.
    assert records[0].identifiers == {"arxiv": "2211.05100"}
    assert records[0].published == "2022-11-09"
    assert records[1].line == 14
    with pytest.raises(ImportFileError) as caught:
        parse_csljson('[\n  {"title": "a"},\n  {"title": ["no"]}\n]')
    assert caught.value.errors == [(3, "'title' must be a string")]
    with pytest.raises(ImportFileError) as caught:
        parse_csljson('[\n  {"title": "a"\n  {"title": "b"}\n]')
    assert caught.value.errors[0][0] == 3


def test_bookmarks_read_links_tags_and_lines() -> None:
    records = parse_bookmarks((FIXTURES / "bookmarks.html").read_text())
    assert [(r.url, r.title, r.tags, r.line) for r in records] == [
        ("https://arxiv.org/abs/1706.03762", "Attention & more", ("nlp", "to read"), 7),
        ("https://example.org/blog", "A blog", (), 9),
    ]
    with pytest.raises(ImportFileError):
        parse_bookmarks("<p>hello</p>")


def test_citekeys_are_stable_and_unique() -> None:
    a = Record(title="The Attention trick", authors=("Vaswani, Ashish",), published="2017")
    b = Record(title="Attention again", authors=("Ashish Vaswani",), published="2017-02")
    c = Record(title="Über Café", authors=("Müller, Jürgen",))
    keys = assign_citekeys([a, b, c])
    assert keys == ["vaswani2017attention", "vaswani2017attentionb", "mulleruber"]
    # Appending never renames what came before.
    assert assign_citekeys([a, b, c, a])[:3] == assign_citekeys([a, b, c])


@pytest.mark.parametrize("format", list(Format))
def test_guess_format(format: Format) -> None:
    text = WRITERS[format]([Record(title="t", url="https://example.org/x")])
    assert guess_format("upload", text) == format


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(library=libraries())
@pytest.mark.parametrize("format", [Format.BIBTEX, Format.RIS, Format.CSLJSON])
def test_write_then_read_gives_the_same_records(format: Format, library: list[Record]) -> None:
    text = WRITERS[format](library)
    again = PARSERS[format](text)
    # Everything, item types (kinds) and math in titles included; RIS drops tags' order only.
    assert [r.comparable() for r in again] == [r.comparable() for r in library]
    assert WRITERS[format](again) == text
    if format is not Format.RIS:  # RIS has no citation keys
        # Pinned keys come back as they went out; the others as the writer made them.
        assert [r.citekey for r in again] == assign_citekeys(library)


@settings(max_examples=50, deadline=None)
@given(library=libraries())
def test_bookmarks_round_trip_urls_titles_and_tags(library: list[Record]) -> None:
    with_urls = [r for r in library if r.url and r.title]
    again = parse_bookmarks(write_bookmarks(with_urls))
    assert [(r.url, r.title, r.tags) for r in again] == [
        (r.url, r.title, r.tags) for r in with_urls
    ]
