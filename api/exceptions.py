"""Domain exceptions that any view may let escape, turned into HTTP answers in one place."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from readinglist.models import Entry, Highlight, Note
from readinglist.services.access import LibraryNotWritable
from readinglist.services.versioning import LibraryVersionConflict, ObjectGone, StaleObject


class PreconditionFailed(APIException):
    """The object changed since the version the client based its write on."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "version_conflict"

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__({"error": "version_conflict", "current": current})


def describe_current(current: Model, request: Request) -> dict[str, Any]:
    # Imported here: serializers import services, which import this module's neighbours.
    from api.common import request_user
    from api.serializers.content import HighlightSerializer, NoteSerializer
    from api.serializers.core import EntrySerializer
    from api.views.save import entry_for_response

    if isinstance(current, Entry):
        entry = entry_for_response(current.pk, user_id=request_user(request).pk)
        return dict(EntrySerializer(entry).data)
    if isinstance(current, Note):
        return dict(NoteSerializer(current).data)
    if isinstance(current, Highlight):
        return dict(HighlightSerializer(current).data)
    return {"id": current.pk, "version": getattr(current, "version", None)}


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, StaleObject):
        exc = PreconditionFailed(describe_current(exc.current, context["request"]))
    if isinstance(exc, ObjectGone):
        exc = NotFound("It was deleted meanwhile.")
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
