"""References in citation styles, checked against the CSL processor's recorded output."""

from __future__ import annotations

from pathlib import Path

import pytest

from readinglist.citations import CitationStyle, csl_name, references
from readinglist.io.bibtex import parse_bibtex
from readinglist.io.records import Record

FIXTURES = Path(__file__).parent / "fixtures" / "citations"


def _entries() -> list[Record]:
    return parse_bibtex((FIXTURES / "entries.bib").read_text())


@pytest.mark.parametrize("style", [CitationStyle.APA, CitationStyle.IEEE])
def test_references_match_the_processors_recorded_output(style: CitationStyle) -> None:
    found = references(_entries(), style)

    assert [r.text for r in found] == (FIXTURES / f"{style}.txt").read_text().splitlines()
    assert [r.html for r in found] == (FIXTURES / f"{style}.html").read_text().splitlines()
    assert [r.key for r in found][:2] == ["vaswani2017attention", "hochreiter1997long"]


def test_every_style_formats_every_kind() -> None:
    entries = _entries()
    for style in CitationStyle:
        found = references(entries, style)
        assert len(found) == len(entries)
        for reference, entry in zip(found, entries, strict=True):
            assert entry.title.split(":")[0].split()[0] in reference.text, (style, reference)


def test_a_numbered_style_numbers_in_the_order_asked_with_a_space() -> None:
    first, second = references(list(reversed(_entries()[:2])), CitationStyle.IEEE)
    assert first.text.startswith("[1] S. Hochreiter")
    assert second.text.startswith("[2] A. Vaswani")


def test_bibtex_gives_each_entry_under_its_key() -> None:
    (reference,) = references(_entries()[:1], CitationStyle.BIBTEX)
    assert reference.text.startswith("@inproceedings{vaswani2017attention,\n")
    assert "pages = {5998--6008}" in reference.text


def test_markup_in_titles_is_escaped_in_html() -> None:
    record = Record(title="<script>alert(1)</script> & more", authors=("Doe, Jane",))
    (reference,) = references([record], CitationStyle.APA)
    assert "<script>" not in reference.html
    assert "&lt;script&gt;" in reference.html
    assert "&lt;/script&gt; &amp; more" in reference.html
    assert "<script>alert(1)</script> & more" in reference.text  # text is text


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Vaswani, Ashish", {"family": "Vaswani", "given": "Ashish"}),
        ("Ashish Vaswani", {"family": "Vaswani", "given": "Ashish"}),
        ("Jan van der Berg", {"family": "van der Berg", "given": "Jan"}),
        ("Diederik P. Kingma", {"family": "Kingma", "given": "Diederik P."}),
        ("OpenAI", {"literal": "OpenAI"}),
        ("BigScience Workshop,", {"literal": "BigScience Workshop"}),
    ],
)
def test_names_are_split_as_citations_need(name: str, parts: dict[str, str]) -> None:
    assert csl_name(name) == parts
