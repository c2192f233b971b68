"""What a page of entries shows, read in a fixed number of queries: the one row shape.

Listings read rows, not model instances: building about 240 instances for a page of 100
entries cost more CPU than the rest of the request together. `listing_page` reads a page
of rows with their tags, identifiers and the reader's own state (one statement on
PostgreSQL); `attach_entry_details` gives entries already in memory the same details.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connection

from readinglist import sql
from readinglist.models import (
    Entry,
    EntryIdentifier,
    EntryTag,
    Paper,
    PaperIdentifier,
    ReadingState,
    Tag,
)

# What an entry listing shows, as `values()` names. What a library sees of a paper is on its
# entry; the paper adds what is the same for everyone (its latest arXiv version, whether the
# registries answered).
ENTRY_METADATA_FIELDS = (
    "title",
    "authors",
    "abstract",
    "published",
    "venue",
    "volume",
    "issue",
    "pages",
    "publisher",
    "url",
    "pdf_url",
    "item_type",
)
ENTRY_LISTING_FIELDS = (
    "id",
    "key",
    "library_id",
    "version",
    "added_by_id",
    "added_at",
    "arxiv_version",
    "citekey",
    "citekey_aliases",
    *ENTRY_METADATA_FIELDS,
    "paper_id",
    "paper__arxiv_version",
    "paper__enrichment",
)
# Identity keys that are the server's own business, never shown.
HIDDEN_SCHEMES = frozenset({"fingerprint"})
STATE_FIELDS = ("status", "priority", "rating", "private_note", "read_at", "version")


def listing_row(entry: Entry) -> dict[str, Any]:
    """The `listing_rows()` dict of an entry already in memory (its paper loaded)."""
    row: dict[str, Any] = {}
    for name in ENTRY_LISTING_FIELDS:
        value: Any = entry
        for part in name.split("__"):
            value = getattr(value, part)
        row[name] = value
    return row


@dataclass(frozen=True)
class ListingDetails:
    """What a page of entries shows besides its rows; entries without any are absent."""

    tags: dict[int, list[str]]  # by entry id, sorted case-insensitively
    # By entry id: scheme -> shown value, the paper's own and those its library stated.
    identifiers: dict[int, dict[str, str]]
    states: dict[int, dict[str, Any]]  # by entry id: the user's own state, `STATE_FIELDS`


def listing_details(rows: list[dict[str, Any]], *, user_id: int) -> ListingDetails:
    """Tags, identifiers and the user's own states for `listing_rows()`: three flat queries."""

    if not rows:
        return ListingDetails({}, {}, {})
    entry_ids = [row["id"] for row in rows]
    own_states = ReadingState.objects.filter(entry_id__in=entry_ids, user_id=user_id)
    return ListingDetails(
        tags=_tag_names(entry_ids),
        identifiers=_identifier_maps({row["id"]: row["paper_id"] for row in rows}),
        states={state["entry_id"]: state for state in own_states.values("entry_id", *STATE_FIELDS)},
    )


@cache
def _listing_page_sql() -> str:
    """The statement behind `listing_page` on PostgreSQL; parameters: user id, entry ids."""

    def column(name: str) -> str:  # the listing's names are the columns' (attnames)
        return f"p.{name.removeprefix('paper__')}" if name.startswith("paper__") else f"e.{name}"

    return (
        f"SELECT {', '.join(column(name) for name in ENTRY_LISTING_FIELDS)},"
        f" (SELECT array_agg(t.name) FROM {EntryTag._meta.db_table} et"
        f"  JOIN {Tag._meta.db_table} t ON t.id = et.tag_id WHERE et.entry_id = e.id),"
        f" (SELECT array_agg(ARRAY[i.scheme, i.value, i.display])"
        f"  FROM {PaperIdentifier._meta.db_table} i WHERE i.paper_id = p.id),"
        f" (SELECT array_agg(ARRAY[li.scheme, li.value, li.display])"
        f"  FROM {EntryIdentifier._meta.db_table} li WHERE li.entry_id = e.id),"
        f" s.id IS NOT NULL, {', '.join('s.' + name for name in STATE_FIELDS)}"
        f" FROM {Entry._meta.db_table} e JOIN {Paper._meta.db_table} p ON p.id = e.paper_id"
        # Per entry through the (entry, user) unique index: as a plain join, PostgreSQL
        # hashed all of the user's states (3,000 in the bench) for a page of 100. LIMIT 1
        # (there is at most one) keeps the subquery from being flattened into that join.
        f" LEFT JOIN LATERAL (SELECT * FROM {ReadingState._meta.db_table} own"
        "  WHERE own.entry_id = e.id AND own.user_id = %s LIMIT 1) s ON true"
        " WHERE e.id = ANY(%s)"
    )


