"""Personal API tokens: the secret appears only in the response to their creation."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.strict import RejectUnknownFields
from readinglist.models import ApiToken


class ApiTokenSerializer(RejectUnknownFields, serializers.ModelSerializer[ApiToken]):
    """A token as listed: never its secret or digest."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    """The answer to creating a token: the only time its secret is shown.

    The secret is not stored (only its digest), so it comes in through `context["secret"]`.
    """

    token = serializers.SerializerMethodField(
        help_text="The secret, shown only this once: send it as `Authorization: Token <secret>`."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]

    def get_token(self, obj: ApiToken) -> str:
        secret: str = self.context["secret"]
        return secret
