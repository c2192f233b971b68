"""Tags of a library: list with entry counts, create, rename/recolor, merge, delete, and
tagging or untagging single entries."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import request_user, visible_library, with_version
from api.idempotency import idempotent
from api.serializers.content import (
    LibraryFilterSerializer,
    TagCreateSerializer,
    TagEntrySerializer,
    TagMergeSerializer,
    TagSerializer,
    TagUpdateSerializer,
    object_or_404,
)
from readinglist.models import Entry, Library, Tag
from readinglist.services.tags import (
    TagNameTaken,
    create_tag,
    delete_tag,
    merge_tags,
    tag_entry,
    untag_entry,
    update_tag,
)

TagEntryLinkSerializer = inline_serializer(
    "TagEntryLink", {"tag": serializers.IntegerField(), "entry": serializers.IntegerField()}
)


class TagViewSet(viewsets.GenericViewSet[Tag]):
    serializer_class = TagSerializer

    def get_queryset(self) -> QuerySet[Tag]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads types off this
            return Tag.objects.none()
        visible = Library.objects.visible_to(request_user(self.request)).values("id")
        return Tag.objects.filter(library__in=visible).annotate(entry_count=Count("entrytag"))

    def get_object(self) -> Tag:
        return object_or_404(self.get_queryset(), self.kwargs["pk"])

    def respond(self, tag: Tag, library: Library, code: int = status.HTTP_200_OK) -> Response:
        """The tag as it is now (with its fresh entry count), at the write's library version."""
        fresh = self.get_queryset().get(pk=tag.pk)
        return with_version(Response(TagSerializer(fresh).data, status=code), library)

    @extend_schema(parameters=[OpenApiParameter("library", int, required=True)])
    def list(self, request: Request) -> Response:
        filters = LibraryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        library = visible_library(request, filters.validated_data["library"])
        # Meta.ordering does not apply to aggregating queries, so it is spelled out.
        tags = self.get_queryset().filter(library=library).order_by(Lower("name"), "id")
        page = self.paginate_queryset(tags)
        return self.get_paginated_response(TagSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TagSerializer(self.get_object()).data)

    @extend_schema(request=TagCreateSerializer, responses={201: TagSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        user = request_user(request)
        context = {"libraries": Library.objects.visible_to(user)}
        serializer = TagCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            tag = create_tag(
                user=user, library=data["library"], name=data["name"], color=data["color"]
            )
        except TagNameTaken as taken:
            raise ValidationError(
                {"name": [f"This library already has a tag called {taken.existing.name!r}."]}
            ) from None
        return self.respond(tag, tag.library, status.HTTP_201_CREATED)

    @extend_schema(
        request=TagUpdateSerializer,
        responses={200: TagSerializer},
        description="Rename and/or recolor. Renaming onto another tag's name is a 409: merge.",
    )
    @idempotent
    def partial_update(self, request: Request, pk: str) -> Response:
        tag = self.get_object()
        serializer = TagUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            tag = update_tag(
                user=request_user(request),
                tag=tag,
                name=data.get("name"),
                color=data.get("color"),
            )
        except TagNameTaken as taken:
            # A rename that would fold two tags into one is a merge; say so and which.
            body = {
                "detail": f"Tag {taken.existing.pk} is already called "
                f"{taken.existing.name!r}; merge into it instead "
                f"(POST /api/v1/tags/{tag.pk}/merge/).",
                "existing": taken.existing.pk,
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return self.respond(tag, tag.library)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        tag = self.get_object()
        library = delete_tag(user=request_user(request), tag=tag)
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)

    @extend_schema(request=TagMergeSerializer, responses={200: TagSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def merge(self, request: Request, pk: str) -> Response:
        """Move every entry of this tag onto `into`, then delete this tag."""
        source = self.get_object()
        context = {"tags": Tag.objects.filter(library_id=source.library_id)}
        serializer = TagMergeSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        target = merge_tags(
            user=request_user(request), source=source, target=serializer.validated_data["into"]
        )
        return self.respond(target, target.library)

    @extend_schema(
        request=TagEntrySerializer,
        responses={200: TagEntryLinkSerializer, 201: TagEntryLinkSerializer},
    )
    @action(detail=True, methods=["post"], url_path="entries", url_name="add-entry")
    @idempotent
    def add_entry(self, request: Request, pk: str) -> Response:
        """Tag an entry: 201 if newly tagged, 200 if it already was."""
        tag = self.get_object()
        context = {"entries": Entry.objects.filter(library_id=tag.library_id)}
        serializer = TagEntrySerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        entry = serializer.validated_data["entry"]
        changed = tag_entry(user=request_user(request), tag=tag, entry=entry)
        code = status.HTTP_201_CREATED if changed else status.HTTP_200_OK
        body = {"tag": tag.pk, "entry": entry.pk}
        return with_version(Response(body, status=code), tag.library)

    @extend_schema(
        parameters=[OpenApiParameter("entry_id", int, OpenApiParameter.PATH)],
        responses={204: None},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"entries/(?P<entry_id>[^/.]+)",
        url_name="remove-entry",
    )
    @idempotent
    def remove_entry(self, request: Request, pk: str, entry_id: str) -> Response:
        """Untag an entry (204 whether or not it carried the tag)."""
        tag = self.get_object()
        entry = object_or_404(Entry.objects.filter(library_id=tag.library_id), entry_id)
        untag_entry(user=request_user(request), tag=tag, entry=entry)
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), tag.library)
