"""Libraries the user can see, with their sync version and the user's role."""

from __future__ import annotations

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import request_user
from api.serializers.core import LibrarySerializer
from readinglist.models import Library, Membership
from readinglist.services.libraries import rename_library


class LibraryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Library],
):
    serializer_class = LibrarySerializer

    def get_queryset(self) -> QuerySet[Library]:
        user = request_user(self.request)
        lab_role = Membership.objects.filter(lab=OuterRef("lab_id"), user=user).values("role")
        return (
            Library.objects.visible_to(user)
            .annotate(
                role=Coalesce(Subquery(lab_role[:1]), Value("owner"), output_field=CharField())
            )
            .order_by("kind", "name", "id")
        )

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        library = self.get_object()
        if getattr(library, "role", None) not in ("owner", "admin"):
            raise PermissionDenied("Only an owner or admin can rename this library.")
        serializer = LibrarySerializer(library, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        renamed = rename_library(
            library=library, name=serializer.validated_data.get("name", library.name)
        )
        renamed.role = library.role  # type: ignore[attr-defined]
        response = Response(LibrarySerializer(renamed).data)
        response["Last-Modified-Version"] = str(renamed.version)
        return response