def listing_page(
    ids: Sequence[int], *, user_id: int
) -> tuple[list[dict[str, Any]], ListingDetails]:
    """`listing_rows()` of these entries in the order of `ids`, and their `listing_details`.

    On PostgreSQL one statement gathers each entry's tags and identifiers into arrays and
    joins the user's own state: the four separate reads (rows, tags, identifiers, states)
    cost about as much in round trips and query building as in the database.
    """

    if connection.vendor != "postgresql" or not ids:
        rows = rows_in_order(ids) if ids else []
        return rows, listing_details(rows, user_id=user_id)
    found: dict[int, dict[str, Any]] = {}
    tags: dict[int, list[str]] = {}
    identifiers: dict[int, dict[str, str]] = {}
    states: dict[int, dict[str, Any]] = {}
    entry_columns = len(ENTRY_LISTING_FIELDS)
    for record in sql.rows(_listing_page_sql(), [user_id, list(ids)]):
        row = dict(zip(ENTRY_LISTING_FIELDS, record[:entry_columns], strict=True))
        entry_tags, paper_keys, local_keys, has_state = record[entry_columns : entry_columns + 4]
        # Django reads jsonb as text and leaves decoding to the field.
        row["authors"] = json.loads(row["authors"])
        row["citekey_aliases"] = json.loads(row["citekey_aliases"])
        found[row["id"]] = row
        if entry_tags:
            tags[row["id"]] = sorted(entry_tags, key=str.casefold)
        shown = _shown_identifiers(paper_keys or (), local_keys or ())
        if shown:
            identifiers[row["id"]] = shown
        if has_state:
            state = dict(zip(STATE_FIELDS, record[entry_columns + 4 :], strict=True))
            states[row["id"]] = {"entry_id": row["id"], **state}
    rows = [found[entry_id] for entry_id in ids if entry_id in found]
    return rows, ListingDetails(tags=tags, identifiers=identifiers, states=states)


def _tag_names(entry_ids: list[int]) -> dict[int, list[str]]:

    names: dict[int, list[str]] = {}
    condition, params = sql.in_ids("et.entry_id", entry_ids)
    for entry_id, name in sql.rows(
        f"SELECT et.entry_id, t.name FROM {EntryTag._meta.db_table} et"
        f" JOIN {Tag._meta.db_table} t ON t.id = et.tag_id WHERE {condition}",
        params,
    ):
        names.setdefault(entry_id, []).append(name)
    for found in names.values():
        found.sort(key=str.casefold)
    return names


def _shown_identifiers(
    paper_keys: Sequence[Sequence[str]], local_keys: Sequence[Sequence[str]]
) -> dict[str, str]:
    """Scheme -> shown value: the paper's own identifiers, then those the library stated
    for a scheme the paper has none of."""
    shown: dict[str, str] = {}
    for scheme, value, display in (*paper_keys, *local_keys):
        if scheme not in HIDDEN_SCHEMES:
            shown.setdefault(scheme, display or value)
    return shown


def _identifier_maps(paper_of_entry: dict[int, int]) -> dict[int, dict[str, str]]:
    """By entry id, the identifiers shown for it (`_shown_identifiers`), in one query: the
    papers' own, then those the entries' libraries stated."""

    paper_rows, paper_params = sql.in_ids("e.id", list(paper_of_entry))
    local_rows, local_params = sql.in_ids("li.entry_id", list(paper_of_entry))
    paper_keys: dict[int, list[tuple[str, str, str]]] = {}
    local_keys: dict[int, list[tuple[str, str, str]]] = {}
    for entry_id, scheme, value, display, stated in sql.rows(
        f"SELECT e.id, i.scheme, i.value, i.display, 0 AS stated FROM {Entry._meta.db_table} e"
        f" JOIN {PaperIdentifier._meta.db_table} i ON i.paper_id = e.paper_id"
        f" WHERE {paper_rows}"
        " UNION ALL"
        f" SELECT li.entry_id, li.scheme, li.value, li.display, 1"
        f" FROM {EntryIdentifier._meta.db_table} li WHERE {local_rows}"
        " ORDER BY 5, 1",
        [*paper_params, *local_params],
    ):
        (local_keys if stated else paper_keys).setdefault(entry_id, []).append(
            (scheme, value, display)
        )
    identifiers: dict[int, dict[str, str]] = {}
    for entry_id in paper_of_entry:
        shown = _shown_identifiers(paper_keys.get(entry_id, ()), local_keys.get(entry_id, ()))
        if shown:
            identifiers[entry_id] = shown
    return identifiers


def attach_entry_details(entries: list[Entry], *, user_id: int) -> None:
    """Give entries in memory what a listing shows, as attributes the templates and
    `EntrySerializer` read: `tag_names`, `my_states` (ReadingState rows) and
    `identifier_map`. Three flat queries, as in `listing_details`."""

    if not entries:
        return
    entry_ids = [entry.pk for entry in entries]
    tag_names = _tag_names(entry_ids)
    attach_identifiers(entries)
    # Model rows here: the pages show `get_status_display`.
    states: dict[int, list[ReadingState]] = {}
    for state in ReadingState.objects.filter(entry_id__in=entry_ids, user_id=user_id):
        states.setdefault(state.entry_id, []).append(state)
    for entry in entries:
        entry.tag_names = tag_names.get(entry.pk, [])  # type: ignore[attr-defined]
        entry.my_states = states.get(entry.pk, [])  # type: ignore[attr-defined]


def attach_identifiers(entries: list[Entry]) -> None:
    """Each entry gets `identifier_map` ({scheme: shown value}) in one query."""
    identifiers = _identifier_maps({entry.pk: entry.paper_id for entry in entries})
    for entry in entries:
        entry.identifier_map = identifiers.get(entry.pk, {})  # type: ignore[attr-defined]


def rows_in_order(ids: Sequence[int]) -> list[dict[str, Any]]:
    """The listing rows of these entries in the order of `ids` (a page found by id)."""
    found = Entry.objects.filter(pk__in=ids).values(*ENTRY_LISTING_FIELDS)
    by_id = {row["id"]: row for row in found}
    return [by_id[entry_id] for entry_id in ids if entry_id in by_id]
