"""Search documents move out of the entry rows into a narrow table of their own.

Every listing reads entry rows, and a search of a common word read the whole row of each of
its matches (with its vector inline, 0006/0007): on 100,000 entries most of the table, much
of it from outside shared buffers. Now one `readinglist_entrysearch` row per entry holds
(entry_id, library_id, added_at, vector), the vector out of line, so a search counts and
orders its matches over small rows and reads vectors only for the candidates it ranks.

Triggers keep it whatever writes the entries (saves, imports' bulk inserts, merges,
enrichment, edits); the foreign key cascades deletes. SQLite has no tsvector: there the
table stays empty and search falls back to LIKE.
"""

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

# What SearchVector("title", weight="A") + SearchVector(Cast("authors", TextField()),
# weight="B") + SearchVector("abstract", weight="C") (config "english") compiles to, as 0007.
TITLE = "setweight(to_tsvector('english'::regconfig, COALESCE({row}.title, '')), 'A')"
DOCUMENT = TITLE + """
    || setweight(to_tsvector('english'::regconfig, COALESCE(({row}.authors)::text, '')), 'B')
    || setweight(to_tsvector('english'::regconfig, COALESCE({row}.abstract, '')), 'C')
"""

CREATE = f"""
ALTER TABLE readinglist_entrysearch
    ADD CONSTRAINT readinglist_entrysearch_entry_fk FOREIGN KEY (entry_id)
    REFERENCES readinglist_entry (id) ON DELETE CASCADE;
-- Ranking reads every candidate's vector: keep it in the row where it fits (0006, 0007).
ALTER TABLE readinglist_entrysearch ALTER COLUMN vector SET STORAGE MAIN;

DROP TRIGGER IF EXISTS readinglist_entry_search_document ON readinglist_entry;
DROP FUNCTION IF EXISTS readinglist_entry_search_document();

-- Statement level with a transition table: a bulk insert of 5,000 entries writes their
-- documents in one statement, not 5,000.
CREATE OR REPLACE FUNCTION readinglist_entrysearch_inserted() RETURNS trigger AS $$
BEGIN
    INSERT INTO readinglist_entrysearch (entry_id, library_id, added_at, vector, title_vector)
    SELECT e.id, e.library_id, e.added_at, {DOCUMENT.format(row="e")}, {TITLE.format(row="e")}
    FROM inserted AS e;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER readinglist_entrysearch_inserted
    AFTER INSERT ON readinglist_entry REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION readinglist_entrysearch_inserted();

-- An upsert, so an entry whose document row went missing gets one back on its next edit.
CREATE OR REPLACE FUNCTION readinglist_entrysearch_updated() RETURNS trigger AS $$
BEGIN
    INSERT INTO readinglist_entrysearch (entry_id, library_id, added_at, vector, title_vector)
    VALUES (
        NEW.id, NEW.library_id, NEW.added_at, {DOCUMENT.format(row="NEW")}, {TITLE.format(row="NEW")}
    )
    ON CONFLICT (entry_id) DO UPDATE SET library_id = EXCLUDED.library_id,
        added_at = EXCLUDED.added_at, vector = EXCLUDED.vector,
        title_vector = EXCLUDED.title_vector;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- Most entry updates (versions, citekeys, bulk_update of every field) change none of these.
CREATE TRIGGER readinglist_entrysearch_updated
    AFTER UPDATE OF title, authors, abstract, library_id, added_at ON readinglist_entry
    FOR EACH ROW WHEN (
        (OLD.title, OLD.authors, OLD.abstract, OLD.library_id, OLD.added_at)
        IS DISTINCT FROM (NEW.title, NEW.authors, NEW.abstract, NEW.library_id, NEW.added_at)
    ) EXECUTE FUNCTION readinglist_entrysearch_updated();

INSERT INTO readinglist_entrysearch (entry_id, library_id, added_at, vector, title_vector)
SELECT e.id, e.library_id, e.added_at, COALESCE(e.search_vector, {DOCUMENT.format(row="e")}),
    {TITLE.format(row="e")}
FROM readinglist_entry AS e;

-- "These libraries AND matching" in one GIN (btree_gin, 0004), without a pending list (0005).
CREATE INDEX readinglist_entrysearch_text ON readinglist_entrysearch
    USING gin (library_id, vector) WITH (fastupdate = off);
CREATE INDEX readinglist_entrysearch_title ON readinglist_entrysearch
    USING gin (library_id, title_vector) WITH (fastupdate = off);
-- A common word's newest matches: walk the library's newest entries until enough match
-- (the planner takes this walk where the GIN would return half the library to sort).
CREATE INDEX readinglist_entrysearch_newest ON readinglist_entrysearch
    (library_id, added_at DESC, entry_id DESC);

-- A planner's estimate of a search's matches: what "about 49,000 results" says for a word
-- too common to count (readinglist.search_pages). EXPLAIN plans without running.
CREATE OR REPLACE FUNCTION readinglist_search_estimate(libraries bigint[], query tsquery)
RETURNS bigint AS $$
DECLARE
    plan json;
BEGIN
    EXECUTE format(
        'EXPLAIN (FORMAT JSON) SELECT 1 FROM readinglist_entrysearch'
        ' WHERE library_id = ANY (%L::bigint[]) AND vector @@ %L::tsquery', libraries, query
    ) INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END $$ LANGUAGE plpgsql VOLATILE;  -- EXPLAIN runs only in a volatile function

DROP INDEX IF EXISTS readinglist_entry_search;
-- The entry rows no longer hold a vector to keep inline (0006): long abstracts may go out.
ALTER TABLE readinglist_entry RESET (toast_tuple_target);
"""

