"""Lookup: GET for one URL, POST for up to 200 (one request per listing page)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import request_user
from api.serializers.core import MAX_INPUT_LENGTH, LookupRequestSerializer
from api.throttling import LookupThrottle
from readinglist.lookup import LookupEntry, LookupResult, lookup

LookupResultSchema = inline_serializer(
    name="LookupResult",
    fields={
        "input": serializers.CharField(),
        "identified": serializers.BooleanField(),
        "paper": serializers.IntegerField(allow_null=True),
        "saved": serializers.BooleanField(),
        "entries": serializers.ListField(child=serializers.DictField()),
    },
)
LookupResponse = inline_serializer(
    name="LookupResponse", fields={"results": serializers.ListField(child=LookupResultSchema)}
)


def _entry_summary(entry: LookupEntry, user_id: int) -> dict[str, Any]:
    return {
        "id": entry.id,
        "library": entry.library_id,
        "library_name": entry.library_name,
        "kind": entry.library_kind,
        "lab": {"id": entry.lab.id, "name": entry.lab.name} if entry.lab else None,
        "tags": entry.tags,
        "status": entry.status,
        "read_count": entry.read_count,
        "reading_count": entry.reading_count,
        "added_by": entry.added_by_id,
        "added_by_me": entry.added_by_id == user_id,
    }


def _result(result: LookupResult, user_id: int) -> dict[str, Any]:
    return {
        "input": result.input,
        "identified": result.identified,
        "paper": result.paper_id,
        "saved": bool(result.entries),
        "entries": [_entry_summary(entry, user_id) for entry in result.entries],
    }


class LookupView(APIView):
    throttle_classes = [LookupThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("url", str, required=True)], responses=LookupResultSchema
    )
    def get(self, request: Request) -> Response:
        value = request.query_params.get("url", "").strip()
        if not value:
            return Response({"url": ["This parameter is required."]}, status.HTTP_400_BAD_REQUEST)
        if len(value) > MAX_INPUT_LENGTH:
            return Response(
                {"url": [f"At most {MAX_INPUT_LENGTH} characters."]}, status.HTTP_400_BAD_REQUEST
            )
        user = request_user(request)
        [result] = lookup(user=user, values=[value])
        return Response(_result(result, user.pk))

    @extend_schema(request=LookupRequestSerializer, responses=LookupResponse)
    def post(self, request: Request) -> Response:
        serializer = LookupRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = [value.strip() for value in serializer.validated_data["items"]]
        user = request_user(request)
        results = lookup(user=user, values=values)
        return Response({"results": [_result(result, user.pk) for result in results]})
