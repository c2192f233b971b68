"""`begin_library_write`: lock and bump in one statement, a real Library back."""

from datetime import datetime

import pytest
from django.db import transaction

from readinglist.models import Library, User
from readinglist.services.accounts import personal_library
from readinglist.services.versioning import LibraryVersionConflict, begin_library_write


@pytest.mark.django_db
def test_a_write_bumps_the_version_and_returns_the_whole_library(alice: User) -> None:
    before = personal_library(alice)

    with transaction.atomic():
        library = begin_library_write(library_id=before.pk)

    assert library.version == before.version + 1
    assert Library.objects.get(pk=before.pk).version == before.version + 1
    assert library.owner_id == alice.pk
    assert library.name == before.name
    assert isinstance(library.created_at, datetime)  # converted like any ORM read
    assert library.created_at == before.created_at


@pytest.mark.django_db
def test_an_unknown_library_does_not_exist(alice: User) -> None:
    with pytest.raises(Library.DoesNotExist), transaction.atomic():
        begin_library_write(library_id=10**12)


@pytest.mark.django_db
def test_a_stale_expected_version_changes_nothing(alice: User) -> None:
    library = personal_library(alice)
    with pytest.raises(LibraryVersionConflict), transaction.atomic():
        begin_library_write(library_id=library.pk, expected_version=library.version + 5)
    assert Library.objects.get(pk=library.pk).version == library.version


def test_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        begin_library_write(library_id=1)
