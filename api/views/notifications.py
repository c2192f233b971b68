"""GET /api/v1/notifications/ (the inbox) and POST /api/v1/notifications/read."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import request_user
from api.idempotency import idempotent
from api.serializers.strict import RejectUnknownFields
from readinglist.inbox import INBOX_PAGE, inbox, unread_count
from readinglist.models import Notification
from readinglist.services.notifications import mark_read


class InboxQuerySerializer(serializers.Serializer[dict[str, Any]]):
    unread = serializers.BooleanField(default=False, help_text="Only the unread ones")
    limit = serializers.IntegerField(default=INBOX_PAGE, min_value=1, max_value=200)


class NotificationSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    text = serializers.CharField(help_text="What happened, in a sentence")
    link = serializers.CharField(help_text="Where to see it in the web app (a path)")
    lab = serializers.CharField(help_text="The lab's name, or empty")
    created_at = serializers.DateTimeField()
    read = serializers.BooleanField()


class InboxSerializer(serializers.Serializer[dict[str, Any]]):
    unread_count = serializers.IntegerField()
    results = NotificationSerializer(many=True)


class MarkReadSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=500, required=False
    )
    all = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("ids" in attrs) == attrs["all"]:
            raise serializers.ValidationError("Send either `ids` or `all: true`.")
        return attrs


class InboxView(APIView):
    @extend_schema(parameters=[InboxQuerySerializer], responses=InboxSerializer)
    def get(self, request: Request) -> Response:
        """Your notifications, newest first, and how many are unread (the toolbar badge)."""
        query = InboxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request_user(request)
        shown = inbox(
            user, unread_only=query.validated_data["unread"], limit=query.validated_data["limit"]
        )
        return Response(
            {
                "unread_count": unread_count(user),
                "results": [NotificationSerializer(asdict(n)).data for n in shown],
            }
        )


class MarkReadView(APIView):
    @extend_schema(request=MarkReadSerializer, responses=InboxSerializer)
    @idempotent
    def post(self, request: Request) -> Response:
        """Mark notifications read: `{"ids": [...]}` (others' ids change nothing) or
        `{"all": true}`; answers the unread count after."""
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = request_user(request)
        mark_read(user=user, ids=body.validated_data.get("ids"))
        return Response({"unread_count": unread_count(user), "results": []})
