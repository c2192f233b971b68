import django.contrib.postgres.search
from django.db import migrations

ENTRY_INDEX = "readinglist_entry_search"
NOTE_INDEX = "readinglist_note_search"
OLD_PAPER_INDEX = "readinglist_paper_search"

# Triggers keep Entry.search_vector equal to its paper's, whatever path writes the rows
# (saves, imports, batch sync, enrichment, bulk loads). SQLite has no tsvector: there the
# column stays empty and search falls back to LIKE.
CREATE_TRIGGERS = f"""
-- btree_gin lets one GIN index hold (library_id, tsvector): "this library AND matching".
-- It is a trusted extension (PostgreSQL 13+): a database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE OR REPLACE FUNCTION readinglist_entry_copy_search_vector() RETURNS trigger AS $$
BEGIN
    SELECT search_vector INTO NEW.search_vector FROM readinglist_paper WHERE id = NEW.paper_id;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER readinglist_entry_search_vector
    BEFORE INSERT OR UPDATE OF paper_id ON readinglist_entry
    FOR EACH ROW EXECUTE FUNCTION readinglist_entry_copy_search_vector();

CREATE OR REPLACE FUNCTION readinglist_paper_push_search_vector() RETURNS trigger AS $$
BEGIN
    UPDATE readinglist_entry SET search_vector = NEW.search_vector WHERE paper_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER readinglist_paper_search_vector
    AFTER UPDATE OF search_vector ON readinglist_paper
    FOR EACH ROW WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector)
    EXECUTE FUNCTION readinglist_paper_push_search_vector();

UPDATE readinglist_entry AS e SET search_vector = p.search_vector
    FROM readinglist_paper AS p WHERE p.id = e.paper_id;

CREATE INDEX IF NOT EXISTS {ENTRY_INDEX} ON readinglist_entry USING gin (library_id, search_vector);
-- The expression is exactly what SearchVector("body", config="english") compiles to.
CREATE INDEX IF NOT EXISTS {NOTE_INDEX} ON readinglist_note
    USING gin (library_id, to_tsvector('english'::regconfig, COALESCE(body, ''::text)));
-- Search no longer reads papers' vectors through their own index.
DROP INDEX IF EXISTS {OLD_PAPER_INDEX};
"""

DROP_TRIGGERS = f"""
CREATE INDEX IF NOT EXISTS {OLD_PAPER_INDEX} ON readinglist_paper USING gin (search_vector);
DROP INDEX IF EXISTS {NOTE_INDEX};
DROP INDEX IF EXISTS {ENTRY_INDEX};
DROP TRIGGER IF EXISTS readinglist_paper_search_vector ON readinglist_paper;
DROP FUNCTION IF EXISTS readinglist_paper_push_search_vector();
DROP TRIGGER IF EXISTS readinglist_entry_search_vector ON readinglist_entry;
DROP FUNCTION IF EXISTS readinglist_entry_copy_search_vector();
"""


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGERS)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS)


class Migration(migrations.Migration):
    dependencies = [
        ("readinglist", "0003_add_lab_discussion"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
