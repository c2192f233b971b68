"""What every API view shares: library scoping, service-error mapping, pagination, versions."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from readinglist.access import library_for
from readinglist.models import Library, User
from readinglist.numbers import ascii_int
from readinglist.pagination import CountWhenFullPaginator

VERSION_HEADER = "Last-Modified-Version"


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class PagePagination(PageNumberPagination):
    """For lists ordered by name or position."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class RankedPagination(PagePagination):
    """Page numbers for ranked search results. `approximate` says `count` is an estimate:
    a search stops counting a very common word's matches (`readinglist.search_pages`)."""

    django_paginator_class = CountWhenFullPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        matched = getattr(self, "page", None)
        found = matched.paginator.object_list if matched is not None else None
        response.data["approximate"] = bool(getattr(found, "approximate", False))
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["approximate"] = {
            "type": "boolean",
            "description": "`count` is an estimate, rounded: too many entries match to count.",
        }
        return paged


class NewestFirstPagination(CursorPagination):
    """For lists ordered by time: stable while rows are added (no skipped or repeated rows)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-added_at", "-id")


def request_user(request: Request) -> User:
    """The authenticated user (views are behind IsAuthenticated)."""
    user = request.user
    assert isinstance(user, User)
    return user


def visible_library(request: Request, library_id: object) -> Library:
    """A library the user can see, or 404 (never 403: others' libraries do not exist for them)."""
    return library_for(request_user(request), library_id)


def writable_library(request: Request, library_id: object) -> Library:
    """A library the user can write to; 404 if they cannot see it, 403 if read-only for them."""
    return library_for(request_user(request), library_id, write=True)


def base_version_param(request: Request) -> int | None:
    """`?version=N` on a DELETE: the version of the object the client last saw."""
    raw = request.query_params.get("version")
    if raw is None:
        return None
    version = ascii_int(raw)
    if version is None:
        raise ValidationError({"version": ["Must be a non-negative integer."]})
    return version


def with_version(response: Response, library: Library) -> Response:
    response[VERSION_HEADER] = str(library.version)
    return response
