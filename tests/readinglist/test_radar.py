"""The lab radar: follows and mutes, the daily run on recorded arXiv listings, the digest."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from readinglist.access import LabPermissionDenied
from readinglist.digest import build_digest, render_digest
from readinglist.enrichment.http import FetchError
from readinglist.models import Lab, RadarFollow, RadarMute, RadarPaper, RadarRun, User
from readinglist.services import radar
from readinglist.services.entries import save_paper, set_reading_status
from readinglist.services.housekeeping import sweep
from tests.factories import UserFactory
from tests.registries import recorded
from tests.worker import queued, run_queued_tasks

TODAY = date(2026, 12, 3)
Kind = RadarFollow.Kind


def follows(lab: Lab, alice: User) -> dict[str, RadarFollow]:
    return {
        "cl": radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.CL"),
        "lg": radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.LG"),
        "author": radar.follow(user=alice, lab=lab, kind=Kind.AUTHOR, value="Mirela  Kovač"),
        "keyword": radar.follow(user=alice, lab=lab, kind=Kind.KEYWORD, value="Retrieval"),
    }


def run(lab: Lab) -> RadarRun:
    done = radar.run_radar(lab.pk, get=recorded, today=TODAY, pause=0)
    assert done is not None
    return done


def matched(lab: Lab) -> dict[str, set[str]]:
    return {
        paper.arxiv_id: {f"{f.kind}:{f.value}" for f in paper.matched_follows.all()}
        for paper in RadarPaper.objects.filter(lab=lab).prefetch_related("matched_follows")
    }


# Follows and mutes


def test_admins_follow_and_values_are_normalized(lab: Lab, alice: User) -> None:
    made = follows(lab, alice)
    assert made["author"].value == "Mirela Kovač"  # spacing tidied
    assert made["keyword"].value == "retrieval"  # case-folded
    with pytest.raises(radar.AlreadyFollowed):
        radar.follow(user=alice, lab=lab, kind=Kind.KEYWORD, value="RETRIEVAL")


@pytest.mark.parametrize(
    ("kind", "value"),
    [(Kind.CATEGORY, "not a category"), (Kind.AUTHOR, 'Jane "JD" Doe'), (Kind.KEYWORD, "  ")],
)
def test_invalid_values_are_refused(lab: Lab, alice: User, kind: Kind, value: str) -> None:
    with pytest.raises(radar.InvalidFollow):
        radar.follow(user=alice, lab=lab, kind=kind, value=value)
    assert not RadarFollow.objects.exists()


def test_a_member_cannot_follow_or_unfollow_but_can_mute(lab: Lab, alice: User, bob: User) -> None:
    followed = radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.CL")
    with pytest.raises(LabPermissionDenied):
        radar.follow(user=bob, lab=lab, kind=Kind.CATEGORY, value="cs.LG")
    with pytest.raises(LabPermissionDenied):
        radar.unfollow(user=bob, follow=followed)
    radar.mute(user=bob, follow=followed)
    radar.mute(user=bob, follow=followed)  # muting twice is one mute
    assert list(RadarMute.objects.values_list("user_id", flat=True)) == [bob.pk]
    radar.unmute(user=bob, follow=followed)
    assert not RadarMute.objects.exists()


def test_an_outsider_cannot_mute(lab: Lab, alice: User, charlie: User) -> None:
    followed = radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.CL")
    with pytest.raises(LabPermissionDenied):
        radar.mute(user=charlie, follow=followed)


# The daily run


def test_a_run_stores_the_new_papers_with_the_follows_that_found_them(
    lab: Lab, alice: User
) -> None:
    follows(lab, alice)
    status = run(lab)
    assert status.succeeded
    assert status.error == ""
    assert status.added == 4
    assert matched(lab) == {
        # In both categories, by the followed author, and saying the keyword.
        "2612.01017": {
            "category:cs.CL",
            "category:cs.LG",
            "author:Mirela Kovač",
            "keyword:retrieval",
        },
        "2612.00988": {"category:cs.CL"},
        "2611.30412": {"category:cs.CL"},
        "2612.01102": {"category:cs.LG"},
        # 2610.04471 (the author's, from October) is older than the look-back window.
    }
    paper = RadarPaper.objects.get(lab=lab, arxiv_id="2612.01017")
    assert paper.title == "Sparse Retrieval Heads in Long-Context Language Models"
    assert paper.authors == ["Mirela Kovač", "Tomás Aranda", "Li Wen"]
    assert paper.primary_category == "cs.CL"
    assert paper.published == date(2026, 12, 2)
    assert paper.fetched_on == TODAY


def test_running_twice_adds_nothing(lab: Lab, alice: User) -> None:
    follows(lab, alice)
    run(lab)
    before = list(RadarPaper.objects.order_by("id").values_list("id", "arxiv_id", "fetched_on"))
    links = RadarPaper.matched_follows.through.objects.count()
    again = radar.run_radar(lab.pk, get=recorded, today=date(2026, 12, 4), pause=0)
    assert again is not None
    assert again.succeeded
    assert again.added == 0
    assert list(RadarPaper.objects.order_by("id").values_list("id", "arxiv_id", "fetched_on")) == (
        before
    )
    assert RadarPaper.matched_follows.through.objects.count() == links
    assert RadarRun.objects.filter(lab=lab).count() == 1


def test_each_lab_keeps_its_own_papers(lab: Lab, alice: User, charlie: User) -> None:
    from readinglist.services.labs import create_lab

    other = create_lab(owner=charlie, name="Charlie Lab")
    radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.LG")
    radar.follow(user=charlie, lab=other, kind=Kind.CATEGORY, value="cs.LG")
    run(lab)
    run(other)
    assert RadarPaper.objects.filter(lab=lab).count() == 2
    assert RadarPaper.objects.filter(lab=other).count() == 2


def test_a_failed_fetch_is_recorded_not_raised(lab: Lab, alice: User) -> None:
    follows(lab, alice)

    def flaky(url: str) -> bytes:
        if "cat:cs.LG" in url:
            raise FetchError(f"{url}: HTTP 503")
        return recorded(url)

    status = radar.run_radar(lab.pk, get=flaky, today=TODAY, pause=0)
    assert status is not None
    assert not status.succeeded
    assert "HTTP 503" in status.error
    # What the other follows found is kept; the next run fills in the rest.
    assert status.added == 3
    assert "2612.01102" not in matched(lab)


def test_an_unexpected_error_is_recorded_too(lab: Lab, alice: User) -> None:
    radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.CL")

    def broken(url: str) -> bytes:
        raise RuntimeError("boom")

    status = radar.run_radar(lab.pk, get=broken, today=TODAY, pause=0)
    assert status is not None
    assert not status.succeeded
    assert status.error == "Internal error (RuntimeError)."


def test_the_sweep_queues_each_lab_once_a_day_and_the_worker_runs_it(
    lab: Lab, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    follows(lab, alice)
    asked: list[tuple[str, float]] = []

    def fetch(url: str, *, timeout: float) -> bytes:
        asked.append((url, timeout))
        return recorded(url)

    monkeypatch.setattr("readinglist.enrichment.http.fetch", fetch)
    monkeypatch.setattr(radar, "REQUEST_INTERVAL", 0)
    assert sweep()["radars_queued"] == 1
    assert sweep()["radars_queued"] == 0  # already queued today
    assert len(queued("readinglist.tasks.run_lab_radar")) == 1
    run_queued_tasks()
    assert len(asked) == 3  # two categories and an author; keywords need no request
    assert {timeout for _, timeout in asked} == {30.0}
    status = RadarRun.objects.get(lab=lab)
    assert status.succeeded
    assert status.ran_at is not None
    assert RadarPaper.objects.filter(lab=lab).count() == 4


def test_a_lab_without_follows_is_not_queued(lab: Lab) -> None:
    assert radar.queue_due_radars(today=TODAY) == 0


def test_the_offline_worker_records_the_failure(lab: Lab, alice: User) -> None:
    radar.follow(user=alice, lab=lab, kind=Kind.CATEGORY, value="cs.CL")
    radar.queue_due_radars(today=TODAY)
    run_queued_tasks()  # the tests' fetch answers like a machine without network
    status = RadarRun.objects.get(lab=lab)
    assert not status.succeeded
    assert "no network" in status.error


def test_unfollowing_drops_only_the_papers_nothing_else_matched(lab: Lab, alice: User) -> None:
    made = follows(lab, alice)
    run(lab)
    radar.unfollow(user=alice, follow=made["lg"])
    assert set(matched(lab)) == {"2612.01017", "2612.00988", "2611.30412"}


# The digest


def test_the_digest_lists_the_weeks_radar_papers_the_lab_saved_most(
    lab: Lab, alice: User, bob: User
) -> None:
    follows(lab, alice)
    run(lab)
    library = lab.library
    popular = save_paper(
        user=bob, url="https://arxiv.org/abs/2612.01102", library=library, status="read"
    ).entry
    set_reading_status(entry=popular, user=alice, status="reading")
    save_paper(user=alice, url="arXiv:2612.00988", library=library)
    # Saved into the lab but not found by the radar: not in this section.
    save_paper(user=alice, url="arXiv:2501.00001", library=library)
    # Another lab's radar found nothing of this lab's.
    outsider = UserFactory(email="dora@example.org")
    save_paper(user=outsider, url="arXiv:2612.01017")
    digest = build_digest(lab=lab, until=datetime(2026, 12, 7, tzinfo=UTC))
    assert [(item.url, item.count) for item in digest.radar] == [
        ("https://arxiv.org/abs/2612.01102", 2),
        ("https://arxiv.org/abs/2612.00988", 0),
    ]
    text, html = render_digest(digest)
    assert "New in our field, saved by the lab" in text
    assert "(2 reading or read)" in text
    assert "New in our field, saved by the lab" in html
    # A week before the radar found them: no section.
    earlier = build_digest(lab=lab, until=datetime(2026, 11, 30, tzinfo=UTC))
    assert earlier.radar == []
