from django.db import migrations

# Ranking reads every match's vector. An abstract's vector is about 1.8 KB, so with the default
# 2 KB tuple target about half of them were moved to the TOAST table, and ranking "language"
# (5,753 of 10,000 entries) paid a TOAST index lookup per match: 16 ms, against 6.5 ms with
# the vectors in the row (3.5 against 1.4 ms for a word in 10 % of the library). 8160 is the
# largest target a table accepts: only rows that would not fit a page are compressed or
# moved out of line.
INLINE_TARGET = 8160

# Rewriting the value (concatenating an empty vector) is what brings an already-toasted
# vector back into the row; no trigger fires (they watch paper_id) and no version moves.
# Only vectors big enough to have been moved out of line (a row over about 2 KB) are
# rewritten, a batch of ids per statement so no write waits long on these row locks.
REWRITE_VECTORS = (
    "UPDATE readinglist_entry SET search_vector = search_vector || ''::tsvector"
    " WHERE id >= %s AND id < %s AND pg_column_size(search_vector) > 1500"
)
BATCH = 5000


def keep_inline(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE readinglist_entry SET (toast_tuple_target = {INLINE_TARGET})"
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM readinglist_entry")
        first, last = cursor.fetchone()
    if first is None:
        return
    for start in range(first, last + 1, BATCH):
        schema_editor.execute(REWRITE_VECTORS, [start, start + BATCH])
    # The rewrite left a dead copy of each row it touched: until a vacuum, each search would
    # visit both (measured: a rare word's page 3.2 ms against 6.1) and plan on stale
    # statistics.
    schema_editor.execute("VACUUM ANALYZE readinglist_entry")


def toast_as_before(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE readinglist_entry RESET (toast_tuple_target)")


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction; each statement is atomic alone

    dependencies = [
        ("readinglist", "0005_search_indexes_without_pending_list"),
    ]

    operations = [migrations.RunPython(keep_inline, toast_as_before)]
