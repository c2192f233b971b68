"""Every mutating endpoint honours Idempotency-Key and If-Unmodified-Since-Version.

Walks the URL configuration, so an endpoint added later without the decorator fails here.
"""

from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

MUTATING = {"post", "put", "patch", "delete"}
# A token's secret is shown once and must never be stored, so its creation cannot be replayed;
# a retried creation makes a second token, which the user can see and revoke. Lookup reads.
EXEMPT = {("ApiTokenViewSet", "create"), ("ApiTokenViewSet", "destroy"), ("LookupView", "post")}


def _patterns(resolver: URLResolver) -> Iterator[URLPattern]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern)
        else:
            yield pattern


def _handlers(callback: Any) -> Iterator[tuple[str, str, Any]]:
    view_class = getattr(callback, "cls", None)
    if view_class is None or not view_class.__module__.startswith("api."):
        return
    actions = getattr(callback, "actions", None)
    if actions:  # a viewset route: HTTP method -> action name
        for method, action in actions.items():
            if method in MUTATING:
                yield view_class.__name__, action, getattr(view_class, action)
    else:
        for method in MUTATING:
            if hasattr(view_class, method):
                yield view_class.__name__, method, getattr(view_class, method)


def test_every_mutating_api_handler_is_idempotent() -> None:
    found, missing = set(), []
    for pattern in _patterns(get_resolver()):
        for view_name, action, handler in _handlers(pattern.callback):
            found.add((view_name, action))
            if (view_name, action) not in EXEMPT and not getattr(handler, "idempotent", False):
                missing.append((view_name, action))
    assert len(found) > 20  # the walk really saw the API
    assert missing == []
