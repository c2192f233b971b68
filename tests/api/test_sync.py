"""The sync contract: changes feed, preconditions (412), and nothing lost under concurrency."""

import threading
import time
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from readinglist.models import Entry, Lab, Library, Note, Tag, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.versioning import begin_library_write
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.readinglist.test_save_paper import run_concurrently


def feed(client: APIClient, library: Library, since: int = 0, limit: int = 100) -> dict[str, Any]:
    """Page through the whole feed; returns the last page's body with all changes merged."""
    changes: list[dict[str, Any]] = []
    params: dict[str, Any] = {"since": since, "limit": limit}
    while True:
        response = client.get(f"/api/v1/libraries/{library.pk}/changes", params)
        assert response.status_code == HTTPStatus.OK, response.content
        body = response.json()
        changes += body["changes"]
        if body["next"] is None:
            return {**body, "changes": changes}
        params = {"cursor": body["next"], "limit": limit}


@pytest.mark.django_db
def test_feed_orders_every_type_and_reports_deletions(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    kept = save_paper(user=alice, url="arXiv:1706.03762", tags=["nlp"], note="n", status="read")
    gone = save_paper(user=alice, url="arXiv:1810.04805")
    alice_client.delete(f"/api/v1/entries/{gone.entry.pk}/")

    body = feed(alice_client, library)

    library.refresh_from_db()
    assert body["until"] == library.version == 3
    positions = [(c["version"], c["type"], c["key"]) for c in body["changes"]]
    assert positions == sorted(positions)
    live = {(c["type"], c["key"]) for c in body["changes"] if not c["deleted"]}
    assert ("entry", str(kept.entry.key)) in live
    assert {t for t, _ in live} == {"entry", "note", "state", "tag"}
    [tombstone] = [c for c in body["changes"] if c["deleted"]]
    assert (tombstone["type"], tombstone["key"]) == ("entry", str(gone.entry.key))
    assert "data" not in tombstone


@pytest.mark.django_db
def test_paging_keeps_its_upper_bound_and_the_next_sync_gets_the_rest(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    for n in range(6):
        save_paper(user=alice, url=f"arXiv:2401.{n:05d}")
    first = alice_client.get(f"/api/v1/libraries/{library.pk}/changes", {"limit": 4}).json()
    save_paper(user=alice, url="arXiv:2402.00001")  # written while the client pages
    second = alice_client.get(
        f"/api/v1/libraries/{library.pk}/changes", {"cursor": first["next"]}
    ).json()

    assert first["until"] == second["until"] == 6
    assert len(first["changes"]) + len(second["changes"]) == 6
    later = feed(alice_client, library, since=second["until"])
    assert [c["version"] for c in later["changes"]] == [7]


@pytest.mark.django_db
def test_if_modified_since_version_gives_304(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="arXiv:1706.03762")
    url = f"/api/v1/libraries/{library.pk}/changes"
    unchanged = alice_client.get(url, headers={"If-Modified-Since-Version": "1"})
    changed = alice_client.get(url, headers={"If-Modified-Since-Version": "0"})
    assert unchanged.status_code == HTTPStatus.NOT_MODIFIED
    assert unchanged["Last-Modified-Version"] == "1"
    assert changed.status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_since_below_the_tombstone_floor_needs_a_full_sync(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    Library.objects.filter(pk=library.pk).update(version=10, tombstone_floor=5)
    url = f"/api/v1/libraries/{library.pk}/changes"
    gone = alice_client.get(url, {"since": 3})
    assert gone.status_code == HTTPStatus.GONE
    assert gone.json() == {"error": "full_sync_required"}
    assert alice_client.get(url, {"since": 0}).status_code == HTTPStatus.OK
    assert alice_client.get(url, {"since": 5}).status_code == HTTPStatus.OK


@pytest.mark.django_db
def test_bad_feed_parameters_are_400(alice: User, alice_client: APIClient, lab: Lab) -> None:
    library = personal_library(alice)
    url = f"/api/v1/libraries/{library.pk}/changes"
    for params in (
        {"since": -1},
        {"since": "x"},
        {"limit": 0},
        {"limit": 501},
        {"cursor": "forged"},
    ):
        assert alice_client.get(url, params).status_code == HTTPStatus.BAD_REQUEST, params
    for n in range(3):
        save_paper(user=alice, url=f"arXiv:2401.{n:05d}", library=lab.library)
    lab_page = alice_client.get(f"/api/v1/libraries/{lab.library.pk}/changes", {"limit": 1}).json()
    mixed = alice_client.get(url, {"cursor": lab_page["next"]})
    assert mixed.status_code == HTTPStatus.BAD_REQUEST  # a cursor is bound to its library


@pytest.mark.django_db
def test_feed_is_404_for_outsiders_and_401_anonymous(
    alice: User, charlie_client: APIClient, anon_client: APIClient, lab: Lab
) -> None:
    for library in (personal_library(alice), lab.library):
        url = f"/api/v1/libraries/{library.pk}/changes"
        assert charlie_client.get(url).status_code == HTTPStatus.NOT_FOUND
        assert anon_client.get(url).status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
def test_reading_states_in_a_lab_feed_are_the_callers_own(
    alice: User, bob: User, bob_client: APIClient, lab: Lab
) -> None:
    save_paper(user=alice, url="arXiv:1706.03762", library=lab.library, status="read")
    save_paper(user=bob, url="arXiv:1706.03762", library=lab.library, status="reading")

    states = [c["data"] for c in feed(bob_client, lab.library)["changes"] if c["type"] == "state"]

    assert [s["status"] for s in states] == ["reading"]


@pytest.mark.django_db
def test_renaming_a_tag_puts_its_entries_back_in_the_feed(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    entry = save_paper(user=alice, url="arXiv:1706.03762", tags=["nlp"]).entry
    save_paper(user=alice, url="arXiv:1810.04805")
    before = personal_library(alice).version
    tag = Tag.objects.get(name="nlp")

    alice_client.patch(f"/api/v1/tags/{tag.pk}/", {"name": "NLP-2"})

    changes = feed(alice_client, library, since=before)["changes"]
    assert {(c["type"], c["key"]) for c in changes} == {
        ("tag", str(tag.key)),
        ("entry", str(entry.key)),
    }
    [entry_change] = [c for c in changes if c["type"] == "entry"]
    assert entry_change["data"]["tags"] == ["NLP-2"]


@pytest.mark.django_db
def test_stale_library_version_is_412_and_writes_nothing(
    alice: User, alice_client: APIClient
) -> None:
    save_paper(user=alice, url="arXiv:1706.03762")
    stale = alice_client.post(
        "/api/v1/save", {"url": "arXiv:1810.04805"}, headers={"If-Unmodified-Since-Version": "0"}
    )
    fresh = alice_client.post(
        "/api/v1/save", {"url": "arXiv:1810.04805"}, headers={"If-Unmodified-Since-Version": "1"}
    )
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert stale.json() == {"error": "library_version_conflict", "current_version": 1}
    assert stale["Last-Modified-Version"] == "1"
    assert fresh.status_code == HTTPStatus.CREATED
    assert Entry.objects.count() == 2
    bad = alice_client.post(
        "/api/v1/save", {"url": "x"}, headers={"If-Unmodified-Since-Version": "v1"}
    )
    assert bad.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.django_db
def test_stale_state_change_is_412_with_the_current_entry(
    alice: User, alice_client: APIClient
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", status="reading").entry
    url = f"/api/v1/entries/{entry.pk}/"
    seen = alice_client.get(url).json()["state"]["version"]
    alice_client.patch(url, {"status": "read", "version": seen})  # device A

    stale = alice_client.patch(url, {"status": "unread", "version": seen})  # device B, offline
    merged = alice_client.patch(url, {"add_tags": ["later"], "version": seen})  # sets merge

    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert stale.json()["current"]["state"]["status"] == "read"
    assert merged.status_code == HTTPStatus.OK
    assert merged.json()["state"]["status"] == "read"


@pytest.mark.django_db
def test_an_edit_wins_over_a_delete_that_had_not_seen_it(
    alice: User, alice_client: APIClient
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry
    seen = entry.version
    alice_client.patch(f"/api/v1/entries/{entry.pk}/", {"add_tags": ["keep"]})

    stale = alice_client.delete(f"/api/v1/entries/{entry.pk}/?version={seen}")
    assert stale.status_code == HTTPStatus.PRECONDITION_FAILED
    assert stale.json()["current"]["tags"] == ["keep"]
    assert Entry.objects.filter(pk=entry.pk).exists()

    current = Entry.objects.get(pk=entry.pk).version
    assert alice_client.delete(f"/api/v1/entries/{entry.pk}/?version={current}").status_code == 204
    assert alice_client.delete("/api/v1/entries/1/?version=abc").status_code in (400, 404)


@pytest.mark.django_db
def test_stale_note_edit_and_delete_are_412(alice: User, alice_client: APIClient) -> None:
    save_paper(user=alice, url="arXiv:1706.03762", note="first")
    note = Note.objects.get()
    seen = note.version
    alice_client.patch(f"/api/v1/notes/{note.pk}/", {"body": "second", "version": seen})

    stale_edit = alice_client.patch(f"/api/v1/notes/{note.pk}/", {"body": "third", "version": seen})
    stale_delete = alice_client.delete(f"/api/v1/notes/{note.pk}/?version={seen}")

    assert stale_edit.status_code == stale_delete.status_code == HTTPStatus.PRECONDITION_FAILED
    assert stale_edit.json()["current"]["body"] == "second"
    assert Note.objects.get().body == "second"


# PostgreSQL: real concurrent transactions.


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_four_writers_with_one_base_version_one_wins_three_get_412() -> None:
    user = UserFactory(email="racer@example.org")
    save_paper(user=user, url="arXiv:1706.03762")
    base = personal_library(user).version

    responses = run_concurrently(
        4,
        lambda i: client_for(user).post(
            "/api/v1/save",
            {"url": f"arXiv:2401.{i:05d}"},
            headers={"If-Unmodified-Since-Version": str(base)},
        ),
    )

    codes = sorted(r.status_code for r in responses)  # type: ignore[attr-defined]
    assert codes == [HTTPStatus.CREATED, 412, 412, 412]
    assert Entry.objects.count() == 2
    assert personal_library(user).version == base + 1


def _hold_open_write(
    library_id: int, user: User, started: threading.Event, release: threading.Event
) -> None:
    """Writer A: takes the library lock, writes, and keeps its transaction open until released."""
    try:
        with transaction.atomic():
            library = begin_library_write(library_id=library_id)
            entry = Entry.objects.get(library_id=library_id)
            Note.objects.create(
                library=library, entry=entry, author=user, body="late", version=library.version
            )
            started.set()
            release.wait(10)
    finally:
        connection.close()


def _naive_feed(cursor: int) -> tuple[set[str], int]:
    """The bug this design avoids: 'rows with id > last id seen' (timestamps fail alike)."""
    rows = list(Note.objects.filter(id__gt=cursor).order_by("id"))
    return {row.body for row in rows}, max([cursor, *(row.id for row in rows)])


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_a_late_commit_is_never_skipped_by_the_versioned_feed() -> None:
    user = UserFactory(email="late@example.org")
    library = personal_library(user)
    save_paper(user=user, url="arXiv:1706.03762", note="early")
    client = client_for(user)
    since = personal_library(user).version
    started, release = threading.Event(), threading.Event()
    writer_a = threading.Thread(target=_hold_open_write, args=(library.pk, user, started, release))
    writer_a.start()
    assert started.wait(10)

    done_b = threading.Event()

    def writer_b() -> None:
        try:
            save_paper(user=user, url="arXiv:1810.04805", note="after")
            done_b.set()
        finally:
            connection.close()

    thread_b = threading.Thread(target=writer_b)
    thread_b.start()
    time.sleep(0.3)
    assert not done_b.is_set()  # B waits for A's library lock: versions follow commit order
    first = feed(client, library, since=since)
    assert first["changes"] == []  # neither uncommitted write is visible
    release.set()
    writer_a.join(10)
    thread_b.join(10)

    second = feed(client, library, since=first["until"])

    notes = [c["data"]["body"] for c in second["changes"] if c["type"] == "note"]
    assert sorted(notes) == ["after", "late"]  # both, exactly once


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_the_same_harness_catches_a_naive_id_cursor() -> None:
    """Negative control: without the lock and versions, a late commit is skipped for good."""
    user = UserFactory(email="naive@example.org")
    entry = save_paper(user=user, url="arXiv:1706.03762").entry
    cursor = _naive_feed(0)[1]
    started, release = threading.Event(), threading.Event()

    def writer_a() -> None:
        try:
            with transaction.atomic():
                Note.objects.create(
                    library_id=entry.library_id, entry=entry, author=user, body="late"
                )
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread_a = threading.Thread(target=writer_a)
    thread_a.start()
    assert started.wait(10)
    Note.objects.create(library_id=entry.library_id, entry=entry, author=user, body="after")
    seen, cursor = _naive_feed(cursor)
    release.set()
    thread_a.join(10)
    seen_later, _ = _naive_feed(cursor)

    assert seen | seen_later == {"after"}  # "late" committed below the cursor: lost


@pytest.mark.django_db
def test_lab_comments_and_journal_club_sessions_are_in_the_feed(
    alice: User, bob: User, bob_client: APIClient, lab: Lab
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from readinglist.services.discussion import create_comment
    from readinglist.services.journal_club import schedule_session

    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    comment = create_comment(user=alice, entry=entry, body="**Read** section 3")
    session = schedule_session(
        user=alice, entry=entry, starts_at=timezone.now() + timedelta(days=2), presenter=bob
    )

    changes = {(c["type"], c["key"]): c for c in feed(bob_client, lab.library)["changes"]}

    assert "<strong>Read</strong>" in changes[("comment", str(comment.key))]["data"]["body_html"]
    assert changes[("session", str(session.key))]["data"]["presenter"]["id"] == bob.pk
