"""Entries: list (filtered, searched, paged), retrieve, create, update, delete."""

from __future__ import annotations

import builtins

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from api.common import (
    NewestFirstPagination,
    RankedPagination,
    base_version_param,
    request_user,
    with_version,
)
from api.idempotency import idempotent
from api.serializers.core import (
    EntryDetailsSerializer,
    EntryFilterSerializer,
    EntrySerializer,
    EntryUpdateSerializer,
    SaveSerializer,
    entry_listing,
)
from api.throttling import SaveThrottle
from api.views.save import entry_for_response, perform_save
from readinglist.entry_query import EntryQuery, entry_order
from readinglist.entry_rows import attach_entry_details
from readinglist.models import Entry, Library
from readinglist.querysets import EntryQuerySet
from readinglist.search_pages import PagedIds
from readinglist.services.entries import delete_entry, update_entry
from readinglist.services.entry_metadata import edit_details


class EntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Entry],
):
    serializer_class = EntrySerializer
    pagination_class = NewestFirstPagination  # what the schema shows; see `paginator`

    def get_queryset(self) -> EntryQuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Entry.objects.none()
        return Entry.objects.visible_to(request_user(self.request)).select_related("paper")

    @extend_schema(
        parameters=[
            EntryFilterSerializer,
            OpenApiParameter(
                "page",
                int,
                description="With `q` or a `sort`: the page (pages are numbered and the "
                "answer carries `count`); otherwise the list is cursor-paged.",
            ),
        ]
    )
    def list(self, request: Request) -> Response:
        user = request_user(request)
        query = self._query()
        ordered = entry_order(user, query)
        # Page by id alone, then read the page: joining every match to its paper before the
        # ranking's sort cost more than the ranking itself.
        if isinstance(ordered, PagedIds):
            ids = self.paginate_queryset(ordered) or []
        else:
            # The cursor needs `added_at`, the first column of the list's order.
            page = self.paginate_queryset(ordered.values("id", "added_at")) or []
            ids = [row["id"] for row in page]
        return self.get_paginated_response(entry_listing(ids, user_id=user.pk))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        attach_entry_details([entry], user_id=request_user(request).pk)
        return Response(EntrySerializer(entry).data)

    def get_throttles(self) -> builtins.list[BaseThrottle]:
        return [SaveThrottle()] if self.action == "create" else super().get_throttles()

    @property
    def paginator(self) -> BasePagination | None:
        # Ranked search results and other orders have no time order for a cursor to follow.
        if not hasattr(self, "_paginator"):
            by_number = self.action == "list" and not self._query().newest_first
            self._paginator = RankedPagination() if by_number else NewestFirstPagination()
        return self._paginator

    def _query(self) -> EntryQuery:
        if not hasattr(self, "_entry_query"):
            serializer = EntryFilterSerializer(data=self.request.query_params)
            serializer.is_valid(raise_exception=True)
            self._entry_query = EntryQuery.from_filters(serializer.validated_data)
        return self._entry_query

    @extend_schema(request=SaveSerializer, responses={200: EntrySerializer, 201: EntrySerializer})
    @idempotent
    def create(self, request: Request) -> Response:
        """Creating an entry is a save: same body, same identity rules, same answer."""
        return perform_save(request)

    @extend_schema(request=EntryUpdateSerializer, responses=EntrySerializer)
    @idempotent
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        serializer = EntryUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        state = {k: data[k] for k in ("status", "priority", "rating", "private_note") if k in data}
        update_entry(
            user=request_user(request),
            entry=entry,
            state=state,
            add=data.get("add_tags", ()),
            remove=data.get("remove_tags", ()),
            base_version=data.get("version"),
        )
        fresh = entry_for_response(entry.pk, user_id=request_user(request).pk)
        return with_version(Response(EntrySerializer(fresh).data), fresh.library)

    @extend_schema(request=EntryDetailsSerializer, responses=EntrySerializer)
    @action(detail=True, methods=["patch"], url_path="details")
    @idempotent
    def details(self, request: Request, pk: str | None = None) -> Response:
        """Edit what this library sees of the paper (title, authors, year, venue, type,
        abstract, links). The edit stays in this library; `null` undoes a field's edit."""
        entry = self.get_object()
        serializer = EntryDetailsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        base_version = changes.pop("version", None)
        edit_details(
            user=request_user(request),
            entry=entry,
            changes=changes,
            base_version=base_version,
        )
        fresh = entry_for_response(entry.pk, user_id=request_user(request).pk)
        return with_version(Response(EntrySerializer(fresh).data), fresh.library)

    @idempotent
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        delete_entry(
            user=request_user(request), entry=entry, base_version=base_version_param(request)
        )
        library = Library.objects.get(pk=entry.library_id)
        return with_version(Response(status=status.HTTP_204_NO_CONTENT), library)

    def get_object(self) -> Entry:
        try:
            entry_id = int(str(self.kwargs["pk"]))
        except ValueError:
            raise NotFound() from None
        self.kwargs["pk"] = entry_id
        return super().get_object()
