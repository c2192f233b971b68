"""The reader's own priority, rating and private note: entry page, bulk, filter, sort, queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readinglist.models import Entry, Lab, Membership, ReadingState, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import update_entry
from readinglist.services.labs import add_member
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert

pytestmark = pytest.mark.django_db

SECRET = "only-alice-knows-this-7f3a"


def state_of(user: User, entry: Entry) -> ReadingState:
    return ReadingState.objects.get(user=user, entry=entry)


def titles_in_order(html: str, *titles: str) -> list[str]:
    """`titles` in the order the page shows them."""
    return sorted((t for t in titles if t in html), key=html.index)


def test_entry_page_sets_priority_rating_and_private_note(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(
        f"/entries/{entry.pk}/state",
        {"priority": "3", "rating": "4", "private_note": "Line one\r\nline two", "version": "0"},
        follow=True,
    )
    assert "Saved your priority, rating and note." in response.content.decode()
    state = state_of(alice, entry)
    assert (state.priority, state.rating, state.private_note) == (3, 4, "Line one\nline two")
    assert state.status == ReadingState.Status.UNREAD

    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert '<option value="3" selected>High</option>' in html
    assert '<option value="4" selected>4 of 5</option>' in html
    assert ">Line one\nline two</textarea>" in html
    assert f'name="version" value="{state.version}"' in html

    # "No rating" clears it; the status set elsewhere is kept.
    update_entry(user=alice, entry=entry, state={"status": "reading"})
    version = state_of(alice, entry).version
    client.post(
        f"/entries/{entry.pk}/state",
        {"priority": "0", "rating": "", "private_note": "", "version": str(version)},
    )
    state = state_of(alice, entry)
    assert (state.priority, state.rating, state.private_note) == (0, None, "")
    assert state.status == ReadingState.Status.READING


def test_a_stale_version_saves_nothing_and_keeps_the_typed_note(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    update_entry(user=alice, entry=entry, state={"private_note": "from the phone"})
    client.force_login(alice)
    response = client.post(
        f"/entries/{entry.pk}/state",
        {"priority": "2", "rating": "", "private_note": "from the laptop", "version": "0"},
        follow=True,
    )
    html = response.content.decode()
    assert "changed meanwhile" in html
    assert ">from the laptop</textarea>" in html
    assert "The current note: from the phone" in html
    state = state_of(alice, entry)
    assert (state.priority, state.private_note) == (0, "from the phone")
    # The draft is shown once, not on every later visit.
    assert "from the laptop" not in client.get(f"/entries/{entry.pk}/").content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"priority": "7", "rating": ""},
        {"priority": "high", "rating": ""},
        {"priority": "1", "rating": "9"},
        {"priority": "1", "rating": "0"},
        {"rating": "3"},
        {"priority": "1", "private_note": "x" * 100_001},
    ],
)
def test_bad_values_are_a_message_and_save_nothing(
    client: Client, alice: User, saved: SaveFn, data: dict[str, str]
) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(f"/entries/{entry.pk}/state", data, follow=True)
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode()
    assert not ReadingState.objects.filter(entry=entry).exists()


def test_private_note_and_priority_stay_private_in_a_lab(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    update_entry(
        user=alice,
        entry=entry,
        state={"status": "read", "priority": 3, "rating": 5, "private_note": SECRET},
    )
    client.force_login(bob)
    page = client.get(f"/entries/{entry.pk}/").content.decode()
    assert SECRET not in page
    assert '<option value="3" selected>' not in page  # Bob's own priority is the default
    assert '<option value="5" selected>' not in page
    for url in (
        f"/library/?library={lab.library.pk}",
        f"/library/?library={lab.library.pk}&view=queue",
    ):
        listing = client.get(url).content.decode()
        assert SECRET not in listing
        assert "High priority" not in listing
    # Bob's own state stays his, and Alice's is untouched by it.
    client.post(f"/entries/{entry.pk}/state", {"priority": "1", "private_note": "bob's"})
    assert state_of(bob, entry).private_note == "bob's"
    assert state_of(alice, entry).private_note == SECRET


def test_a_lab_viewer_keeps_their_own_state(
    client: Client, alice: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    # As `update_entry` has it: one's own state needs only read access, like the status.
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    entry = saved(alice, 1, library=lab.library)
    client.force_login(charlie)
    client.post(
        f"/entries/{entry.pk}/state", {"priority": "2", "rating": "3", "private_note": "hm"}
    )
    state = state_of(charlie, entry)
    assert (state.priority, state.rating, state.private_note) == (2, 3, "hm")
    library = lab.library
    client.post(
        f"/library/{library.pk}/bulk", {"entry": [entry.pk], "action": "priority", "priority": "3"}
    )
    client.post(
        f"/library/{library.pk}/bulk", {"entry": [entry.pk], "action": "rating", "rating": "1"}
    )
    state = state_of(charlie, entry)
    assert (state.priority, state.rating) == (3, 1)


def test_someone_elses_entry_is_404_and_anonymous_is_sent_to_login(
    client: Client, alice: User, bob: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    data = {"priority": "3", "rating": "5", "private_note": "theirs"}
    response = client.post(f"/entries/{entry.pk}/state", data)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = client.get("/library/?view=queue")
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(bob)
    assert client.post(f"/entries/{entry.pk}/state", data).status_code == 404
    library = personal_library(alice).pk
    bulk = {"entry": [entry.pk], "action": "priority", "priority": "3"}
    assert client.post(f"/library/{library}/bulk", bulk).status_code == 404
    assert client.get(f"/library/?library={library}&view=queue").status_code == 404
    assert not ReadingState.objects.exists()


def test_private_note_markup_is_inert(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1)
    update_entry(user=alice, entry=entry, state={"private_note": XSS})
    client.force_login(alice)
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert_inert(html)
    assert XSS_ESCAPED in html


def test_bulk_sets_and_clears_priority_and_rating(
    client: Client, alice: User, saved: SaveFn
) -> None:
    one, two, three = (saved(alice, n) for n in range(3))
    library = personal_library(alice)
    client.force_login(alice)
    url = f"/library/{library.pk}/bulk"
    picked = [one.pk, two.pk]
    response = client.post(
        url, {"entry": picked, "action": "priority", "priority": "3"}, follow=True
    )
    assert "Set priority: 2 entries." in response.content.decode()
    client.post(url, {"entry": picked, "action": "rating", "rating": "4"})
    states = ReadingState.objects.filter(user=alice)
    assert {(s.entry_id, s.priority, s.rating) for s in states} == {
        (one.pk, 3, 4),
        (two.pk, 3, 4),
    }
    before = library.__class__.objects.get(pk=library.pk).version
    client.post(url, {"entry": [one.pk], "action": "rating", "rating": "0"})
    assert state_of(alice, one).rating is None
    assert state_of(alice, two).rating == 4
    assert library.__class__.objects.get(pk=library.pk).version == before + 1
    assert not ReadingState.objects.filter(entry=three).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "priority"}, "Choose a priority."),
        ({"action": "priority", "priority": "9"}, "Select a valid choice"),
        ({"action": "rating"}, "Choose a rating."),
        ({"action": "rating", "rating": "6"}, "Select a valid choice"),
    ],
)
def test_bulk_without_a_value_is_refused(
    client: Client, alice: User, saved: SaveFn, data: dict[str, str], message: str
) -> None:
    entry = saved(alice, 1)
    client.force_login(alice)
    response = client.post(
        f"/library/{personal_library(alice).pk}/bulk", {"entry": [entry.pk], **data}, follow=True
    )
    assert message in response.content.decode()
    assert not ReadingState.objects.exists()


def _three_priorities(alice: User, saved: SaveFn) -> tuple[Entry, Entry, Entry, Entry]:
    """Oldest first: untouched, high, low, high (the newest), with distinct save times."""
    entries = [saved(alice, n, title=f"Title {'ABCD'[n]}") for n in range(4)]
    start = timezone.now() - timedelta(days=10)
    for n, entry in enumerate(entries):
        Entry.objects.filter(pk=entry.pk).update(added_at=start + timedelta(days=n))
    update_entry(user=alice, entry=entries[1], state={"priority": 3})
    update_entry(user=alice, entry=entries[2], state={"priority": 1})
    update_entry(user=alice, entry=entries[3], state={"priority": 3})
    return entries[0], entries[1], entries[2], entries[3]


def test_library_filters_and_sorts_by_own_priority(
    client: Client, alice: User, saved: SaveFn
) -> None:
    _three_priorities(alice, saved)
    client.force_login(alice)

    def shown(**params: str) -> list[str]:
        html = client.get("/library/", params).content.decode()
        return titles_in_order(html, *(f"Title {c}" for c in "ABCD"))

    assert shown(priority="3") == ["Title D", "Title B"]  # newest first, the default
    assert shown(priority="0") == ["Title A"]  # never touched: the default priority
    assert shown(sort="priority") == ["Title B", "Title D", "Title C", "Title A"]
    assert shown(sort="priority", priority="3") == ["Title B", "Title D"]
    page = client.get("/library/", {"priority": "nope"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()


def test_priority_is_the_readers_own_in_a_lab_library(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    low, high = saved(alice, 1, library=lab.library), saved(alice, 2, library=lab.library)
    update_entry(user=alice, entry=high, state={"priority": 3})
    update_entry(user=bob, entry=low, state={"priority": 3})
    client.force_login(bob)
    listing = client.get(f"/library/?library={lab.library.pk}&priority=3").content.decode()
    assert "Paper number 1" in listing
    assert "Paper number 2" not in listing
    listing = client.get(f"/library/?library={lab.library.pk}&priority=0").content.decode()
    assert "Paper number 2" in listing  # Alice's priority is not Bob's
    assert "Paper number 1" not in listing


def test_queue_is_unread_by_priority_then_longest_waiting(
    client: Client, alice: User, saved: SaveFn
) -> None:
    low = _three_priorities(alice, saved)[2]
    read = saved(alice, 9, title="Title E")
    update_entry(user=alice, entry=read, state={"status": "read", "priority": 3})
    update_entry(user=alice, entry=low, state={"status": "reading"})
    client.force_login(alice)

    page = client.get("/library/?view=queue").content.decode()
    assert titles_in_order(page, *(f"Title {c}" for c in "ABCDE")) == [
        "Title B",
        "Title D",
        "Title A",
    ]
    assert '<a href="/library/?view=queue" aria-current="page">To read</a>' in page
    assert "High priority" in page
    # Other filters still narrow it, and stay in the queue.
    page = client.get("/library/?view=queue&priority=0").content.decode()
    assert titles_in_order(page, *(f"Title {c}" for c in "ABCDE")) == ["Title A"]
    assert '<input type="hidden" name="view" value="queue">' in page

    for entry in Entry.objects.all():
        update_entry(user=alice, entry=entry, state={"status": "read"})
    assert "Nothing left to read here" in client.get("/library/?view=queue").content.decode()

    # The nav links to it from every page.
    library = client.get("/library/").content.decode()
    assert '<a href="/library/?view=queue">To read</a>' in library


def test_queue_and_priority_sort_query_count_does_not_grow(
    client: Client, alice: User, saved: SaveFn
) -> None:
    for n in range(3):
        saved(alice, n, tags=("a",))
    client.force_login(alice)
    client.get("/library/")  # warm the session and the personal library
    urls = ("/library/?view=queue", "/library/?sort=priority&priority=0")
    few = []
    for url in urls:
        with CaptureQueriesContext(connection) as counted:
            assert client.get(url).status_code == 200
        few.append(len(counted.captured_queries))
    for n in range(3, 30):
        entry = saved(alice, n, tags=("a", "b"))
        update_entry(user=alice, entry=entry, state={"priority": n % 4})
    for url, before in zip(urls, few, strict=True):
        with CaptureQueriesContext(connection) as counted:
            assert client.get(url).status_code == 200
        assert len(counted.captured_queries) == before, url
    assert max(few) <= 14
