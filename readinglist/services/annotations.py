"""Notes and highlights on entries: shared with everyone who can see the library.

Anyone who may write in the library may annotate; changing or deleting someone else's
annotation is for the library's owner (personal) or the lab's owners and admins.
"""

from __future__ import annotations

import json
from typing import Any, TypeGuard
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction

from readinglist.access import require_writable
from readinglist.errors import DomainError, ErrorKind
from readinglist.models import (
    Comment,
    Entry,
    Highlight,
    Library,
    Membership,
    Note,
    Tombstone,
    User,
)
from readinglist.roles import MODERATOR_ROLES
from readinglist.services.tags import clean_color
from readinglist.services.versioning import (
    begin_library_write,
    comment_thread_keys,
    current_row,
    delete_with_tombstone,
    write_tombstones,
)
from readinglist.text import require_storable

MAX_NOTE_LENGTH = 100_000
MAX_COMMENT_LENGTH = 100_000
MAX_SELECTORS = 20
MAX_SELECTORS_BYTES = 64 * 1024
MAX_SELECTOR_DEPTH = 32
SELECTOR_TYPES = frozenset(
    {
        "TextQuoteSelector",
        "TextPositionSelector",
        "RangeSelector",
        "CssSelector",
        "XPathSelector",
        "FragmentSelector",
    }
)
# Web Annotation Data Model §4.2: these selectors carry their expression in `value`.
SELECTORS_WITH_VALUE = frozenset({"CssSelector", "XPathSelector", "FragmentSelector"})

Annotation = Note | Highlight


class NotAnnotationAuthor(DomainError, PermissionError):
    """Only the author, or whoever administers the library, may change an annotation."""

    kind = ErrorKind.FORBIDDEN
    default_message = "Only its author, or an owner or admin of the lab, can change this."


def clean_note_body(body: str) -> str:
    """Markdown is kept as written (indentation and trailing spaces mean something)."""
    if not body.strip():
        raise ValidationError({"body": "A note needs a body."})
    if len(body) > MAX_NOTE_LENGTH:
        raise ValidationError({"body": f"At most {MAX_NOTE_LENGTH} characters."})
    return require_storable(body, field="body")


