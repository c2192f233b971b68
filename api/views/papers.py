"""Papers, read-only: by id or by any identifier, limited to papers in the user's libraries."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import request_user
from api.serializers.core import MAX_INPUT_LENGTH, PaperSerializer
from readinglist import identifiers as ids
from readinglist.access import parse_id
from readinglist.models import Entry, Paper
from readinglist.querysets import PaperQuerySet


class PaperViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Paper]):
    serializer_class = PaperSerializer

    def get_queryset(self) -> PaperQuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Paper.objects.none()
        # A paper someone else saved is not the caller's business: it is a 404 for them.
        saved = Entry.objects.visible_to(request_user(self.request)).values("paper_id")
        return Paper.objects.filter(pk__in=saved).prefetch_related("identifiers")

    def get_object(self) -> Paper:
        if parse_id(self.kwargs["pk"]) is None:
            raise NotFound()
        return super().get_object()

    @extend_schema(
        parameters=[OpenApiParameter("identifier", str, required=True)], responses=PaperSerializer
    )
    def list(self, request: Request) -> Response:
        """Find a paper by URL or identifier: `?identifier=doi:10.1234/x`."""
        value = request.query_params.get("identifier", "").strip()
        if not value or len(value) > MAX_INPUT_LENGTH:
            raise ValidationError({"identifier": ["Give a URL or identifier (max 2000 chars)."]})
        found = ids.without_derived_arxiv_doi(ids.identify(value))
        paper = self.get_queryset().matching(found).first()
        if paper is None:
            raise NotFound("No paper with this identifier in your libraries.")
        return Response(PaperSerializer(paper).data)
