"""How each synced object appears in the changes feed.

A page is built as plain dicts from the rows `readinglist.sync.changes` read, in the shapes
(and key order) of the objects' own serializers: `entry_representation` for entries, the
field lists below for the types read as values, and one `many=True` serializer per page for
comments and sessions (Markdown and people, few per library). `tests/api/test_sync_feed.py`
checks every type against its serializer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core import signing
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from api.serializers.core import entry_representation, iso
from api.serializers.labs import CommentSerializer, SessionSerializer
from readinglist.sync import ChangesPage, Position

CURSOR_SALT = "readinglist.changes-cursor"


def _common(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "key": str(row["key"]),
        "library": row["library_id"],
        "version": row["version"],
    }


def _tag(row: dict[str, Any]) -> dict[str, Any]:  # TagSerializer (no entry_count here)
    return {
        **_common(row),
        "name": row["name"],
        "color": row["color"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _note(row: dict[str, Any]) -> dict[str, Any]:  # NoteSerializer
    return {
        **_common(row),
        "entry": row["entry_id"],
        "author": row["author_id"],
        "body": row["body"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _highlight(row: dict[str, Any]) -> dict[str, Any]:  # HighlightSerializer
    return {
        **_common(row),
        "entry": row["entry_id"],
        "author": row["author_id"],
        "selectors": row["selectors"],
        "offset_unit": row["offset_unit"],
        "exact": row["exact"],
        "color": row["color"],
        "comment": row["comment"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _list(row: dict[str, Any]) -> dict[str, Any]:  # ReadingListSerializer (no item_count)
    return {
        **_common(row),
        "name": row["name"],
        "description": row["description"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _list_item(row: dict[str, Any]) -> dict[str, Any]:  # ReadingListItemSerializer
    return {
        **_common(row),
        "reading_list": row["reading_list_id"],
        "entry": row["entry_id"],
        "title": row["entry__title"],
        "position": row["position"],
        "public_note": row["public_note"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }


def _state(row: dict[str, Any]) -> dict[str, Any]:  # the caller's own reading state
    return {
        **_common(row),
        "entry": row["entry_id"],
        "status": row["status"],
        "priority": row["priority"],
        "rating": row["rating"],
        "private_note": row["private_note"],
        "read_at": iso(row["read_at"]),
    }


VALUE_SHAPES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "highlight": _highlight,
    "list": _list,
    "list_item": _list_item,
    "note": _note,
    "state": _state,
    "tag": _tag,
}
# Shown by their serializers, one per page.
MODEL_SERIALIZERS: dict[str, type[serializers.ModelSerializer[Any]]] = {
    "comment": CommentSerializer,
    "session": SessionSerializer,
}


def page_data(page: ChangesPage) -> list[dict[str, Any]]:
    """The page's changes as the feed sends them."""
    by_serializer: dict[str, list[Any]] = {}
    for change in page.changes:
        if not change.deleted and change.position.type in MODEL_SERIALIZERS:
            by_serializer.setdefault(change.position.type, []).append(change.row)
    serialized = {
        type_name: iter(MODEL_SERIALIZERS[type_name](rows, many=True).data)
        for type_name, rows in by_serializer.items()
    }
    details = page.entry_details
    items: list[dict[str, Any]] = []
    for change in page.changes:
        position = change.position
        item: dict[str, Any] = {
            "type": position.type,
            "key": str(UUID(hex=position.key)),
            "version": position.version,
            "deleted": change.deleted,
        }
        if change.merged_into is not None:
            item["merged_into"] = str(change.merged_into)
        if not change.deleted:
            if position.type == "entry":
                data = entry_representation(change.row, details)
                # The caller's state travels as its own "state" object with its own version;
                # a copy inside the entry would go stale, since a state change does not bump it.
                del data["state"]
            elif position.type in serialized:
                data = next(serialized[position.type])
            else:
                data = VALUE_SHAPES[position.type](change.row)
            item["data"] = data
        items.append(item)
    return items


def encode_cursor(*, library_id: int, since: int, until: int, after: Position) -> str:
    """Opaque and signed, so a client can neither forge positions nor mix libraries."""
    payload = [library_id, since, until, after.version, after.type, after.key]
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def decode_cursor(cursor: str, *, library_id: int) -> tuple[int, int, Position]:
    try:
        lib, since, until, version, type_name, key = signing.loads(cursor, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError({"cursor": ["Invalid cursor."]}) from None
    if lib != library_id:
        raise ValidationError({"cursor": ["This cursor belongs to another library."]})
    return int(since), int(until), Position(int(version), str(type_name), str(key))


class ChangesQuerySerializer(serializers.Serializer[dict[str, Any]]):
    since = serializers.IntegerField(min_value=0, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=500, default=100)
    cursor = serializers.CharField(required=False, max_length=2000)
