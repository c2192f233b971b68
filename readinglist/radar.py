"""What the lab radar shows one member: the latest day's papers, the follows, the run status.

Papers are those the latest run with news found, matched by at least one follow the member
has not muted (or by the one follow asked for). Each carries the lab's badges: whether the
lab library has it, who saved it there, and each member's shared reading state (the
`who_read` rule: status only). The number of queries does not grow with the papers shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, Max, OuterRef

from readinglist.models import (
    Entry,
    Lab,
    Membership,
    RadarFollow,
    RadarMute,
    RadarPaper,
    RadarRun,
    User,
)
from readinglist.who_read import SharedState, lab_members, shared_states

MAX_PAPERS = 100


@dataclass(frozen=True)
class MemberBadge:
    name: str
    status: str  # "saved" (added it to the lab library), or a shared reading status


@dataclass(frozen=True)
class RadarRow:
    paper: RadarPaper
    follows: list[RadarFollow]  # the follows that found it
    entry_id: int | None  # the lab library's entry, if someone saved it there
    badges: list[MemberBadge]

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.paper.arxiv_id}"


@dataclass(frozen=True)
class RadarPage:
    follows: Sequence[RadarFollow]  # each with `muted` (by this member) annotated
    run: RadarRun | None
    day: date | None  # the day the papers shown were found
    rows: list[RadarRow]


def radar_page(*, lab: Lab, user: User, follow_id: int | None = None) -> RadarPage:
    """`follow_id` must be one of the lab's follows (else no rows); a muted follow asked for
    by name is shown: muting hides a follow from the day's list, not from its own filter."""
    follows = list(
        RadarFollow.objects.filter(lab=lab)
        .annotate(muted=Exists(RadarMute.objects.filter(follow=OuterRef("pk"), user=user)))
        .order_by("kind", "value", "id")
    )
    run = RadarRun.objects.filter(lab=lab).first()
    papers = RadarPaper.objects.filter(lab=lab)
    day = papers.aggregate(day=Max("fetched_on"))["day"]
    if follow_id is not None:
        wanted = [f.pk for f in follows if f.pk == follow_id]
    else:
        wanted = [f.pk for f in follows if not f.muted]
    shown: list[RadarPaper] = []
    if day is not None and wanted:
        shown = list(
            papers.filter(fetched_on=day, matched_follows__in=wanted)
            .distinct()
            .prefetch_related("matched_follows")
            .order_by("-published", "-arxiv_id")[:MAX_PAPERS]
        )
    members = lab_members(lab) if shown else []
    return RadarPage(follows=follows, run=run, day=day, rows=_rows(lab, shown, members))


def _rows(lab: Lab, papers: list[RadarPaper], members: list[Membership]) -> list[RadarRow]:
    if not papers:
        return []
    in_library = Entry.objects.filter(
        library__lab=lab,
        paper__identifiers__scheme="arxiv",
        paper__identifiers__value__in=[p.arxiv_id for p in papers],
    ).values_list("paper__identifiers__value", "id", "added_by_id")
    entries = {arxiv_id: (entry_id, adder) for arxiv_id, entry_id, adder in in_library}
    states = shared_states(
        entry_ids=[entry_id for entry_id, _ in entries.values()],
        member_ids=[m.user_id for m in members],
    )
    rows = []
    for paper in papers:
        entry_id, adder = entries.get(paper.arxiv_id, (None, None))
        rows.append(
            RadarRow(
                paper=paper,
                follows=sorted(paper.matched_follows.all(), key=lambda f: (f.kind, f.value)),
                entry_id=entry_id,
                badges=_badges(members, adder, states.get(entry_id, {}) if entry_id else {}),
            )
        )
    return rows


def _badges(
    members: list[Membership], adder: int | None, states: dict[int, SharedState]
) -> list[MemberBadge]:
    badges = []
    for membership in members:
        state = states.get(membership.user_id)
        if state is not None and state.status != "unread":
            badges.append(MemberBadge(membership.user.display_name, state.status))
        elif membership.user_id == adder:
            badges.append(MemberBadge(membership.user.display_name, "saved"))
    return badges
