"""Entries to records (for the writers), in a stable order: oldest first, list order for lists."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from readinglist.io.formats import WRITERS, Format
from readinglist.io.records import ITEM_TYPE_KINDS, SCHEMES, Record
from readinglist.metadata import ItemType
from readinglist.models import (
    Entry,
    EntryIdentifier,
    Library,
    PaperIdentifier,
    ReadingList,
    Tag,
    shown_identifiers,
)


def record_for(entry: Entry) -> Record:
    """The entry as its library sees it: its metadata, and the paper's identifiers (then
    those the library stated for schemes the paper has none of)."""
    found: dict[str, str] = {}
    for ident in shown_identifiers(entry):
        if ident.scheme in SCHEMES:
            found.setdefault(ident.scheme, ident.display or ident.value)
    kind = ITEM_TYPE_KINDS.get(ItemType(entry.item_type)) if entry.item_type else None
    return Record(
        title=entry.title,
        authors=tuple(str(a) for a in entry.authors),
        published=entry.published,
        venue=entry.venue,
        abstract=entry.abstract,
        url=entry.url,
        identifiers=found,
        tags=tuple(sorted((tag.name for tag in entry.tags.all()), key=str.casefold)),
        kind=kind or ("article" if entry.venue else "misc"),
    )


def _with_details(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return (
        entries.select_related("paper")
        .defer("search_vector", "paper__abstract")
        .prefetch_related(
            Prefetch("paper__identifiers", queryset=PaperIdentifier.objects.order_by("id")),
            Prefetch("local_identifiers", queryset=EntryIdentifier.objects.order_by("id")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
        )
    )


def library_records(library: Library) -> list[Record]:
    entries = _with_details(Entry.objects.filter(library=library).order_by("added_at", "id"))
    return [record_for(entry) for entry in entries.iterator(chunk_size=1000)]


def list_records(reading_list: ReadingList) -> list[Record]:
    entries = _with_details(
        Entry.objects.filter(list_items__reading_list=reading_list).order_by(
            "list_items__position", "list_items__id"
        )
    )
    return [record_for(entry) for entry in entries.iterator(chunk_size=1000)]


def render(records: Iterable[Record], format: Format) -> str:
    return WRITERS[format](list(records))
