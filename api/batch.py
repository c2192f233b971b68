"""POST /api/v1/libraries/{id}/batch: up to 100 operations as one write.

This parses each operation and answers each outcome; `readinglist.services.batch` applies
them. Results come back per operation: created, updated, unchanged, or failed with an
HTTP-like code and reason, the one the API answers the same refusal with.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from api.exceptions import ErrorAnswer, error_answer
from api.serializers.core import EntryUpdateSerializer, SaveSerializer
from api.serializers.strict import RejectUnknownFields
from readinglist.metadata import PageMetadata
from readinglist.models import Library, User
from readinglist.services.batch import (
    DELETABLE,
    Applied,
    CreateNote,
    Delete,
    Operation,
    Refused,
    SavePaper,
    UpdateEntry,
    UpdateNote,
    apply_batch,
)

MAX_OPERATIONS = 100
STATE_FIELDS = ("status", "priority", "rating", "private_note")


class OperationSerializer(serializers.Serializer[dict[str, Any]]):
    op = serializers.ChoiceField(choices=["save", "create", "update", "delete"])
    type = serializers.ChoiceField(choices=DELETABLE, required=False)
    key = serializers.UUIDField(required=False)
    version = serializers.IntegerField(min_value=0, required=False)
    data = serializers.DictField(required=False)  # type: ignore[assignment]  # DRF pops it


class BatchSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    operations = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_OPERATIONS
    )


class Unparsable(Exception):
    """An operation this adapter could not read: answered 400 with `detail`."""

    def __init__(self, detail: Any) -> None:
        super().__init__(str(detail))
        self.detail = detail


def run_batch(
    *, user: User, library: Library, operations: list[dict[str, Any]], request: Request
) -> tuple[int, list[dict[str, Any]]]:
    """The library's version after `operations`, and one result per operation."""
    parsed: list[Operation | Exception] = []
    for raw in operations:
        try:
            parsed.append(_parse(raw))
        except Unparsable as error:
            parsed.append(error)
    result = apply_batch(user=user, library=library, operations=parsed)
    return result.version, [
        {"index": index, **_answer(outcome, request)}
        for index, outcome in enumerate(result.outcomes)
    ]


def _answer(outcome: Applied | Refused, request: Request) -> dict[str, Any]:
    if isinstance(outcome, Applied):
        body: dict[str, Any] = {
            "status": outcome.status,
            "type": outcome.kind,
            "key": str(outcome.key),
        }
        if outcome.id is not None:
            body["id"] = outcome.id
        if outcome.deleted:
            body["deleted"] = True
        return body
    if isinstance(outcome.error, Unparsable):
        return {"status": "failed", "code": 400, "message": outcome.error.detail}
    answer = error_answer(outcome.error, request)
    if answer is None:  # `apply_batch` hands back refusals only
        raise outcome.error
    return _failed(answer)


def _failed(answer: ErrorAnswer) -> dict[str, Any]:
    body = answer.body
    outcome: dict[str, Any] = {"status": "failed", "code": answer.status}
    if isinstance(body, dict) and "current" in body:
        outcome["message"] = "changed since the version given"
        outcome["current"] = body["current"]
    else:
        outcome["message"] = body.get("detail", body) if isinstance(body, dict) else body
    return outcome


def _parse(raw: dict[str, Any]) -> Operation:
    operation = _valid(OperationSerializer, raw)
    if operation["op"] == "save":
        body = _valid(SaveSerializer, {k: v for k, v in raw.items() if k != "op"})
        return SavePaper(
            url=body["url"],
            metadata=PageMetadata.from_dict(body["metadata"]) if "metadata" in body else None,
            tags=body.get("tags", ()),
            note=body.get("note", ""),
            status=body.get("status"),
        )
    kind = operation.get("type")
    key = operation.get("key")
    if kind is None or key is None:
        raise Unparsable({"type": ["Required."], "key": ["Required."]})
    version = operation.get("version")
    data = operation.get("data") or {}
    match operation["op"], kind:
        case "delete", _:
            return Delete(kind=kind, key=key, version=version)
        case "create", "note":
            try:
                entry_key = UUID(str(data.get("entry")))
            except ValueError:
                raise Unparsable({"entry": ["Give the entry's key."]}) from None
            return CreateNote(key=key, entry_key=entry_key, body=_note_body(data))
        case "update", "entry":
            change = _valid(EntryUpdateSerializer, data)
            return UpdateEntry(
                key=key,
                version=version,
                state={k: change[k] for k in STATE_FIELDS if k in change},
                add_tags=change.get("add_tags", ()),
                remove_tags=change.get("remove_tags", ()),
            )
        case "update", "note":
            return UpdateNote(key=key, version=version, body=_note_body(data))
    raise Unparsable(f"{operation['op']} of {kind} is not supported in a batch")


def _note_body(data: dict[str, Any]) -> str:
    body = data.get("body")
    if not isinstance(body, str):
        raise Unparsable({"body": ["A string is required."]})
    return body


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as error:
        raise Unparsable(error.detail) from None
    return dict(serializer.validated_data)
