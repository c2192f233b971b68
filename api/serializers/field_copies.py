"""Cheaper per-request copies of a serializer's declared fields, for the hottest request bodies."""

from __future__ import annotations

import copy
from typing import Any

from rest_framework import serializers


class ShallowFieldCopies:
    """Each serializer instance gets its own copies of the declared fields, as DRF's
    `get_fields` gives it, but a plain field is copied shallowly instead of being built again
    from its arguments (`Field.__deepcopy__` re-runs `__init__`, validators and all): for the
    save's body that deep copy was about 14 % of the request's Python.

    Safe for fields whose only per-instance state is what `bind` sets (name, parent, label,
    source): the copy is of a declared field, which is never bound, and what it shares with
    it (validators, choices, error messages) is read-only, as DRF already shares validators
    between its deep copies. A list or dict field of plain fields gets a copy of its child
    too; nested serializers and anything else are deep-copied as DRF does."""

    _declared_fields: dict[str, serializers.Field[Any, Any, Any, Any]]

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {name: _fresh(field) for name, field in self._declared_fields.items()}


_CONTAINERS = (serializers.ListField, serializers.DictField)


def _fresh(field: serializers.Field[Any, Any, Any, Any]) -> serializers.Field[Any, Any, Any, Any]:
    if isinstance(field, _CONTAINERS) and _is_plain(field.child):
        # The child was bound to the declared field when it was built; its copy is bound
        # to the container's copy the same way (same name, this parent).
        container = copy.copy(field)
        container.child = copy.copy(field.child)
        container.child.parent = container  # type: ignore[assignment]  # DRF types it as a serializer
        return container
    return copy.copy(field) if _is_plain(field) else copy.deepcopy(field)


def _is_plain(field: serializers.Field[Any, Any, Any, Any]) -> bool:
    """A field holding no other field (a related field's `child_relation` is one), bound and
    copied by `Field`'s own methods."""
    return (
        not isinstance(
            field, (serializers.BaseSerializer, serializers.ManyRelatedField, *_CONTAINERS)
        )
        and type(field).bind is serializers.Field.bind
        and type(field).__deepcopy__ is serializers.Field.__deepcopy__
        and not any(isinstance(value, serializers.Field) for value in vars(field).values())
    )
