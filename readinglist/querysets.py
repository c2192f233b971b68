"""Reads: chainable QuerySet methods scoped to what a user may see.

Anything a user may not see is simply absent from these querysets, so views that start from
them answer 404 for another person's object, never 403. The models import this module for
their managers, so it reaches other models through relations, never by importing them; what
a page of entries shows is read by `readinglist.entry_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from django.db import models
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from readinglist.roles import EDITOR_ROLES
from readinglist.text import fold_tag_name

# Written-out SQL names the table; the model is out of reach here (see the docstring).
MEMBERSHIP_TABLE = "readinglist_membership"

if TYPE_CHECKING:
    from readinglist.identifiers import Identifiers
    from readinglist.models import Entry, Lab, Library, Paper, User  # noqa: F401 - quoted below


def _related(model: type[models.Model], relation: str) -> type[models.Model]:
    """The model at the other end of `relation` (this module cannot import the models)."""
    related = model._meta.get_field(relation).related_model
    assert isinstance(related, type)
    return related


def in_libraries(library_ids: Sequence[int]) -> Q:
    """`library_id` is one of these, typed bigint like the column: btree_gin (the
    `(library_id, tsvector)` search indexes) has no cross-type operators, so with
    `library_id = 1` (an int4 literal) PostgreSQL cannot use those indexes for the library
    and reads every library's matches."""
    condition = Q(pk__in=[])  # no libraries: nothing
    for library_id in library_ids:
        condition |= Q(library_id=Cast(Value(library_id), BigIntegerField()))
    return condition


def visible_library_condition(alias: str) -> str:
    """`LibraryQuerySet.visible_to` as a condition on the library `alias`, for written-out
    SQL; its parameters are the user's id, twice."""
    return (
        f"({alias}.owner_id = %s OR {alias}.lab_id IN"
        f" (SELECT m.lab_id FROM {MEMBERSHIP_TABLE} m WHERE m.user_id = %s))"
    )


class LibraryQuerySet(models.QuerySet["Library"]):
    def visible_to(self, user: User) -> LibraryQuerySet:
        return self.filter(Q(owner=user) | Q(lab__memberships__user=user)).distinct()

    def visible_one(self, user: User, library_id: int) -> Library | None:
        """`visible_to(user).filter(pk=library_id).first()`, written out: most API requests
        ask it, and building that query took 0.3 ms where PostgreSQL took 0.1 to answer.
        A raw query: filters applied before it are ignored (call it on the manager)."""
        if not -(2**63) <= library_id < 2**63:  # SQLite cannot even compare it
            return None
        found = self.raw(
            f"SELECT l.* FROM {self.model._meta.db_table} l"
            f" WHERE l.id = %s AND {visible_library_condition('l')}",
            [library_id, user.pk, user.pk],
        )
        return next(iter(found), None)

    def editable_by(self, user: User) -> LibraryQuerySet:
        return self.filter(
            Q(owner=user) | Q(lab__memberships__user=user, lab__memberships__role__in=EDITOR_ROLES)
        ).distinct()

    def personal(self) -> LibraryQuerySet:
        return self.filter(kind="personal")


class LabQuerySet(models.QuerySet["Lab"]):
    def of_member(self, user: User) -> LabQuerySet:
        """The user's labs, each annotated with their `role` and the lab's `member_count`."""
        member_count = (
            _related(self.model, "memberships")
            ._default_manager.filter(lab=OuterRef("pk"))
            .order_by()
            .values("lab")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            self.filter(memberships__user=user)
            .annotate(role=F("memberships__role"), member_count=Subquery(member_count))
            .select_related("library")
        )


class PaperQuerySet(models.QuerySet["Paper"]):
    def matching(self, identifiers: Identifiers) -> PaperQuerySet:
        """Papers holding any of the identifiers' keys (usually zero or one)."""
        condition = Q()
        for scheme, value in identifiers.lookup_keys():
            condition |= Q(identifiers__scheme=scheme.value, identifiers__value=value)
        if not condition:
            return self.none()
        return self.filter(condition).distinct()


class EntryQuerySet(models.QuerySet["Entry"]):
    def visible_to(self, user: User) -> EntryQuerySet:
        libraries = cast(LibraryQuerySet, _related(self.model, "library")._default_manager.all())
        return self.filter(library__in=libraries.visible_to(user).values("id"))

    def in_library(self, library_id: int) -> EntryQuerySet:
        return self.in_libraries([library_id])

    def in_libraries(self, library_ids: Sequence[int]) -> EntryQuerySet:
        return self.filter(in_libraries(library_ids))

    def with_details(self) -> EntryQuerySet:
        """Everything an entry list shows, in a fixed number of queries."""
        return self.select_related("paper", "added_by").prefetch_related(
            "tags", "paper__identifiers"
        )

    def newest_first(self) -> EntryQuerySet:
        return self.order_by("-added_at", "-id")

    def tagged(self, name: str) -> EntryQuerySet:
        """Entries with the tag `name` names (compared as tags are: `fold_tag_name`)."""
        return self.filter(tags__folded=fold_tag_name(name))

    def with_status(self, user: User, status: str) -> EntryQuerySet:
        """Entries in `user`'s own reading status; "unread" includes entries never touched."""
        if status == "unread":
            # One subquery on the user's own states: an exclude() across the relation would
            # also drop entries that someone else in the lab has read.
            states = _related(self.model, "states")._default_manager
            started = states.filter(user=user, status__in=["reading", "read"])
            return self.exclude(pk__in=started.values("entry_id"))
        return self.filter(states__user=user, states__status=status)

    def with_priority(self, user: User, priority: int) -> EntryQuerySet:
        """Entries at `user`'s own `priority`; the lowest (0) includes entries never touched,
        as a state's default is."""
        if priority == 0:
            # A subquery on the user's own states, as in `with_status`: others' states in a
            # lab library must not decide what this user sees.
            states = _related(self.model, "states")._default_manager
            prioritised = states.filter(user=user, priority__gt=0)
            return self.exclude(pk__in=prioritised.values("entry_id"))
        return self.filter(states__user=user, states__priority=priority)

    def with_own_priority(self, user: User) -> EntryQuerySet:
        """Annotated with `own_priority`: `user`'s priority, 0 (the default) without a state.
        A left join on the (entry, user) unique key, so it adds no rows."""
        return self.annotate(
            own_state=FilteredRelation("states", condition=Q(states__user=user))
        ).annotate(own_priority=Coalesce(F("own_state__priority"), Value(0)))

    def in_reading_list(self, list_id: int) -> EntryQuerySet:
        return self.filter(list_items__reading_list_id=list_id)
