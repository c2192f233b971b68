"""Fair-use allowances that hold whichever door the work comes in by (API or web page).

An allowance is a number of units (imported records, ...) per window per person, counted in
the default cache: per process unless a shared cache is configured, so with several server
processes it is a floor, not a ceiling.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from readinglist.errors import DomainError, ErrorKind
from readinglist.models import User


class AllowanceSpent(DomainError):
    kind = ErrorKind.TOO_MANY
    default_message = "You have imported a lot in a short time; try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def _key(user: User) -> str:
    return f"allowance:import-records:{user.pk}"


def check_import_allowance(user: User) -> None:
    """Refuse (`AllowanceSpent`) while `user` has no import records left in this window."""
    spent, started = cache.get(_key(user), (0, 0.0))
    window = settings.IMPORT_RECORDS_WINDOW_SECONDS
    left = window - (time.time() - started)
    if left > 0 and spent >= settings.IMPORT_RECORDS_PER_WINDOW:
        raise AllowanceSpent(retry_after=max(1, int(left)))


def spend_import_allowance(user: User, records: int) -> None:
    """Count `records` imported by `user` (a window starts with the first)."""
    window = settings.IMPORT_RECORDS_WINDOW_SECONDS
    spent, started = cache.get(_key(user), (0, 0.0))
    now = time.time()
    if now - started >= window:
        spent, started = 0, now
    cache.set(_key(user), (spent + records, started), timeout=window)
