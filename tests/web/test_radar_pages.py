"""The lab radar page ("New in our field"): badges, filter, mutes, follows, the run status."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from readinglist.enrichment.http import FetchError
from readinglist.models import Lab, RadarFollow, RadarMute, RadarPaper, User
from readinglist.services import radar
from readinglist.services.entries import save_paper, set_reading_status
from readinglist.services.labs import add_member
from tests.factories import UserFactory
from tests.registries import recorded

pytestmark = pytest.mark.django_db

Kind = RadarFollow.Kind
TODAY = date(2026, 12, 3)


def url(lab: Lab, tail: str = "") -> str:
    return f"/labs/{lab.pk}/radar/{tail}"


def page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def post(client: Client, path: str, data: dict[str, Any] | None = None) -> str:
    response = client.post(path, data or {}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def followed(lab: Lab, alice: User) -> dict[str, RadarFollow]:
    made = {
        "cl": radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.CL"),
        "lg": radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.LG"),
        "author": radar.follow(user=alice, lab=lab, kind=Kind.AUTHOR, value="Mirela Kovač"),
    }
    radar.run_radar(lab.pk, get=recorded, today=TODAY, pause=0)
    return made


def test_anonymous_is_sent_to_login(client: Client, lab: Lab) -> None:
    response = client.get(url(lab))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(url(lab, "follows"), {"kind": "category", "value": "cs.CL"}).status_code == (
        302
    )
    assert not RadarFollow.objects.exists()


def test_an_outsider_gets_404(
    client: Client, lab: Lab, charlie: User, followed: dict[str, RadarFollow]
) -> None:
    client.force_login(charlie)
    assert client.get(url(lab)).status_code == 404
    cl = followed["cl"]
    assert client.post(url(lab, f"follows/{cl.pk}/mute")).status_code == 404
    assert client.post(url(lab, f"follows/{cl.pk}/remove")).status_code == 404
    assert client.post(url(lab, "follows"), {"kind": "category", "value": "x.y"}).status_code == (
        404
    )
    assert not RadarMute.objects.exists()
    assert RadarFollow.objects.count() == 3


def test_another_labs_follow_is_404(
    client: Client, lab: Lab, alice: User, charlie: User, followed: dict[str, RadarFollow]
) -> None:
    from readinglist.services.labs import create_lab

    other = create_lab(owner=charlie, name="Charlie Lab")
    add_member(lab=other, user=alice)
    client.force_login(alice)
    cl = followed["cl"]
    assert client.post(f"/labs/{other.pk}/radar/follows/{cl.pk}/remove").status_code == 404
    assert RadarFollow.objects.filter(pk=cl.pk).exists()


def test_the_page_lists_the_days_papers_with_save_forms_and_lab_badges(
    client: Client, lab: Lab, alice: User, bob: User, followed: dict[str, RadarFollow]
) -> None:
    entry = save_paper(
        user=alice, url="https://arxiv.org/abs/2612.01017", library=lab.library
    ).entry
    set_reading_status(entry=entry, user=bob, status="read")
    client.force_login(bob)
    html = page(client, url(lab))
    assert "New in our field" in html
    assert "Last checked" in html
    assert "4 new papers" in html
    for arxiv_id in ("2612.01017", "2612.00988", "2611.30412", "2612.01102"):
        assert f'id="radar-{arxiv_id}"' in html
    assert "2610.04471" not in html
    saved_row = html.split('id="radar-2612.01017"')[1].split("</li>")[0]
    # Alice saved it into the lab; Bob read it.
    assert "Alice: saved" in saved_row
    assert "Bob: read" in saved_row
    assert f'href="/entries/{entry.pk}/"' in saved_row
    assert "Save to the lab" not in saved_row
    other_row = html.split('id="radar-2612.00988"')[1].split("</li>")[0]
    assert 'action="/save"' in other_row
    assert 'value="https://arxiv.org/abs/2612.00988"' in other_row
    assert f'name="library" value="{lab.library.pk}"' in other_row
    # Members manage mutes only.
    assert "Mute" in html
    assert f'action="/labs/{lab.pk}/radar/follows"' not in html


def test_saving_from_the_page_puts_it_in_the_lab_library(
    client: Client, lab: Lab, bob: User, followed: dict[str, RadarFollow]
) -> None:
    client.force_login(bob)
    html = post(
        client,
        "/save",
        {
            "url": "https://arxiv.org/abs/2612.00988",
            "library": lab.library.pk,
            "next": url(lab),
        },
    )
    row = html.split('id="radar-2612.00988"')[1].split("</li>")[0]
    assert "In the lab library" in row
    assert "Bob: saved" in row


def test_filter_by_follow(
    client: Client, lab: Lab, alice: User, followed: dict[str, RadarFollow]
) -> None:
    client.force_login(alice)
    html = page(client, url(lab) + f"?follow={followed['lg'].pk}")
    assert 'id="radar-2612.01102"' in html
    assert 'id="radar-2612.01017"' in html
    assert 'id="radar-2612.00988"' not in html
    author_only = page(client, url(lab) + f"?follow={followed['author'].pk}")
    assert 'id="radar-2612.01017"' in author_only
    assert 'id="radar-2612.01102"' not in author_only
    # A made-up or malformed follow shows nothing rather than failing.
    assert "No new papers" in page(client, url(lab) + "?follow=999999")
    assert 'id="radar-2612.01017"' in page(client, url(lab) + "?follow=abc")


def test_muted_follows_are_hidden_for_that_person_only(
    client: Client, lab: Lab, alice: User, bob: User, followed: dict[str, RadarFollow]
) -> None:
    client.force_login(bob)
    post(client, url(lab, f"follows/{followed['cl'].pk}/mute"), {"next": url(lab)})
    html = page(client, url(lab))
    assert "(muted for you)" in html
    # Only cs.CL found these two; the cross-listed paper still shows through cs.LG.
    assert 'id="radar-2612.00988"' not in html
    assert 'id="radar-2611.30412"' not in html
    assert 'id="radar-2612.01017"' in html
    assert 'id="radar-2612.01102"' in html
    # Asked for by name, a muted follow still shows its papers.
    assert 'id="radar-2612.00988"' in page(client, url(lab) + f"?follow={followed['cl'].pk}")
    client.force_login(alice)
    assert 'id="radar-2612.00988"' in page(client, url(lab))
    client.force_login(bob)
    post(client, url(lab, f"follows/{followed['cl'].pk}/unmute"))
    assert 'id="radar-2612.00988"' in page(client, url(lab))


def test_a_member_cannot_follow_or_remove(
    client: Client, lab: Lab, bob: User, followed: dict[str, RadarFollow]
) -> None:
    client.force_login(bob)
    html = post(client, url(lab, "follows"), {"kind": "keyword", "value": "llm", "next": url(lab)})
    assert "does not allow this" in html
    html = post(client, url(lab, f"follows/{followed['cl'].pk}/remove"), {"next": url(lab)})
    assert "does not allow this" in html
    assert RadarFollow.objects.count() == 3


def test_admins_add_and_remove_follows(client: Client, lab: Lab, alice: User) -> None:
    client.force_login(alice)
    html = page(client, url(lab))
    assert "The lab follows nothing yet." in html
    assert f'action="/labs/{lab.pk}/radar/follows"' in html
    html = post(client, url(lab, "follows"), {"kind": "category", "value": "cs.CL"})
    assert "The lab now follows Category: cs.CL" in html
    assert "Not checked yet" in html
    html = post(client, url(lab, "follows"), {"kind": "category", "value": "not a category"})
    assert "Not an arXiv category" in html
    followed = RadarFollow.objects.get()
    html = post(client, url(lab, f"follows/{followed.pk}/remove"))
    assert "no longer follows" in html
    assert not RadarFollow.objects.exists()


def test_a_failed_run_shows_on_the_page(
    client: Client, lab: Lab, alice: User, followed: dict[str, RadarFollow]
) -> None:
    def down(url: str) -> bytes:
        raise FetchError(f"{url}: HTTP 503")

    radar.run_radar(lab.pk, get=down, today=date(2026, 12, 4), pause=0)
    client.force_login(alice)
    html = page(client, url(lab))
    assert "failed:" in html
    assert "HTTP 503" in html
    # The papers found before stay on the page.
    assert 'id="radar-2612.01017"' in html


def test_the_lab_page_links_to_the_radar(client: Client, lab: Lab, bob: User) -> None:
    client.force_login(bob)
    assert f'href="/labs/{lab.pk}/radar/"' in page(client, f"/labs/{lab.pk}/")


# Session, user, lab (with role); follows (with this member's mutes), run status, the day,
# papers, their follows; members, the lab library's entries of those papers, their shared
# states; the library id for the save forms; the header's unread notification count.
RADAR_PAGE_QUERIES = 13


def test_queries_are_pinned_and_do_not_grow_with_papers_or_members(
    client: Client,
    lab: Lab,
    alice: User,
    bob: User,
    followed: dict[str, RadarFollow],
    django_assert_num_queries: Any,
) -> None:
    save_paper(user=alice, url="arXiv:2612.01017", library=lab.library)
    client.force_login(bob)
    with django_assert_num_queries(RADAR_PAGE_QUERIES):
        page(client, url(lab))
    for n in range(20):
        paper = RadarPaper.objects.create(
            lab=lab,
            arxiv_id=f"2612.{n + 2000:05d}",
            title=f"Paper {n}",
            published=TODAY,
            fetched_on=TODAY,
        )
        paper.matched_follows.add(followed["cl"], followed["author"])
        entry = save_paper(user=alice, url=f"arXiv:{paper.arxiv_id}", library=lab.library).entry
        member = UserFactory(email=f"member{n}@example.org")
        add_member(lab=lab, user=member)
        set_reading_status(entry=entry, user=member, status="reading")
    with django_assert_num_queries(RADAR_PAGE_QUERIES):
        html = page(client, url(lab))
    assert html.count('class="entry-row"') == 24
