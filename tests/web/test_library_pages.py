"""The library page: filters, search, paging, bulk actions and saving by URL."""

from __future__ import annotations

import pytest
from django.test import Client

from readinglist.models import Entry, Lab, ReadingState, Tag, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import update_entry
from readinglist.services.lists import create_list
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_get_the_landing_page_and_are_sent_to_login(client: Client) -> None:
    landing = client.get("/")
    assert landing.status_code == 200
    assert b"Create an account" in landing.content
    response = client.get("/library/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/library/")


def test_signed_in_home_is_the_library(client: Client, alice: User) -> None:
    client.force_login(alice)
    assert client.get("/")["Location"] == "/library/"


def test_library_lists_entries_with_details(client: Client, alice: User, saved: SaveFn) -> None:
    saved(alice, 1, title="Attention is all you need", authors=["Ashish Vaswani"], tags=("nlp",))
    client.force_login(alice)
    html = client.get("/library/").content.decode()
    assert "Attention is all you need" in html
    assert "Ashish Vaswani" in html
    assert ">nlp</a>" in html
    assert "1 entry" in html


def test_filters_by_tag_status_list_and_search(client: Client, alice: User, saved: SaveFn) -> None:
    graphs = saved(alice, 1, title="Graph networks", tags=("graphs",))
    speech = saved(alice, 2, title="Speech recognition", tags=("audio",))
    update_entry(user=alice, entry=speech, state={"status": "read"})
    reading_list = create_list(user=alice, library=personal_library(alice), name="Queue")
    from readinglist.services.lists import add_to_list

    add_to_list(user=alice, reading_list=reading_list, entry=graphs)
    client.force_login(alice)

    def titles(query: str) -> set[str]:
        html = client.get(f"/library/?{query}").content.decode()
        return {t for t in ("Graph networks", "Speech recognition") if t in html}

    assert titles("tag=GRAPHS") == {"Graph networks"}
    assert titles("status=read") == {"Speech recognition"}
    assert titles("status=unread") == {"Graph networks"}
    assert titles(f"list={reading_list.pk}") == {"Graph networks"}
    assert titles("q=speech") == {"Speech recognition"}
    assert titles("sort=title") == {"Graph networks", "Speech recognition"}


