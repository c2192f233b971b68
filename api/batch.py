"""POST /api/v1/libraries/{id}/batch: up to 100 operations as one write.

The library is locked and its version bumped once, before any operation runs; each operation
then runs in its own savepoint, so one failure rolls back only itself. Results come back per
operation: created, updated, unchanged, or failed with an HTTP-like code and reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import transaction
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from api.exceptions import ErrorAnswer, error_answer
from api.serializers.core import EntryUpdateSerializer, SaveSerializer
from readinglist.metadata import PageMetadata
from readinglist.models import (
    Entry,
    Highlight,
    Library,
    Note,
    ReadingList,
    Tag,
    Tombstone,
    User,
)
from readinglist.services.annotations import (
    create_note,
    delete_highlight,
    delete_note,
    update_note,
)
from readinglist.services.entries import (
    delete_entry,
    save_paper,
    update_entry,
)
from readinglist.services.lists import delete_list
from readinglist.services.tags import delete_tag
from readinglist.services.versioning import (
    StaleObject,
    begin_library_write,
    give_back_version,
    one_version_per_write,
)

MAX_OPERATIONS = 100
DELETABLE = ("entry", "note", "highlight", "tag", "list")


class OperationSerializer(serializers.Serializer[dict[str, Any]]):
    op = serializers.ChoiceField(choices=["save", "create", "update", "delete"])
    type = serializers.ChoiceField(choices=DELETABLE, required=False)
    key = serializers.UUIDField(required=False)
    version = serializers.IntegerField(min_value=0, required=False)
    data = serializers.DictField(required=False)  # type: ignore[assignment]  # DRF pops it


class BatchSerializer(serializers.Serializer[dict[str, Any]]):
    operations = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=MAX_OPERATIONS
    )


class OperationFailed(Exception):
    def __init__(self, code: int, message: Any, current: Any = None) -> None:
        super().__init__(str(message))
        self.code, self.message, self.current = code, message, current


@dataclass
class BatchResult:
    version: int
    results: list[dict[str, Any]] = field(default_factory=list)


def run_batch(
    *, user: User, library: Library, operations: list[dict[str, Any]], request: Request
) -> BatchResult:
    """Apply `operations` in order; a refused operation is answered as the API answers a
    refused request (`error_answer`), its status as the operation's `code`."""
    changed = False
    with transaction.atomic(), one_version_per_write():
        locked = begin_library_write(library_id=library.pk)
        results = []
        for index, raw in enumerate(operations):
            try:
                with transaction.atomic():
                    outcome = _apply(user=user, library=locked, raw=raw)
            except OperationFailed as failure:
                outcome = {"status": "failed", "code": failure.code, "message": failure.message}
            except Exception as error:
                answer = error_answer(error, request)
                if answer is None:
                    raise
                outcome = _failed(answer)
            changed = changed or outcome["status"] in ("created", "updated")
            results.append({"index": index, **outcome})
        if not changed:
            give_back_version(locked)
    return BatchResult(version=locked.version, results=results)


def _failed(answer: ErrorAnswer) -> dict[str, Any]:
    body = answer.body
    outcome: dict[str, Any] = {"status": "failed", "code": answer.status}
    if isinstance(body, dict) and "current" in body:
        outcome["message"] = "changed since the version given"
        outcome["current"] = body["current"]
    else:
        outcome["message"] = body.get("detail", body) if isinstance(body, dict) else body
    return outcome


def _apply(*, user: User, library: Library, raw: dict[str, Any]) -> dict[str, Any]:
    operation = _valid(OperationSerializer, raw)
    if operation["op"] == "save":
        return _save(user=user, library=library, data=raw)
    kind = operation.get("type")
    key = operation.get("key")
    if kind is None or key is None:
        raise OperationFailed(400, {"type": ["Required."], "key": ["Required."]})
    if operation["op"] == "delete":
        return _delete(user, library, kind, key, operation.get("version"))
    if operation["op"] == "create" and kind == "note":
        return _create_note(user, library, key, operation.get("data") or {})
    if operation["op"] == "update" and kind == "entry":
        return _update_entry(user, library, key, operation)
    if operation["op"] == "update" and kind == "note":
        return _update_note(user, library, key, operation)
    raise OperationFailed(400, f"{operation['op']} of {kind} is not supported in a batch")


