"""Lookup: is this URL or identifier saved, where, and what does the lab think of it?

A listing page asks about up to 200 papers at once, so the whole answer comes from a fixed
number of queries: identifiers, entries, tags, reading states (the caller's and the lab's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from readinglist import identifiers as ids
from readinglist.models import Entry, EntryTag, Library, PaperIdentifier, ReadingState, User


@dataclass(frozen=True)
class LabRef:
    id: int
    name: str


@dataclass
class LookupEntry:
    """Where the paper is saved, as the caller may see it; plain values, no model rows."""

    id: int
    library_id: int
    library_name: str
    library_kind: str
    lab: LabRef | None
    added_by_id: int | None
    tags: list[str] = field(default_factory=list)
    status: str | None = None
    read_count: int = 0
    reading_count: int = 0


@dataclass
class LookupResult:
    input: str
    identified: bool
    paper_id: int | None = None
    entries: list[LookupEntry] = field(default_factory=list)


def _keys_for(values: list[str]) -> dict[str, list[tuple[str, str]]]:
    keys: dict[str, list[tuple[str, str]]] = {}
    for value in values:
        found = ids.without_derived_arxiv_doi(ids.identify(value))
        keys[value] = [(scheme.value, key) for scheme, key in found.lookup_keys()]
    return keys


def _entries_by_paper(user: User, paper_ids: set[int]) -> dict[int, list[LookupEntry]]:
    """Three flat queries (entries, tags, states); rows are attached by hand because
    prefetch_related and annotated counts cost more in Python than the SQL itself (profiled:
    a single lookup spent two thirds of its time building querysets)."""
    rows = (
        Entry.objects.filter(
            paper_id__in=paper_ids, library__in=Library.objects.visible_to(user).values("id")
        )
        .order_by("library_id")
        .values_list(
            "id",
            "paper_id",
            "library_id",
            "library__name",
            "library__kind",
            "library__lab_id",
            "library__lab__name",
            "added_by_id",
        )
    )
    by_id: dict[int, LookupEntry] = {}
    by_paper: dict[int, list[LookupEntry]] = {}
    for entry_id, paper_id, library_id, name, kind, lab_id, lab_name, added_by in rows:
        found = LookupEntry(
            id=entry_id,
            library_id=library_id,
            library_name=name,
            library_kind=kind,
            lab=LabRef(lab_id, lab_name) if lab_id is not None else None,
            added_by_id=added_by,
        )
        by_id[entry_id] = found
        by_paper.setdefault(paper_id, []).append(found)
    if not by_id:
        return by_paper
    for entry_id, tag_name in EntryTag.objects.filter(entry_id__in=by_id).values_list(
        "entry_id", "tag__name"
    ):
        by_id[entry_id].tags.append(tag_name)
    # The caller's own state, and every "reading"/"read" state for the lab's counts.
    states = ReadingState.objects.filter(entry_id__in=by_id).filter(
        Q(user=user) | Q(status__in=[ReadingState.Status.READ, ReadingState.Status.READING])
    )
    for entry_id, user_id, status in states.values_list("entry_id", "user_id", "status"):
        found = by_id[entry_id]
        if user_id == user.pk:
            found.status = status
        if status == ReadingState.Status.READ:
            found.read_count += 1
        elif status == ReadingState.Status.READING:
            found.reading_count += 1
    for found in by_id.values():
        found.tags.sort(key=str.casefold)
    return by_paper


def lookup(*, user: User, values: list[str]) -> list[LookupResult]:
    keys_by_value = _keys_for(values)
    wanted = {key for keys in keys_by_value.values() for key in keys}
    paper_by_key: dict[tuple[str, str], int] = {}
    if wanted:
        condition = Q()
        for scheme, value in wanted:
            condition |= Q(scheme=scheme, value=value)
        paper_by_key = {
            (scheme, value): paper_id
            for scheme, value, paper_id in PaperIdentifier.objects.filter(condition).values_list(
                "scheme", "value", "paper_id"
            )
        }
    paper_ids = set(paper_by_key.values())
    entries_by_paper = _entries_by_paper(user, paper_ids) if paper_ids else {}

    results = []
    for value in values:
        keys = keys_by_value[value]
        paper_id = next((paper_by_key[k] for k in keys if k in paper_by_key), None)
        matched = entries_by_paper.get(paper_id, []) if paper_id else []
        # Whether a paper is known at all would tell an outsider that someone saved it.
        results.append(
            LookupResult(
                input=value,
                identified=bool(keys),
                paper_id=paper_id if matched else None,
                entries=matched,
            )
        )
    return results
