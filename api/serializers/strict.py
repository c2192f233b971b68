"""Request bodies name only fields the endpoint has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers


class RejectUnknownFields:
    """A body naming a field the serializer lacks is a 400 naming it, not silently dropped: a
    misspelt or misplaced field (`metadata.doi` for `metadata.identifiers.doi`) would
    otherwise save without what the client meant to send. Fields the serializer only shows
    (read-only ones a client echoes back) count as known."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]
