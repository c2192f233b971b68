"""Shapes of tags, notes, highlights and reading lists, and of the requests that change them.

Ids in request bodies are resolved by `ScopedId` against a queryset the view supplies, so an id
the caller may not use (another library, someone else's) reads as "no such object" (400).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.urls import reverse
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from api.serializers.strict import RejectUnknownFields
from readinglist.models import (
    MAX_TAG_LENGTH,
    Highlight,
    Note,
    ReadingList,
    ReadingListItem,
    Tag,
)
from readinglist.services.annotations import MAX_COMMENT_LENGTH, MAX_NOTE_LENGTH
from readinglist.services.lists import (
    MAX_DESCRIPTION_LENGTH,
    MAX_LIST_NAME_LENGTH,
    MAX_PUBLIC_NOTE_LENGTH,
)

# Ids are bigint-sized at most: a larger number can only be garbage.
MAX_ID = 2**63 - 1
COLOR_LENGTH = len("#rrggbb")


class IdField(serializers.IntegerField):
    """A positive database id; JSON true/false are not numbers even though Python says so."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class ScopedId(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """An id picked among `context[scope]`, the objects this request may refer to."""

    def __init__(self, *, scope: str, noun: str, **kwargs: Any) -> None:
        self.scope = scope
        kwargs.setdefault("error_messages", {"does_not_exist": f"No such {noun}."})
        super().__init__(pk_field=IdField(), **kwargs)

    def get_queryset(self) -> QuerySet[Model]:
        queryset: QuerySet[Model] = self.context[self.scope]
        return queryset


def object_or_404[M: Model](queryset: QuerySet[M], raw_id: object) -> M:
    """The object whose id is in the URL, among `queryset`; 404 for anything else, garbage too."""
    try:
        object_id = int(str(raw_id))
    except ValueError:
        raise NotFound() from None
    found = queryset.filter(pk=object_id).first() if 0 < object_id <= MAX_ID else None
    if found is None:
        raise NotFound()
    return found


class LibraryFilterSerializer(serializers.Serializer[dict[str, Any]]):
    library = IdField()


class EntryFilterSerializer(serializers.Serializer[dict[str, Any]]):
    entry = IdField()


class RequireSomeChange:
    """A PATCH that names no field is a mistake in the client, not a write."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not set(attrs) - {"version"}:
            raise serializers.ValidationError("Nothing to change.")
        return attrs


BASE_VERSION_HELP = "Version of the object you last saw; if it changed since, the write is a 412"


# Tags


