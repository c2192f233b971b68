"""A full JSON backup of one library, and restoring it into an empty library.

Everything a library holds travels: entries with their papers (metadata and identifiers),
tags, shared notes, highlights (selectors verbatim), reading lists in order, and each person's
reading state. Object keys and `added_at` are kept, so a restored library syncs as the same
objects. People are named by email; the exporting person's things become the restorer's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch

from readinglist.metadata import PageMetadata
from readinglist.models import (
    Entry,
    EntryTag,
    Highlight,
    Library,
    Note,
    Paper,
    PaperIdentifier,
    ReadingList,
    ReadingListItem,
    ReadingState,
    Tag,
    User,
)
from readinglist.search import refresh_search_vector
from readinglist.services.entries import require_writable
from readinglist.services.papers import identifiers_for, resolve_paper
from readinglist.services.versioning import begin_library_write

FORMAT = "readinglist-backup"
FORMAT_VERSION = 1
PAPER_FIELDS = ("title", "authors", "abstract", "published", "venue", "url", "pdf_url")


class BackupError(ValueError):
    """The backup cannot be restored (wrong shape, or the library is not empty)."""


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def dump_library(*, library: Library, exported_by: User) -> dict[str, Any]:
    entries = (
        Entry.objects.filter(library=library)
        .select_related("paper", "added_by")
        .prefetch_related(
            Prefetch("paper__identifiers", queryset=PaperIdentifier.objects.order_by("id")),
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("notes", queryset=Note.objects.select_related("author").order_by("id")),
            Prefetch(
                "highlights", queryset=Highlight.objects.select_related("author").order_by("id")
            ),
            Prefetch("states", queryset=ReadingState.objects.select_related("user").order_by("id")),
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
                    {"key": str(item.key), "entry": str(item.entry.key), "position": item.position}
                    for item in rl.items.select_related("entry").order_by("position", "id")
                ],
            }
            for rl in lists
        ],
    }


def _dump_entry(entry: Entry) -> dict[str, Any]:
    paper = entry.paper
    return {
        "key": str(entry.key),
        "added_at": _iso(entry.added_at),
        "added_by": _email(entry.added_by),
        "paper": {
            **{name: getattr(paper, name) for name in PAPER_FIELDS},
            "arxiv_version": paper.arxiv_version,
            "field_sources": paper.field_sources,
            "identifiers": [
                {"scheme": i.scheme, "value": i.value, "display": i.display}
                for i in paper.identifiers.all()
            ],
        },
        "tags": [tag.name for tag in entry.tags.all()],
        "notes": [
            {"key": str(n.key), "author": _email(n.author), "body": n.body}
            for n in entry.notes.all()
        ],
        "highlights": [
            {
                "key": str(h.key),
                "author": _email(h.author),
                "selectors": h.selectors,
                "offset_unit": h.offset_unit,
                "exact": h.exact,
                "color": h.color,
                "comment": h.comment,
            }
            for h in entry.highlights.all()
        ],
        "states": [
            {
                "key": str(s.key),
                "user": s.user.email,
                "status": s.status,
                "priority": s.priority,
                "rating": s.rating,
                "private_note": s.private_note,
                "read_at": _iso(s.read_at),
            }
            for s in entry.states.all()
        ],
    }


def _paper(data: dict[str, Any]) -> Paper:
    identifiers = {i["scheme"]: i.get("display") or i["value"] for i in data["identifiers"]}
    url = identifiers.pop("url", "") or data.get("url") or ""
    found = identifiers_for(url=url, metadata=PageMetadata(identifiers=identifiers))
    paper, created = resolve_paper(found=found)
    if created:
        for name in PAPER_FIELDS:
            setattr(paper, name, data.get(name) or ([] if name == "authors" else ""))
        for name in ("url", "pdf_url"):  # a backup is untrusted input: links must be web links
            if not str(getattr(paper, name)).lower().startswith(("https://", "http://")):
                setattr(paper, name, "")
        paper.arxiv_version = data.get("arxiv_version")
        paper.field_sources = dict(data.get("field_sources") or {})
        paper.save()
        refresh_search_vector(paper.pk)
    return paper


def restore_library(*, user: User, library: Library, data: dict[str, Any]) -> Library:
    """Recreate a backup in `library`, which must be empty; all or nothing, one version."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("not a readinglist backup (format must be 'readinglist-backup')")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"unsupported backup format_version {data.get('format_version')!r}")
    try:
        with transaction.atomic():
            require_writable(user=user, library_id=library.pk)
            library = begin_library_write(library_id=library.pk)
            if (
                Entry.objects.filter(library=library).exists()
                or Tag.objects.filter(library=library).exists()
                or ReadingList.objects.filter(library=library).exists()
            ):
                raise BackupError("a backup restores only into an empty library")
            _restore(user=user, library=library, data=data)
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        if isinstance(error, BackupError):
            raise
        raise BackupError(f"malformed backup: {error!r}") from None
    return library


def _restore(*, user: User, library: Library, data: dict[str, Any]) -> None:
    version = library.version
    exporter = data.get("exported_by")
    emails = {
        e
        for entry in data["entries"]
        for e in [entry.get("added_by")]
        + [n.get("author") for n in entry["notes"] + entry["highlights"]]
        + [s["user"] for s in entry["states"]]
        if e
    }
    people = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}

    def person(email: str | None) -> User | None:
        if not email:
            return None
        if email == exporter:
            return user
        return people.get(email.lower())

    tags = {
        t["name"].casefold(): Tag.objects.create(
            library=library, key=UUID(t["key"]), name=t["name"], color=t["color"], version=version
        )
        for t in data["tags"]
    }
    entries: dict[str, Entry] = {}
    for item in data["entries"]:
        entry = Entry.objects.create(
            library=library,
            key=UUID(item["key"]),
            paper=_paper(item["paper"]),
            added_by=person(item.get("added_by")),
            added_at=datetime.fromisoformat(item["added_at"]),
            version=version,
        )
        entries[item["key"]] = entry
        EntryTag.objects.bulk_create(
            [EntryTag(entry=entry, tag=tags[name.casefold()]) for name in item["tags"]]
        )
        for n in item["notes"]:
            Note.objects.create(
                library=library,
                key=UUID(n["key"]),
                entry=entry,
                author=person(n.get("author")),
                body=n["body"],
                version=version,
            )
        for h in item["highlights"]:
            Highlight.objects.create(
                library=library,
                key=UUID(h["key"]),
                entry=entry,
                author=person(h.get("author")),
                selectors=h["selectors"],
                offset_unit=h["offset_unit"],
                exact=h["exact"],
                color=h["color"],
                comment=h["comment"],
                version=version,
            )
        for s in item["states"]:
            owner = person(s["user"])
            if owner is None:
                continue  # someone without an account here; their private state stays theirs
            ReadingState.objects.create(
                library=library,
                key=UUID(s["key"]),
                entry=entry,
                user=owner,
                status=s["status"],
                priority=s["priority"],
                rating=s["rating"],
                private_note=s["private_note"],
                read_at=datetime.fromisoformat(s["read_at"]) if s["read_at"] else None,
                version=version,
            )
    for rl in data["lists"]:
        reading_list = ReadingList.objects.create(
            library=library,
            key=UUID(rl["key"]),
            name=rl["name"],
            description=rl["description"],
            version=version,
        )
        ReadingListItem.objects.bulk_create(
            [
                ReadingListItem(
                    library=library,
                    key=UUID(i["key"]),
                    reading_list=reading_list,
                    entry=entries[i["entry"]],
                    position=i["position"],
                    version=version,
                )
                for i in rl["items"]
            ]
        )
