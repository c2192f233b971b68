"""What every page's header shows: the signed-in person's unread notification count."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from readinglist.inbox import unread_count
from readinglist.models import User


def unread_notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {}
    # Counted only when a template shows it (the header of signed-in pages).
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
