"""Entries to records (for the writers), in a stable order: oldest first, list order for lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db.models import Prefetch, QuerySet

from readinglist.io.bibtex import write_bibtex
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
from readinglist.services.citekeys import pin_missing_citekeys


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
        volume=entry.volume,
        issue=entry.issue,
        pages=entry.pages,
        publisher=entry.publisher,
        abstract=entry.abstract,
        url=entry.url,
        identifiers=found,
        tags=tuple(sorted((tag.name for tag in entry.tags.all()), key=str.casefold)),
        kind=kind or ("article" if entry.venue else "misc"),
        citekey=entry.citekey,
        aliases=tuple(entry.citekey_aliases),
        arxiv_category=entry.paper.arxiv_category if "arxiv" in found else "",
    )


def _with_details(entries: QuerySet[Entry]) -> QuerySet[Entry]:
    return (
        entries.select_related("paper")
        .defer("paper__abstract")
        .prefetch_related(
            Prefetch("paper__identifiers", queryset=PaperIdentifier.objects.order_by("id")),
            Prefetch("local_identifiers", queryset=EntryIdentifier.objects.order_by("id")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
        )
    )


def library_records(library: Library) -> list[Record]:
    """Every entry of the library, each under its pinned key (given now to those without:
    what an export shows is what stays)."""
    pin_missing_citekeys(library_id=library.pk)
    entries = _with_details(Entry.objects.filter(library=library).order_by("added_at", "id"))
    return [record_for(entry) for entry in entries.iterator(chunk_size=1000)]


def list_records(reading_list: ReadingList) -> list[Record]:
    in_list = Entry.objects.filter(list_items__reading_list=reading_list)
    pin_missing_citekeys(library_id=reading_list.library_id, entries=in_list)
    entries = _with_details(in_list.order_by("list_items__position", "list_items__id"))
    return [record_for(entry) for entry in entries.iterator(chunk_size=1000)]


def selection_records(entry_ids: Sequence[int], *, visible: QuerySet[Entry]) -> list[Record]:
    """The records of the entries `entry_ids` names, in that order; `visible` is what the
    reader may see (the caller checked that it holds them all)."""
    chosen = visible.filter(pk__in=entry_ids)
    for library_id in sorted(set(chosen.values_list("library_id", flat=True))):
        pin_missing_citekeys(library_id=library_id, entries=chosen)
    by_id = {entry.pk: entry for entry in _with_details(visible.filter(pk__in=entry_ids))}
    return [record_for(by_id[entry_id]) for entry_id in entry_ids if entry_id in by_id]


def render(records: Iterable[Record], format: Format, *, ascii: bool = False) -> str:
    """The records as a file; `ascii` writes BibTeX's non-ASCII letters as LaTeX macros."""
    if format is Format.BIBTEX and ascii:
        return write_bibtex(list(records), ascii=True)
    return WRITERS[format](list(records))
