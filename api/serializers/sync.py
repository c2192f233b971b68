"""How each synced object appears in the changes feed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core import signing
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from api.serializers.content import (
    HighlightSerializer,
    NoteSerializer,
    ReadingListItemSerializer,
    ReadingListSerializer,
    TagSerializer,
)
from api.serializers.core import EntrySerializer
from api.serializers.labs import CommentSerializer, SessionSerializer
from readinglist.models import ReadingState
from readinglist.sync import Change, Position

CURSOR_SALT = "readinglist.changes-cursor"


class StateFeedSerializer(serializers.ModelSerializer[ReadingState]):
    class Meta:
        model = ReadingState
        fields = (
            "id",
            "key",
            "library",
            "version",
            "entry",
            "status",
            "priority",
            "rating",
            "private_note",
            "read_at",
        )
        read_only_fields = fields


FEED_SERIALIZERS: dict[str, type[serializers.BaseSerializer[Any]]] = {
    "comment": CommentSerializer,
    "session": SessionSerializer,
    "entry": EntrySerializer,
    "highlight": HighlightSerializer,
    "list": ReadingListSerializer,
    "list_item": ReadingListItemSerializer,
    "note": NoteSerializer,
    "state": StateFeedSerializer,
    "tag": TagSerializer,
}


def change_data(change: Change) -> dict[str, Any]:
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
        item["data"] = FEED_SERIALIZERS[position.type](change.obj).data
        if position.type == "entry":
            # The caller's state travels as its own "state" object with its own version; a
            # copy inside the entry would go stale, since a state change does not bump it.
            item["data"].pop("state", None)
    return item


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
