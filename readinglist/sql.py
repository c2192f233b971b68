"""Hand-written SQL for hot reads, portable between PostgreSQL and SQLite.

Used where building querysets costs more CPU than the database spends answering (measured in
`readinglist/lookup.py` and `attach_entry_details`). Table names come from the models.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, Model


def rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found: list[tuple[Any, ...]] = cursor.fetchall()
    return found


def instances[M: Model](model: type[M], sql: str, params: Sequence[Any]) -> list[M]:
    """`Model.objects.raw(sql, params)` as a list, with the per-call work RawQuerySet does
    (its compiler, column order, converter lists: 0.08 ms of a 0.15 ms query in process)
    done once per model and column list. Columns that are not the model's fields become
    attributes, as raw() makes them; the primary key must be among the columns."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = tuple(column[0] for column in cursor.description)
        found = cursor.fetchall()
    if not found:
        return []
    names, positions, extras, converters = _row_plan(model, columns, connection.vendor)
    alias = connection.alias
    built = []
    for raw in found:
        values = list(raw)
        for position, field, convs in converters:
            for convert in convs:
                values[position] = convert(values[position], field, connection)
        row = model.from_db(alias, names, [values[position] for position in positions])
        for attribute, position in extras:
            setattr(row, attribute, values[position])
        built.append(row)
    return built


@cache
def _row_plan(
    model: type[Model], columns: tuple[str, ...], vendor: str
) -> tuple[list[str], list[int], list[tuple[str, int]], list[tuple[int, Any, list[Any]]]]:
    """For `instances`: the field names `from_db` gets and their columns' positions, the
    other columns' positions, and each field column's converters (`vendor` keys the cache:
    converters differ between databases)."""
    fields = model._meta.concrete_fields
    order = {field.column: index for index, field in enumerate(fields)}
    selected: list[tuple[int, int]] = []  # (field index, column position)
    extras: list[tuple[str, int]] = []
    converters: list[tuple[int, Any, list[Any]]] = []
    for position, column in enumerate(columns):
        index = order.get(column)
        if index is None:
            extras.append((column, position))
            continue
        if any(taken == index for taken, _ in selected):
            # A field's column again ("t.*, e.library_id"): the first is the row's, as in raw().
            continue
        selected.append((index, position))
        col = fields[index].get_col(model._meta.db_table)
        convs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if convs:
            converters.append((position, col, convs))
    # from_db() takes the values in the model's field order, whatever the query's order.
    selected.sort()
    names = [fields[index].attname for index, _ in selected]
    if model._meta.pk.attname not in names:
        raise ValueError(f"a query for {model.__name__} rows must select its primary key")
    return names, [position for _, position in selected], extras, converters


def execute(sql: str, params: Sequence[Any]) -> int:
    """Run a statement that returns no rows; how many rows it changed."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        changed: int = cursor.rowcount
    return changed


def in_ids(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`column` is one of `ids`: one array parameter on PostgreSQL (a query text psycopg can
    cache), a placeholder per id elsewhere."""
    return in_values(column, ids)


def in_values(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """`column` is one of `values` (all of one type), as `in_ids` writes it."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def insert(row: Model) -> None:
    """INSERT `row` (new, of a model whose columns all get their values from Python) as
    `Model.save(force_insert=True)` would, with a statement written once per model: on the
    save path building Django's INSERT cost more than PostgreSQL spent running it. No
    signals are sent (the project connects none to these models)."""
    statement, fields = _insert_statement(type(row))
    returns_key = row._meta.auto_field is not None
    if returns_key and row.pk is not None:
        raise TypeError(f"this {type(row).__name__} has a primary key already: use save()")
    # As save() does: a related row saved after it was assigned (a new entry's contribution)
    # gives its key now, and an unsaved one is refused.
    row._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    raw = [field.pre_save(row, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in raw):
        raise TypeError(f"this {type(row).__name__} holds a query expression: use save()")
    values = [
        field.get_db_prep_save(value, connection) for field, value in zip(fields, raw, strict=True)
    ]
    with transaction.mark_for_rollback_on_error(), connection.cursor() as cursor:
        cursor.execute(statement, values)
        if returns_key:
            row.pk = cursor.fetchone()[0]
    row._state.adding, row._state.db = False, connection.alias


@cache
def _insert_statement(model: type[Model]) -> tuple[str, list[Field[Any, Any]]]:
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.auto_field]
    if meta.parents or any(field.db_returning or field.has_db_default() for field in fields):
        raise TypeError(f"{model.__name__} has columns the database fills or a parent: use save()")
    columns = ", ".join(connection.ops.quote_name(str(field.column)) for field in fields)
    values = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {meta.db_table} ({columns}) VALUES ({values})"
    if meta.auto_field is not None:
        statement += f" RETURNING {connection.ops.quote_name(str(meta.auto_field.column))}"
    return statement, fields


DEADLOCK_DETECTED = "40P01"  # PostgreSQL's SQLSTATE


def is_deadlock(error: Exception) -> bool:
    """Whether PostgreSQL ended this statement's transaction to break a deadlock."""
    return getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED
