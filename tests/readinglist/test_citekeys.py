"""Pinned citation keys: given once, unique in a library, kept through metadata updates,
merges and re-imports; renamed only by a person, with the old key kept as an alias."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from readinglist.enrichment.worker import run_enrichment
from readinglist.io.bibtex import parse_bibtex
from readinglist.io.citekeys import free_key, with_suffix
from readinglist.io.export import library_records, render
from readinglist.io.formats import Format
from readinglist.metadata import PageMetadata
from readinglist.models import CitekeyPattern, Entry, Paper, User
from readinglist.services.accounts import personal_library
from readinglist.services.citekeys import _free_form
from readinglist.services.entries import save_paper
from readinglist.services.entry_metadata import edit_details
from readinglist.services.imports import import_records
from readinglist.services.lists import add_to_list, create_list
from readinglist.services.merges import merge_papers

KEY = re.compile(r"^@\w+\{([^,]+),", re.MULTILINE)


def _keys(text: str) -> list[str]:
    return KEY.findall(text)


@pytest.mark.django_db
def test_keys_never_change_once_exported(alice: User, alice_client: APIClient) -> None:
    """The issue's case: a title-only save, the live .bib read by Overleaf, then authors
    arrive and a duplicate is merged in. Every \\cite{} written against the first export
    still resolves."""
    library = personal_library(alice)
    first = save_paper(
        user=alice,
        url="https://example.org/papers/attention",
        metadata=PageMetadata(title="Attention Is All You Need"),
    )
    reading_list = create_list(user=alice, library=library, name="Thesis")
    add_to_list(user=alice, reading_list=reading_list, entry=first.entry)
    feed = alice_client.post(f"/api/v1/lists/{reading_list.pk}/bib-link").json()["url"]
    feed_path = feed.removeprefix("http://testserver")

    before = _keys(APIClient().get(feed_path).content.decode())
    assert before == ["anonattention"]

    # Authors arrive (a richer save of the same page), and a duplicate saved by another link
    # turns out to be the same work and is merged into it.
    save_paper(
        user=alice,
        url="https://example.org/papers/attention",
        metadata=PageMetadata(
            title="Attention Is All You Need",
            authors=("Ashish Vaswani", "Noam Shazeer"),
            published="2017",
        ),
    )
    duplicate = save_paper(
        user=alice,
        url="https://mirror.example.net/attention.html",
        metadata=PageMetadata(
            title="Attention Is All You Need", authors=("Ashish Vaswani",), published="2017"
        ),
    )
    assert duplicate.entry.citekey == "vaswani2017attention"
    merge_papers(survivor_id=first.paper.pk, merged_id=duplicate.paper.pk)

    after = APIClient().get(feed_path).content.decode()
    assert _keys(after) == before
    assert "author = {Ashish Vaswani and Noam Shazeer}" in after
    # The merged duplicate's key still cites it (biblatex reads `ids`).
    assert "ids = {vaswani2017attention}" in after
    (kept,) = Entry.objects.filter(library=library)
    assert (kept.citekey, kept.citekey_aliases) == ("anonattention", ["vaswani2017attention"])


@pytest.mark.django_db
def test_a_save_by_id_gets_its_key_when_the_registry_brings_the_authors(
    alice: User, registries: list[str]
) -> None:
    saved = save_paper(user=alice, url="arXiv:2108.04010")
    assert saved.entry.citekey == ""  # no "anon" key while the registry has not answered

    run_enrichment(saved.paper.pk)

    entry = Entry.objects.get(pk=saved.entry.pk)
    assert entry.citekey == "zhao2021measurement"
    # Exports, later registry answers and edits of the metadata leave it alone.
    exported = render(library_records(personal_library(alice)), Format.BIBTEX)
    assert "@misc{zhao2021measurement," in exported
    assert "archiveprefix = {arXiv},\n  primaryclass = {hep-ex}," in exported
    Paper.objects.filter(pk=saved.paper.pk).update(title="", enrichment="pending")
    run_enrichment(saved.paper.pk)
    edit_details(
        user=alice, entry=entry, changes={"authors": ["Someone Else"], "published": "1999"}
    )
    entry.refresh_from_db()
    assert (entry.authors, entry.citekey) == (["Someone Else"], "zhao2021measurement")


@pytest.mark.django_db
def test_keys_are_unique_in_a_library_whatever_the_case(alice: User, bob: User) -> None:
    meta = PageMetadata(title="Deep Learning", authors=("LeCun, Yann",), published="2015")
    first = save_paper(user=alice, url="https://example.org/a", metadata=meta)
    second = save_paper(
        user=alice,
        url="https://example.org/b",
        metadata=PageMetadata(title="Deep learning!", authors=("Yann LeCun",), published="2015"),
    )
    elsewhere = save_paper(user=bob, url="https://example.org/a", metadata=meta)

    assert first.entry.citekey == "lecun2015deep"
    assert second.entry.citekey == "lecun2015deepb"
    assert elsewhere.entry.citekey == "lecun2015deep"  # keys are per library

    response = APIClient()
    response.force_authenticate(alice)
    clash = response.patch(
        f"/api/v1/entries/{second.entry.pk}/details", {"citekey": "LeCun2015Deep"}, format="json"
    )
    assert clash.status_code == HTTPStatus.BAD_REQUEST
    assert "Already the key of" in clash.json()["citekey"][0]


@pytest.mark.django_db
def test_a_person_renames_a_key_and_the_old_one_stays_an_alias(
    alice: User, alice_client: APIClient, bob_client: APIClient, anon_client: APIClient
) -> None:
    saved = save_paper(
        user=alice,
        url="arXiv:1706.03762",
        metadata=PageMetadata(title="Attention", authors=("Vaswani, Ashish",), published="2017"),
    )
    url = f"/api/v1/entries/{saved.entry.pk}/details"
    assert anon_client.patch(url, {"citekey": "x"}, format="json").status_code == 401
    assert bob_client.patch(url, {"citekey": "x"}, format="json").status_code == 404
    bad = alice_client.patch(url, {"citekey": "has space"}, format="json")
    assert bad.status_code == HTTPStatus.BAD_REQUEST
    assert "citekey" in bad.json()

    renamed = alice_client.patch(url, {"citekey": "transformer"}, format="json")

    assert renamed.status_code == HTTPStatus.OK
    assert renamed.json()["citekey"] == "transformer"
    assert renamed.json()["citekey_aliases"] == ["vaswani2017attention"]
    text = render(library_records(personal_library(alice)), Format.BIBTEX)
    assert "@misc{transformer," in text
    assert "ids = {vaswani2017attention}" in text


@pytest.mark.django_db
def test_imports_keep_the_files_keys_and_a_reimport_changes_nothing(alice: User) -> None:
    library = personal_library(alice)
    text = (
        "@article{MyKey2020,\n  title = {Deep Residual Learning},\n  author = {He, Kaiming},\n"
        "  year = {2016},\n  doi = {10.1109/CVPR.2016.90}\n}\n\n"
        "@article{MyKey2020b,\n  title = {Identity Mappings},\n  author = {He, Kaiming},\n"
        "  year = {2016},\n  doi = {10.1007/978-3-319-46493-0_38}\n}\n"
    )
    save_paper(
        user=alice,
        url="https://example.org/x",
        metadata=PageMetadata(title="Something Else", authors=("Mykey",), published="2020"),
    )
    report = import_records(user=alice, library=library, records=parse_bibtex(text))
    assert [item.outcome for item in report.items] == ["added", "added"]
    keys = dict(Entry.objects.filter(library=library).values_list("title", "citekey"))
    assert keys["Deep Residual Learning"] == "MyKey2020"
    assert keys["Identity Mappings"] == "MyKey2020b"

    again = import_records(user=alice, library=library, records=parse_bibtex(text))
    assert [item.outcome for item in again.items] == ["unchanged", "unchanged"]


@pytest.mark.django_db
def test_an_existing_entry_takes_a_files_other_key_as_an_alias(alice: User) -> None:
    library = personal_library(alice)
    saved = save_paper(
        user=alice,
        url="https://doi.org/10.1109/CVPR.2016.90",
        metadata=PageMetadata(
            title="Deep Residual Learning", authors=("He, Kaiming",), published="2016"
        ),
    )
    text = (
        "@article{resnet,\n  title = {Deep Residual Learning},\n  doi = {10.1109/CVPR.2016.90}\n}\n"
    )
    report = import_records(user=alice, library=library, records=parse_bibtex(text))
    assert report.items[0].outcome == "merged"
    saved.entry.refresh_from_db()
    assert (saved.entry.citekey, saved.entry.citekey_aliases) == ("he2016deep", ["resnet"])
    assert (
        import_records(user=alice, library=library, records=parse_bibtex(text)).items[0].outcome
        == "unchanged"
    )


@pytest.mark.django_db
def test_the_librarys_pattern_makes_new_keys(alice: User) -> None:
    library = personal_library(alice)
    library.citekey_pattern = CitekeyPattern.AUTHOR_WORD_YEAR
    library.save()
    saved = save_paper(
        user=alice,
        url="https://example.org/a",
        metadata=PageMetadata(
            title="The Deep Learning", authors=("LeCun, Yann",), published="2015"
        ),
    )
    assert saved.entry.citekey == "lecunDeep2015"


@pytest.mark.django_db(transaction=True)
def test_the_migration_pins_the_keys_exports_gave_before(alice: User) -> None:
    executor = MigrationExecutor(connection)
    before = [("readinglist", "0014_tag_unique_by_folded_name")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    OldPaper = old.get_model("readinglist", "Paper")
    OldEntry = old.get_model("readinglist", "Entry")
    library = old.get_model("readinglist", "Library").objects.get(owner_id=alice.pk)
    made = []
    for n, (title, authors) in enumerate(
        [("Deep Learning", ["LeCun, Yann"]), ("Deep learning", ["Yann LeCun"]), ("", [])]
    ):
        paper = OldPaper.objects.create(title=title)
        made.append(
            OldEntry.objects.create(
                library_id=library.pk,
                paper=paper,
                title=title,
                authors=authors,
                published="2015",
                version=n,
            ).pk
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("readinglist"))

    keys = [Entry.objects.get(pk=pk).citekey for pk in made]
    # What the export before stored keys gave them, in its order (oldest first).
    assert keys == ["lecun2015deep", "lecun2015deepb", "anon2015"]


def _fill_keys(library_id: int, base: str, forms: list[int]) -> None:
    """Entries of the library keyed with these forms of `base`."""
    papers = Paper.objects.bulk_create(Paper(title=f"p{n}") for n in forms)
    Entry.objects.bulk_create(
        Entry(library_id=library_id, paper=paper, version=1, citekey=with_suffix(base, n))
        for paper, n in zip(papers, forms, strict=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("taken", "hole"),
    [(1, None), (7, None), (8, None), (9, None), (40, None), (300, None), (300, 5)],
)
def test_a_new_key_takes_the_first_free_form_however_many_share_the_base(
    alice: User, taken: int, hole: int | None
) -> None:
    library = personal_library(alice)
    base = "anonuntitled"
    forms = {n for n in range(taken) if n != hole}
    _fill_keys(library.pk, base, sorted(forms))

    first = _free_form(library.pk, base=base, besides=None)
    first_form = hole if hole is not None else taken
    assert (
        first
        == with_suffix(base, first_form)
        == free_key(base, {with_suffix(base, n) for n in forms})
    )
    # Once that form is taken, the next key must not skip one (the process remembers where
    # the last key of this base went).
    _fill_keys(library.pk, base, [first_form])
    forms.add(first_form)
    assert _free_form(library.pk, base=base, besides=None) == free_key(
        base, {with_suffix(base, n) for n in forms}
    )


@pytest.mark.django_db
def test_a_free_bare_key_costs_one_read(alice: User) -> None:
    library = personal_library(alice)
    with CaptureQueriesContext(connection) as queries:
        assert _free_form(library.pk, base="vaswani2017attention", besides=None) == (
            "vaswani2017attention"
        )
    assert len(queries) == 1
