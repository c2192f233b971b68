"""`sql.instances` builds the rows `Model.objects.raw()` would, whatever the query's order."""

import pytest
from django.forms.models import model_to_dict

from readinglist import sql
from readinglist.models import Entry, Library, Paper, Tag, User
from readinglist.services.accounts import personal_library


def _same(built: list, raw: list) -> None:  # type: ignore[type-arg]
    assert [type(row) for row in built] == [type(row) for row in raw]
    assert [model_to_dict(row) for row in built] == [model_to_dict(row) for row in raw]
    assert [row.pk for row in built] == [row.pk for row in raw]
    for row in built:
        assert not row._state.adding


@pytest.mark.django_db
def test_rows_match_raw_in_table_and_in_reversed_column_order(alice: User) -> None:
    library = personal_library(alice)
    paper = Paper.objects.create(url="https://example.org/a")
    Entry.objects.create(
        library=library,
        paper=paper,
        version=3,
        title="Attention",
        authors=["Ashish Vaswani"],  # JSON: a converter on SQLite
        citekey_aliases=["vaswani17"],
    )
    table = Entry._meta.db_table
    every = f"SELECT * FROM {table} WHERE library_id = %s"
    _same(sql.instances(Entry, every, [library.pk]), list(Entry.objects.raw(every, [library.pk])))
    columns = ", ".join(reversed([field.column for field in Entry._meta.concrete_fields]))
    backwards = f"SELECT {columns} FROM {table} WHERE library_id = %s"
    built = sql.instances(Entry, backwards, [library.pk])
    _same(built, list(Entry.objects.raw(backwards, [library.pk])))
    assert built[0].authors == ["Ashish Vaswani"]
    assert built[0].created_at.tzinfo is not None


@pytest.mark.django_db
def test_other_columns_become_attributes_and_missing_fields_are_deferred(alice: User) -> None:
    library = personal_library(alice)
    Tag.objects.create(library=library, name="Vision", folded="vision", version=1)
    rows = sql.instances(
        Tag,
        f"SELECT id, 7 AS uses, name FROM {Tag._meta.db_table} WHERE library_id = %s",
        [library.pk],
    )
    assert [(tag.name, tag.uses) for tag in rows] == [("Vision", 7)]  # type: ignore[attr-defined]
    assert rows[0].get_deferred_fields() >= {"folded", "library_id"}
    assert rows[0].folded == "vision"  # loaded when asked for, as raw() does


@pytest.mark.django_db
def test_no_rows_and_a_query_without_the_key(alice: User) -> None:
    table = Library._meta.db_table
    assert sql.instances(Library, f"SELECT * FROM {table} WHERE id = %s", [-1]) == []
    personal_library(alice)
    with pytest.raises(ValueError, match="primary key"):
        sql.instances(Library, f"SELECT name FROM {table}", [])


@pytest.mark.django_db
def test_a_column_selected_twice_keeps_the_first_as_raw_does(alice: User) -> None:
    library = personal_library(alice)
    Tag.objects.create(library=library, name="Vision", folded="vision", version=1)
    query = f"SELECT *, id FROM {Tag._meta.db_table} WHERE library_id = %s"
    built = sql.instances(Tag, query, [library.pk])
    _same(built, list(Tag.objects.raw(query, [library.pk])))
    assert built[0].name == "Vision"
