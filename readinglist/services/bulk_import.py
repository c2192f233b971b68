"""Writing a batch of import records in a few set-based statements.

`import_batch` does what a `save_paper` per record would, for a whole batch at once: each
record is identified as a save identifies it (`identity_for`, the same keys, strongest first,
global keys before the library's own), the batch's keys are looked up in one statement, and
papers, their identifiers, entries, contributions, the library's stated identifiers, tags and
tag links are written in one statement each. Records are still decided one after another, in
file order, against what the batch has decided so far (a paper an earlier record created, a
key or tag it took), so the outcome is the one the record-by-record path gives.

Shared papers stay as a save leaves them: a new paper gets only what its identifiers say
(`unsaved_paper`); what a record says about the work is the library's contribution
(`contribute`, `refresh_fields`). Every row written carries the batch's one library version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from django.db import connection
from django.db.models.functions import Lower
from django.utils import timezone

from readinglist.io.citekeys import VALID_CITEKEY
from readinglist.io.records import KIND_ITEM_TYPES, Record
from readinglist.metadata import (
    DESCRIPTIVE_FIELDS,
    MAX_AUTHOR_LENGTH,
    MAX_AUTHORS,
    MAX_LENGTHS,
    PUBLICATION_FIELDS,
    PageMetadata,
    Source,
)
from readinglist.models import (
    MAX_TAG_LENGTH,
    Activity,
    Entry,
    EntryContribution,
    EntryIdentifier,
    EntryTag,
    Library,
    Paper,
    PaperIdentifier,
    Tag,
    User,
)
from readinglist.services.citekeys import adopt_citekey, is_key_ready
from readinglist.services.entries import wanted_tags
from readinglist.services.entry_metadata import contribute, contribution_of, refresh_fields
from readinglist.services.papers import Identity, Key, identity_for, key_owners, unsaved_paper
from readinglist.services.queue import REGISTRY_SCHEMES, queue_enrichment_of

Outcome = Literal["added", "merged", "unchanged", "skipped", "invalid"]
MAX_URL_LENGTH = 2000
# Files are what people typed or a reference manager kept: better than <title>.
IMPORT_SOURCE = Source.CITATION
NO_IDENTITY = "no identifier, link or title to identify it by"
_FILLABLE = ("title", "authors", "abstract", "published", "venue", *PUBLICATION_FIELDS)


@dataclass(frozen=True)
class ImportItem:
    line: int
    title: str
    outcome: Outcome
    reason: str = ""
    paper_id: int | None = None


def metadata_for(record: Record) -> PageMetadata:
    """The record as page metadata, cut to what an entry can hold."""
    return PageMetadata(
        title=record.title[: MAX_LENGTHS["title"]],
        authors=tuple(a[:MAX_AUTHOR_LENGTH] for a in record.authors[:MAX_AUTHORS]),
        abstract=record.abstract[: MAX_LENGTHS["abstract"]],
        published=record.published[: MAX_LENGTHS["published"]],
        venue=record.venue[: MAX_LENGTHS["venue"]],
        **{name: getattr(record, name)[: MAX_LENGTHS[name]] for name in PUBLICATION_FIELDS},
        pdf_url=record.pdf_url if len(record.pdf_url) <= MAX_LENGTHS["pdf_url"] else "",
        item_type=KIND_ITEM_TYPES.get(record.kind, ""),
        identifiers={k: v for k, v in record.identifiers.items() if v and len(v) <= 500},
        source=IMPORT_SOURCE,
    )


def filled_fields(entry: Entry, metadata: PageMetadata) -> list[str]:
    """The fields the record would fill that the library has nothing for yet (an entry
    saved by id before its registry answered, imported again with its authors)."""
    return [name for name in _FILLABLE if metadata.value_of(name) and not getattr(entry, name)]


def knows_key(entry: Entry, citekey: str, taken: set[str]) -> bool:
    """Whether the entry already answers to the file's key (as its key or an alias), or
    cannot take it: `taken` holds the library's keys in lower case."""
    wanted = citekey.strip()
    if not wanted or VALID_CITEKEY.fullmatch(wanted) is None:
        return True  # no key the library could take
    if wanted.lower() in {key.lower() for key in [entry.citekey, *entry.citekey_aliases]}:
        return True
    # Another entry's key already (a file with one key twice): this one cannot take it.
    return wanted.lower() in taken


