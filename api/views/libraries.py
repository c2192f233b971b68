"""Libraries the user can see, with their sync version and the user's role."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from api.batch import BatchSerializer, run_batch
from api.common import request_user, with_version
from api.idempotency import idempotent
from api.serializers.core import LibrarySerializer
from api.serializers.sync import (
    ChangesQuerySerializer,
    decode_cursor,
    encode_cursor,
    page_data,
)
from api.throttling import SaveThrottle
from readinglist import sync
from readinglist.models import Library, Membership
from readinglist.numbers import ascii_int
from readinglist.services.libraries import rename_library

ChangesResponse = inline_serializer(
    name="ChangesResponse",
    fields={
        "until": serializers.IntegerField(),
        "changes": serializers.ListField(child=serializers.DictField()),
        "next": serializers.CharField(allow_null=True),
    },
)


BatchResponse = inline_serializer(
    name="BatchResponse",
    fields={
        "version": serializers.IntegerField(),
        "results": serializers.ListField(child=serializers.DictField()),
    },
)


class LibraryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Library],
):
    serializer_class = LibrarySerializer

    def get_throttles(self) -> list[BaseThrottle]:
        return [SaveThrottle()] if self.action == "batch" else super().get_throttles()

    def get_queryset(self) -> QuerySet[Library]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Library.objects.none()
        user = request_user(self.request)
        lab_role = Membership.objects.filter(lab=OuterRef("lab_id"), user=user).values("role")
        return (
            Library.objects.visible_to(user)
            .annotate(
                role=Coalesce(Subquery(lab_role[:1]), Value("owner"), output_field=CharField())
            )
            .order_by("kind", "name", "id")
        )

    @extend_schema(
        parameters=[
            ChangesQuerySerializer,
            OpenApiParameter("If-Modified-Since-Version", int, OpenApiParameter.HEADER),
        ],
        responses={200: ChangesResponse, 304: None, 410: None},
    )
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str | None = None) -> Response:
        """Everything that changed after `since`, tombstones included, keyset-paged."""
        library = self.get_object()
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        known = ascii_int(request.headers.get("If-Modified-Since-Version", ""))
        if known is not None and "cursor" not in params and library.version <= known:
            return with_version(Response(status=status.HTTP_304_NOT_MODIFIED), library)
        since, until, after = params["since"], None, None
        if "cursor" in params:
            since, until, after = decode_cursor(params["cursor"], library_id=library.pk)
        page = sync.changes(
            library=library,
            user=request_user(request),
            since=since,
            until=until,
            after=after,
            limit=params["limit"],
        )
        next_cursor = None
        if page.has_more and page.last is not None:
            next_cursor = encode_cursor(
                library_id=library.pk, since=since, until=page.until, after=page.last
            )
        response = Response({"until": page.until, "changes": page_data(page), "next": next_cursor})
        response["Last-Modified-Version"] = str(page.until)
        return response

    @extend_schema(request=BatchSerializer, responses={200: BatchResponse})
    @action(detail=True, methods=["post"])
    @idempotent
    def batch(self, request: Request, pk: str | None = None) -> Response:
        """Up to 100 operations (save, create/update/delete by key) as one versioned write."""
        library = self.get_object()
        body = BatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version, results = run_batch(
            user=request_user(request),
            library=library,
            operations=body.validated_data["operations"],
            request=request,
        )
        response = Response({"version": version, "results": results})
        response["Last-Modified-Version"] = str(version)
        return response

    @idempotent
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        library = self.get_object()
        serializer = LibrarySerializer(library, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        renamed = rename_library(
            user=request_user(request),
            library=library,
            name=serializer.validated_data.get("name", library.name),
            citekey_pattern=serializer.validated_data.get("citekey_pattern"),
        )
        renamed.role = library.role  # type: ignore[attr-defined]
        response = Response(LibrarySerializer(renamed).data)
        response["Last-Modified-Version"] = str(renamed.version)
        return response
