"""`LibraryQuerySet.visible_one`: the written-out `visible_to(user)` for one library."""

import pytest

from readinglist.models import Lab, Library, Membership, User
from readinglist.services.accounts import personal_library
from readinglist.services.labs import add_member, create_lab
from tests.factories import UserFactory


@pytest.mark.django_db
def test_visible_one_sees_what_visible_to_sees(
    alice: User, bob: User, charlie: User, lab: Lab
) -> None:
    viewer = UserFactory(email="viewer@example.org")
    add_member(lab=lab, user=viewer, role=Membership.Role.VIEWER)
    other_lab = create_lab(owner=charlie, name="Charlie Lab")  # Charlie: a lab, not Alice's
    libraries = [personal_library(alice), personal_library(bob), lab.library, other_lab.library]
    for user in (alice, bob, charlie, viewer):
        for library in libraries:
            expected = Library.objects.visible_to(user).filter(pk=library.pk).first()
            found = Library.objects.visible_one(user, library.pk)
            assert found == expected, (user.email, library.name)
            if found is not None:
                assert (found.version, found.kind, found.lab_id) == (
                    library.version,
                    library.kind,
                    library.lab_id,
                )
    # Bob and the viewer belong to Alice's lab, not to her personal library; Charlie to
    # another lab only.
    assert Library.objects.visible_one(bob, lab.library.pk) == lab.library
    assert Library.objects.visible_one(viewer, lab.library.pk) == lab.library
    assert Library.objects.visible_one(bob, personal_library(alice).pk) is None
    assert Library.objects.visible_one(charlie, lab.library.pk) is None
    assert Library.objects.visible_one(charlie, other_lab.library.pk) == other_lab.library
    assert Library.objects.visible_one(bob, other_lab.library.pk) is None


@pytest.mark.django_db
@pytest.mark.parametrize("library_id", [0, -1, 2**63 - 1, -(2**63), 2**63, -(2**63) - 1, 10**30])
def test_visible_one_of_an_impossible_id_is_none(alice: User, library_id: int) -> None:
    assert Library.objects.visible_one(alice, library_id) is None
