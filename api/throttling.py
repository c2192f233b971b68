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
    """One request counts once, unless `cost` says it does more (a batch of 100 saves)."""

    scope = ""
    num_requests: int  # set by SimpleRateThrottle from the rate
    duration: int

    def get_rate(self) -> str | None:
        rate: str | None = settings.API_THROTTLE_RATES.get(self.scope)
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str:
        who = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return f"throttle:{self.scope}:{who}"

    def cost(self, request: Request) -> int:
        return 1

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        cost = min(self.cost(request), self.num_requests)
        if len(self.history) + cost > self.num_requests:
            return self.throttle_failure()
        return self._spend(cost)

    def _spend(self, cost: int) -> bool:
        # More than the rate's worth is never needed to refuse, and `wait` counts on it.
        self.history = ([self.now] * cost + self.history)[: self.num_requests]
        self.cache.set(self.key, self.history, self.duration)
        return True


class SaveThrottle(ScopedUserThrottle):
    """Saves, counted one per entry written: a batch counts its operations."""

    scope = "save"

    def cost(self, request: Request) -> int:
        operations = request.data.get("operations") if isinstance(request.data, dict) else None
        return max(1, len(operations)) if isinstance(operations, list) else 1


class LookupThrottle(ScopedUserThrottle):
    scope = "lookup"
