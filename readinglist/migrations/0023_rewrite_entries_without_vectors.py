"""Rewrite the entries table without the search vectors 0022 moved out (PostgreSQL).

Dropping a column frees nothing: every existing row keeps its bytes until it is rewritten,
and listings and searches would go on reading a table twice its size. VACUUM FULL rewrites
it (holding the table's lock while it does, seconds for 100,000 entries); it cannot run in
a transaction.
"""

from django.db import migrations


def rewrite(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("VACUUM FULL ANALYZE readinglist_entry")
        schema_editor.execute("ANALYZE readinglist_entrysearch")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("readinglist", "0022_entry_search_table"),
    ]

    operations = [
        migrations.RunPython(rewrite, migrations.RunPython.noop),
    ]
