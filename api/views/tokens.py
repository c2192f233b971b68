"""/api/v1/tokens/: personal API tokens for scripts, managed by their owner."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import request_user
from api.serializers.tokens import ApiTokenCreatedSerializer, ApiTokenSerializer
from readinglist.models import ApiToken
from readinglist.services.tokens import create_api_token, revoke_api_token


@extend_schema(tags=["tokens"])
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[ApiToken]
):
    """The signed-in user's tokens; other users' tokens do not exist here (404)."""

    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[ApiToken]:
        return ApiToken.objects.filter(user=request_user(self.request)).order_by(
            "-created_at", "-id"
        )

    @extend_schema(
        request=ApiTokenSerializer,
        responses={status.HTTP_201_CREATED: ApiTokenCreatedSerializer},
        description="Create a token. The response's `token` is the secret: it is shown only "
        "this once.",
    )
    def create(self, request: Request) -> Response:
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = create_api_token(
            user=request_user(request), name=serializer.validated_data["name"]
        )
        created = ApiTokenCreatedSerializer(token, context={"secret": secret})
        # The body holds a live secret: no cache on the way may keep a copy.
        return Response(
            created.data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"}
        )

    def perform_destroy(self, instance: ApiToken) -> None:
        revoke_api_token(token=instance)
