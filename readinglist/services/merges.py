"""Two papers that are one work become one: identifiers, entries and everything on them.

A merge happens when a registry ties a paper to an identifier another paper holds (a preprint
and its published DOI, a reference-list entry and the registry record with its title, first
author and year), or by hand (`manage.py merge_papers`). In every library that saved both,
the two entries become the older one: tags, notes, highlights, comments, sessions, list
places and each person's state are united on it, and the other leaves a tombstone naming it
(`merged_into`), so every device learns where its objects went.

Locks: the papers first, then their libraries in id order, like enrichment, so the two never
wait on each other in a cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import OperationalError, transaction
from django.db.models import Q

from readinglist.metadata import SOURCE_RANK, Source
from readinglist.models import (
    Activity,
    Comment,
    Entry,
    EntryIdentifier,
    EntryTag,
    Highlight,
    JournalClubSession,
    Library,
    Note,
    Paper,
    PaperEvent,
    PaperIdentifier,
    ReadingListItem,
    ReadingState,
    Tombstone,
)
from readinglist.services.citekeys import adopt_citekey, merged_aliases
from readinglist.services.entry_metadata import contribution_of, refresh_fields, save_contribution
from readinglist.services.versioning import (
    begin_library_write,
    delete_with_tombstone,
    write_tombstones,
)

logger = logging.getLogger(__name__)

_STATUS_ORDER = {
    ReadingState.Status.UNREAD: 0,
    ReadingState.Status.READING: 1,
    ReadingState.Status.READ: 2,
}


@dataclass(frozen=True)
class MergeResult:
    survivor_id: int
    merged_id: int
    libraries: int  # libraries whose entries changed
    entries_merged: int  # entries that became another entry of the same library


def refresh_entries_of(paper: Paper) -> int:
    """After the paper's registry metadata changed: every library that saved it sees the new
    values, its version moves and the entry is stamped with it. Returns the libraries
    changed. Runs in the caller's transaction."""
    changed_libraries = 0
    library_ids = sorted(
        set(Entry.objects.filter(paper=paper).values_list("library_id", flat=True))
    )
    for library_id in library_ids:
        entry = _entry_in(library_id, paper.pk)
        if entry is None or not refresh_fields(entry, paper):
            continue  # this library overrides every field that changed
        library = begin_library_write(library_id=library_id)
        entry = _entry_in(library_id, paper.pk)  # again, under the lock
        if entry is None:
            continue
        changed = refresh_fields(entry, paper)
        if not entry.citekey and entry.authors:  # the registry brought the authors at last
            adopt_citekey(entry, pattern=library.citekey_pattern)
            changed.append("citekey")
        entry.version = library.version
        entry.save(update_fields=[*changed, "version", "updated_at"])
        changed_libraries += 1
    return changed_libraries


def _entry_in(library_id: int, paper_id: int) -> Entry | None:
    return (
        Entry.objects.filter(library_id=library_id, paper_id=paper_id)
        .select_related("contribution")
        .first()
    )


def merge_papers(*, survivor_id: int, merged_id: int) -> MergeResult:
    """Make `merged_id` part of `survivor_id`, in one transaction (retried on a deadlock).

    A save that resolved to the merged paper just before the merge committed may still add
    an entry for it; the merge runs again until no entry of the merged paper is left, and
    saves after it follow `Paper.merged_into`.
    """
    if survivor_id == merged_id:
        raise ValueError("a paper cannot be merged into itself")
    result = MergeResult(survivor_id, merged_id, 0, 0)
    for attempt in range(10):
        try:
            with transaction.atomic():
                result = _merge_once(survivor_id, merged_id, result)
        except OperationalError as error:
            if "deadlock" not in str(error).lower() or attempt == 9:
                raise
            logger.warning("merge of paper %s into %s deadlocked; retrying", merged_id, survivor_id)
            continue
        if not Entry.objects.filter(paper_id=merged_id).exists():
            break
    return result


def _merge_once(survivor_id: int, merged_id: int, so_far: MergeResult) -> MergeResult:
    papers = {
        paper.pk: paper
        for paper in Paper.objects.select_for_update(no_key=True)
        .filter(pk__in=[survivor_id, merged_id])
        .order_by("pk")
    }
    if len(papers) != 2:
        raise Paper.DoesNotExist(f"papers {survivor_id} and {merged_id} must both exist")
    survivor, merged = papers[survivor_id], papers[merged_id]
    if survivor.merged_into_id is not None:
        raise ValueError(f"paper {survivor_id} was itself merged into another")
    libraries = entries_merged = 0
    library_ids = sorted(
        set(
            Entry.objects.filter(paper_id__in=[survivor_id, merged_id]).values_list(
                "library_id", flat=True
            )
        )
    )
    for library_id in library_ids:
        pair = list(
            Entry.objects.filter(library_id=library_id, paper_id__in=[survivor_id, merged_id])
            .select_related("contribution")
            .order_by("added_at", "id")
        )
        if all(entry.paper_id == survivor_id for entry in pair):
            continue
        library = begin_library_write(library_id=library_id)
        keep = pair[0]
        if len(pair) == 2:
            _unite_entries(library=library, keep=keep, gone=pair[1])
            entries_merged += 1
        keep.paper = survivor
        refresh_fields(keep, survivor)
        keep.version = library.version
        keep.save()
        save_contribution(keep)
        libraries += 1
    PaperIdentifier.objects.filter(paper_id=merged_id).update(paper=survivor)
    for event in PaperEvent.objects.filter(paper_id=merged_id):
        if not PaperEvent.objects.filter(
            paper=survivor, kind=event.kind, detail=event.detail
        ).exists():
            PaperEvent.objects.filter(pk=event.pk).update(paper=survivor)
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    return MergeResult(
        survivor_id,
        merged_id,
        so_far.libraries + libraries,
        so_far.entries_merged + entries_merged,
    )


