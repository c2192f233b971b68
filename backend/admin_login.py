"""The admin's login page, limited like the app's own: allauth limits its log-ins, but
Django's admin login has no limit of its own and would let anyone guess passwords at speed."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def limited_login(
    login: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """`login` with at most ADMIN_LOGIN_ATTEMPTS posted attempts per address and per user
    name in ADMIN_LOGIN_WINDOW_SECONDS; beyond them 429 with Retry-After."""

    def view(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST":
            window = settings.ADMIN_LOGIN_WINDOW_SECONDS
            who = str(request.POST.get("username", "")).casefold()[:200]
            for key in (f"admin-login:ip:{_client_address(request)}", f"admin-login:user:{who}"):
                cache.add(key, 0, timeout=window)
                try:
                    attempts = cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.set(key, 1, timeout=window)
                    attempts = 1
                if attempts > settings.ADMIN_LOGIN_ATTEMPTS:
                    response = HttpResponse(
                        "Too many log-in attempts; try again later.",
                        status=429,
                        content_type="text/plain",
                    )
                    response["Retry-After"] = str(window)
                    return response
        return login(request, *args, **kwargs)

    return view