def test_bad_filter_values_are_reported_not_500(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.get("/library/?status=bogus&list=abc&sort=nope")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_someone_elses_library_is_404(client: Client, alice: User, bob: User) -> None:
    client.force_login(bob)
    assert client.get(f"/library/?library={personal_library(alice).pk}").status_code == 404


def test_lab_library_is_browsable_by_members(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    saved(alice, 7, title="Shared lab paper", library=lab.library)
    client.force_login(bob)
    html = client.get(f"/library/?library={lab.library.pk}").content.decode()
    assert "Shared lab paper" in html
    assert "by Alice" in html


def test_pages_of_fifty(client: Client, alice: User, saved: SaveFn) -> None:
    for n in range(55):
        saved(alice, n)
    client.force_login(alice)
    first = client.get("/library/").content.decode()
    assert "Page 1 of 2" in first
    second = client.get("/library/?page=2").content.decode()
    assert second.count('class="entry-row"') == 5


def test_search_results_page_like_the_library(client: Client, alice: User, saved: SaveFn) -> None:
    for n in range(53):
        saved(alice, n, title=f"Contrastive learning {n}")
    saved(alice, 99, title="Unrelated")
    client.force_login(alice)

    def page(number: str) -> str:
        return client.get(f"/library/?q=contrastive&page={number}").content.decode()

    assert "Page 1 of 2" in page("1")
    assert "53 entries match" in page("1")
    assert page("2").count('class="entry-row"') == 3
    assert "Page 2 of 2" in page("2")
    assert "Page 2 of 2" in page("99")  # out of range: the last page, as Django's get_page
    assert "Page 1 of 2" in page("abc")


def test_query_count_does_not_grow_with_entries(
    client: Client, alice: User, saved: SaveFn, django_assert_max_num_queries: object
) -> None:
    for n in range(3):
        saved(alice, n, tags=("a", "b"))
    client.force_login(alice)
    client.get("/library/")  # warm the session and the personal library
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/library/")
    for n in range(3, 30):
        saved(alice, n, tags=("a", "c"))
    with CaptureQueriesContext(connection) as many:
        client.get("/library/")
    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(few.captured_queries) <= 14


def test_save_by_url_creates_an_entry_with_tags(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/save", {"url": "arXiv:1706.03762", "tags": "nlp, transformers"})
    entry = Entry.objects.get(library=personal_library(alice))
    assert response["Location"] == f"/entries/{entry.pk}/"
    assert sorted(entry.tags.values_list("name", flat=True)) == ["nlp", "transformers"]
    again = client.post("/save", {"url": "https://arxiv.org/abs/1706.03762v5"}, follow=True)
    assert "Already saved" in again.content.decode()
    assert Entry.objects.count() == 1


def test_save_of_nonsense_is_a_message_and_saves_nothing(client: Client, alice: User) -> None:
    client.force_login(alice)
    response = client.post("/save", {"url": "not a paper"}, follow=True)
    assert response.status_code == 200
    assert 'class="message message-error"' in response.content.decode()
    assert not Entry.objects.exists()


def test_save_into_someone_elses_library_is_404(client: Client, alice: User, bob: User) -> None:
    client.force_login(bob)
    response = client.post(
        "/save", {"url": "arXiv:1706.03762", "library": personal_library(alice).pk}
    )
    assert response.status_code == 404
    assert not Entry.objects.exists()


def test_bulk_tag_mark_read_list_and_delete(client: Client, alice: User, saved: SaveFn) -> None:
    one, two, three = (saved(alice, n) for n in range(3))
    library = personal_library(alice)
    client.force_login(alice)
    url = f"/library/{library.pk}/bulk"
    picked = [one.pk, two.pk]
    client.post(url, {"entry": picked, "action": "tag", "tag": "to-review"})
    tag = Tag.objects.get(library=library, name="to-review")
    assert set(tag.entries.values_list("pk", flat=True)) == set(picked)

    client.post(url, {"entry": picked, "action": "read"})
    assert set(
        ReadingState.objects.filter(user=alice, status="read").values_list("entry_id", flat=True)
    ) == set(picked)

    reading_list = create_list(user=alice, library=library, name="Syllabus")
    client.post(url, {"entry": picked, "action": "list", "to_list": reading_list.pk})
    assert reading_list.items.count() == 2

    before = library.__class__.objects.get(pk=library.pk).version
    client.post(url, {"entry": picked, "action": "delete"})
    assert list(Entry.objects.values_list("pk", flat=True)) == [three.pk]
    # The whole bulk delete is one library version, like a batch.
    assert library.__class__.objects.get(pk=library.pk).version == before + 1


def test_bulk_without_selection_or_tag_is_refused(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    library = personal_library(alice)
    client.force_login(alice)
    url = f"/library/{library.pk}/bulk"
    response = client.post(url, {"action": "delete"}, follow=True)
    assert "Select at least one entry" in response.content.decode()
    response = client.post(url, {"entry": [entry.pk], "action": "tag", "tag": " "}, follow=True)
    assert "Name the tag" in response.content.decode()
    assert Entry.objects.filter(pk=entry.pk).exists()
    assert not Tag.objects.exists()


def test_bulk_ignores_entries_of_other_libraries(
    client: Client, alice: User, bob: User, saved: SaveFn
) -> None:
    alices = saved(alice, 1)
    bobs = saved(bob, 2)
    client.force_login(bob)
    client.post(
        f"/library/{personal_library(bob).pk}/bulk",
        {"entry": [alices.pk, bobs.pk], "action": "delete"},
    )
    assert Entry.objects.filter(pk=alices.pk).exists()
    assert not Entry.objects.filter(pk=bobs.pk).exists()


def test_bulk_on_someone_elses_library_is_404(
    client: Client, alice: User, bob: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    client.force_login(bob)
    response = client.post(
        f"/library/{personal_library(alice).pk}/bulk", {"entry": [entry.pk], "action": "delete"}
    )
    assert response.status_code == 404
    assert Entry.objects.filter(pk=entry.pk).exists()


def test_lab_viewer_cannot_bulk_delete(
    client: Client, alice: User, charlie: User, lab: Lab, saved: SaveFn
) -> None:
    from readinglist.models import Membership
    from readinglist.services.labs import add_member

    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    entry = saved(alice, 1, library=lab.library)
    client.force_login(charlie)
    response = client.post(
        f"/library/{lab.library.pk}/bulk", {"entry": [entry.pk], "action": "delete"}, follow=True
    )
    assert "can read this but not change it" in response.content.decode()
    assert Entry.objects.filter(pk=entry.pk).exists()
    # Their own reading status needs only read access.
    client.post(f"/library/{lab.library.pk}/bulk", {"entry": [entry.pk], "action": "read"})
    assert ReadingState.objects.filter(user=charlie, entry=entry, status="read").exists()


def test_stored_markup_is_inert_on_the_library_page(
    client: Client, alice: User, saved: SaveFn
) -> None:
    saved(alice, 1, title=XSS, authors=[XSS], tags=(XSS[:60],))
    client.force_login(alice)
    html = client.get("/library/").content.decode()
    assert XSS_ESCAPED in html
    assert_inert(html)


def test_search_sorted_narrowed_and_fresh_after_a_save(
    client: Client, alice: User, saved: SaveFn
) -> None:
    saved(alice, 1, title="Zebra diffusion models", tags=("vision",))
    saved(alice, 2, title="Alpha diffusion models")
    client.force_login(alice)

    def titles(query: str) -> list[str]:
        html = client.get(f"/library/?{query}").content.decode()
        names = ("Alpha diffusion models", "Beta diffusion models", "Zebra diffusion models")
        return [name for _, name in sorted((html.index(n), n) for n in names if n in html)]

    assert titles("q=diffusion&sort=title") == ["Alpha diffusion models", "Zebra diffusion models"]
    assert titles("q=diffusion&tag=vision") == ["Zebra diffusion models"]
    assert len(titles("q=diffusion")) == 2
    saved(alice, 3, title="Beta diffusion models")
    assert len(titles("q=diffusion")) == 3  # the cached results moved with the library
