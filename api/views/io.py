"""Import, export, backup/restore, import jobs and the secret live .bib URL of a list."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import request_user, visible_library, with_version, writable_library
from api.idempotency import idempotent
from api.serializers.io import (
    ExportQuerySerializer,
    FeedLinkSerializer,
    ImportBodySerializer,
    ImportJobSerializer,
)
from readinglist.access import list_for, parse_id
from readinglist.io.backup import dump_library, restore_library
from readinglist.io.export import library_records, list_records, render
from readinglist.io.formats import CONTENT_TYPES, MAX_UPLOAD_BYTES, Format
from readinglist.io.records import ImportFileError
from readinglist.models import ImportJob, ListFeedToken, ReadingList
from readinglist.services.imports import (
    file_errors,
    import_file,
    upload_text,
)
from readinglist.services.lists import feed_link, revoke_feed_link, rotate_feed_link


class IgnoreFormatParameter(DefaultContentNegotiation):
    """`?format=` names a file format here, not a DRF renderer: answer with the first renderer."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        first = next(iter(renderers))
        return first, first.media_type


class FileFormatView(APIView):
    content_negotiation_class = IgnoreFormatParameter


def _read_upload(request: Request) -> tuple[str, str, Format | None]:
    """The upload's text, file name and the format asked for (None: tell from the file)."""
    body = ImportBodySerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    if "file" in data:
        name = data["file"].name or ""
        text = upload_text(data["file"].read(MAX_UPLOAD_BYTES + 1))
    else:
        name, text = "", data["content"]
    chosen = data.get("format") or request.query_params.get("format")
    if chosen is not None and chosen not in Format:
        raise ValidationError(
            {"format": [f"Unknown format; use one of {[f.value for f in Format]}."]}
        )
    return text, name, Format(chosen) if chosen else None


class ImportView(FileFormatView):
    @extend_schema(
        request=ImportBodySerializer,
        parameters=[
            OpenApiParameter("dry_run", bool),
            OpenApiParameter("format", str),
            OpenApiParameter(
                "strict",
                bool,
                description="Import nothing if any record cannot be read (by default those "
                "are reported as `invalid` and the others imported)",
            ),
        ],
        responses={200: dict, 201: dict, 202: ImportJobSerializer},
    )
    @idempotent
    def post(self, request: Request, library_id: str) -> Response:
        library = writable_library(request, library_id)
        text, name, format = _read_upload(request)
        dry_run = request.query_params.get("dry_run") in ("1", "true", "yes")
        strict = request.query_params.get("strict") in ("1", "true", "yes")
        try:
            outcome = import_file(
                user=request_user(request),
                library=library,
                text=text,
                format=format,
                filename=name,
                dry_run=dry_run,
                strict=strict,
            )
        except ImportFileError as error:
            return Response(file_errors(error), status=status.HTTP_400_BAD_REQUEST)
        if isinstance(outcome, ImportJob):
            body = ImportJobSerializer(outcome).data
            return Response(
                body, status=status.HTTP_202_ACCEPTED, headers={"Location": _job_url(outcome)}
            )
        code = status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED
        library.refresh_from_db(fields=["version"])
        return with_version(Response(outcome.as_dict(), status=code), library)


def _job_url(job: ImportJob) -> str:
    return f"/api/v1/imports/{job.pk}"


class ImportJobView(FileFormatView):
    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request: Request, job_id: str) -> Response:
        wanted = parse_id(job_id)
        job = (
            ImportJob.objects.filter(user=request_user(request), pk=wanted).first()
            if wanted is not None
            else None
        )
        if job is None:
            raise NotFound("No such import.")
        return Response(ImportJobSerializer(job).data)


# Each export format's media type, for the schema: text formats are files, the two JSON
# ones (CSL-JSON, a backup) are JSON a client may parse.
EXPORT_RESPONSES: dict[tuple[int, str], Any] = {
    (200, content_type.split(";")[0]): OpenApiTypes.BINARY
    for content_type, _ in CONTENT_TYPES.values()
} | {
    (200, "application/vnd.citationstyles.csl+json"): {
        "type": "array",
        "items": {"type": "object"},
    },
    (200, "application/json"): OpenApiTypes.OBJECT,
}


