"""Reading lists and their ordered items."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Lower
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import request_user, visible_library, with_version
from api.idempotency import idempotent
from api.serializers.content import (
    LibraryFilterSerializer,
    ReadingListCreateSerializer,
    ReadingListItemCreateSerializer,
    ReadingListItemMoveSerializer,
    ReadingListItemSerializer,
    ReadingListItemUpdateSerializer,
    ReadingListSerializer,
    ReadingListUpdateSerializer,
    object_or_404,
)
from readinglist.models import Entry, Library, ReadingList, ReadingListItem
from readinglist.services.lists import (
    add_to_list,
    create_list,
    delete_list,
    move_item,
    remove_from_list,
    set_public_note,
    update_list,
)


def placement(data: dict[str, Any]) -> dict[str, Any]:
    """The service's keyword arguments for where an item goes."""
    return {"before": data.get("before"), "after": data.get("after"), "to": data.get("position")}


class ReadingListViewSet(viewsets.GenericViewSet[ReadingList]):
    serializer_class = ReadingListSerializer

    def get_queryset(self) -> QuerySet[ReadingList]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reads types off this
            return ReadingList.objects.none()
        visible = Library.objects.visible_to(request_user(self.request)).values("id")
        return ReadingList.objects.filter(library__in=visible).annotate(item_count=Count("items"))

    def get_object(self) -> ReadingList:
        return object_or_404(self.get_queryset(), self.kwargs["pk"])

    def respond(
        self, reading_list: ReadingList, library: Library, code: int = status.HTTP_200_OK
    ) -> Response:
        fresh = self.get_queryset().get(pk=reading_list.pk)
        return with_version(Response(ReadingListSerializer(fresh).data, status=code), library)

    @extend_schema(parameters=[OpenApiParameter("library", int, required=True)])
    def list(self, request: Request) -> Response:
        filters = LibraryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        library = visible_library(request, filters.validated_data["library"])
        lists = self.get_queryset().filter(library=library).order_by(Lower("name"), "id")
        page = self.paginate_queryset(lists)
        return self.get_paginated_response(ReadingListSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ReadingListSerializer(self.get_object()).data)

    @extend_schema(request=ReadingListCreateSerializer, responses={201: ReadingListSerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        user = request_user(request)
        context = {"libraries": Library.objects.visible_to(user)}
        serializer = ReadingListCreateSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reading_list = create_list(
            user=user,
            library=data["library"],
            name=data["name"],
            description=data["description"],
        )
        return self.respond(reading_list, reading_list.library, status.HTTP_201_CREATED)

    @extend_schema(request=ReadingListUpdateSerializer, responses={200: ReadingListSerializer})
    @idempotent
    def partial_update(self, request: Request, pk: str) -> Response:
        reading_list = self.get_object()
        serializer = ReadingListUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reading_list = update_list(
            user=request_user(request),
            reading_list=reading_list,
            name=data.get("name"),
            description=data.get("description"),
        )
        return self.respond(reading_list, reading_list.library)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, pk: str) -> Response:
        reading_list = self.get_object()
        library = delete_list(user=request_user(request), reading_list=reading_list)
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)


@extend_schema(parameters=[OpenApiParameter("list_pk", int, OpenApiParameter.PATH)])
class ReadingListItemViewSet(viewsets.GenericViewSet[ReadingListItem]):
    """Mounted under /lists/{list_pk}/items/: the list's entries in order."""

    serializer_class = ReadingListItemSerializer
    # Only for the schema's path types: every request goes through `reading_list().items`.
    queryset = ReadingListItem.objects.none()

    def reading_list(self) -> ReadingList:
        visible = Library.objects.visible_to(request_user(self.request)).values("id")
        lists = ReadingList.objects.filter(library__in=visible)
        return object_or_404(lists, self.kwargs["list_pk"])

    def item(self, reading_list: ReadingList) -> ReadingListItem:
        return object_or_404(reading_list.items.all(), self.kwargs["pk"])

    def placement_context(self, reading_list: ReadingList) -> dict[str, Any]:
        return {
            "items": reading_list.items.all(),
            "entries": Entry.objects.filter(library_id=reading_list.library_id),
        }

    def list(self, request: Request, list_pk: str) -> Response:
        items = self.reading_list().items.select_related("entry").order_by("position", "id")
        page = self.paginate_queryset(items)
        return self.get_paginated_response(ReadingListItemSerializer(page, many=True).data)

    @extend_schema(
        request=ReadingListItemCreateSerializer,
        responses={200: ReadingListItemSerializer, 201: ReadingListItemSerializer},
        description="Adds an entry (at the end by default). An entry already in the list is "
        "left where it is and returned with 200.",
    )
    @idempotent
    def create(self, request: Request, list_pk: str) -> Response:
        reading_list = self.reading_list()
        serializer = ReadingListItemCreateSerializer(
            data=request.data, context=self.placement_context(reading_list)
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item, created = add_to_list(
            user=request_user(request),
            reading_list=reading_list,
            entry=data["entry"],
            **placement(data),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return self.respond(item, code)

    @extend_schema(
        request=ReadingListItemMoveSerializer, responses={200: ReadingListItemSerializer}
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def move(self, request: Request, list_pk: str, pk: str) -> Response:
        reading_list = self.reading_list()
        item = self.item(reading_list)
        serializer = ReadingListItemMoveSerializer(
            data=request.data, context=self.placement_context(reading_list)
        )
        serializer.is_valid(raise_exception=True)
        item = move_item(
            user=request_user(request), item=item, **placement(serializer.validated_data)
        )
        return self.respond(item)

    @extend_schema(
        request=ReadingListItemUpdateSerializer, responses={200: ReadingListItemSerializer}
    )
    @idempotent
    def partial_update(self, request: Request, list_pk: str, pk: str) -> Response:
        item = self.item(self.reading_list())
        serializer = ReadingListItemUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = set_public_note(
            user=request_user(request),
            item=item,
            note=serializer.validated_data["public_note"],
            base_version=serializer.validated_data.get("version"),
        )
        return self.respond(item)

    @extend_schema(responses={204: None})
    @idempotent
    def destroy(self, request: Request, list_pk: str, pk: str) -> Response:
        item = self.item(self.reading_list())
        library = remove_from_list(user=request_user(request), item=item)
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)

    def respond(self, item: ReadingListItem, code: int = status.HTTP_200_OK) -> Response:
        """The item with its paper's title, at the library's version after the write."""
        fresh = ReadingListItem.objects.select_related("entry", "library").get(pk=item.pk)
        return with_version(
            Response(ReadingListItemSerializer(fresh).data, status=code), fresh.library
        )
