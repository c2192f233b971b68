"""Shapes of imports, import jobs, exports and list feed links."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers.strict import RejectUnknownFields
from readinglist.io.formats import MAX_UPLOAD_BYTES, Format
from readinglist.models import ImportJob

EXPORT_FORMATS = [*(f.value for f in Format), "backup"]


class ImportBodySerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    """A JSON import body; a multipart upload sends `file` (and optionally `format`) instead."""

    format = serializers.ChoiceField(choices=[f.value for f in Format], required=False)
    content = serializers.CharField(
        max_length=MAX_UPLOAD_BYTES, trim_whitespace=False, required=False
    )
    file = serializers.FileField(required=False)

    def validate_file(self, value: Any) -> Any:
        if value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError("At most 20 MB.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("content" in attrs) == ("file" in attrs):
            raise serializers.ValidationError("Send either `content` or a `file`.")
        return attrs


class ExportQuerySerializer(serializers.Serializer[dict[str, Any]]):
    format = serializers.ChoiceField(choices=EXPORT_FORMATS, default="bibtex")


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    class Meta:
        model = ImportJob
        fields = ["id", "library", "format", "status", "total", "done", "report"]
        read_only_fields = fields


class FeedLinkSerializer(serializers.Serializer[dict[str, Any]]):
    url = serializers.URLField()
    created_at = serializers.DateTimeField()
