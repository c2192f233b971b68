"""Personal API tokens: created with a secret that is shown once, revoked by deletion."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction

from readinglist.errors import DomainError, ErrorKind
from readinglist.models import ApiToken, User

MAX_TOKENS_PER_USER = 50
TOKEN_PREFIX = "rl_"
# Enough of the secret to tell tokens apart in a list, far too little to guess the rest.
PREFIX_LENGTH = 10


class TokenLimitReached(DomainError):
    """The user already has `MAX_TOKENS_PER_USER` tokens."""

    kind = ErrorKind.INVALID
    field = "non_field_errors"  # about the request as a whole (DRF's name for it)
    default_message = (
        f"You already have {MAX_TOKENS_PER_USER} API tokens, the most allowed; "
        "revoke one you no longer use before creating another."
    )


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    """Only this is stored: a database leak reveals no usable token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token and its secret. Only the secret's digest is stored, so the caller must
    hand the secret to the user now: it cannot be recovered later."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A token needs a name."})
    with transaction.atomic():
        # Locking the user row serialises concurrent creations, so the cap cannot be overrun.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(user=user).count() >= MAX_TOKENS_PER_USER:
            raise TokenLimitReached()
        secret = new_token_secret()
        token = ApiToken.objects.create(
            user=user, name=name, prefix=secret[:PREFIX_LENGTH], digest=token_digest(secret)
        )
    return token, secret


def revoke_api_token(*, token: ApiToken) -> None:
    """Delete the token; its secret stops authenticating at once."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()
