"""Domain exceptions that any view may let escape, turned into HTTP answers in one place."""

from __future__ import annotations

from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import exception_handler

from readinglist.services.entries import LibraryNotWritable
from readinglist.services.versioning import LibraryVersionConflict


class PreconditionFailed(APIException):
    """The object changed since the version the client based its write on."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "version_conflict"

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__({"error": "version_conflict", "current": current})


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, LibraryVersionConflict):
        response = Response(
            {"error": "library_version_conflict", "current_version": exc.current_version},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["Last-Modified-Version"] = str(exc.current_version)
        return response
    if isinstance(exc, LibraryNotWritable):
        exc = PermissionDenied("You can read this library but not change it.")
    return exception_handler(exc, context)
