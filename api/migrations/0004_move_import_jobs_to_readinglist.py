"""Import jobs moved to the `readinglist` app (readinglist 0009), which kept the table."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0003_add_import_jobs"),
        ("readinglist", "0009_move_import_jobs_from_api"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ImportJob")],
            database_operations=[],
        ),
    ]
