"""Hand-written SQL for hot reads, portable between PostgreSQL and SQLite.

Used where building querysets costs more CPU than the database spends answering (measured in
`readinglist/lookup.py` and `attach_entry_details`). Table names come from the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
    return found


def in_ids(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: one array parameter on PostgreSQL (a query text psycopg can
    cache), a placeholder per id elsewhere."""
    return in_values(column, ids)


def in_values(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values` (all of one type), as `in_ids` writes it."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def is_deadlock(error: Exception) -> bool:
    """Whether PostgreSQL ended this statement's transaction to break a deadlock."""
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED
