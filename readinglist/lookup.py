"""Lookup: is this URL or identifier saved, where, and what does the lab think of it?

A listing page asks about up to 200 papers at once, so the whole answer comes from a fixed
number of queries: identifiers, entries (with lab reading counts), tags, the caller's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from readinglist import identifiers as ids
from readinglist.models import Entry, Library, PaperIdentifier, ReadingState, User


@dataclass
class LookupResult:
    input: str
    identified: bool
    paper_id: int | None = None
    entries: list[Entry] = field(default_factory=list)


def _keys_for(values: list[str]) -> dict[str, list[tuple[str, str]]]:
    keys: dict[str, list[tuple[str, str]]] = {}
    for value in values:
        found = ids.without_derived_arxiv_doi(ids.identify(value))
        keys[value] = [(scheme.value, key) for scheme, key in found.lookup_keys()]
    return keys


def lookup(*, user: User, values: list[str]) -> list[LookupResult]:
    keys_by_value = _keys_for(values)
    wanted = {key for keys in keys_by_value.values() for key in keys}
    paper_by_key: dict[tuple[str, str], int] = {}
    if wanted:
        condition = Q()
        for scheme, value in wanted:
            condition |= Q(scheme=scheme, value=value)
        paper_by_key = {
            (row["scheme"], row["value"]): row["paper_id"]
            for row in PaperIdentifier.objects.filter(condition).values(
                "scheme", "value", "paper_id"
            )
        }
    paper_ids = set(paper_by_key.values())
    entries_by_paper: dict[int, list[Entry]] = {}
    if paper_ids:
        entries = (
            Entry.objects.filter(
                paper_id__in=paper_ids,
                library__in=Library.objects.visible_to(user).values("id"),
            )
            .select_related("library__lab")
            .annotate(
                read_count=Count("states", filter=Q(states__status="read"), distinct=True),
                reading_count=Count("states", filter=Q(states__status="reading"), distinct=True),
            )
            .prefetch_related(
                "tags",
                Prefetch(
                    "states", queryset=ReadingState.objects.filter(user=user), to_attr="my_states"
                ),
            )
            .order_by("library_id")
        )
        for entry in entries:
            entries_by_paper.setdefault(entry.paper_id, []).append(entry)

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