DROP = f"""
DROP FUNCTION IF EXISTS readinglist_search_estimate(bigint[], tsquery);
DROP TRIGGER IF EXISTS readinglist_entrysearch_updated ON readinglist_entry;
DROP FUNCTION IF EXISTS readinglist_entrysearch_updated();
DROP TRIGGER IF EXISTS readinglist_entrysearch_inserted ON readinglist_entry;
DROP FUNCTION IF EXISTS readinglist_entrysearch_inserted();

UPDATE readinglist_entry AS e SET search_vector = s.vector
FROM readinglist_entrysearch AS s WHERE s.entry_id = e.id;

ALTER TABLE readinglist_entry SET (toast_tuple_target = 8160);
ALTER TABLE readinglist_entry ALTER COLUMN search_vector SET STORAGE MAIN;
CREATE OR REPLACE FUNCTION readinglist_entry_search_document() RETURNS trigger AS $$
BEGIN
    NEW.search_vector := {DOCUMENT.format(row="NEW")};
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER readinglist_entry_search_document
    BEFORE INSERT OR UPDATE OF title, authors, abstract ON readinglist_entry
    FOR EACH ROW EXECUTE FUNCTION readinglist_entry_search_document();
CREATE INDEX IF NOT EXISTS readinglist_entry_search ON readinglist_entry
    USING gin (library_id, search_vector) WITH (fastupdate = off);
"""


def run(schema_editor, sql):
    # No parameters, so psycopg leaves the plpgsql format()'s %L alone.
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)


def documents_to_their_table(apps, schema_editor):
    run(schema_editor, CREATE)


def documents_back_to_entries(apps, schema_editor):
    run(schema_editor, DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("readinglist", "0021_lab_radar"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntrySearch",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search",
                        serialize=False,
                        to="readinglist.entry",
                    ),
                ),
                ("added_at", models.DateTimeField()),
                (
                    "vector",
                    django.contrib.postgres.search.SearchVectorField(blank=True, null=True),
                ),
                (
                    "title_vector",
                    django.contrib.postgres.search.SearchVectorField(blank=True, null=True),
                ),
                (
                    "library",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="readinglist.library",
                    ),
                ),
            ],
        ),
        migrations.RunPython(documents_to_their_table, documents_back_to_entries),
        migrations.RemoveField(
            model_name="entry",
            name="search_vector",
        ),
    ]
