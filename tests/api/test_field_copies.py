"""The save's serializers copy their declared fields cheaply, and each request still gets
fields of its own: binding, validating or failing one body never shows in another."""

from typing import Any

from rest_framework import serializers

from api.serializers.core import PageMetadataSerializer, SaveSerializer


def _body(**changes: Any) -> dict[str, Any]:
    return {"url": "https://example.org/a", "metadata": {"title": "T"}, "tags": ["x"], **changes}


def test_each_instance_gets_its_own_bound_fields_and_the_declared_ones_stay_unbound() -> None:
    first, second = SaveSerializer(data=_body()), SaveSerializer(data=_body())

    for name in ("url", "tags", "metadata", "status"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first
        assert second.fields[name].parent is second
        assert SaveSerializer._declared_fields[name].parent is None
    tags = first.fields["tags"]
    assert isinstance(tags, serializers.ListField)
    assert tags.child is not second.fields["tags"].child
    assert tags.child.parent is tags
    assert tags.child.root is first
    nested = first.fields["metadata"]
    assert isinstance(nested, PageMetadataSerializer)
    assert nested.fields["title"].root is first
    assert nested.fields["title"] is not PageMetadataSerializer._declared_fields["title"]


def test_errors_name_the_field_and_one_bad_body_does_not_touch_the_next() -> None:
    bad = SaveSerializer(
        data=_body(
            tags=["ok", "x" * 101],
            status="maybe",
            metadata={"authors": ["A" * 1000], "identifiers": {"doi": 5 * "y" * 200}},
        )
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"tags", "status", "metadata"}
    assert list(bad.errors["tags"]) == [1]  # the second tag
    assert set(bad.errors["metadata"]) == {"authors", "identifiers"}

    good = SaveSerializer(data=_body(tags=["ok", "fine"], status="read"))
    assert good.is_valid(), good.errors
    assert good.validated_data["tags"] == ["ok", "fine"]
    assert good.validated_data["metadata"] == {"title": "T"}


def test_an_unknown_field_is_still_refused_at_each_level() -> None:
    top = SaveSerializer(data=_body(extra=1))
    assert not top.is_valid()
    assert top.errors == {"extra": ["Unknown field."]}
    nested = SaveSerializer(data=_body(metadata={"title": "T", "doi": "10.1/x"}))
    assert not nested.is_valid()
    assert nested.errors == {"metadata": {"doi": ["Unknown field."]}}
