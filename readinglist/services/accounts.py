"""Accounts: every user owns exactly one personal library from the moment they exist."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from readinglist import sql
from readinglist.models import Library, User


def personal_library(user: User) -> Library:
    """The user's personal library, created on first need (users made by `createsuperuser`
    or the admin never went through sign-up)."""
    library = Library.objects.filter(owner=user, kind=Library.Kind.PERSONAL).first()
    if library is not None:
        return library
    try:
        with transaction.atomic():
            return Library.objects.create(
                kind=Library.Kind.PERSONAL, owner=user, name=personal_library_name(user)
            )
    except IntegrityError:
        # A concurrent request created it first; the partial unique index guarantees one.
        return Library.objects.get(owner=user, kind=Library.Kind.PERSONAL)


def personal_library_id(user: User) -> int:
    """The id of the user's personal library, created on first need: all a save needs
    before it takes the library's lock. Written out, as building the query cost four times
    what answering it did (a save asks it on every click)."""
    if user.known_personal_library_id is not None:
        return user.known_personal_library_id
    found = sql.rows(
        f"SELECT id FROM {Library._meta.db_table} WHERE owner_id = %s AND kind = %s",
        [user.pk, Library.Kind.PERSONAL],
    )
    return int(found[0][0]) if found else personal_library(user).pk


def personal_library_name(user: User) -> str:
    return f"{user.display_name}'s library"


def create_user(*, email: str, password: str | None, name: str = "") -> User:
    """A user together with their personal library, in one transaction."""
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, name=name)
        personal_library(user)
    return user


MAX_NAME_LENGTH = User._meta.get_field("name").max_length or 150


def update_profile(*, user: User, name: str) -> User:
    """Set the display name: surrounding whitespace dropped, at most 150 characters, may be
    empty (the email is shown instead)."""
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError({"name": f"A name has at most {MAX_NAME_LENGTH} characters."})
    if any(ord(c) < 32 for c in name):
        raise ValidationError({"name": "A name cannot contain control characters."})
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(name=name)
    user.name = name
    return user
