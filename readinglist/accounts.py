"""django-allauth hooks."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction
from django.http import HttpRequest

from readinglist.models import User
from readinglist.services.accounts import personal_library


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> User:
        """Sign-up creates the personal library in the same transaction as the user."""
        with transaction.atomic():
            saved: User = super().save_user(request, user, form, commit=commit)
            if commit:
                personal_library(saved)
        return saved
