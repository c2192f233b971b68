"""Labs: a group with roles and a shared library of its own."""

from __future__ import annotations

from django.db import transaction

from readinglist.models import Lab, Library, Membership, User


def create_lab(*, owner: User, name: str) -> Lab:
    """A lab, its library and the creator as its owner, all or nothing."""
    with transaction.atomic():
        lab = Lab.objects.create(name=name.strip())
        Membership.objects.create(lab=lab, user=owner, role=Membership.Role.OWNER)
        Library.objects.create(kind=Library.Kind.LAB, lab=lab, name=lab.name)
    return lab


def add_member(
    *, lab: Lab, user: User, role: Membership.Role = Membership.Role.MEMBER
) -> Membership:
    with transaction.atomic():
        membership, _ = Membership.objects.update_or_create(
            lab=lab, user=user, defaults={"role": role}
        )
    return membership