@dataclass(frozen=True)
class Prepared:
    """A record with everything worked out that needs no database: done before the batch
    takes the library's lock."""

    record: Record
    title: str
    url: str
    metadata: PageMetadata
    identity: Identity
    keys: list[Key]
    tags: dict[str, str]  # folded -> name

    @property
    def saved_version(self) -> int | None:
        arxiv = self.identity.from_url.arxiv
        return arxiv.version if arxiv else None


def prepare(record: Record) -> Prepared:
    url = record.url if len(record.url) <= MAX_URL_LENGTH else ""
    metadata = metadata_for(record)
    identity = identity_for(url=url, metadata=metadata)
    return Prepared(
        record=record,
        title=record.title[:200],
        url=url,
        metadata=metadata,
        identity=identity,
        keys=identity.keys(),
        tags=wanted_tags([t[:MAX_TAG_LENGTH] for t in record.tags]),
    )


class ContendedIdentifier(Exception):
    """A paper this batch created lost one of its identifiers to a concurrent save: the
    batch is rolled back and its records saved one by one (`resolve_paper` settles it)."""


@dataclass
class _Written:
    """One record's write, decided; `paper` may still be unsaved."""

    prepared: Prepared
    paper: Paper
    entry: Entry
    created: bool
    contributed: bool
    local_keys: list[tuple[str, str, str]]
    filled: list[str]


def import_batch(
    *, user: User, library: Library, batch: Sequence[Prepared], seen: dict[int, int]
) -> tuple[list[ImportItem], bool]:
    """Import `batch` into `library`, which the caller has locked with its version bumped
    for this write (`begin_library_write`); the items, in order, and whether anything was
    written. `seen` maps papers earlier records touched to their lines (a later record of
    the same paper is skipped); it is updated."""
    version = library.version
    keys = list(dict.fromkeys(key for prepared in batch for key in prepared.keys))
    owners, local = key_owners(keys, library.pk)
    papers = _papers({*owners.values(), *local.values()})
    entries = _entries(library, {paper.pk for paper in papers.values()})
    entry_tags = _entry_tags([entry.pk for entry in entries.values()])
    taken = set(
        Entry.objects.filter(library=library)
        .exclude(citekey="")
        .values_list(Lower("citekey"), flat=True)
    )
    # Papers and entries this batch creates, by identity of the (unsaved) paper object.
    new_papers: list[Paper] = []
    new_entries: dict[int, Entry] = {}
    written: list[_Written] = []
    # Each record's item, with the paper whose id it reports once the batch is written.
    outcomes: list[tuple[ImportItem, Paper | None] | _Written] = []
    now = timezone.now()

    def seen_key(paper: Paper) -> int:
        return paper.pk if paper.pk is not None else -id(paper)

    for prepared in batch:
        record = prepared.record
        if not prepared.keys:
            outcomes.append((ImportItem(record.line, prepared.title, "skipped", NO_IDENTITY), None))
            continue
        paper = _resolve(prepared.keys, owners, local, papers)
        if paper is None:
            creating = prepared.identity.creating_keys()
            paper = unsaved_paper(prepared.identity, creating)
            new_papers.append(paper)
            for key in creating:
                owners[key] = -id(paper)
            papers[-id(paper)] = paper
            global_keys = set(creating)
            entry = None
        else:
            global_keys = {key for key in prepared.keys if owners.get(key) == seen_key(paper)}
            entry = new_entries.get(id(paper)) or entries.get(seen_key(paper))
        local_keys = [
            (*key, prepared.identity.display(key))
            for key in prepared.keys
            if key not in global_keys
        ]
        filled: list[str] = []
        if entry is not None:
            if seen_key(paper) in seen:
                line = seen[seen_key(paper)]
                reason = f"same paper as line {line}"
                outcomes.append((ImportItem(record.line, prepared.title, "skipped", reason), paper))
                continue
            seen[seen_key(paper)] = record.line
            filled = filled_fields(entry, prepared.metadata)
            has_tags = set(prepared.tags) <= entry_tags.get(entry.pk, set())
            if has_tags and not filled and knows_key(entry, record.citekey, taken):
                outcomes.append((ImportItem(record.line, prepared.title, "unchanged"), paper))
                continue
            contributed = _merge(entry, paper, prepared, library, taken, version, now)
            created = False
        else:
            entry = _new_entry(paper, prepared, library, user, taken, version)
            new_entries[id(paper)] = entry
            contributed = True
            created = True
            seen.setdefault(seen_key(paper), record.line)
        for scheme, value, _ in local_keys:
            local.setdefault((scheme, value), seen_key(paper))
        step = _Written(prepared, paper, entry, created, contributed, local_keys, filled)
        written.append(step)
        outcomes.append(step)

    if written:
        _write(user, library, written, new_papers, entry_tags)
    for paper in new_papers:  # later batches know them by their ids
        if -id(paper) in seen:
            seen.setdefault(paper.pk, seen.pop(-id(paper)))
    items = [
        _item(outcome)
        if isinstance(outcome, _Written)
        else replace(outcome[0], paper_id=outcome[1].pk if outcome[1] else None)
        for outcome in outcomes
    ]
    return items, bool(written)


