"""`Idempotency-Key`: a retried write returns the first response instead of writing again.

The record is inserted before the write runs, in the same transaction: a concurrent request
with the same key blocks on the unique index until the first one commits, then replays its
response. If the write fails, the record rolls back with it and the key can be used again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.common import request_user
from api.models import IdempotencyRecord
from readinglist.services.versioning import library_precondition

HEADER = "Idempotency-Key"
PRECONDITION_HEADER = "If-Unmodified-Since-Version"
REPLAYED_HEADER = "Idempotent-Replayed"
REPLAYED_RESPONSE_HEADERS = ("Last-Modified-Version", "Location")
MAX_KEY_LENGTH = 200

Handler = Callable[..., Response]


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise KeyReused()
    body = None if record.status_code == status.HTTP_204_NO_CONTENT else record.response
    response = Response(body, status=record.status_code, headers=record.headers)
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(handler: Handler) -> Handler:
    """Decorate a mutating view method: an `Idempotency-Key` header makes retries safe, and an
    `If-Unmodified-Since-Version` header makes the write fail (412) if the library moved on."""

    @wraps(handler)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        with library_precondition(_expected_library_version(request)):
            return _run_once(handler, view, request, *args, **kwargs)

    wrapper.idempotent = True  # type: ignore[attr-defined]  # checked by the API's tests
    return wrapper


def _expected_library_version(request: Request) -> int | None:
    raw = request.headers.get(PRECONDITION_HEADER)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({PRECONDITION_HEADER: "Must be a library version number."}) from None


def _run_once(handler: Handler, view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return handler(view, request, *args, **kwargs)
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: f"At most {MAX_KEY_LENGTH} characters."})
    user = request_user(request)
    fingerprint = _fingerprint(request)
    existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, request_hash=fingerprint, status_code=0, response={}
            )
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 400:
                # A refused write is not remembered: fixing the body and retrying must work.
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response = response.data if response.data is not None else {}
            record.headers = {
                name: response[name] for name in REPLAYED_RESPONSE_HEADERS if name in response
            }
            record.save(update_fields=["status_code", "response", "headers"])
            return response
    except IntegrityError:
        # A concurrent request with this key committed first; answer as it did.
        winner = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if winner is None:
            raise  # the write itself broke a constraint; not an idempotency matter
        return _replay(winner, fingerprint)