def _download(text: str, format: str, name: str) -> HttpResponse:
    if format == "backup":
        content_type, extension = "application/json; charset=utf-8", "json"
    else:
        content_type, extension = CONTENT_TYPES[Format(format)]
    response = HttpResponse(text, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response


def _export_query(request: Request) -> tuple[str, bool]:
    query = ExportQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return str(query.validated_data["format"]), bool(query.validated_data["ascii"])


class LibraryExportView(FileFormatView):
    @extend_schema(parameters=[ExportQuerySerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request, library_id: str) -> HttpResponse:
        library = visible_library(request, library_id)
        format, ascii = _export_query(request)
        if format == "backup":
            data = dump_library(library=library, exported_by=request_user(request))
            text = json.dumps(data, ensure_ascii=False, indent=1)
        else:
            text = render(library_records(library), Format(format), ascii=ascii)
        return _download(text, format, f"library-{library.pk}")


def _visible_list(request: Request, list_id: str) -> ReadingList:
    return list_for(request_user(request), list_id)


class ListExportView(FileFormatView):
    @extend_schema(parameters=[ExportQuerySerializer], responses=EXPORT_RESPONSES)
    def get(self, request: Request, list_id: str) -> HttpResponse:
        reading_list = _visible_list(request, list_id)
        format, ascii = _export_query(request)
        if format == "backup":
            raise ValidationError({"format": ["A backup is of a whole library."]})
        text = render(list_records(reading_list), Format(format), ascii=ascii)
        return _download(text, format, f"list-{reading_list.pk}")


class RestoreView(FileFormatView):
    @extend_schema(request=dict, responses={201: dict})
    @idempotent
    def post(self, request: Request, library_id: str) -> Response:
        library = writable_library(request, library_id)
        data: Any = request.data
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        if upload is not None:
            if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                raise ValidationError({"file": ["At most 20 MB."]})
            try:
                data = json.loads(upload.read().decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise ValidationError({"file": [f"Not a JSON backup: {error}"]}) from None
        report = restore_library(user=request_user(request), library=library, data=data)
        library.refresh_from_db(fields=["version"])
        body = {"restored": True, "version": library.version, **report.as_dict()}
        return with_version(Response(body, status=status.HTTP_201_CREATED), library)


def _feed_url(request: Request, token: str) -> str:
    return request.build_absolute_uri(f"/api/v1/bib/{token}.bib")


class ListFeedLinkView(FileFormatView):
    """The secret live .bib URL of a list: GET shows it, POST creates or rotates, DELETE revokes."""

    @extend_schema(responses={200: FeedLinkSerializer})
    def get(self, request: Request, list_id: str) -> Response:
        user = request_user(request)
        link = feed_link(user=user, reading_list=list_for(user, list_id))
        if link is None:
            raise NotFound("This list has no .bib link.")
        return Response({"url": _feed_url(request, link.token), "created_at": link.created_at})

    @extend_schema(request=None, responses={201: FeedLinkSerializer})
    @idempotent
    def post(self, request: Request, list_id: str) -> Response:
        reading_list = list_for(request_user(request), list_id)
        link = rotate_feed_link(user=request_user(request), reading_list=reading_list)
        body = {"url": _feed_url(request, link.token), "created_at": link.created_at}
        return Response(FeedLinkSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    @idempotent
    def delete(self, request: Request, list_id: str) -> Response:
        reading_list = list_for(request_user(request), list_id)
        revoke_feed_link(user=request_user(request), reading_list=reading_list)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListFeedView(FileFormatView):
    """GET /api/v1/bib/<token>.bib: the list as BibTeX, for tools that cannot log in."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        auth=[],
        parameters=[
            OpenApiParameter(
                "ascii", bool, description="Non-ASCII letters as LaTeX macros (default UTF-8)"
            )
        ],
        responses={(200, "application/x-bibtex"): bytes},
    )
    def get(self, request: Request, token: str) -> HttpResponse:
        link = ListFeedToken.objects.select_related("reading_list").filter(token=token).first()
        if link is None:
            raise NotFound("No such feed.")
        ascii = request.query_params.get("ascii") in ("1", "true", "yes")
        text = render(list_records(link.reading_list), Format.BIBTEX, ascii=ascii)
        response = HttpResponse(text, content_type=CONTENT_TYPES[Format.BIBTEX][0])
        response["Cache-Control"] = "private, max-age=60"
        return response