def exact_text_of(selectors: Any) -> str:
    """Validate W3C Web Annotation selectors; return the quoted text (may be empty).

    The selectors themselves are stored untouched: only their shape is checked here.
    """
    if not isinstance(selectors, list) or not selectors:
        raise ValidationError({"selectors": "A non-empty list of selector objects is needed."})
    if len(selectors) > MAX_SELECTORS:
        raise ValidationError({"selectors": f"At most {MAX_SELECTORS} selectors."})
    if _unstorable_or_too_deep(selectors):
        # PostgreSQL's jsonb refuses \u0000, lone surrogates cannot be encoded at all, and
        # measuring the size below recurses as deep as the nesting goes.
        raise ValidationError(
            {
                "selectors": "Text may not contain NUL or lone surrogates, and nesting may "
                f"not be deeper than {MAX_SELECTOR_DEPTH}."
            }
        )
    size = len(json.dumps(selectors, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_SELECTORS_BYTES:
        raise ValidationError({"selectors": f"At most {MAX_SELECTORS_BYTES} bytes of JSON."})
    exact = ""
    for index, selector in enumerate(selectors):
        problem = _selector_problem(selector)
        if problem:
            raise ValidationError({"selectors": f"Selector {index}: {problem}"})
        if selector["type"] == "TextQuoteSelector" and not exact:
            exact = selector["exact"]
    return str(exact)


def _selector_problem(selector: Any) -> str:
    if not isinstance(selector, dict):
        return "must be an object."
    kind = selector.get("type")
    if not isinstance(kind, str) or kind not in SELECTOR_TYPES:
        return f"type must be one of {', '.join(sorted(SELECTOR_TYPES))}."
    if kind == "TextQuoteSelector":
        if not isinstance(selector.get("exact"), str) or not selector["exact"]:
            return "a TextQuoteSelector needs a non-empty string `exact`."
        if any(not isinstance(selector.get(k, ""), str) for k in ("prefix", "suffix")):
            return "prefix and suffix must be strings."
    elif kind == "TextPositionSelector":
        start, end = selector.get("start"), selector.get("end")
        # bool is an int in Python but not in JSON.
        if not _is_json_int(start) or not _is_json_int(end):
            return "a TextPositionSelector needs integer `start` and `end`."
        if not 0 <= start <= end:
            return "needs 0 <= start <= end."
    elif kind in SELECTORS_WITH_VALUE and not isinstance(selector.get("value"), str):
        return f"a {kind} needs a string `value`."
    return ""


def _is_json_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _unstorable_or_too_deep(value: Any) -> bool:
    """Walked with an explicit stack: deeply nested input must not exhaust Python's."""
    pending = [(value, 0)]
    while pending:
        current, depth = pending.pop()
        if depth > MAX_SELECTOR_DEPTH:
            return True
        if isinstance(current, str):
            if "\x00" in current or any("\ud800" <= ch <= "\udfff" for ch in current):
                return True
        elif isinstance(current, list):
            pending.extend((item, depth + 1) for item in current)
        elif isinstance(current, dict):
            pending.extend((key, depth + 1) for key in current)
            pending.extend((item, depth + 1) for item in current.values())
    return False


def clean_comment(comment: str) -> str:
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValidationError({"comment": f"At most {MAX_COMMENT_LENGTH} characters."})
    return comment


def create_note(*, user: User, entry: Entry, body: str, key: UUID | None = None) -> Note:
    """A note; `key` lets an offline client name it before the server has seen it."""
    body = clean_note_body(body)
    with transaction.atomic():
        require_writable(user=user, library_id=entry.library_id)
        library = begin_library_write(library_id=entry.library_id)
        return Note.objects.create(
            library=library,
            entry=entry,
            author=user,
            body=body,
            version=library.version,
            **({"key": key} if key is not None else {}),
        )


def update_note(*, user: User, note: Note, body: str, base_version: int | None = None) -> Note:
    body = clean_note_body(body)
    with transaction.atomic():
        _check_may_change(user=user, annotation=note)
        library = begin_library_write(library_id=note.library_id)
        note = current_row(note, base_version=base_version)
        note.library = library
        note.body = body
        note.version = note.library.version
        note.save(update_fields=["body", "version", "updated_at"])
    return note


def delete_note(*, user: User, note: Note, base_version: int | None = None) -> Library:
    return _delete(
        user=user, annotation=note, object_type=Tombstone.ObjectType.NOTE, base_version=base_version
    )


def create_highlight(
    *,
    user: User,
    entry: Entry,
    selectors: list[Any],
    offset_unit: str = Highlight.OffsetUnit.UTF16,
    color: str = "",
    comment: str = "",
) -> Highlight:
    exact = exact_text_of(selectors)
    offset_unit, color, comment = (
        _clean_offset_unit(offset_unit),
        clean_color(color),
        clean_comment(comment),
    )
    with transaction.atomic():
        require_writable(user=user, library_id=entry.library_id)
        library = begin_library_write(library_id=entry.library_id)
        return Highlight.objects.create(
            library=library,
            entry=entry,
            author=user,
            selectors=selectors,
            exact=exact,
            offset_unit=offset_unit,
            color=color,
            comment=comment,
            version=library.version,
        )


def update_highlight(
    *,
    user: User,
    highlight: Highlight,
    selectors: list[Any] | None = None,
    offset_unit: str | None = None,
    color: str | None = None,
    comment: str | None = None,
    base_version: int | None = None,
) -> Highlight:
    """Change the given fields; None leaves a field as it is."""
    changes: dict[str, Any] = {}
    if selectors is not None:
        changes["exact"] = exact_text_of(selectors)
        changes["selectors"] = selectors
    if offset_unit is not None:
        changes["offset_unit"] = _clean_offset_unit(offset_unit)
    if color is not None:
        changes["color"] = clean_color(color)
    if comment is not None:
        changes["comment"] = clean_comment(comment)
    with transaction.atomic():
        _check_may_change(user=user, annotation=highlight)
        library = begin_library_write(library_id=highlight.library_id)
        highlight = current_row(highlight, base_version=base_version)
        highlight.library = library
        for field, value in changes.items():
            setattr(highlight, field, value)
        highlight.version = highlight.library.version
        highlight.save(update_fields=[*changes, "version", "updated_at"])
    return highlight


def delete_highlight(
    *, user: User, highlight: Highlight, base_version: int | None = None
) -> Library:
    return _delete(
        user=user,
        annotation=highlight,
        object_type=Tombstone.ObjectType.HIGHLIGHT,
        base_version=base_version,
    )


def _delete(
    *, user: User, annotation: Annotation, object_type: str, base_version: int | None = None
) -> Library:
    with transaction.atomic():
        _check_may_change(user=user, annotation=annotation)
        library = begin_library_write(library_id=annotation.library_id)
        annotation = current_row(annotation, base_version=base_version)
        if isinstance(annotation, Highlight):
            # The discussion anchored on it goes with it.
            threads = comment_thread_keys(Comment.objects.filter(highlight=annotation))
            kind = Tombstone.ObjectType.COMMENT
            write_tombstones(library=library, object_type=kind, keys=threads, deleted_by=user)
        delete_with_tombstone(annotation, library=library, object_type=object_type, deleted_by=user)
    return library


def _clean_offset_unit(offset_unit: str) -> str:
    if offset_unit not in Highlight.OffsetUnit.values:
        raise ValidationError({"offset_unit": "Use utf16 or codepoint."})
    return offset_unit


def _check_may_change(*, user: User, annotation: Annotation) -> None:
    require_writable(user=user, library_id=annotation.library_id)
    if annotation.author_id == user.pk:
        return
    # A personal library has one writer, its owner, who passed the check above.
    library = Library.objects.only("kind", "lab_id").get(pk=annotation.library_id)
    if library.lab_id is None:
        return
    administers = Membership.objects.filter(
        lab_id=library.lab_id,
        user=user,
        role__in=MODERATOR_ROLES,
    ).exists()
    if not administers:
        raise NotAnnotationAuthor()
