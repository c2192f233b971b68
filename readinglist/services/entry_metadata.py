"""What a library sees of a paper: its contributions, its edits, and the fields they make.

An Entry keeps the metadata its library sees in plain columns (so every read, search and
export is a read of the entry row), computed by `effective_metadata` from three layers: the
library's edits and its own contributions (`EntryContribution`), and between them the
paper's registry metadata. Only the functions here change those columns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from readinglist import sql
from readinglist.access import require_writable
from readinglist.metadata import (
    DESCRIPTIVE_FIELDS,
    MAX_AUTHOR_LENGTH,
    MAX_AUTHORS,
    MAX_LENGTHS,
    ItemType,
    PageMetadata,
    clean_text,
    effective_metadata,
    merge_into,
)
from readinglist.models import Entry, EntryContribution, Paper, User
from readinglist.services.citekeys import clean_citekey, rename_citekey
from readinglist.services.versioning import begin_library_write, current_row

_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")


def authoritative_of(paper: Paper) -> dict[str, Any]:
    return {name: getattr(paper, name) for name in DESCRIPTIVE_FIELDS}


def contribution_of(entry: Entry) -> EntryContribution:
    """The entry's contribution, or a new empty one (not saved) if its library said nothing
    yet. Load entries with `select_related("contribution")` to read it with the entry."""
    try:
        return entry.contribution
    except EntryContribution.DoesNotExist:
        entry.contribution = EntryContribution(entry=entry)
        return entry.contribution


def save_contribution(entry: Entry) -> None:
    """Write the entry's contribution (after the entry itself exists)."""
    contribution = contribution_of(entry)
    if contribution._state.adding:
        if contribution.contributed or contribution.overrides:
            sql.insert(contribution)
    else:
        contribution.save()


def contribute(entry: Entry, metadata: PageMetadata | None) -> bool:
    """Merge a save's metadata into the entry's contributions (best value per field) and
    its typed fields ("user") into the entry's overrides, in memory; True if either changed."""
    if metadata is None:
        return False
    contribution = contribution_of(entry)
    changed = False
    incoming = metadata.contributed()
    merged = merge_into(contribution.contributed, contribution.sources, incoming)
    for name, (value, source) in merged.items():
        contribution.contributed[name] = value
        contribution.sources[name] = source.value
        changed = True
    for name, value in metadata.overrides().items():
        if contribution.overrides.get(name) != value:
            contribution.overrides[name] = value
            changed = True
    return changed


def refresh_fields(entry: Entry, paper: Paper) -> list[str]:
    """Set the entry's metadata columns from its layers and `paper`, in memory; the names
    of the columns that changed."""
    contribution = contribution_of(entry)
    seen = effective_metadata(
        authoritative=authoritative_of(paper),
        contributed=contribution.contributed,
        overrides=contribution.overrides,
    )
    changed = [name for name, value in seen.items() if getattr(entry, name) != value]
    for name in changed:
        setattr(entry, name, seen[name])
    if entry.arxiv_version is None and paper.arxiv_version is not None:
        # Saved by an unversioned link before arXiv answered: the version it answered with.
        entry.arxiv_version = paper.arxiv_version
        changed.append("arxiv_version")
    return changed


def clean_details(changes: Mapping[str, Any]) -> dict[str, Any]:
    """A person's edit checked field by field: None removes that field's override (the
    registry's or the library's own value shows again); ValidationError names bad fields."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in DESCRIPTIVE_FIELDS:
            errors[name] = "Not an editable field."
            continue
        if value is None:
            cleaned[name] = None
            continue
        try:
            cleaned[name] = _clean_detail(name, value)
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_detail(name: str, value: Any) -> Any:
    if name == "authors":
        if not isinstance(value, list | tuple) or not all(isinstance(a, str) for a in value):
            raise ValueError("A list of names.")
        authors = [cleaned for author in value if (cleaned := clean_text(author))]
        if len(authors) > MAX_AUTHORS or any(len(a) > MAX_AUTHOR_LENGTH for a in authors):
            raise ValueError(f"At most {MAX_AUTHORS} names of {MAX_AUTHOR_LENGTH} characters.")
        return authors
    if not isinstance(value, str):
        raise ValueError("Text.")
    text = clean_text(value)
    if len(text) > MAX_LENGTHS.get(name, 2000):
        raise ValueError(f"At most {MAX_LENGTHS.get(name, 2000)} characters.")
    if name == "item_type" and text and text not in ItemType:
        raise ValueError(f"One of {[t.value for t in ItemType]}.")
    if name == "published" and text and _DATE.fullmatch(text) is None:
        raise ValueError("A year, or a date as YYYY-MM or YYYY-MM-DD.")
    if name in ("url", "pdf_url") and text and not text.lower().startswith(("https://", "http://")):
        raise ValueError("An http(s) link.")
    return text


def edit_details(
    *, user: User, entry: Entry, changes: Mapping[str, Any], base_version: int | None = None
) -> Entry:
    """A person's edit of what their library sees of a paper (title, authors, year, venue,
    type, abstract, links): overrides in this library only, never the global paper. A
    `citekey` in `changes` renames the entry's citation key (the old one stays an alias).

    With `base_version` (the entry version the editor saw), an entry changed since raises
    StaleObject.
    """
    changes = dict(changes)
    citekey = clean_citekey(changes.pop("citekey")) if "citekey" in changes else None
    cleaned = clean_details(changes)
    with transaction.atomic():
        require_writable(user=user, library_id=entry.library_id)
        library = begin_library_write(library_id=entry.library_id)
        entry = current_row(entry, base_version=base_version)
        overrides = contribution_of(entry).overrides
        for name, value in cleaned.items():
            if value is None:
                overrides.pop(name, None)
            else:
                overrides[name] = value
        changed = refresh_fields(entry, entry.paper)
        if citekey is not None and rename_citekey(entry, citekey):
            changed += ["citekey", "citekey_aliases"]
        entry.library = library
        entry.version = library.version
        entry.save(update_fields=[*changed, "version", "updated_at"])
        save_contribution(entry)
    return entry
