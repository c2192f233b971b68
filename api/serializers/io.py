"""Shapes of imports, import jobs, exports and list feed links."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.serializers.strict import RejectUnknownFields
from readinglist.citations import CitationStyle
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
    ascii = serializers.BooleanField(
        default=False,
        help_text="BibTeX only: non-ASCII letters as LaTeX macros (for bibtex without "
        "UTF-8 support); by default they are written as UTF-8",
    )


class CiteQuerySerializer(serializers.Serializer[dict[str, Any]]):
    style = serializers.ChoiceField(  # type: ignore[assignment]  # DRF pops declared fields
        choices=[style.value for style in CitationStyle],
        default=CitationStyle.APA.value,
        help_text="A citation style, or `bibtex` for the entries under their pinned keys",
    )


class CiteSelectionQuerySerializer(CiteQuerySerializer):
    ids = serializers.RegexField(
        r"^[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,499}$",
        help_text="Entry ids, comma-separated (at most 500), in the order to cite them",
        error_messages={"invalid": "Up to 500 entry ids, separated by commas."},
    )


class ReferenceSerializer(serializers.Serializer[dict[str, Any]]):
    key = serializers.CharField(help_text="The entry's citation key")
    text = serializers.CharField()
    html = serializers.CharField(help_text="With the style's italics; empty for BibTeX")


class CitationSerializer(serializers.Serializer[dict[str, Any]]):
    style = serializers.CharField()  # type: ignore[assignment]  # DRF pops declared fields
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="The style's name as people know it"
    )
    references = ReferenceSerializer(many=True)
    text = serializers.CharField(help_text="All references, one paragraph each")


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    class Meta:
        model = ImportJob
        fields = ["id", "library", "format", "status", "total", "done", "report"]
        read_only_fields = fields


class FeedLinkSerializer(serializers.Serializer[dict[str, Any]]):
    url = serializers.URLField()
    created_at = serializers.DateTimeField()
