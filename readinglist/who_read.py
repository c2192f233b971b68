"""Who in a lab read what: the lab's members by its entries, with each member's state.

Only a state's status and rating are shared with the lab; its priority and private note
stay with their owner, so they are never read here. The API's who-read endpoint and the
lab page both read through `who_read`, so the rule lives once.
"""

from __future__ import annotations

from dataclasses import dataclass

from readinglist.access import NotVisible
from readinglist.models import Entry, Lab, Membership, ReadingList, ReadingState


@dataclass(frozen=True)
class SharedState:
    """What a member's reading state tells the rest of the lab."""

    status: str
    rating: int | None


@dataclass(frozen=True)
class WhoReadRow:
    entry: Entry
    states: dict[int, SharedState]  # by member's user id; members without a state absent
    statuses: list[str]  # one per member, in `WhoRead.members` order; "" without a state

    @property
    def read_by(self) -> list[int]:
        return [user_id for user_id, state in self.states.items() if state.status == "read"]

    @property
    def top_rated_by(self) -> int | None:
        """The member who rated it highest (ties: the later member's id)."""
        rated = [(state.rating, user_id) for user_id, state in self.states.items() if state.rating]
        return max(rated)[1] if rated else None


@dataclass(frozen=True)
class WhoRead:
    members: list[Membership]  # in joining order, users loaded
    rows: list[WhoReadRow]


def lab_members(lab: Lab) -> list[Membership]:
    """The lab's memberships in joining order, with their users."""
    return list(
        Membership.objects.filter(lab=lab).select_related("user").order_by("joined_at", "id")
    )


def shared_states(
    *, entry_ids: list[int], member_ids: list[int]
) -> dict[int, dict[int, SharedState]]:
    """What each member's state of each entry tells the lab, by entry id then user id (one
    query; entries nobody has a state for map to {})."""
    states: dict[int, dict[int, SharedState]] = {entry_id: {} for entry_id in entry_ids}
    if not entry_ids:
        return states
    shared = ReadingState.objects.filter(entry_id__in=entry_ids, user_id__in=member_ids)
    for entry_id, user_id, status, rating in shared.values_list(
        "entry_id", "user_id", "status", "rating"
    ):
        states[entry_id][user_id] = SharedState(status=status, rating=rating)
    return states


def who_read(
    lab: Lab,
    *,
    limit: int,
    reading_list_id: int | None = None,
    started_only: bool = False,
    members: list[Membership] | None = None,
) -> WhoRead:
    """The first `limit` entries of one lab list (in list order; a list outside the lab:
    `NotVisible`), else the newest lab entries (only those some member has a state for
    with `started_only`), each with every member's shared state. `members` are
    `lab_members(lab)` where the caller already read them."""
    if members is None:
        members = lab_members(lab)
    member_ids = [m.user_id for m in members]
    library_id = lab.library.pk
    if reading_list_id is not None:
        if not ReadingList.objects.filter(library_id=library_id, pk=reading_list_id).exists():
            raise NotVisible("No such list in this lab.")
        in_list = Entry.objects.filter(list_items__reading_list_id=reading_list_id)
        entries = list(in_list.order_by("list_items__position", "list_items__id")[:limit])
    else:
        newest = Entry.objects.filter(library_id=library_id)
        if started_only:
            started = ReadingState.objects.filter(library_id=library_id, user_id__in=member_ids)
            newest = newest.filter(pk__in=started.values("entry_id").distinct())
        entries = list(newest.order_by("-added_at", "-id")[:limit])
    states = shared_states(entry_ids=[entry.pk for entry in entries], member_ids=member_ids)
    rows = [
        WhoReadRow(
            entry=entry,
            states=states[entry.pk],
            statuses=[
                state.status if (state := states[entry.pk].get(user_id)) else ""
                for user_id in member_ids
            ],
        )
        for entry in entries
    ]
    return WhoRead(members=members, rows=rows)
