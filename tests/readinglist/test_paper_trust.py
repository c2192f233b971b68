"""Paper records everyone can trust: what one account sends never changes what another sees.

Papers are shared by every library on an instance. A hostile account saves the same papers
with any metadata, any `source` (including "user") and any identifiers it likes, and restores
crafted backups; everything another account sees must stay as it was: the API entry, the web
page, the BibTeX export, the published list and its feed, the lab digest, lookups and the
library's version (so sync has nothing to carry).
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from readinglist.models import Entry, EntryIdentifier, Lab, Library, Paper, PaperIdentifier, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.labs import publish_list, rotate_feed_token
from readinglist.services.lists import add_to_list, create_list
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HONEST = {
    "title": "Attention Is All You Need",
    "authors": ["Ashish Vaswani", "Noam Shazeer"],
    "abstract": "The dominant sequence transduction models.",
    "venue": "NeurIPS",
    "published": "2017-06-12",
    "source": "citation",
}
HOSTILE = {
    "title": "RETRACTED see evil.example",
    "authors": ["Evil Mallory"],
    "abstract": "evil.example has the real paper",
    "venue": "Evil Journal",
    "published": "1999",
    "pdf_url": "https://evil.example/a.pdf",
    "source": "user",
    "field_sources": {"title": "user", "abstract": "citation"},
    "identifiers": {"doi": "10.1234/wrong", "pmid": "12345"},
}
MARKERS = ("RETRACTED", "evil", "Evil", "10.1234/wrong")


@pytest.fixture
def mallory(db: None) -> User:
    return UserFactory(email="mallory@example.org", name="Mallory")


def without_csrf(html: str) -> str:
    """A page as a reader sees it: each render carries a new CSRF token. The time-zone picker
    is the tz database's fixed list (where "Africa/Libreville" holds a marker), so it goes too.
    """
    html = re.sub(r'<select[^>]*name="time_zone".*?</select>', "", html, flags=re.DOTALL)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def everything_alice_sees(
    alice: User, lab: Lab, entry_id: int, list_token: str, feed_token: str, anon: APIClient
) -> dict[str, Any]:
    api = client_for(alice)
    web = Client()
    web.force_login(alice)
    return {
        "entry": api.get(f"/api/v1/entries/{entry_id}/").json(),
        "page": without_csrf(web.get(f"/entries/{entry_id}/").content.decode()),
        "library page": without_csrf(web.get(f"/?library={lab.library.pk}").content.decode()),
        "bibtex": api.get(f"/api/v1/libraries/{lab.library.pk}/export").content.decode(),
        "public list": anon.get(f"/api/v1/public/lists/{list_token}/").content.decode(),
        "list feed": anon.get(f"/api/v1/public/lists/{list_token}/feed.atom").content.decode(),
        "digest": anon.get(f"/api/v1/public/labs/{feed_token}/digest.atom").content.decode(),
        "lookup": api.post(
            "/api/v1/lookup", {"items": ["arXiv:1706.03762", "doi:10.1234/wrong"]}, format="json"
        ).json(),
        "version": Library.objects.get(pk=lab.library.pk).version,
    }


def test_a_hostile_save_changes_nothing_another_account_sees(
    alice: User, lab: Lab, mallory: User, anon_client: APIClient
) -> None:
    alice_client = client_for(alice)
    saved = alice_client.post(
        "/api/v1/save",
        {"url": "arXiv:1706.03762", "metadata": HONEST, "library": lab.library.pk},
        format="json",
    ).json()
    reading_list = create_list(user=alice, library=lab.library, name="Week 1")
    add_to_list(user=alice, reading_list=reading_list, entry=Entry.objects.get(pk=saved["id"]))
    list_token = publish_list(user=alice, reading_list=reading_list).public_token
    assert list_token
    feed_token = rotate_feed_token(user=alice, lab=lab)
    before = everything_alice_sees(alice, lab, saved["id"], list_token, feed_token, anon_client)
    assert "Attention Is All You Need" in before["page"] + before["bibtex"] + before["digest"]

    attacker = client_for(mallory)
    for url in ("arXiv:1706.03762", "https://arxiv.org/pdf/1706.03762v99", "doi:10.1234/wrong"):
        response = attacker.post("/api/v1/save", {"url": url, "metadata": HOSTILE}, format="json")
        assert response.status_code in (HTTPStatus.OK, HTTPStatus.CREATED)

    after = everything_alice_sees(alice, lab, saved["id"], list_token, feed_token, anon_client)
    assert after == before
    assert after["lookup"]["results"][1]["entries"] == []  # her DOI claim finds nothing
    for name, seen in after.items():
        if name == "lookup":
            seen = after["lookup"]["results"][0]  # the second echoes what Alice asked
        for marker in MARKERS:
            assert marker not in str(seen), f"{marker!r} reached Alice's {name}"
    # Mallory's own library sees what she typed: her edits are hers.
    mine = attacker.get("/api/v1/entries/", {"library": personal_library(mallory).pk}).json()
    assert "RETRACTED see evil.example" in {e["paper"]["title"] for e in mine["results"]}
    # And the shared paper holds nothing any client sent.
    paper = Paper.objects.get(identifiers__scheme="arxiv", identifiers__value="1706.03762")
    assert (paper.title, paper.authors, paper.abstract, paper.venue) == ("", [], "", "")
    assert paper.pdf_url == "https://arxiv.org/pdf/1706.03762"
    assert paper.arxiv_version is None


def test_an_identifier_stated_by_one_account_does_not_redirect_anothers_save(
    alice: User, mallory: User
) -> None:
    # Mallory claims that tomorrow's arXiv paper is a real published DOI.
    save_paper(
        user=mallory,
        url="arXiv:2612.99999",
        metadata=_metadata({"title": "Fake", "identifiers": {"doi": "10.1038/nature14539"}}),
    )
    assert not PaperIdentifier.objects.filter(scheme="doi").exists()
    assert EntryIdentifier.objects.filter(scheme="doi", value="10.1038/nature14539").count() == 1

    by_doi = save_paper(user=alice, url="https://doi.org/10.1038/nature14539")
    tomorrow = save_paper(user=alice, url="https://arxiv.org/abs/2612.99999")

    assert by_doi.paper != tomorrow.paper  # the DOI names its own paper, not Mallory's
    assert by_doi.paper.identifiers.get().value == "10.1038/nature14539"
    assert (by_doi.entry.title, tomorrow.entry.title) == ("", "")  # nothing Mallory sent
    assert "doi" not in {i.scheme for i in tomorrow.paper.identifiers.all()}


def test_saving_a_paper_someone_else_saved_shows_nothing_they_sent(
    alice: User, bob: User, alice_client: APIClient
) -> None:
    url = "https://www.usenix.org/conference/nsdi22/presentation/goyal"
    save_paper(
        user=bob,
        url=url,
        metadata=_metadata(
            {**HONEST, "title": "Bob's page title", "pdf_url": "https://x.org/p.pdf"}
        ),
    )
    looked = alice_client.post("/api/v1/lookup", {"items": [url]}, format="json").json()
    assert looked["results"][0]["entries"] == []

    body = alice_client.post("/api/v1/save", {"url": url}, format="json").json()

    assert body["paper"]["title"] == ""
    assert body["paper"]["authors"] == []
    assert body["paper"]["pdf_url"] == ""
    assert body["paper"]["url"] == url


def test_a_save_that_claims_registry_as_its_source_is_refused(alice_client: APIClient) -> None:
    response = alice_client.post(
        "/api/v1/save",
        {"url": "arXiv:1706.03762", "metadata": {"title": "x", "source": "registry"}},
        format="json",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "source" in response.json()["metadata"]
    assert not Entry.objects.exists()


CRAFTED_ENTRIES = {
    "bogus field source": {"metadata": {"title": "x"}, "metadata_sources": {"title": "bogus"}},
    "authors not a list": {"metadata": {"title": "x", "authors": "Ada Lovelace"}},
    "author not text": {"metadata": {"title": "x", "authors": [{"name": "Ada"}]}},
    "NUL in a title": {"metadata": {"title": "a\x00b"}},
    "lone surrogate": {"metadata": {"title": "a\ud800b"}},
    "title too long": {"metadata": {"title": "x" * 3000}},
    "unknown field": {"metadata": {"title": "x", "is_admin": True}},
    "bad override": {"metadata": {"title": "x"}, "overrides": {"url": "javascript:alert(1)"}},
    "fingerprint stated": {
        "metadata": {},
        "identifiers": [{"scheme": "fingerprint", "value": "attention|vaswani|2017"}],
    },
}


@pytest.mark.parametrize("crafted", CRAFTED_ENTRIES, ids=list(CRAFTED_ENTRIES))
def test_a_crafted_restore_is_a_400_and_changes_nothing(
    crafted: str, alice: User, mallory: User
) -> None:
    save_paper(user=alice, url="arXiv:1706.03762", metadata=_metadata(HONEST))
    papers = list(Paper.objects.values())
    entry = {
        "key": "0b4f0c2e-6e2c-4a8e-9a55-3f1f6cf4a001",
        "added_at": "2024-01-01T00:00:00+00:00",
        "identifiers": [{"scheme": "arxiv", "value": "1706.03762"}],
        **CRAFTED_ENTRIES[crafted],
    }
    backup = {"format": "readinglist-backup", "format_version": 2, "entries": [entry]}
    target = personal_library(mallory)

    # Sent as the bytes a hostile client would send: JSON may escape what UTF-8 cannot hold.
    response = client_for(mallory).post(
        f"/api/v1/libraries/{target.pk}/restore",
        json.dumps(backup),
        content_type="application/json",
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content
    assert "malformed backup" in response.json()["detail"]
    assert list(Paper.objects.values()) == papers
    assert not Entry.objects.filter(library=target).exists()
    assert Library.objects.get(pk=target.pk).version == target.version


def test_a_restore_attributes_nothing_to_other_accounts_and_reveals_none(
    alice: User, bob: User, mallory: User
) -> None:
    """A version-1 file names people by email; none of them gets anything, and the answer is
    the same whether an email has an account here or not."""

    def backup(victim: str) -> dict[str, Any]:
        entry = {
            "key": "0b4f0c2e-6e2c-4a8e-9a55-3f1f6cf4a002",
            "added_at": "2024-01-01T00:00:00+00:00",
            "added_by": victim,
            "paper": {
                "title": "Planted",
                "identifiers": [{"scheme": "arxiv", "value": "1706.03762"}],
            },
            "tags": [],
            "notes": [
                {"key": "0b4f0c2e-6e2c-4a8e-9a55-3f1f6cf4a003", "author": victim, "body": "hi"}
            ],
            "highlights": [],
            "states": [
                {
                    "key": "0b4f0c2e-6e2c-4a8e-9a55-3f1f6cf4a004",
                    "user": victim,
                    "status": "read",
                    "priority": 3,
                    "rating": 1,
                    "private_note": "planted",
                    "read_at": None,
                }
            ],
        }
        return {
            "format": "readinglist-backup",
            "format_version": 1,
            "exported_by": "mallory@example.org",
            "tags": [],
            "entries": [entry],
            "lists": [],
        }

    answers = []
    for victim, owner in (("bob@example.org", mallory), ("nobody@example.org", UserFactory())):
        library = personal_library(owner)
        response = client_for(owner).post(
            f"/api/v1/libraries/{library.pk}/restore", backup(victim), format="json"
        )
        assert response.status_code == HTTPStatus.CREATED
        body = response.json()
        answers.append({k: v for k, v in body.items() if k != "version"})
        entry = Entry.objects.get(library=library)
        assert entry.added_by == owner
        assert entry.notes.get().author == owner
        assert not entry.states.exists()  # somebody else's private state is not restored
    assert answers[0] == answers[1]
    assert answers[0]["states_dropped"] == 1
    assert not Entry.objects.filter(added_by=bob).exists()
    assert not bob.reading_states.exists()


def _metadata(data: dict[str, Any]) -> Any:
    from readinglist.metadata import PageMetadata

    return PageMetadata.from_dict(data)