def _item(step: _Written) -> ImportItem:
    record = step.prepared.record
    if step.created:
        return ImportItem(record.line, step.prepared.title, "added", "", step.paper.pk)
    reason = f"filled in {', '.join(step.filled)}" if step.filled else ""
    return ImportItem(record.line, step.prepared.title, "merged", reason, step.paper.pk)


def _resolve(
    keys: list[Key], owners: dict[Key, int], local: dict[Key, int], papers: dict[int, Paper]
) -> Paper | None:
    """The paper `resolve_paper` would find by `keys`: global owners first, then the
    library's own keys, strongest key first; merged papers followed."""
    for key in keys:
        paper_id = owners.get(key) or local.get(key)
        if paper_id is not None:
            return _followed(papers[paper_id], papers)
    return None


def _followed(paper: Paper, papers: dict[int, Paper]) -> Paper:
    seen = {paper.pk}
    while paper.merged_into_id is not None and paper.merged_into_id not in seen:
        seen.add(paper.merged_into_id)
        paper = papers[paper.merged_into_id]
    return paper


def _papers(ids: set[int]) -> dict[int, Paper]:
    """The papers by id, with every paper they were merged into."""
    papers: dict[int, Paper] = {}
    wanted = ids
    while wanted:
        papers.update(Paper.objects.in_bulk(list(wanted)))
        wanted = {
            p.merged_into_id
            for p in papers.values()
            if p.merged_into_id is not None and p.merged_into_id not in papers
        }
    return papers


def _entries(library: Library, paper_ids: set[int]) -> dict[int, Entry]:
    if not paper_ids:
        return {}
    rows = Entry.objects.filter(library=library, paper_id__in=list(paper_ids)).select_related(
        "contribution"
    )
    entries = {entry.paper_id: entry for entry in rows}
    for entry in entries.values():
        entry.library = library
    return entries