class TagSerializer(serializers.ModelSerializer[Tag]):
    entry_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Tag
        fields = (
            "id",
            "key",
            "library",
            "version",
            "name",
            "color",
            "entry_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class TagCreateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    library = ScopedId(scope="libraries", noun="library")
    name = serializers.CharField(max_length=MAX_TAG_LENGTH)
    color = serializers.CharField(max_length=COLOR_LENGTH, allow_blank=True, default="")


class TagUpdateSerializer(
    RejectUnknownFields, RequireSomeChange, serializers.Serializer[dict[str, Any]]
):
    name = serializers.CharField(max_length=MAX_TAG_LENGTH, required=False)
    color = serializers.CharField(max_length=COLOR_LENGTH, allow_blank=True, required=False)


class TagMergeSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    into = ScopedId(scope="tags", noun="tag in this library")


class TagEntrySerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    entry = ScopedId(scope="entries", noun="entry in this library")


# Notes and highlights


class NoteSerializer(serializers.ModelSerializer[Note]):
    class Meta:
        model = Note
        fields = (
            "id",
            "key",
            "library",
            "version",
            "entry",
            "author",
            "body",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class NoteCreateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    entry = ScopedId(scope="entries", noun="entry")
    # Markdown: leading and trailing white space can be meaningful.
    body = serializers.CharField(max_length=MAX_NOTE_LENGTH, trim_whitespace=False)


class NoteUpdateSerializer(
    RejectUnknownFields, RequireSomeChange, serializers.Serializer[dict[str, Any]]
):
    body = serializers.CharField(max_length=MAX_NOTE_LENGTH, trim_whitespace=False, required=False)
    version = serializers.IntegerField(min_value=0, required=False, help_text=BASE_VERSION_HELP)


class HighlightSerializer(serializers.ModelSerializer[Highlight]):
    class Meta:
        model = Highlight
        fields: tuple[str, ...] = (
            "id",
            "key",
            "library",
            "version",
            "entry",
            "author",
            "selectors",
            "offset_unit",
            "exact",
            "color",
            "comment",
            "created_at",
            "updated_at",
        )
        read_only_fields: tuple[str, ...] = fields


class HighlightDetailSerializer(HighlightSerializer):
    """A highlight as its own endpoints show it: who made it, by name (the extension draws
    lab members' highlights with it), and where its discussion is in the web app. The changes
    feed keeps the plain shape; a synced client knows the people and the server's pages."""

    author_name = serializers.SerializerMethodField()
    discussion_url = serializers.SerializerMethodField()

    class Meta(HighlightSerializer.Meta):
        fields = (*HighlightSerializer.Meta.fields, "author_name", "discussion_url")
        read_only_fields = fields

    def get_author_name(self, highlight: Highlight) -> str | None:
        # Never the email: a former member's highlight (author gone) has no name.
        return highlight.author.display_name if highlight.author else None

    def get_discussion_url(self, highlight: Highlight) -> str:
        page = reverse("web:entry", args=[highlight.entry_id]) + f"#highlight-{highlight.pk}"
        request = self.context.get("request")
        return request.build_absolute_uri(page) if request else page


class HighlightFieldsSerializer(
    RejectUnknownFields, RequireSomeChange, serializers.Serializer[dict[str, Any]]
):
    """The changeable fields. Selectors are checked (not altered) by the service."""

    selectors = serializers.JSONField(
        required=False, help_text="W3C Web Annotation selectors, stored exactly as sent"
    )
    offset_unit = serializers.ChoiceField(choices=Highlight.OffsetUnit.choices, required=False)
    color = serializers.CharField(max_length=COLOR_LENGTH, allow_blank=True, required=False)
    comment = serializers.CharField(
        max_length=MAX_COMMENT_LENGTH, allow_blank=True, trim_whitespace=False, required=False
    )
    version = serializers.IntegerField(min_value=0, required=False, help_text=BASE_VERSION_HELP)


class HighlightCreateSerializer(HighlightFieldsSerializer):
    entry = ScopedId(scope="entries", noun="entry")
    selectors = serializers.JSONField(
        help_text="W3C Web Annotation selectors, stored exactly as sent"
    )


# Reading lists


class ReadingListSerializer(serializers.ModelSerializer[ReadingList]):
    item_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReadingList
        fields = (
            "id",
            "key",
            "library",
            "version",
            "name",
            "description",
            "item_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ReadingListCreateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    library = ScopedId(scope="libraries", noun="library")
    name = serializers.CharField(max_length=MAX_LIST_NAME_LENGTH)
    description = serializers.CharField(
        max_length=MAX_DESCRIPTION_LENGTH, allow_blank=True, default=""
    )


class ReadingListUpdateSerializer(
    RejectUnknownFields, RequireSomeChange, serializers.Serializer[dict[str, Any]]
):
    name = serializers.CharField(max_length=MAX_LIST_NAME_LENGTH, required=False)
    description = serializers.CharField(
        max_length=MAX_DESCRIPTION_LENGTH, allow_blank=True, required=False
    )


class ReadingListItemSerializer(serializers.ModelSerializer[ReadingListItem]):
    title = serializers.CharField(source="entry.title", read_only=True)

    class Meta:
        model = ReadingListItem
        fields = (
            "id",
            "key",
            "library",
            "version",
            "reading_list",
            "entry",
            "title",
            "position",
            "public_note",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class ReadingListItemUpdateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    public_note = serializers.CharField(
        max_length=MAX_PUBLIC_NOTE_LENGTH,
        allow_blank=True,
        trim_whitespace=False,
        help_text="Markdown the list's public page and feed show for this paper; only the "
        "list's curators (who may publish it) write it.",
    )
    version = serializers.IntegerField(min_value=0, required=False, help_text=BASE_VERSION_HELP)


class PlacementSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    """Where an item goes: just before or after another item of the list, or at either end."""

    before = ScopedId(scope="items", noun="item in this list", required=False)
    after = ScopedId(scope="items", noun="item in this list", required=False)
    position = serializers.ChoiceField(choices=["first", "last"], required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if len(attrs.keys() & {"before", "after", "position"}) > 1:
            raise serializers.ValidationError("Give at most one of before, after and position.")
        return attrs


class ReadingListItemCreateSerializer(PlacementSerializer):
    entry = ScopedId(scope="entries", noun="entry in this list's library")


class ReadingListItemMoveSerializer(PlacementSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if not attrs:
            raise serializers.ValidationError("Give one of before, after and position.")
        return attrs
