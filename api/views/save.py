"""POST /api/v1/save: the extension's one-shot save."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import request_user, with_version, writable_library
from api.idempotency import idempotent
from api.serializers.core import EntrySerializer, SaveSerializer
from api.throttling import SaveThrottle
from readinglist.entry_rows import attach_entry_details, attach_identifiers
from readinglist.metadata import PageMetadata
from readinglist.models import Entry
from readinglist.services.entries import save_paper


class SaveView(APIView):
    throttle_classes = [SaveThrottle]

    @extend_schema(request=SaveSerializer, responses={200: EntrySerializer, 201: EntrySerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        return perform_save(request)


def perform_save(request: Request) -> Response:
    """Validate a save body, save, and answer 201 (new entry) or 200 (already saved)."""
    serializer = SaveSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data: dict[str, Any] = dict(serializer.validated_data)
    user = request_user(request)
    library = writable_library(request, data["library"]) if "library" in data else None
    metadata = PageMetadata.from_dict(data["metadata"]) if "metadata" in data else None
    result = save_paper(
        user=user,
        url=data["url"],
        metadata=metadata,
        library=library,
        tags=data.get("tags", ()),
        note=data.get("note", ""),
        status=data.get("status"),
    )
    entry = result.entry
    if result.created:
        # A new entry holds exactly what this save gave it: only identifiers need reading,
        # and not even those for a new paper (it holds what this save claimed).
        entry.tag_names = sorted({tag.name for tag in result.tags}, key=str.casefold)  # type: ignore[attr-defined]
        entry.my_states = [result.state] if result.state else []  # type: ignore[attr-defined]
        if result.identifiers is not None:
            entry.identifier_map = result.identifiers  # type: ignore[attr-defined]
        else:
            attach_identifiers([entry])
    else:
        attach_entry_details([entry], user_id=user.pk)
    body = {"created": result.created, **EntrySerializer(entry).data}
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    return with_version(Response(body, status=code), entry.library)


def entry_for_response(entry_id: int, *, user_id: int) -> Entry:
    """One entry with everything `EntrySerializer` shows, in a fixed number of queries."""
    entry = Entry.objects.select_related("paper", "library").get(pk=entry_id)
    attach_entry_details([entry], user_id=user_id)
    return entry
