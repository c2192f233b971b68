"""Tags compare by `fold_tag_name` (case folding between NFKC normalisations) on both
databases, through a stored `folded` key, instead of each database's own lower().

Tags that only now turn out to be one (SQLite let "ÜBER" and "über" coexist; look-alikes such
as the "fi" ligature and "fi" were apart everywhere) are merged into the oldest: its entries
gain the others' tag, the others are deleted with a tombstone at a new library version, so
every device's next sync learns of it.
"""

import unicodedata
from collections import defaultdict

from django.db import migrations, models
from django.utils import timezone


def fold_tag_name(name: str) -> str:
    # A copy of readinglist.text.fold_tag_name as it was when this migration was written.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def fold_and_merge(apps, schema_editor):
    Tag = apps.get_model("readinglist", "Tag")
    EntryTag = apps.get_model("readinglist", "EntryTag")
    Entry = apps.get_model("readinglist", "Entry")
    Library = apps.get_model("readinglist", "Library")
    Tombstone = apps.get_model("readinglist", "Tombstone")
    groups = defaultdict(list)
    for tag in Tag.objects.order_by("created_at", "id").iterator():
        tag.folded = fold_tag_name(tag.name) or tag.name
        groups[(tag.library_id, tag.folded)].append(tag)
    for (library_id, _), tags in groups.items():
        keep, *gone = tags
        if gone:
            library = Library.objects.select_for_update().get(pk=library_id)
            library.version += 1
            library.save(update_fields=["version"])
            for tag in gone:
                for entry_id in EntryTag.objects.filter(tag=tag).values_list("entry_id", flat=True):
                    EntryTag.objects.get_or_create(entry_id=entry_id, tag=keep)
                Tombstone.objects.update_or_create(
                    library_id=library_id,
                    object_type="tag",
                    key=tag.key,
                    defaults={"version": library.version, "deleted_at": timezone.now()},
                )
                tag.delete()
            Entry.objects.filter(library_id=library_id, tags=keep).update(
                version=library.version, updated_at=timezone.now()
            )
        Tag.objects.filter(pk=keep.pk).update(folded=keep.folded)


class Migration(migrations.Migration):
    dependencies = [
        ("readinglist", "0012_import_job_dry_run_and_batches"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="folded",
            field=models.CharField(default="", max_length=400),
            preserve_default=False,
        ),
        migrations.RunPython(fold_and_merge, migrations.RunPython.noop),
    ]
