"""API tokens and list feed tokens moved to the `readinglist` app (readinglist 0010), which
kept their tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0004_move_import_jobs_to_readinglist"),
        ("readinglist", "0010_move_tokens_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ApiToken"),
                migrations.DeleteModel(name="ListFeedToken"),
            ],
            database_operations=[],
        ),
    ]
