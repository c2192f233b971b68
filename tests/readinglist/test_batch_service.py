"""`apply_batch`: the batch write as a service, without HTTP."""

import uuid

import pytest

from readinglist.access import NotVisible
from readinglist.models import Library, Note, User
from readinglist.services.accounts import personal_library
from readinglist.services.batch import (
    Applied,
    CreateNote,
    Delete,
    Refused,
    SavePaper,
    UpdateNote,
    apply_batch,
)
from readinglist.services.entries import save_paper


@pytest.mark.django_db
def test_a_refused_operation_rolls_back_only_itself_and_the_version_moves_once(
    alice: User,
) -> None:
    library = personal_library(alice)
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry
    before = Library.objects.get(pk=library.pk).version
    note_key, missing = uuid.uuid4(), uuid.uuid4()

    result = apply_batch(
        user=alice,
        library=library,
        operations=[
            SavePaper(url="arXiv:2106.09608", tags=["kg"]),
            CreateNote(key=note_key, entry_key=entry.key, body="first"),
            UpdateNote(key=missing, body="nowhere"),
            ValueError("unreadable"),
        ],
    )

    saved, created, not_found, unreadable = result.outcomes
    assert isinstance(saved, Applied)
    assert saved.status == "created"
    assert isinstance(created, Applied)
    assert created.status == "created"
    assert isinstance(not_found, Refused)
    assert isinstance(not_found.error, NotVisible)
    assert isinstance(unreadable, Refused)
    assert str(unreadable.error) == "unreadable"
    assert result.version == before + 1 == Library.objects.get(pk=library.pk).version
    assert Note.objects.get(key=note_key).body == "first"


@pytest.mark.django_db
def test_a_batch_that_changes_nothing_gives_its_version_back(alice: User) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="arXiv:1706.03762")
    before = Library.objects.get(pk=library.pk).version

    result = apply_batch(
        user=alice,
        library=library,
        operations=[Delete(kind="note", key=uuid.uuid4()), UpdateNote(key=uuid.uuid4(), body="")],
    )

    assert [type(o) for o in result.outcomes] == [Refused, Refused]
    assert result.version == before == Library.objects.get(pk=library.pk).version
