"""How API clients prove who they are.

- Scripts: `Authorization: Token <secret>` (personal API tokens, `ApiToken`).
- The extension: `X-Session-Token` from django-allauth's headless "app" client.
- The web app: the Django session (with CSRF), as DRF does by default.

The token class comes first so that a request without credentials gets 401 with a
`WWW-Authenticate` header rather than 403.
"""

from __future__ import annotations

from datetime import timedelta

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from readinglist.models import ApiToken, User
from readinglist.services.tokens import token_digest

# Writing last_used_at on every request would turn reads into writes; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Malformed Authorization header: use 'Token <secret>'.")
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise AuthenticationFailed("Invalid token.") from None
        now = timezone.now()
        found = ApiToken.objects.of_active_user(
            token_digest(secret), last_used_before=now - LAST_USED_RESOLUTION
        )
        if found is None:
            raise AuthenticationFailed("Invalid or revoked token.")
        if found.stale:
            ApiToken.objects.filter(pk=found.token.pk).update(last_used_at=now)
        return found.token.user, found.token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class SessionTokenAuthentication(XSessionTokenAuthentication):
    """allauth's X-Session-Token, but an expired or unknown token is a 401 so the extension
    knows to drop it and log in again (allauth's default silently treats it as anonymous)."""

    allow_invalid_session_tokens = False


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes `Authorization: Token ...` in the OpenAPI schema."""

    target_class = "api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization"}


class SessionTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Describes allauth's `X-Session-Token` in the OpenAPI schema."""

    target_class = "api.authentication.SessionTokenAuthentication"
    name = "sessionToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "X-Session-Token"}
