"""Per-user rate limits on the endpoints a misbehaving client could hammer.

Rates come from `settings.API_THROTTLE_RATES` at request time (not import time), so they can
be tuned per deployment and switched off ("off") for benchmarks. Log-in attempts are limited
by django-allauth itself (ACCOUNT_RATE_LIMITS).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView


class ScopedUserThrottle(SimpleRateThrottle):
    scope = ""

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATES.get(self.scope)
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str:
        who = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return f"throttle:{self.scope}:{who}"


class SaveThrottle(ScopedUserThrottle):
    scope = "save"


class LookupThrottle(ScopedUserThrottle):
    scope = "lookup"
