"""Tags compare by Unicode case folding with NFKC on both databases: look-alike names are
one tag, and no name makes a save or an import fail."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from readinglist.models import Entry, Tag, Tombstone, User
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.tags import TagNameTaken, create_tag
from readinglist.text import fold_tag_name


@pytest.mark.parametrize(
    ("one", "other"),
    [("ÜBER", "über"), ("\ufb01le", "file"), ("\uff2e\uff2c\uff30", "nlp"), ("Straße", "STRASSE")],
)
def test_look_alike_names_fold_to_one_key(one: str, other: str) -> None:
    assert fold_tag_name(one) == fold_tag_name(other)


@pytest.mark.django_db
def test_a_look_alike_tag_is_the_same_tag_on_save_and_is_refused_on_create(alice: User) -> None:
    library = personal_library(alice)
    first = save_paper(user=alice, url="arXiv:1706.03762", tags=["über", "file"]).entry
    second = save_paper(user=alice, url="arXiv:1810.04805", tags=["ÜBER", "\ufb01le"]).entry

    assert Tag.objects.filter(library=library).count() == 2
    assert set(first.tags.all()) == set(second.tags.all())
    with pytest.raises(TagNameTaken):
        create_tag(user=alice, library=library, name="Über")


@pytest.mark.django_db
def test_a_dotted_capital_i_beside_i_saves_instead_of_conflicting(
    alice: User, alice_client: APIClient
) -> None:
    save_paper(user=alice, url="arXiv:1706.03762", tags=["i"])
    response = alice_client.post("/api/v1/save", {"url": "arXiv:1810.04805", "tags": ["İ", "i"]})
    assert response.status_code == 201
    assert Entry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_tags_that_now_fold_together(alice: User) -> None:
    executor = MigrationExecutor(connection)
    before = [("readinglist", "0012_import_job_dry_run_and_batches")]
    # Forward to the newest state: the test then reads through today's models.
    after = executor.loader.graph.leaf_nodes("readinglist")
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    library = old.get_model("readinglist", "Library").objects.get(owner_id=alice.pk)
    OldTag = old.get_model("readinglist", "Tag")
    older = OldTag.objects.create(library_id=library.pk, name="file", version=1)
    newer = OldTag.objects.create(library_id=library.pk, name="\ufb01le", version=1)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    (kept,) = Tag.objects.filter(library_id=library.pk)
    assert (kept.pk, kept.folded) == (older.pk, "file")
    gone = Tombstone.objects.get(library_id=library.pk, object_type="tag")
    assert gone.key == newer.key
    assert gone.version == personal_library(alice).version
