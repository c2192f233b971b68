"""What every page module shares: scoped lookups, form-error handling and redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from readinglist.access import NotVisible, entry_for, library_for
from readinglist.errors import DomainError
from readinglist.models import Entry, Library, User

__all__ = ["login_required"]


def current_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "views using this are behind login_required"
    return user


def found[T](lookup: Callable[[], T]) -> T:
    """What an `access` helper finds, or the site's 404 page (the pages' answer to
    `NotVisible`: another person's object does not exist for this one)."""
    try:
        return lookup()
    except NotVisible:
        raise Http404 from None


def visible_library(request: HttpRequest, pk: int) -> Library:
    return found(lambda: library_for(current_user(request), pk))


def visible_entry(request: HttpRequest, pk: int) -> Entry:
    return found(lambda: entry_for(current_user(request), pk))


def error_text(error: Exception) -> str:
    """The pages' one mapping from a refusal to what the person is told."""
    if isinstance(error, DomainError):
        return error.message
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            return " ".join(
                f"{message}" for messages_ in error.message_dict.values() for message in messages_
            )
        return " ".join(error.messages)
    if isinstance(error, IntegrityError):
        return "That conflicts with something that already exists."
    return str(error) or "That did not work."


# Database ids are 64-bit: a larger number in a form is invalid input, not a 500.
MAX_ID = 2**63 - 1


def id_field(*, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(required=required, min_value=1, max_value=MAX_ID)


def ids_from(values: list[str]) -> list[int]:
    """The ASCII-decimal, in-range ids among `values` (a select-many form field)."""
    return [
        int(value)
        for value in values
        if value.isascii() and value.isdecimal() and 0 < int(value) <= MAX_ID
    ]


def _on_this_site(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def same_site_referer(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    return referer if _on_this_site(request, referer) else ""


# What a service refuses with (a domain error, Django's validation) or a database rule the
# service did not check first: a message on the page, never a 500.
REFUSALS = (DomainError, ValidationError, IntegrityError)


def answering_refusals[**P](
    back_to: Callable[..., HttpResponse],
) -> Callable[
    [Callable[Concatenate[HttpRequest, P], HttpResponse]],
    Callable[Concatenate[HttpRequest, P], HttpResponse],
]:
    """A view whose refusals become a message on the page `back_to` leads to, never a 500;
    what the person may not see is the site's 404. The services check before they write,
    inside `transaction.atomic`, so a refused action has changed nothing."""

    def decorate(
        view: Callable[Concatenate[HttpRequest, P], HttpResponse],
    ) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
        @wraps(view)
        def handler(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except NotVisible:
                raise Http404 from None
            except REFUSALS as error:
                messages.error(request, error_text(error))
                return back_to(request, *args, **kwargs)

        return handler

    return decorate


def _form_page(request: HttpRequest, /, *args: object, **kwargs: object) -> HttpResponse:
    # Back to the page the form was on, so the message shows where it belongs.
    return back(request, same_site_referer(request) or "/")


def page_action[**P](
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A POST-only, signed-in form handler answering refusals on the page it came from."""
    return login_required(require_POST(answering_refusals(_form_page)(view)))


def form_errors(request: HttpRequest, errors: dict[str, Any]) -> None:
    for field, problems in errors.items():
        label = "" if field == "__all__" else f"{field.replace('_', ' ').capitalize()}: "
        for problem in problems:
            messages.error(request, f"{label}{problem}")


def back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Return to the page the form was on (`next`), staying on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not _on_this_site(request, target):
        target = fallback
    return HttpResponseRedirect(target)