def _valid(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    try:
        serializer.is_valid(raise_exception=True)
    except ValidationError as error:
        raise OperationFailed(400, error.detail) from None
    return dict(serializer.validated_data)


def _save(*, user: User, library: Library, data: dict[str, Any]) -> dict[str, Any]:
    body = _valid(SaveSerializer, {k: v for k, v in data.items() if k != "op"})
    result = save_paper(
        user=user,
        url=body["url"],
        metadata=PageMetadata.from_dict(body["metadata"]) if "metadata" in body else None,
        library=library,
        tags=body.get("tags", ()),
        note=body.get("note", ""),
        status=body.get("status"),
    )
    return {
        "status": "created" if result.created else "updated",
        "type": "entry",
        "key": str(result.entry.key),
        "id": result.entry.pk,
    }


_MODELS: dict[str, Any] = {
    "entry": Entry,
    "note": Note,
    "highlight": Highlight,
    "tag": Tag,
    "list": ReadingList,
}


def _find(library: Library, kind: str, key: UUID) -> Any:
    obj = _MODELS[kind].objects.filter(library=library, key=key).first()
    if obj is None:
        raise OperationFailed(404, f"No {kind} with this key.")
    return obj


def _delete(
    user: User, library: Library, kind: str, key: UUID, version: int | None
) -> dict[str, Any]:
    obj = _MODELS[kind].objects.filter(library=library, key=key).first()
    if obj is None:
        if Tombstone.objects.filter(library=library, object_type=kind, key=key).exists():
            return {"status": "unchanged", "type": kind, "key": str(key)}
        raise OperationFailed(404, f"No {kind} with this key.")
    if kind == "entry":
        delete_entry(user=user, entry=obj, base_version=version)
    elif kind == "note":
        delete_note(user=user, note=obj, base_version=version)
    elif kind == "highlight":
        delete_highlight(user=user, highlight=obj, base_version=version)
    else:
        if version is not None and obj.version > version:
            raise StaleObject(obj)
        if kind == "tag":
            delete_tag(user=user, tag=obj)
        else:
            delete_list(user=user, reading_list=obj)
    return {"status": "updated", "type": kind, "key": str(key), "deleted": True}


def _create_note(user: User, library: Library, key: UUID, data: dict[str, Any]) -> dict[str, Any]:
    existing = Note.objects.filter(library=library, key=key).first()
    if existing is not None:
        # The client retried a creation the server already has: nothing to do.
        return {"status": "unchanged", "type": "note", "key": str(key), "id": existing.pk}
    if Tombstone.objects.filter(library=library, object_type="note", key=key).exists():
        raise OperationFailed(410, "This note was deleted.")
    entry_key = data.get("entry")
    try:
        entry = _find(library, "entry", UUID(str(entry_key)))
    except ValueError:
        raise OperationFailed(400, {"entry": ["Give the entry's key."]}) from None
    body = data.get("body")
    if not isinstance(body, str):
        raise OperationFailed(400, {"body": ["A string is required."]})
    note = create_note(user=user, entry=entry, body=body, key=key)
    return {"status": "created", "type": "note", "key": str(key), "id": note.pk}


def _update_entry(
    user: User, library: Library, key: UUID, operation: dict[str, Any]
) -> dict[str, Any]:
    entry = _find(library, "entry", key)
    data = _valid(EntryUpdateSerializer, operation.get("data") or {})
    state: dict[str, object] = {
        k: data[k] for k in ("status", "priority", "rating", "private_note") if k in data
    }
    update_entry(
        user=user,
        entry=entry,
        state=state,
        add=data.get("add_tags", ()),
        remove=data.get("remove_tags", ()),
        base_version=operation.get("version"),
    )
    return {"status": "updated", "type": "entry", "key": str(key), "id": entry.pk}


def _update_note(
    user: User, library: Library, key: UUID, operation: dict[str, Any]
) -> dict[str, Any]:
    note = _find(library, "note", key)
    body = (operation.get("data") or {}).get("body")
    if not isinstance(body, str):
        raise OperationFailed(400, {"body": ["A string is required."]})
    if body == note.body:
        return {"status": "unchanged", "type": "note", "key": str(key), "id": note.pk}
    update_note(user=user, note=note, body=body, base_version=operation.get("version"))
    return {"status": "updated", "type": "note", "key": str(key), "id": note.pk}
