"""Reading list pages: create, reorder (buttons and the drag form), remove, publish, delete."""

from __future__ import annotations

import pytest
from django.test import Client

from readinglist.models import Entry, Lab, ReadingList, ReadingListItem, User
from readinglist.services.accounts import personal_library
from readinglist.services.lists import add_to_list, create_list
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert

pytestmark = pytest.mark.django_db


def order(reading_list: ReadingList) -> list[int]:
    return list(
        ReadingListItem.objects.filter(reading_list=reading_list)
        .order_by("position", "id")
        .values_list("entry_id", flat=True)
    )


@pytest.fixture
def three(alice: User, saved: SaveFn) -> tuple[ReadingList, list[Entry]]:
    reading_list = create_list(user=alice, library=personal_library(alice), name="Syllabus")
    entries = [saved(alice, n, title=f"Week {n}") for n in range(1, 4)]
    for entry in entries:
        add_to_list(user=alice, reading_list=reading_list, entry=entry)
    return reading_list, entries


def test_anonymous_is_sent_to_login(client: Client) -> None:
    assert client.get("/lists/").status_code == 302
    assert client.post("/lists/new", {"name": "x", "library": 1}).status_code == 302
    assert not ReadingList.objects.exists()


def test_create_and_see_a_list(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(
        "/lists/new",
        {
            "name": "Related work",
            "description": "For *the* paper",
            "library": personal_library(alice).pk,
        },
    )
    reading_list = ReadingList.objects.get()
    assert response["Location"] == f"/lists/{reading_list.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "<em>the</em>" in html
    assert "Related work" in client.get("/lists/").content.decode()


def test_create_without_a_name_is_refused(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post(
        "/lists/new", {"name": "", "library": personal_library(alice).pk}, follow=True
    )
    assert "required" in response.content.decode()
    assert not ReadingList.objects.exists()


def test_create_in_someone_elses_library_is_404(client: Client, alice: User, bob: User) -> None:
    client.force_login(bob)
    response = client.post(
        "/lists/new", {"name": "Mine now", "library": personal_library(alice).pk}
    )
    assert response.status_code == 404
    assert not ReadingList.objects.exists()


def test_someone_elses_list_is_404(
    client: Client, bob: User, three: tuple[ReadingList, list[Entry]]
) -> None:
    reading_list, entries = three
    item = reading_list.items.first()
    assert item is not None
    client.force_login(bob)
    assert client.get(f"/lists/{reading_list.pk}/").status_code == 404
    for action, data in [
        ("edit", {"name": "hacked"}),
        ("delete", {}),
        ("move", {"item": item.pk, "to": "last"}),
        ("remove", {"item": item.pk}),
        ("publish", {"public": "1"}),
    ]:
        assert client.post(f"/lists/{reading_list.pk}/{action}", data).status_code == 404, action
    reading_list.refresh_from_db()
    assert reading_list.name == "Syllabus"
    assert reading_list.public_token is None
    assert order(reading_list) == [e.pk for e in entries]


def test_reorder_with_buttons_and_drag_form(
    client: Client, alice: User, three: tuple[ReadingList, list[Entry]]
) -> None:
    reading_list, (a, b, c) = three
    items = {i.entry_id: i.pk for i in reading_list.items.all()}
    client.force_login(alice)
    html = client.get(f"/lists/{reading_list.pk}/").content.decode()
    assert html.index("Week 1") < html.index("Week 2") < html.index("Week 3")
    # "Move up" on the third item: before the second.
    client.post(f"/lists/{reading_list.pk}/move", {"item": items[c.pk], "before": items[b.pk]})
    assert order(reading_list) == [a.pk, c.pk, b.pk]
    # A drop below the last item (what app.js submits): after it.
    client.post(
        f"/lists/{reading_list.pk}/move", {"item": items[a.pk], "after": items[b.pk], "before": ""}
    )
    assert order(reading_list) == [c.pk, b.pk, a.pk]


def test_moving_relative_to_itself_is_refused(
    client: Client, alice: User, three: tuple[ReadingList, list[Entry]]
) -> None:
    reading_list, entries = three
    item = reading_list.items.first()
    assert item is not None
    client.force_login(alice)
    response = client.post(
        f"/lists/{reading_list.pk}/move", {"item": item.pk, "before": item.pk}, follow=True
    )
    assert "relative to itself" in response.content.decode()
    assert order(reading_list) == [e.pk for e in entries]


def test_remove_edit_publish_and_delete(
    client: Client, alice: User, three: tuple[ReadingList, list[Entry]]
) -> None:
    reading_list, (a, b, c) = three
    client.force_login(alice)
    item = reading_list.items.get(entry=b)
    client.post(f"/lists/{reading_list.pk}/remove", {"item": item.pk})
    assert order(reading_list) == [a.pk, c.pk]
    assert Entry.objects.filter(pk=b.pk).exists()  # the paper stays in the library

    client.post(f"/lists/{reading_list.pk}/edit", {"name": "Reading group", "description": ""})
    reading_list.refresh_from_db()
    assert reading_list.name == "Reading group"

    client.post(f"/lists/{reading_list.pk}/publish", {"public": "1"})
    reading_list.refresh_from_db()
    assert reading_list.public_token
    public = client.get(f"/api/v1/public/lists/{reading_list.public_token}/")
    assert public.status_code == 200
    assert "Week 1" in public.content.decode()
    client.post(f"/lists/{reading_list.pk}/publish", {"public": "0"})
    reading_list.refresh_from_db()
    assert reading_list.public_token is None

    client.post(f"/lists/{reading_list.pk}/delete")
    assert not ReadingList.objects.exists()
    assert Entry.objects.count() == 3


def test_lab_member_cannot_publish_a_lab_list(
    client: Client, alice: User, bob: User, lab: Lab
) -> None:
    reading_list = create_list(user=alice, library=lab.library, name="Lab queue")
    client.force_login(bob)
    response = client.post(f"/lists/{reading_list.pk}/publish", {"public": "1"}, follow=True)
    assert 'class="message message-error"' in response.content.decode()
    reading_list.refresh_from_db()
    assert reading_list.public_token is None


def test_list_page_query_count_is_fixed(
    client: Client, alice: User, saved: SaveFn, three: tuple[ReadingList, list[Entry]]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reading_list, _ = three
    client.force_login(alice)
    client.get(f"/lists/{reading_list.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/lists/{reading_list.pk}/")
    for n in range(10, 25):
        add_to_list(user=alice, reading_list=reading_list, entry=saved(alice, n))
    with CaptureQueriesContext(connection) as many:
        client.get(f"/lists/{reading_list.pk}/")
    assert len(many.captured_queries) == len(few.captured_queries)


def test_stored_markup_is_inert_on_list_pages(client: Client, alice: User, saved: SaveFn) -> None:
    reading_list = create_list(
        user=alice, library=personal_library(alice), name=XSS[:100], description=XSS
    )
    add_to_list(
        user=alice, reading_list=reading_list, entry=saved(alice, 1, title=XSS, authors=[XSS])
    )
    client.force_login(alice)
    for url in ("/lists/", f"/lists/{reading_list.pk}/"):
        html = client.get(url).content.decode()
        assert XSS_ESCAPED[:20] in html
        assert_inert(html)
