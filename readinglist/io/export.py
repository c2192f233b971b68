"""Entries to records (for the writers), in a stable order: oldest first, list order for lists."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from readinglist.io.formats import WRITERS, Format
from readinglist.io.records import SCHEMES, Record
from readinglist.models import Entry, Library, PaperIdentifier, ReadingList, Tag


def record_for(entry: Entry) -> Record:
    paper = entry.paper
    found = {
        ident.scheme: ident.display or ident.value
        for ident in paper.identifiers.all()
        if ident.scheme in SCHEMES
    }
    return Record(
        title=paper.title,
        authors=tuple(str(a) for a in paper.authors),
        published=paper.published,
        venue=paper.venue,
        abstract=paper.abstract,
        url=paper.url,
        identifiers=found,
        tags=tuple(sorted((tag.name for tag in entry.tags.all()), key=str.casefold)),
        kind="article" if paper.venue else "misc",
    )


def _with_details(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return entries.select_related("paper").prefetch_related(
        Prefetch("paper__identifiers", queryset=PaperIdentifier.objects.order_by("id")),
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
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
