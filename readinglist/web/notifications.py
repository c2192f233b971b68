"""The inbox page, marking notifications read, email choices and one-click unsubscribe."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from readinglist.inbox import inbox, unread_count
from readinglist.models import Notification
from readinglist.services.notification_email import (
    UNSUBSCRIBE_SALT,
    email_settings_of,
    save_email_settings,
    unsubscribe,
)
from readinglist.services.notifications import mark_read
from readinglist.web.common import back, current_user, form_errors, page_action

KIND_CHOICES = Notification.Kind.choices


class MarkReadForm(forms.Form):
    notification = forms.IntegerField(required=False, min_value=1)


class EmailSettingsForm(forms.Form):
    email = forms.BooleanField(required=False, label="Email me about notifications")
    kinds = forms.MultipleChoiceField(
        required=False,
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label="By email",
    )


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    settings_row = email_settings_of(user)
    form = EmailSettingsForm(
        initial={
            "email": settings_row.email,
            "kinds": [k for k, _ in KIND_CHOICES if k not in settings_row.muted_kinds],
        }
    )
    return render(
        request,
        "web/notifications/inbox.html",
        {
            "nav": "notifications",
            "notifications": inbox(user),
            "unread": unread_count(user),
            "email_form": form,
        },
    )


@page_action
def read(request: HttpRequest) -> HttpResponse:
    form = MarkReadForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:notifications"))
    wanted = form.cleaned_data["notification"]
    mark_read(user=current_user(request), ids=None if wanted is None else [wanted])
    return back(request, reverse("web:notifications"))


@page_action
def email_settings(request: HttpRequest) -> HttpResponse:
    form = EmailSettingsForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:notifications"))
    wanted = set(form.cleaned_data["kinds"])
    save_email_settings(
        user=current_user(request),
        email=form.cleaned_data["email"],
        muted_kinds=[kind for kind, _ in KIND_CHOICES if kind not in wanted],
    )
    messages.success(request, "Email choices saved.")
    return back(request, reverse("web:notifications"))


# Mail clients POST here without a session or a CSRF token (RFC 8058 one-click); the signed
# token is what proves the link came from the email.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return render(request, "web/notifications/unsubscribe.html", {"bad": True}, status=404)
    if request.method == "POST":
        unsubscribe(user_id=int(user_id))
        return render(request, "web/notifications/unsubscribe.html", {"done": True})
    return render(request, "web/notifications/unsubscribe.html", {"token": token})
