"""django-allauth hooks."""

from __future__ import annotations

import secrets
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.hashers import make_password
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

    def send_account_already_exists_mail(self, email: str) -> None:
        """Sign-up with an email that has an account answers as a new sign-up does, and
        must take as long: a new account's password is hashed (most of its time), so this
        path hashes one too, and throws it away."""
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)
