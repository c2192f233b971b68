from django.db import migrations

SEARCH_INDEXES = ("readinglist_entry_search", "readinglist_note_search")

# GIN's fast update queues new keys in a pending list that every search scans linearly until
# VACUUM merges it, and an insert-only table is rarely vacuumed. After a few thousand saves a
# rare word's search on 10k entries went from 0.7 to 2 ms (the index scan from 19 to 264
# pages). Without the list, each save updates the index directly: no measurable save cost
# in bench/load.py.


def without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in SEARCH_INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{index}'::regclass)")


def with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in SEARCH_INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [
        ("readinglist", "0004_copy_paper_search_vector_to_entries"),
    ]

    operations = [migrations.RunPython(without_pending_list, with_pending_list)]
