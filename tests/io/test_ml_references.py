"""A real-shaped reference list (tests/io/fixtures/ml_references.bib): every entry imports,
exports with the entry type LaTeX users expect, and comes back the same."""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from readinglist.io.bibtex import parse_bibtex, write_bibtex
from readinglist.io.export import library_records, render
from readinglist.io.formats import Format
from readinglist.models import Entry, User
from readinglist.services.accounts import personal_library
from readinglist.services.imports import import_records

FIXTURE = Path(__file__).parent / "fixtures" / "ml_references.bib"
ENTRY = re.compile(r"^@(\w+)\{([^,]+),", re.MULTILINE)

# What each reference is, as a LaTeX user would type it.
EXPECTED_TYPES = {
    "vaswani2017attention": "inproceedings",
    "devlin2018bert": "misc",  # journal={arXiv preprint ...}: a preprint
    "DBLP:journals/corr/abs-1907-11692": "misc",  # DBLP's CoRR: a preprint
    "kingma2014adam": "misc",
    "he2016deep": "inproceedings",
    "dosovitskiy2021an": "inproceedings",
    "hochreiter1997long": "article",
    "lecun2015deep": "article",
    "goodfellow2016deep": "book",
    "bishop2006pattern": "book",
    "rumelhart1986learning": "incollection",
    "sutskever2013training": "phdthesis",
    "krizhevsky2009learning": "phdthesis",  # a thesis; the degree is not kept
    "openai2023gpt4": "techreport",
    "radford2019language": "techreport",
    "gao2020pile": "misc",  # a dataset: @misc with type = {dataset}
    "wikitext2016": "misc",
    "paszke2019pytorch_software": "misc",
    "paszke2019pytorch": "inproceedings",
    "karpathy2015unreasonable": "misc",
    "nowozin2016fgan": "inproceedings",
    "li2017alpha": "misc",
    "arthur2007kmeans": "inproceedings",
    "sch2015trust": "article",
    "devlin2019bert": "inproceedings",
    "brown2020language": "inproceedings",
    "srivastava2014dropout": "article",
    "kingma2014auto": "inproceedings",
    "touvron2023llama": "misc",
}


def _types(text: str) -> dict[str, str]:
    return {key: kind for kind, key in ENTRY.findall(text)}


def test_every_reference_reads_with_its_kind_and_writes_back_the_same() -> None:
    text = FIXTURE.read_text()
    records = parse_bibtex(text)

    assert len(records) == text.count("\n@") == len(EXPECTED_TYPES)
    kinds = {record.citekey: record.kind for record in records}
    assert kinds["devlin2018bert"] == kinds["touvron2023llama"] == "preprint"
    assert kinds["gao2020pile"] == kinds["wikitext2016"] == "dataset"
    assert kinds["paszke2019pytorch_software"] == "software"
    assert kinds["karpathy2015unreasonable"] == "online"
    by_key = {record.citekey: record for record in records}
    assert by_key["nowozin2016fgan"].title.startswith("$f$-GAN:")
    assert "$O(n \\log n)$" in by_key["sch2015trust"].title
    assert by_key["sch2015trust"].authors[-1] == "Østergaard, Søren"
    assert by_key["hochreiter1997long"].pages == "1735\u20131780"
    assert by_key["goodfellow2016deep"].identifiers == {"isbn": "9780262035613"}
    assert by_key["DBLP:journals/corr/abs-1907-11692"].volume == ""  # CoRR's "abs/<id>"

    written = write_bibtex(records)
    again = parse_bibtex(written)
    assert [r.comparable() for r in again] == [r.comparable() for r in records]
    assert [r.citekey for r in again] == [r.citekey for r in records]
    assert "title = {$f$-{GAN}: Training Generative" in written
    assert "primaryclass" not in written  # not known without arXiv's own record


@pytest.mark.django_db
def test_the_list_imports_exports_typed_and_reimports_to_the_same(alice: User, bob: User) -> None:
    records = parse_bibtex(FIXTURE.read_text())
    report = import_records(user=alice, library=personal_library(alice), records=records)
    assert [item.outcome for item in report.items] == ["added"] * len(records)

    exported = render(library_records(personal_library(alice)), Format.BIBTEX)
    assert _types(exported) == EXPECTED_TYPES
    assert "booktitle = {Advances in Neural Information Processing Systems}" in exported
    assert "school = {University of Toronto}" in exported
    assert "institution = {OpenAI}" in exported
    assert "eprint = {1810.04805},\n  archiveprefix = {arXiv}" in exported
    assert "doi = {10.48550/arXiv.1810.04805}" in exported  # arXiv's DOI for a preprint
    assert "$\\alpha$-divergences" in exported

    import_records(user=bob, library=personal_library(bob), records=parse_bibtex(exported))
    again = render(library_records(personal_library(bob)), Format.BIBTEX)
    assert again == exported


@pytest.mark.django_db
def test_latex_escapes_on_request(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    import_records(user=alice, library=library, records=parse_bibtex(FIXTURE.read_text()))
    url = f"/api/v1/libraries/{library.pk}/export"

    utf8 = alice_client.get(url, {"format": "bibtex"}).content.decode()
    ascii = alice_client.get(url, {"format": "bibtex", "ascii": "true"}).content.decode()

    assert "Schmidhuber, Jürgen" in utf8
    assert ascii.isascii()
    assert 'Schmidhuber, J{\\"u}rgen' in ascii
    assert [r.comparable() for r in parse_bibtex(ascii)] == [
        r.comparable() for r in parse_bibtex(utf8)
    ]
    assert alice_client.get(url, {"ascii": "maybe"}).status_code == HTTPStatus.BAD_REQUEST


def _fifty_with_two_broken() -> tuple[str, list[int]]:
    """The fixture's entries and made-up ones, 50 in all; entries 10 and 40 are broken (an
    unclosed brace, a missing key). The lines those two start on."""
    chunks = ["@" + chunk for chunk in FIXTURE.read_text().split("\n@")[1:]]
    chunks += [
        f"@article{{extra{n},\n  title = {{A Study of Example Number {n}}},\n"
        f"  author = {{Doe, Jane}},\n  journal = {{Journal of Examples}},\n  year = {{2020}}\n}}"
        for n in range(50 - len(chunks))
    ]
    chunks[10] = "@inproceedings{broken1,\n  title = {Never Closed,\n  year = {2020}\n"
    chunks[40] = "@article{\n  title = {No Key},\n  year = {2020}\n}"
    text = "\n\n".join(chunks) + "\n"
    lines = [text[: text.index(chunks[i])].count("\n") + 1 for i in (10, 40)]
    return text, lines


@pytest.mark.django_db
def test_a_file_with_two_broken_entries_imports_the_other_48(
    alice: User, alice_client: APIClient
) -> None:
    text, broken_lines = _fifty_with_two_broken()
    url = f"/api/v1/libraries/{personal_library(alice).pk}/import"

    strict = alice_client.post(url + "?strict=true", {"content": text}, format="json")
    assert strict.status_code == HTTPStatus.BAD_REQUEST
    assert [error["line"] for error in strict.json()["errors"]] == broken_lines
    assert not Entry.objects.exists()

    response = alice_client.post(url, {"content": text}, format="json")

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    assert (body["total"], body["added"], body["invalid"]) == (50, 48, 2)
    invalid = [item for item in body["items"] if item["outcome"] == "invalid"]
    assert [item["line"] for item in invalid] == broken_lines
    assert all(item["reason"] for item in invalid)
    assert Entry.objects.count() == 48
