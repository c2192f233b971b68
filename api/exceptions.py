"""The API's one mapping from what a service refuses to an HTTP answer.

Every `DomainError` has a kind (`readinglist.errors`), and the kind decides the status. Three
refusals carry what a client needs to recover, and answer with it: a stale object (the
current one), a stale library (its version) and a feed too old to follow (a full sync).
The batch endpoint answers each failed operation with the same mapping (`error_answer`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Model
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import exception_handler

from readinglist.errors import DomainError, ErrorKind
from readinglist.models import Entry, Highlight, Note
from readinglist.services.versioning import LibraryVersionConflict, StaleObject
from readinglist.sync import FullSyncRequired

STATUS = {
    ErrorKind.NOT_FOUND: status.HTTP_404_NOT_FOUND,
    ErrorKind.FORBIDDEN: status.HTTP_403_FORBIDDEN,
    ErrorKind.CONFLICT: status.HTTP_409_CONFLICT,
    ErrorKind.STALE: status.HTTP_412_PRECONDITION_FAILED,
    ErrorKind.GONE: status.HTTP_410_GONE,
    ErrorKind.INVALID: status.HTTP_400_BAD_REQUEST,
    ErrorKind.TOO_MANY: status.HTTP_429_TOO_MANY_REQUESTS,
}
CONFLICT_DETAIL = "The request conflicts with the current state."


@dataclass(frozen=True)
class ErrorAnswer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def describe_current(current: Model, request: Request) -> dict[str, Any]:
    # Imported here: the serializers import services, which import this module's neighbours.
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


def error_answer(exc: Exception, request: Request) -> ErrorAnswer | None:
    """The answer to a refusal, or None for an exception that is not one (a bug: a 500)."""
    if isinstance(exc, StaleObject):
        current = describe_current(exc.current, request)
        return ErrorAnswer(STATUS[exc.kind], {"error": "version_conflict", "current": current})
    if isinstance(exc, LibraryVersionConflict):
        body = {"error": "library_version_conflict", "current_version": exc.current_version}
        headers = {"Last-Modified-Version": str(exc.current_version)}
        return ErrorAnswer(STATUS[exc.kind], body, headers)
    if isinstance(exc, FullSyncRequired):
        return ErrorAnswer(STATUS[exc.kind], {"error": "full_sync_required"})
    if isinstance(exc, DomainError):
        body = {exc.field: [exc.message]} if exc.field else {"detail": exc.message}
        retry = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry)} if retry is not None else {}
        return ErrorAnswer(STATUS[exc.kind], body, headers)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        return ErrorAnswer(status.HTTP_400_BAD_REQUEST, detail)
    if isinstance(exc, IntegrityError):  # a unique rule the service did not check first
        return ErrorAnswer(status.HTTP_409_CONFLICT, {"detail": CONFLICT_DETAIL})
    return None


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    answer = error_answer(exc, context["request"])
    if answer is None:
        return exception_handler(exc, context)
    return Response(answer.body, status=answer.status, headers=answer.headers)
