"""Tag names are unique per library by their folded key (filled and merged by 0013, in a
transaction of its own: PostgreSQL alters no table with deletions still pending on it)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("readinglist", "0013_tag_folded_name_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="tag",
            name="readinglist_tag_name_ci_unique_per_library",
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                fields=("library", "folded"), name="readinglist_tag_folded_unique_per_library"
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(("folded", ""), _negated=True),
                name="readinglist_tag_folded_not_empty",
            ),
        ),
    ]
