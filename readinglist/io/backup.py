"""A full JSON backup of one library, and restoring it into an empty library.

What travels: each entry as its library sees it (the identifiers, the library's own
contributions and edits), tags, shared notes, highlights (selectors verbatim), reading lists
in order, and the exporter's own reading state. Object keys and `added_at` are kept, so a
restored library syncs as the same objects. Nobody else's private state is in a backup.

A backup file is untrusted input, restored through the same path as a save: it is checked
completely before anything is written (a bad file is a `BackupError` naming the first bad
value, and nothing changes), its identifiers resolve papers as a save's would, its metadata
becomes the restoring library's contribution, and everything in it becomes the restorer's:
no note, state or entry is ever attributed to another account, and whether an email in the
file has an account here changes nothing in the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from readinglist.access import require_writable
from readinglist.errors import DomainError
from readinglist.io.citekeys import VALID_CITEKEY
from readinglist.metadata import (
    MAX_AUTHOR_LENGTH,
    MAX_AUTHORS,
    MAX_LENGTHS,
    MERGED_FIELDS,
    ItemType,
    PageMetadata,
    Source,
)
from readinglist.models import (
    CITEKEY_MAX_LENGTH,
    MAX_TAG_LENGTH,
    Entry,
    EntryIdentifier,
    EntryTag,
    Highlight,
    Library,
    Note,
    PaperIdentifier,
    ReadingList,
    ReadingListItem,
    ReadingState,
    Tag,
    User,
    shown_identifiers,
)
from readinglist.services.citekeys import adopt_citekey, is_key_ready
from readinglist.services.entries import keep_local_identifiers
from readinglist.services.entry_metadata import (
    clean_details,
    contribute,
    contribution_of,
    refresh_fields,
    save_contribution,
)
from readinglist.services.lists import MAX_PUBLIC_NOTE_LENGTH
from readinglist.services.papers import UnidentifiablePaper, identity_for, resolve_paper
from readinglist.services.queue import queue_enrichment
from readinglist.services.versioning import begin_library_write
from readinglist.text import fold_tag_name

FORMAT = "readinglist-backup"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_ENTRIES = 100_000
MAX_NOTE_LENGTH = 100_000
MAX_SELECTORS_BYTES = 100_000
# Identifier schemes a file may state (a fingerprint is the server's to compute).
FILE_SCHEMES = ("arxiv", "doi", "isbn", "openreview", "acl", "pmid", "pmcid", "url")
# Sources a file may give for its metadata: a client's, never a registry's.
CLIENT_SOURCES = {source.value for source in Source} - {Source.USER.value}


class BackupError(DomainError, ValueError):
    """The backup cannot be restored (wrong shape, or the library is not empty)."""


@dataclass
class RestoreReport:
    entries: int = 0
    tags: int = 0
    notes: int = 0
    highlights: int = 0
    lists: int = 0
    states: int = 0
    # Reading states of other people in a version-1 file: private to them, so not restored.
    states_dropped: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- dump ------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def dump_library(*, library: Library, exported_by: User) -> dict[str, Any]:
    entries = (
        Entry.objects.filter(library=library)
        .select_related("contribution")
        .prefetch_related(
            Prefetch("paper__identifiers", queryset=PaperIdentifier.objects.order_by("id")),
            Prefetch("local_identifiers", queryset=EntryIdentifier.objects.order_by("id")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("notes", queryset=Note.objects.order_by("id")),
            Prefetch("highlights", queryset=Highlight.objects.order_by("id")),
            Prefetch("states", queryset=ReadingState.objects.filter(user=exported_by)),
        )
        .order_by("added_at", "id")
    )
    lists = ReadingList.objects.filter(library=library).order_by("id")
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "exported_by": exported_by.email,
        "library": {"name": library.name, "kind": library.kind, "version": library.version},
        "tags": [
            {"key": str(t.key), "name": t.name, "color": t.color}
            for t in Tag.objects.filter(library=library).order_by("name", "id")
        ],
        "entries": [_dump_entry(entry) for entry in entries],
        "lists": [
            {
                "key": str(rl.key),
                "name": rl.name,
                "description": rl.description,
                "items": [
                    {
                        "key": str(item.key),
                        "entry": str(item.entry.key),
                        "position": item.position,
                        "public_note": item.public_note,
                    }
                    for item in rl.items.select_related("entry").order_by("position", "id")
                ],
            }
            for rl in lists
        ],
    }


def _dump_entry(entry: Entry) -> dict[str, Any]:
    identifiers = [
        {"scheme": i.scheme, "value": i.value, "display": i.display}
        for i in shown_identifiers(entry)
        if i.scheme in FILE_SCHEMES
    ]
    state = next(iter(entry.states.all()), None)
    contribution = contribution_of(entry)
    return {
        "key": str(entry.key),
        "added_at": _iso(entry.added_at),
        "identifiers": identifiers,
        "metadata": dict(contribution.contributed),
        "metadata_sources": dict(contribution.sources),
        "overrides": dict(contribution.overrides),
        "arxiv_version": entry.arxiv_version,
        "citekey": entry.citekey,
        "citekey_aliases": list(entry.citekey_aliases),
        "tags": [tag.name for tag in entry.tags.all()],
        "notes": [{"key": str(n.key), "body": n.body} for n in entry.notes.all()],
        "highlights": [
            {
                "key": str(h.key),
                "selectors": h.selectors,
                "offset_unit": h.offset_unit,
                "exact": h.exact,
                "color": h.color,
                "comment": h.comment,
            }
            for h in entry.highlights.all()
        ],
        "state": None
        if state is None
        else {
            "key": str(state.key),
            "status": state.status,
            "priority": state.priority,
            "rating": state.rating,
            "private_note": state.private_note,
            "read_at": _iso(state.read_at),
        },
    }


# --- checking a file -------------------------------------------------------------------------


class _Checker:
    """Reads an untrusted backup into plain values, or raises BackupError naming the path of
    the first bad value."""

    def __init__(self) -> None:
        self.keys: set[UUID] = set()

    def fail(self, path: str, problem: str) -> BackupError:
        return BackupError(f"malformed backup: {path}: {problem}")

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be an object")
        return value

    def items(self, value: Any, path: str, *, limit: int = MAX_ENTRIES) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "must be a list")
        if len(value) > limit:
            raise self.fail(path, f"at most {limit} items")
        return value

    def text(self, value: Any, path: str, *, limit: int, empty: bool = True) -> str:
        if value is None and empty:
            return ""
        if not isinstance(value, str):
            raise self.fail(path, "must be text")
        if len(value) > limit:
            raise self.fail(path, f"at most {limit} characters")
        if not empty and not value.strip():
            raise self.fail(path, "must not be empty")
        if "\x00" in value:
            raise self.fail(path, "must not contain NUL")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise self.fail(path, "must be valid Unicode (no lone surrogates)") from None
        return value

    def key(self, value: Any, path: str) -> UUID:
        try:
            key = UUID(self.text(value, path, limit=40, empty=False))
        except ValueError:
            raise self.fail(path, "must be a UUID") from None
        if key in self.keys:
            raise self.fail(path, f"the key {key} appears twice")
        self.keys.add(key)
        return key

    def moment(self, value: Any, path: str, *, empty: bool = False) -> datetime | None:
        if value is None and empty:
            return None
        try:
            moment = datetime.fromisoformat(self.text(value, path, limit=40, empty=False))
        except ValueError:
            raise self.fail(path, "must be an ISO 8601 date and time") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def integer(self, value: Any, path: str, *, low: int, high: int, empty: bool = False) -> Any:
        if value is None and empty:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.fail(path, f"must be a whole number from {low} to {high}")
        return value

    def choice(self, value: Any, path: str, choices: Any) -> str:
        text = self.text(value, path, limit=40, empty=False)
        if text not in choices:
            raise self.fail(path, f"must be one of {sorted(choices)}")
        return text

    def metadata(self, value: Any, sources: Any, path: str) -> PageMetadata:
        data = self.mapping(value or {}, path)
        given = self.mapping(sources or {}, path + "_sources")
        fields: dict[str, Any] = {}
        field_sources: dict[str, Source] = {}
        for name, raw in data.items():
            where = f"{path}.{name}"
            if name not in MERGED_FIELDS:
                raise self.fail(where, "is not a metadata field")
            if name == "authors":
                names = self.items(raw, where, limit=MAX_AUTHORS)
                fields[name] = tuple(
                    self.text(a, f"{where}[{i}]", limit=MAX_AUTHOR_LENGTH)
                    for i, a in enumerate(names)
                )
            elif name == "item_type":
                fields[name] = self.choice(raw, where, {"", *ItemType}) if raw else ""
            else:
                fields[name] = self.text(raw, where, limit=MAX_LENGTHS[name])
            if name == "pdf_url" and fields[name] and not _is_web_link(fields[name]):
                fields[name] = ""  # a link the pages would render must be a web link
        for name, raw in given.items():
            source = "citation" if raw == "registry" else raw  # version 1 kept the paper's
            field_sources[name] = Source(
                self.choice(source, f"{path}_sources.{name}", CLIENT_SOURCES)
            )
        return PageMetadata(**fields, source=Source.CITATION, field_sources=field_sources)

    def overrides(self, value: Any, path: str) -> dict[str, Any]:
        data = self.mapping(value or {}, path)
        try:
            cleaned = clean_details({name: raw for name, raw in data.items() if raw is not None})
        except ValidationError as error:
            name, problems = next(iter(error.message_dict.items()))
            raise self.fail(f"{path}.{name}", " ".join(problems)) from None
        return cleaned

    def identifiers(self, value: Any, path: str) -> dict[str, str]:
        stated: dict[str, str] = {}
        for i, raw in enumerate(self.items(value or [], path, limit=50)):
            item = self.mapping(raw, f"{path}[{i}]")
            scheme = self.text(item.get("scheme"), f"{path}[{i}].scheme", limit=20)
            if scheme == "fingerprint":
                continue  # computed from the metadata again
            self.choice(scheme, f"{path}[{i}].scheme", FILE_SCHEMES)
            shown = item.get("display") or item.get("value")
            stated.setdefault(
                scheme, self.text(shown, f"{path}[{i}].value", limit=2000, empty=False)
            )
        return stated

    def selectors(self, value: Any, path: str) -> Any:
        if not isinstance(value, list | dict):
            raise self.fail(path, "must be a list or an object of W3C selectors")
        try:
            size = len(json.dumps(value).encode())
        except (TypeError, ValueError):
            raise self.fail(path, "must be JSON") from None
        if size > MAX_SELECTORS_BYTES or "\\u0000" in json.dumps(value):
            raise self.fail(path, "is too large or holds NUL")
        return value


def _is_web_link(value: str) -> bool:
    return value.lower().startswith(("https://", "http://"))


@dataclass
class _EntryFile:
    key: UUID
    added_at: datetime
    url: str
    metadata: PageMetadata
    overrides: dict[str, Any]
    arxiv_version: int | None
    tags: list[str]
    notes: list[tuple[UUID, str]]
    highlights: list[dict[str, Any]]
    state: dict[str, Any] | None
    states_dropped: int
    citekey: str = ""
    citekey_aliases: tuple[str, ...] = ()


@dataclass
class _File:
    tags: list[tuple[UUID, str, str]]
    entries: list[_EntryFile]
    lists: list[tuple[UUID, str, str, list[tuple[UUID, UUID, int, str]]]]


def read_backup(data: Any) -> _File:
    """The whole file checked: every value typed and bounded, every reference resolvable."""
    check = _Checker()
    top = check.mapping(data, "backup")
    if top.get("format") != FORMAT:
        raise BackupError("not a readinglist backup (format must be 'readinglist-backup')")
    version = top.get("format_version")
    if version not in READABLE_VERSIONS:
        raise BackupError(f"unsupported backup format_version {version!r}")
    exporter = top.get("exported_by")
    tags = []
    folded: set[str] = set()
    for i, raw in enumerate(check.items(top.get("tags", []), "tags")):
        item = check.mapping(raw, f"tags[{i}]")
        name = check.text(item.get("name"), f"tags[{i}].name", limit=MAX_TAG_LENGTH, empty=False)
        color = check.text(item.get("color"), f"tags[{i}].color", limit=7)
        if fold_tag_name(name) in folded:
            raise check.fail(f"tags[{i}].name", "appears twice")
        folded.add(fold_tag_name(name))
        tags.append((check.key(item.get("key"), f"tags[{i}].key"), name.strip(), color))
    reader: Callable[[_Checker, Mapping[str, Any], str, Any], _EntryFile] = (
        _read_entry_v1 if version == 1 else _read_entry_v2
    )
    entries = [
        reader(check, check.mapping(raw, f"entries[{i}]"), f"entries[{i}]", exporter)
        for i, raw in enumerate(check.items(top.get("entries", []), "entries"))
    ]
    for entry in entries:
        for name in entry.tags:
            if fold_tag_name(name) not in folded:
                raise check.fail(f"entry {entry.key}", f"tag {name!r} is not in `tags`")
    entry_keys = {entry.key for entry in entries}
    lists = []
    for i, raw in enumerate(check.items(top.get("lists", []), "lists")):
        item = check.mapping(raw, f"lists[{i}]")
        places = []
        for j, rawp in enumerate(check.items(item.get("items", []), f"lists[{i}].items")):
            place = check.mapping(rawp, f"lists[{i}].items[{j}]")
            entry_key = _uuid(check, place.get("entry"), f"lists[{i}].items[{j}].entry")
            if entry_key not in entry_keys:
                raise check.fail(f"lists[{i}].items[{j}].entry", "names no entry in the file")
            places.append(
                (
                    check.key(place.get("key"), f"lists[{i}].items[{j}].key"),
                    entry_key,
                    check.integer(
                        place.get("position"),
                        f"lists[{i}].items[{j}].position",
                        low=-(2**62),
                        high=2**62,
                    ),
                    check.text(
                        place.get("public_note", ""),
                        f"lists[{i}].items[{j}].public_note",
                        limit=MAX_PUBLIC_NOTE_LENGTH,
                    ),
                )
            )
        lists.append(
            (
                check.key(item.get("key"), f"lists[{i}].key"),
                check.text(item.get("name"), f"lists[{i}].name", limit=200, empty=False),
                check.text(item.get("description"), f"lists[{i}].description", limit=20_000),
                places,
            )
        )
    return _File(tags=tags, entries=entries, lists=lists)


def _uuid(check: _Checker, value: Any, path: str) -> UUID:
    try:
        return UUID(check.text(value, path, limit=40, empty=False))
    except ValueError:
        raise check.fail(path, "must be a UUID") from None


def _read_common(
    check: _Checker, item: Mapping[str, Any], path: str
) -> tuple[UUID, datetime, list[str], list[tuple[UUID, str]], list[dict[str, Any]]]:
    key = check.key(item.get("key"), f"{path}.key")
    added_at = check.moment(item.get("added_at"), f"{path}.added_at")
    assert added_at is not None
    tags = [
        check.text(name, f"{path}.tags[{i}]", limit=MAX_TAG_LENGTH, empty=False).strip()
        for i, name in enumerate(check.items(item.get("tags", []), f"{path}.tags", limit=500))
    ]
    notes = [
        (
            check.key(n.get("key"), f"{path}.notes[{i}].key"),
            check.text(
                n.get("body"), f"{path}.notes[{i}].body", limit=MAX_NOTE_LENGTH, empty=False
            ),
        )
        for i, raw in enumerate(check.items(item.get("notes", []), f"{path}.notes", limit=10_000))
        for n in [check.mapping(raw, f"{path}.notes[{i}]")]
    ]
    highlights = []
    for i, raw in enumerate(
        check.items(item.get("highlights", []), f"{path}.highlights", limit=10_000)
    ):
        h = check.mapping(raw, f"{path}.highlights[{i}]")
        where = f"{path}.highlights[{i}]"
        highlights.append(
            {
                "key": check.key(h.get("key"), f"{where}.key"),
                "selectors": check.selectors(h.get("selectors"), f"{where}.selectors"),
                "offset_unit": check.choice(
                    h.get("offset_unit") or "utf16",
                    f"{where}.offset_unit",
                    {u.value for u in Highlight.OffsetUnit},
                ),
                "exact": check.text(h.get("exact"), f"{where}.exact", limit=MAX_NOTE_LENGTH),
                "color": check.text(h.get("color"), f"{where}.color", limit=7),
                "comment": check.text(h.get("comment"), f"{where}.comment", limit=MAX_NOTE_LENGTH),
            }
        )
    return key, added_at, tags, notes, highlights


def _read_state(check: _Checker, raw: Any, path: str) -> dict[str, Any]:
    s = check.mapping(raw, path)
    return {
        "key": check.key(s.get("key"), f"{path}.key"),
        "status": check.choice(s.get("status"), f"{path}.status", set(ReadingState.Status.values)),
        "priority": check.integer(s.get("priority", 0), f"{path}.priority", low=0, high=3),
        "rating": check.integer(s.get("rating"), f"{path}.rating", low=1, high=5, empty=True),
        "private_note": check.text(
            s.get("private_note"), f"{path}.private_note", limit=MAX_NOTE_LENGTH
        ),
        "read_at": check.moment(s.get("read_at"), f"{path}.read_at", empty=True),
    }


def _read_entry_v2(
    check: _Checker, item: Mapping[str, Any], path: str, exporter: Any
) -> _EntryFile:
    key, added_at, tags, notes, highlights = _read_common(check, item, path)
    stated = check.identifiers(item.get("identifiers"), f"{path}.identifiers")
    metadata = check.metadata(
        item.get("metadata"), item.get("metadata_sources"), f"{path}.metadata"
    )
    raw_state = item.get("state")
    return _EntryFile(
        key=key,
        added_at=added_at,
        url=stated.pop("url", ""),
        metadata=PageMetadata(**{**_fields(metadata), "identifiers": stated}),
        overrides=check.overrides(item.get("overrides"), f"{path}.overrides"),
        arxiv_version=check.integer(
            item.get("arxiv_version"), f"{path}.arxiv_version", low=1, high=1000, empty=True
        ),
        tags=tags,
        notes=notes,
        highlights=highlights,
        state=None if raw_state is None else _read_state(check, raw_state, f"{path}.state"),
        states_dropped=0,
        citekey=_citekey(check, item.get("citekey"), f"{path}.citekey"),
        citekey_aliases=tuple(
            _citekey(check, alias, f"{path}.citekey_aliases[{i}]")
            for i, alias in enumerate(
                check.items(item.get("citekey_aliases") or [], f"{path}.citekey_aliases", limit=50)
            )
        ),
    )


def _citekey(check: _Checker, value: Any, path: str) -> str:
    key = check.text(value, path, limit=CITEKEY_MAX_LENGTH)
    if key and VALID_CITEKEY.fullmatch(key) is None:
        raise check.fail(path, "not a citation key")
    return key


def _read_entry_v1(
    check: _Checker, item: Mapping[str, Any], path: str, exporter: Any
) -> _EntryFile:
    """Version 1 kept the shared paper's fields and everyone's states (named by email)."""
    key, added_at, tags, notes, highlights = _read_common(check, item, path)
    paper = check.mapping(item.get("paper"), f"{path}.paper")
    stated = check.identifiers(paper.get("identifiers"), f"{path}.paper.identifiers")
    fields = {name: paper[name] for name in MERGED_FIELDS if name in paper}
    metadata = check.metadata(fields, paper.get("field_sources"), f"{path}.paper")
    url = stated.pop("url", "") or check.text(paper.get("url"), f"{path}.paper.url", limit=2000)
    states = check.items(item.get("states", []), f"{path}.states", limit=10_000)
    own, dropped = None, 0
    for i, raw in enumerate(states):
        person = check.mapping(raw, f"{path}.states[{i}]").get("user")
        state = _read_state(check, raw, f"{path}.states[{i}]")
        if own is None and isinstance(exporter, str) and person == exporter:
            own = state
        else:
            dropped += 1
    return _EntryFile(
        key=key,
        added_at=added_at,
        url=url if _is_web_link(url) else "",
        metadata=PageMetadata(**{**_fields(metadata), "identifiers": stated}),
        overrides={},
        arxiv_version=check.integer(
            paper.get("arxiv_version"), f"{path}.paper.arxiv_version", low=1, high=1000, empty=True
        ),
        tags=tags,
        notes=notes,
        highlights=highlights,
        state=own,
        states_dropped=dropped,
    )


def _fields(metadata: PageMetadata) -> dict[str, Any]:
    return {
        **{name: getattr(metadata, name) for name in MERGED_FIELDS},
        "source": metadata.source,
        "field_sources": metadata.field_sources,
    }


# --- restore ---------------------------------------------------------------------------------


def restore_library(*, user: User, library: Library, data: Any) -> RestoreReport:
    """Recreate a backup in `library`, which must be empty; all or nothing, one version."""
    backup = read_backup(data)
    report = RestoreReport()
    with transaction.atomic():
        require_writable(user=user, library_id=library.pk)
        library = begin_library_write(library_id=library.pk)
        if (
            Entry.objects.filter(library=library).exists()
            or Tag.objects.filter(library=library).exists()
            or ReadingList.objects.filter(library=library).exists()
        ):
            raise BackupError("a backup restores only into an empty library")
        _restore(user=user, library=library, backup=backup, report=report)
    return report


def _restore(*, user: User, library: Library, backup: _File, report: RestoreReport) -> None:
    version = library.version
    tags = {
        fold_tag_name(name): Tag(
            library=library,
            key=key,
            name=name,
            folded=fold_tag_name(name),
            color=color,
            version=version,
        )
        for key, name, color in backup.tags
    }
    Tag.objects.bulk_create(tags.values())
    report.tags = len(tags)
    entries: dict[UUID, Entry] = {}
    for item in backup.entries:
        entry = _restore_entry(user=user, library=library, item=item)
        entries[item.key] = entry
        EntryTag.objects.bulk_create(
            [EntryTag(entry=entry, tag=tags[fold_tag_name(name)]) for name in item.tags],
            ignore_conflicts=True,
        )
        Note.objects.bulk_create(
            Note(library=library, key=key, entry=entry, author=user, body=body, version=version)
            for key, body in item.notes
        )
        Highlight.objects.bulk_create(
            Highlight(library=library, entry=entry, author=user, version=version, **h)
            for h in item.highlights
        )
        if item.state is not None:
            ReadingState.objects.create(
                library=library, entry=entry, user=user, version=version, **item.state
            )
            report.states += 1
        report.notes += len(item.notes)
        report.highlights += len(item.highlights)
        report.states_dropped += item.states_dropped
    report.entries = len(entries)
    for key, name, description, places in backup.lists:
        reading_list = ReadingList.objects.create(
            library=library, key=key, name=name, description=description, version=version
        )
        ReadingListItem.objects.bulk_create(
            ReadingListItem(
                library=library,
                key=place_key,
                reading_list=reading_list,
                entry=entries[entry_key],
                position=position,
                public_note=public_note,
                version=version,
            )
            for place_key, entry_key, position, public_note in places
        )
        report.lists += 1


def _restore_entry(*, user: User, library: Library, item: _EntryFile) -> Entry:
    """An entry made as a save makes it: identity from the file's identifiers, the file's
    metadata as this library's contribution and its edits as this library's overrides."""
    identity = identity_for(url=item.url, metadata=item.metadata)
    try:
        resolution = resolve_paper(identity=identity, library_id=library.pk)
    except UnidentifiablePaper:
        raise BackupError(
            f"malformed backup: entry {item.key}: no identifier, link or title"
        ) from None
    paper = resolution.paper
    if Entry.objects.filter(library=library, paper=paper).exists():
        raise BackupError(f"malformed backup: entry {item.key} is the same work as another")
    entry = Entry(
        library=library,
        key=item.key,
        paper=paper,
        added_by=user,
        added_at=item.added_at,
        version=library.version,
        arxiv_version=item.arxiv_version,
        citekey_aliases=list(item.citekey_aliases),
    )
    contribution_of(entry).overrides = dict(item.overrides)
    contribute(entry, item.metadata)
    refresh_fields(entry, paper)
    if item.citekey or is_key_ready(entry, paper):
        adopt_citekey(entry, pattern=library.citekey_pattern, wanted=item.citekey)
    entry.save(force_insert=True)
    save_contribution(entry)
    if resolution.local_keys:
        keep_local_identifiers(entry=entry, keys=resolution.local_keys)
    if resolution.created:
        queue_enrichment(paper)
    return entry
