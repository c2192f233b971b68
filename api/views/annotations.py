"""Notes and highlights on an entry: list, create, retrieve, change, delete."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import base_version_param, request_user, with_version
from api.idempotency import idempotent
from api.serializers.content import (
    EntryFilterSerializer,
    HighlightCreateSerializer,
    HighlightDetailSerializer,
    HighlightFieldsSerializer,
    NoteCreateSerializer,
    NoteSerializer,
    NoteUpdateSerializer,
    object_or_404,
)
from readinglist.access import highlight_for, in_visible_libraries, note_for
from readinglist.models import Entry, Highlight, Note
from readinglist.services.annotations import (
    create_highlight,
    create_note,
    delete_highlight,
    delete_note,
    update_highlight,
    update_note,
)

ENTRY_PARAMETER = OpenApiParameter("entry", int, required=True)


def entry_from_query(request: Request) -> Entry:
    """The `?entry=` the listing is about: 400 if missing or not an id, 404 if not visible."""
    filters = EntryFilterSerializer(data=request.query_params)
    filters.is_valid(raise_exception=True)
    visible = Entry.objects.visible_to(request_user(request))
    return object_or_404(visible, filters.validated_data["entry"])


def entry_choices(request: Request) -> dict[str, Any]:
    """Serializer context: the entries an annotation may be put on (those the user sees)."""
    return {"entries": Entry.objects.visible_to(request_user(request))}


class NoteViewSet(viewsets.GenericViewSet[Note]):
    serializer_class = NoteSerializer

    def get_queryset(self) -> QuerySet[Note]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads types off this
            return Note.objects.none()
        return in_visible_libraries(Note.objects.all(), request_user(self.request))

    def get_object(self) -> Note:
        return note_for(request_user(self.request), self.kwargs["pk"])

    @extend_schema(parameters=[ENTRY_PARAMETER])
    def list(self, request: Request) -> Response:
        entry = entry_from_query(request)
        notes = Note.objects.filter(entry=entry).order_by("created_at", "id")
        page = self.paginate_queryset(notes)
        return self.get_paginated_response(NoteSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(NoteSerializer(self.get_object()).data)

    @extend_schema(request=NoteCreateSerializer, responses={201: NoteSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = NoteCreateSerializer(data=request.data, context=entry_choices(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        note = create_note(user=request_user(request), entry=data["entry"], body=data["body"])
        response = Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
        return with_version(response, note.library)

    @extend_schema(request=NoteUpdateSerializer, responses={200: NoteSerializer})
    @idempotent
    def partial_update(self, request: Request, pk: str) -> Response:
        note = self.get_object()
        serializer = NoteUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = update_note(
            user=request_user(request),
            note=note,
            body=serializer.validated_data["body"],
            base_version=serializer.validated_data.get("version"),
        )
        return with_version(Response(NoteSerializer(note).data), note.library)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        note = self.get_object()
        library = delete_note(
            user=request_user(request), note=note, base_version=base_version_param(request)
        )
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)


class HighlightViewSet(viewsets.GenericViewSet[Highlight]):
    serializer_class = HighlightDetailSerializer

    def get_queryset(self) -> QuerySet[Highlight]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads types off this
            return Highlight.objects.none()
        return in_visible_libraries(Highlight.objects.all(), request_user(self.request))

    def get_object(self) -> Highlight:
        return highlight_for(request_user(self.request), self.kwargs["pk"])

    @extend_schema(parameters=[ENTRY_PARAMETER])
    def list(self, request: Request) -> Response:
        entry = entry_from_query(request)
        highlights = (
            Highlight.objects.filter(entry=entry)
            .select_related("author")
            .order_by("created_at", "id")
        )
        page = self.paginate_queryset(highlights)
        return self.get_paginated_response(self.shown(page, many=True))

    def shown(self, highlight: Any, *, many: bool = False) -> Any:
        return HighlightDetailSerializer(
            highlight, many=many, context={"request": self.request}
        ).data

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.shown(self.get_object()))

    @extend_schema(request=HighlightCreateSerializer, responses={201: HighlightDetailSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        serializer = HighlightCreateSerializer(data=request.data, context=entry_choices(request))
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        highlight = create_highlight(
            user=request_user(request),
            entry=data["entry"],
            selectors=data["selectors"],
            offset_unit=data.get("offset_unit", Highlight.OffsetUnit.UTF16),
            color=data.get("color", ""),
            comment=data.get("comment", ""),
        )
        response = Response(self.shown(highlight), status=status.HTTP_201_CREATED)
        return with_version(response, highlight.library)

    @extend_schema(request=HighlightFieldsSerializer, responses={200: HighlightDetailSerializer})
    @idempotent
    def partial_update(self, request: Request, pk: str) -> Response:
        highlight = self.get_object()
        serializer = HighlightFieldsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        highlight = update_highlight(
            user=request_user(request),
            highlight=highlight,
            selectors=data.get("selectors"),
            offset_unit=data.get("offset_unit"),
            color=data.get("color"),
            comment=data.get("comment"),
            base_version=data.get("version"),
        )
        return with_version(Response(self.shown(highlight)), highlight.library)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        highlight = self.get_object()
        library = delete_highlight(
            user=request_user(request),
            highlight=highlight,
            base_version=base_version_param(request),
        )
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)
