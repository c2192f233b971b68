"""What a service refuses, and of which kind: the one taxonomy both front doors answer from.

Every refusal a service raises is a `DomainError` with a `kind`. The API turns the kind into
a status once (`api.exceptions`), the web pages turn the error into a message once
(`readinglist.web.common`), and the batch endpoint reuses the API's mapping per operation.
An error's text is written for the person who made the request; both front doors show it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    NOT_FOUND = "not_found"  # there is no such thing, as far as this person may know
    FORBIDDEN = "forbidden"  # they can see it but their role does not allow this
    CONFLICT = "conflict"  # it would break a rule of the current state (a name taken, ...)
    STALE = "stale"  # it changed since the version they based the write on
    GONE = "gone"  # it existed and can no longer be used
    INVALID = "invalid"  # the input itself is wrong
    TOO_MANY = "too_many"  # a fair-use limit: try again later


class DomainError(Exception):
    """Base of every refusal; subclasses set `kind` and a default `message`."""

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID
    default_message: ClassVar[str] = "That did not work."
    # For an INVALID error about one input: its name (the API answers {field: [message]}).
    field: ClassVar[str | None] = None

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.default_message)

    @property
    def message(self) -> str:
        return str(self)
