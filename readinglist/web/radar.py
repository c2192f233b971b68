"""The lab radar page ("New in our field"): the day's arXiv papers matching the lab's follows,
with save buttons and lab badges; admins manage follows there, members mute them.

Writes go through `readinglist.services.radar`, which checks the role again.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from readinglist.models import MAX_RADAR_VALUE_LENGTH, Lab, Library, RadarFollow
from readinglist.radar import radar_page
from readinglist.services import radar as radar_services
from readinglist.web.common import back, current_user, form_errors, id_field, login_required
from readinglist.web.labs import lab_action, member_lab, my_role


class FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=RadarFollow.Kind.choices)
    value = forms.CharField(max_length=MAX_RADAR_VALUE_LENGTH)


class FilterForm(forms.Form):
    follow = id_field(required=False)


def radar_url(lab: Lab | int) -> str:
    return reverse("web:lab-radar", args=[lab if isinstance(lab, int) else lab.pk])


@login_required
def radar(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    lab = member_lab(request, pk)
    mine = my_role(lab)
    filters = FilterForm(request.GET)
    follow_id = filters.cleaned_data["follow"] if filters.is_valid() else None
    page = radar_page(lab=lab, user=user, follow_id=follow_id)
    library_id = Library.objects.filter(lab=lab).values_list("id", flat=True).get()
    return render(
        request,
        "web/labs/radar.html",
        {
            "nav": "labs",
            "lab": lab,
            "library_id": library_id,
            "page": page,
            "follow_id": follow_id,
            "is_admin": mine.can_moderate,
            "can_save": mine.can_edit,
            "kinds": RadarFollow.Kind.choices,
            "max_value_length": MAX_RADAR_VALUE_LENGTH,
        },
    )


def _follow(lab: Lab, follow_id: int) -> RadarFollow:
    return get_object_or_404(RadarFollow.objects.select_related("lab"), lab=lab, pk=follow_id)


@lab_action
def add_follow(request: HttpRequest, pk: int) -> HttpResponse:
    lab = member_lab(request, pk)
    form = FollowForm(request.POST)
    if form.is_valid():
        created = radar_services.follow(
            user=current_user(request),
            lab=lab,
            kind=RadarFollow.Kind(form.cleaned_data["kind"]),
            value=form.cleaned_data["value"],
        )
        messages.success(request, f"The lab now follows {created}. New papers come daily.")
    else:
        form_errors(request, form.errors)
    return back(request, radar_url(lab))


@lab_action
def remove_follow(request: HttpRequest, pk: int, follow_id: int) -> HttpResponse:
    lab = member_lab(request, pk)
    followed = _follow(lab, follow_id)
    radar_services.unfollow(user=current_user(request), follow=followed)
    messages.success(request, f"The lab no longer follows {followed}.")
    return back(request, radar_url(lab))


@lab_action
def mute(request: HttpRequest, pk: int, follow_id: int) -> HttpResponse:
    lab = member_lab(request, pk)
    followed = _follow(lab, follow_id)
    radar_services.mute(user=current_user(request), follow=followed)
    messages.success(request, f"Muted {followed} for you.")
    return back(request, radar_url(lab))


@lab_action
def unmute(request: HttpRequest, pk: int, follow_id: int) -> HttpResponse:
    lab = member_lab(request, pk)
    followed = _follow(lab, follow_id)
    radar_services.unmute(user=current_user(request), follow=followed)
    messages.success(request, f"Unmuted {followed}.")
    return back(request, radar_url(lab))