def _unite_entries(*, library: Library, keep: Entry, gone: Entry) -> None:
    """Move everything on `gone` to `keep` (same library), then delete `gone`, leaving a
    tombstone that names `keep`. Rows that move are stamped with the library's version."""
    version = library.version
    EntryTag.objects.bulk_create(
        [EntryTag(entry=keep, tag_id=tag_id) for tag_id in gone.tags.values_list("id", flat=True)],
        ignore_conflicts=True,
    )
    for model in (Note, Highlight, Comment, JournalClubSession):
        model.objects.filter(entry=gone).update(entry=keep, version=version)
    in_lists = set(keep.list_items.values_list("reading_list_id", flat=True))
    doubles = list(gone.list_items.filter(reading_list_id__in=in_lists))
    if doubles:
        write_tombstones(
            library=library,
            object_type=Tombstone.ObjectType.LIST_ITEM,
            keys=[item.key for item in doubles],
            deleted_by=None,
        )
        ReadingListItem.objects.filter(pk__in=[item.pk for item in doubles]).delete()
    gone.list_items.update(entry=keep, version=version)
    _unite_states(library=library, keep=keep, gone=gone)
    EntryIdentifier.objects.filter(entry=gone).update(entry=keep)
    Activity.objects.filter(entry=gone).update(entry=keep)
    _unite_metadata(keep=keep, gone=gone)
    delete_with_tombstone(
        gone,
        library=library,
        object_type=Tombstone.ObjectType.ENTRY,
        deleted_by=None,
        merged_into=keep.key,
    )


def _unite_states(*, library: Library, keep: Entry, gone: Entry) -> None:
    """Each person's state: one per person and entry, the furthest status, the higher
    priority, a rating and both private notes."""
    mine = {state.user_id: state for state in ReadingState.objects.filter(entry=keep)}
    for state in ReadingState.objects.filter(entry=gone):
        other = mine.get(state.user_id)
        if other is None:
            ReadingState.objects.filter(pk=state.pk).update(entry=keep, version=library.version)
            continue
        if (
            _STATUS_ORDER[ReadingState.Status(state.status)]
            > _STATUS_ORDER[ReadingState.Status(other.status)]
        ):
            other.status, other.read_at = state.status, state.read_at
        other.priority = max(other.priority, state.priority)
        other.rating = other.rating or state.rating
        notes = [n for n in (other.private_note, state.private_note) if n.strip()]
        other.private_note = "\n\n".join(dict.fromkeys(notes))
        other.version = library.version
        other.save()
        delete_with_tombstone(
            state, library=library, object_type=Tombstone.ObjectType.READING_STATE, deleted_by=None
        )


def _unite_metadata(*, keep: Entry, gone: Entry) -> None:
    """The library's own contributions and edits of both: `keep`'s edits win; per field the
    better-ranked contribution."""
    ours, theirs = contribution_of(keep), contribution_of(gone)
    for name, value in theirs.contributed.items():
        their_source = theirs.sources.get(name, Source.DOCUMENT.value)
        our_source = ours.sources.get(name)
        if not ours.contributed.get(name) or (
            our_source is not None
            and SOURCE_RANK.get(Source(their_source), 0) > SOURCE_RANK.get(Source(our_source), 0)
        ):
            ours.contributed[name] = value
            ours.sources[name] = their_source
    for name, value in theirs.overrides.items():
        ours.overrides.setdefault(name, value)
    # Documents cite either key: the kept entry's stays, the other's becomes an alias. It
    # is set after `gone` is deleted (the caller saves `keep` then), as keys are unique.
    if keep.citekey:
        keep.citekey_aliases = merged_aliases(keep, [gone.citekey, *gone.citekey_aliases])
    else:
        keep.citekey, keep.citekey_aliases = (
            gone.citekey,
            merged_aliases(keep, gone.citekey_aliases),
        )
    if gone.arxiv_version and (keep.arxiv_version or 0) < gone.arxiv_version:
        keep.arxiv_version = gone.arxiv_version


def papers_holding(keys: list[tuple[str, str]]) -> list[int]:
    """Ids of the papers holding any of these (scheme, value) keys, oldest first."""
    condition = Q()
    for scheme, value in keys:
        condition |= Q(scheme=scheme, value=value)
    return sorted(set(PaperIdentifier.objects.filter(condition).values_list("paper_id", flat=True)))
