"""References in a citation style: for one entry, a selection of entries, or a list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import request_user
from api.serializers.io import (
    CitationSerializer,
    CiteQuerySerializer,
    CiteSelectionQuerySerializer,
)
from readinglist.access import entry_for, list_for
from readinglist.citations import STYLE_LABELS, CitationStyle, references
from readinglist.io.export import list_records, selection_records
from readinglist.io.records import Record
from readinglist.models import Entry


def _style(
    request: Request, serializer: type[CiteQuerySerializer]
) -> tuple[CitationStyle, dict[str, Any]]:
    query = serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return CitationStyle(query.validated_data["style"]), dict(query.validated_data)


def _answer(records: Sequence[Record], style: CitationStyle) -> Response:
    found = references(records, style)
    body = {
        "style": style.value,
        "label": STYLE_LABELS[style],
        "references": [{"key": r.key, "text": r.text, "html": r.html} for r in found],
        "text": "\n\n".join(r.text.strip() for r in found),
    }
    return Response(body)


class EntryCiteView(APIView):
    @extend_schema(parameters=[CiteQuerySerializer], responses=CitationSerializer)
    def get(self, request: Request, entry_id: str) -> Response:
        """The entry as a reference in `style` (or its BibTeX under its pinned key)."""
        style, _ = _style(request, CiteQuerySerializer)
        entry = entry_for(request_user(request), entry_id)
        visible = Entry.objects.filter(pk=entry.pk)
        return _answer(selection_records([entry.pk], visible=visible), style)


class SelectionCiteView(APIView):
    @extend_schema(parameters=[CiteSelectionQuerySerializer], responses=CitationSerializer)
    def get(self, request: Request) -> Response:
        """Several entries (of any libraries the caller sees), in the order of `ids`; an id
        the caller cannot see is a 404, as the entry would be."""
        style, query = _style(request, CiteSelectionQuerySerializer)
        wanted = list(dict.fromkeys(int(part) for part in query["ids"].split(",")))
        visible = Entry.objects.visible_to(request_user(request))
        found = set(visible.filter(pk__in=wanted).values_list("pk", flat=True))
        missing = [entry_id for entry_id in wanted if entry_id not in found]
        if missing:
            raise NotFound(f"No such entry: {missing[0]}.")
        return _answer(selection_records(wanted, visible=visible), style)


class ListCiteView(APIView):
    @extend_schema(parameters=[CiteQuerySerializer], responses=CitationSerializer)
    def get(self, request: Request, list_id: str) -> Response:
        """The list's entries in list order, as references in `style`."""
        style, _ = _style(request, CiteQuerySerializer)
        reading_list = list_for(request_user(request), list_id)
        return _answer(list_records(reading_list), style)