def _entry_tags(entry_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    if entry_ids:
        rows = EntryTag.objects.filter(entry_id__in=entry_ids).values_list(
            "entry_id", "tag__folded"
        )
        for entry_id, folded in rows:
            found.setdefault(entry_id, set()).add(folded)
    return found


def _new_entry(
    paper: Paper,
    prepared: Prepared,
    library: Library,
    user: User,
    taken: set[str],
    version: int,
) -> Entry:
    """The entry `save_paper` makes for a paper new to the library (not saved yet)."""
    entry = Entry(library=library, paper=paper, added_by=user, version=version)
    entry.arxiv_version = prepared.saved_version or paper.arxiv_version
    contribute(entry, prepared.metadata)
    refresh_fields(entry, paper)
    citekey = prepared.record.citekey
    if citekey or is_key_ready(entry, paper):
        adopt_citekey(entry, pattern=library.citekey_pattern, wanted=citekey, taken=taken)
        taken.add(entry.citekey.lower())
    return entry


def _merge(
    entry: Entry,
    paper: Paper,
    prepared: Prepared,
    library: Library,
    taken: set[str],
    version: int,
    now: datetime,
) -> bool:
    """What `save_paper` changes on an entry the library has (in memory); True if the
    library's contribution changed."""
    entry.version, entry.updated_at = version, now
    saved_version = prepared.saved_version
    if saved_version and (entry.arxiv_version or 0) < saved_version:
        entry.arxiv_version = saved_version
    contributed = contribute(entry, prepared.metadata)
    refresh_fields(entry, paper)
    citekey = prepared.record.citekey
    wants_key = citekey or (not entry.citekey and is_key_ready(entry, paper))
    if wants_key and adopt_citekey(
        entry, pattern=library.citekey_pattern, wanted=citekey, taken=taken
    ):
        taken.add(entry.citekey.lower())
    return contributed


_ENTRY_UPDATE = ["version", "updated_at", "arxiv_version", *DESCRIPTIVE_FIELDS]


def _write(
    user: User,
    library: Library,
    written: list[_Written],
    new_papers: list[Paper],
    entry_tags: dict[int, set[str]],
) -> None:
    """The batch's rows: one statement per table."""
    if new_papers:
        Paper.objects.bulk_create(new_papers)
        _claim_identifiers(written, new_papers)
    created = [step for step in written if step.created]
    for step in created:
        step.entry.paper = step.paper  # its id is known now
    Entry.objects.bulk_create([step.entry for step in created])
    contributions = [
        contribution_of(step.entry)
        for step in written
        if step.contributed
        and (contribution_of(step.entry).contributed or contribution_of(step.entry).overrides)
    ]
    if contributions:
        EntryContribution.objects.bulk_create(
            contributions,
            update_conflicts=True,
            unique_fields=["entry"],
            update_fields=["contributed", "sources", "overrides"],
        )
    merged = [step.entry for step in written if not step.created]
    if merged:
        Entry.objects.bulk_update(merged, [*_ENTRY_UPDATE, "citekey", "citekey_aliases"])
    EntryIdentifier.objects.bulk_create(
        [
            EntryIdentifier(
                library_id=library.pk, entry=step.entry, scheme=scheme, value=value, display=shown
            )
            for step in written
            for scheme, value, shown in step.local_keys
        ],
        ignore_conflicts=True,
    )
    _attach_tags(library, written)
    if library.lab_id is not None and created:
        Activity.objects.bulk_create(
            [
                Activity(
                    lab_id=library.lab_id, actor=user, verb=Activity.Verb.SAVED, entry=step.entry
                )
                for step in created
            ]
        )
    queue_enrichment_of(new_papers)
    _retry_failed_enrichment({step.paper.pk: step.paper for step in written})


def _claim_identifiers(written: list[_Written], new_papers: list[Paper]) -> None:
    """The new papers' identifiers (the keys each was created by), in one statement; a key
    a concurrent save took first raises `ContendedIdentifier`."""
    created = {id(step.paper): step for step in written if step.created}
    rows = [
        (paper.pk, scheme, value, step.prepared.identity.display((scheme, value)))
        for paper in new_papers
        for step in [created[id(paper)]]
        for scheme, value in step.prepared.identity.creating_keys()
    ]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PaperIdentifier._meta.db_table} (paper_id, scheme, value, display)"
            f" VALUES {values} ON CONFLICT DO NOTHING RETURNING paper_id",
            [part for row in rows for part in row],
        )
        if len(cursor.fetchall()) != len(rows):
            raise ContendedIdentifier()


def _attach_tags(library: Library, written: list[_Written]) -> None:
    """`add_tags` for the batch: tags created on first use at the batch's version, then
    every record's links."""
    wanted: dict[str, str] = {}
    for step in written:
        for folded, name in step.prepared.tags.items():
            wanted.setdefault(folded, name)
    if not wanted:
        return
    existing = {tag.folded: tag for tag in Tag.objects.filter(library=library)}
    missing = [
        Tag(library=library, name=name, folded=folded, version=library.version)
        for folded, name in wanted.items()
        if folded not in existing
    ]
    if missing:
        Tag.objects.bulk_create(missing)
        existing.update((tag.folded, tag) for tag in missing)
    EntryTag.objects.bulk_create(
        [
            EntryTag(entry=step.entry, tag=existing[folded])
            for step in written
            for folded in step.prepared.tags
        ],
        ignore_conflicts=True,
    )


def _retry_failed_enrichment(papers: dict[int, Paper]) -> None:
    """`mark_enrichment_pending` for the papers whose registries had given up: someone
    wants them, so the registries get another go (papers no registry knows are marked so)."""
    failed = [p for p in papers.values() if p.enrichment == Paper.Enrichment.FAILED]
    if not failed:
        return
    askable = set(
        PaperIdentifier.objects.filter(
            paper_id__in=[p.pk for p in failed], scheme__in=REGISTRY_SCHEMES
        ).values_list("paper_id", flat=True)
    )
    now = timezone.now()
    for paper in failed:
        if paper.pk in askable:
            paper.enrichment, paper.enrichment_retry_at = Paper.Enrichment.PENDING, now
        else:
            paper.enrichment = Paper.Enrichment.NONE
    Paper.objects.filter(pk__in=[p.pk for p in failed if p.pk not in askable]).update(
        enrichment=Paper.Enrichment.NONE
    )
    pending = [p for p in failed if p.pk in askable]
    Paper.objects.filter(pk__in=[p.pk for p in pending]).update(
        enrichment=Paper.Enrichment.PENDING, enrichment_retry_at=now
    )
    queue_enrichment_of(pending)
