"""The access module and the role ladder: who may see and change what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from readinglist.access import (
    LabPermissionDenied,
    LibraryNotWritable,
    NotVisible,
    comment_for,
    entry_for,
    highlight_for,
    lab_for,
    library_for,
    list_for,
    note_for,
    parse_id,
    session_for,
)
from readinglist.models import Lab, Membership, User
from readinglist.roles import Role
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_highlight, create_note
from readinglist.services.discussion import create_comment
from readinglist.services.entries import save_paper
from readinglist.services.journal_club import schedule_session
from readinglist.services.labs import add_member
from readinglist.services.libraries import NotLibraryAdmin, rename_library
from readinglist.services.lists import create_list


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (7, 7),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("١٢", None),
        ("1e3", None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
        ("", None),
        ("12 ", None),
    ],
)
def test_ids_are_ascii_digits_naming_a_possible_row(raw: object, expected: int | None) -> None:
    assert parse_id(raw) == expected


def test_the_role_ladder() -> None:
    assert [r for r in Role if r.can_edit] == [Role.OWNER, Role.ADMIN, Role.MEMBER]
    assert [r for r in Role if r.can_moderate] == [Role.OWNER, Role.ADMIN]
    assert Role.OWNER.can_manage(Role.OWNER)
    assert Role.ADMIN.can_manage(Role.MEMBER, Role.ADMIN)
    assert not Role.ADMIN.can_manage(Role.OWNER)
    assert not Role.ADMIN.can_manage(Role.MEMBER, Role.OWNER)
    assert not Role.MEMBER.can_manage(Role.VIEWER)
    # Admins answer to the owners: none demotes or removes another.
    assert Role.OWNER.can_manage(Role.ADMIN, Role.MEMBER)
    assert not Role.ADMIN.can_manage(Role.ADMIN)
    assert not Role.ADMIN.can_manage(Role.ADMIN, Role.MEMBER)


@pytest.mark.django_db
def test_each_helper_hides_what_a_person_may_not_see(alice: User, charlie: User, lab: Lab) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    reading_list = create_list(user=alice, library=lab.library, name="Week")
    quote = {"type": "TextQuoteSelector", "exact": "Attention"}
    highlight = create_highlight(user=alice, entry=entry, selectors=[quote])
    note = create_note(user=alice, entry=entry, body="Read the appendix")
    comment = create_comment(user=alice, entry=entry, body="Worth a session?")
    session = schedule_session(
        user=alice, entry=entry, starts_at=timezone.now() + timedelta(days=2)
    )
    for lookup, object_id in (
        (library_for, lab.library.pk),
        (entry_for, entry.pk),
        (list_for, reading_list.pk),
        (lab_for, lab.pk),
        (note_for, note.pk),
        (highlight_for, highlight.pk),
        (comment_for, comment.pk),
        (session_for, session.pk),
    ):
        assert lookup(alice, str(object_id)).pk == object_id
        with pytest.raises(NotVisible):
            lookup(charlie, object_id)
        with pytest.raises(NotVisible):
            lookup(alice, "²")


@pytest.mark.django_db
def test_a_viewer_reads_but_does_not_write(alice: User, charlie: User, lab: Lab) -> None:
    add_member(lab=lab, user=charlie, role=Membership.Role.VIEWER)
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    assert entry_for(charlie, entry.pk) == entry
    with pytest.raises(LibraryNotWritable):
        entry_for(charlie, entry.pk, write=True)
    with pytest.raises(LibraryNotWritable):
        library_for(charlie, lab.library.pk, write=True)
    with pytest.raises(LabPermissionDenied, match="needs the member role or above"):
        lab_for(charlie, lab.pk, at_least=Role.MEMBER)


@pytest.mark.django_db
def test_only_owners_and_admins_rename_a_library(alice: User, bob: User, lab: Lab) -> None:
    with pytest.raises(NotLibraryAdmin):
        rename_library(user=bob, library=lab.library, name="Bob's now")
    assert rename_library(user=alice, library=lab.library, name="Renamed").name == "Renamed"
    mine = personal_library(bob)
    assert rename_library(user=bob, library=mine, name="Mine").name == "Mine"
    with pytest.raises(NotLibraryAdmin):
        rename_library(user=alice, library=mine, name="Stolen")
