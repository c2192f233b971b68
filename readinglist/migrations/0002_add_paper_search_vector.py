import django.contrib.postgres.search
from django.db import migrations

GIN_INDEX = "readinglist_paper_search"


def create_gin_index(apps, schema_editor):
    # SQLite has no GIN (and no tsvector): search falls back to LIKE there.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON readinglist_paper USING gin (search_vector)"
        )


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("readinglist", "0001_initial_domain"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.RunPython(create_gin_index, drop_gin_index),
    ]
