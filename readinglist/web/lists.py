"""Reading lists: every list the user can see, one list's ordered items, and their edits."""

from __future__ import annotations

from typing import Literal

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from readinglist.access import LabPermissionDenied, list_for, require_list_curator
from readinglist.entry_rows import attach_entry_details
from readinglist.markdown import render as render_markdown
from readinglist.models import Library, ReadingList, ReadingListItem, User
from readinglist.services import lists as list_services
from readinglist.services.labs import publish_list, unpublish_list
from readinglist.web.common import (
    back,
    current_user,
    form_errors,
    found,
    id_field,
    login_required,
    page_action,
    visible_library,
)


class ListForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, max_length=10_000, widget=forms.Textarea)


class NewListForm(ListForm):
    library = id_field()


class MoveForm(forms.Form):
    item = id_field()
    before = id_field(required=False)
    after = id_field(required=False)
    to = forms.ChoiceField(required=False, choices=[("", ""), ("first", "first"), ("last", "last")])


class RemoveForm(forms.Form):
    item = id_field()


class PublicNoteForm(forms.Form):
    item = id_field()
    public_note = forms.CharField(
        required=False,
        max_length=list_services.MAX_PUBLIC_NOTE_LENGTH,
        strip=False,
        widget=forms.Textarea,
    )


def _visible_list(request: HttpRequest, pk: int) -> ReadingList:
    return found(lambda: list_for(current_user(request), pk))


@login_required
def lists_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    libraries = list(Library.objects.visible_to(user).order_by("kind", "name", "pk"))
    lists = (
        ReadingList.objects.filter(library__in=[lib.pk for lib in libraries])
        .select_related("library")
        .annotate(size=Count("items"))
        .order_by("library__kind", "library__name", "name")
    )
    writable = set(Library.objects.editable_by(user).values_list("pk", flat=True))
    return render(
        request,
        "web/lists.html",
        {
            "nav": "lists",
            "lists": lists,
            "libraries": [lib for lib in libraries if lib.pk in writable],
        },
    )


@page_action
def create(request: HttpRequest) -> HttpResponse:
    form = NewListForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:lists"))
    library = visible_library(request, form.cleaned_data["library"])
    reading_list = list_services.create_list(
        user=current_user(request),
        library=library,
        name=form.cleaned_data["name"],
        description=form.cleaned_data["description"],
    )
    messages.success(request, f"Created “{reading_list.name}”.")
    return redirect("web:list", pk=reading_list.pk)


@login_required
def list_page(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    items = list(
        ReadingListItem.objects.filter(reading_list=reading_list)
        .select_related("entry", "entry__added_by")
        .order_by("position", "id")
    )
    entries = [item.entry for item in items]
    attach_entry_details(entries, user_id=current_user(request).pk)
    public_url = ""
    if reading_list.public_token:
        public_url = request.build_absolute_uri(
            reverse("public-list", args=[reading_list.public_token])
        )
    return render(
        request,
        "web/list.html",
        {
            "nav": "lists",
            "reading_list": reading_list,
            "description_html": render_markdown(reading_list.description),
            "rows": [
                (
                    item,
                    items[index - 1].pk if index > 0 else None,
                    items[index + 1].pk if index + 1 < len(items) else None,
                )
                for index, item in enumerate(items)
            ],
            "public_url": public_url,
            "is_curator": _is_curator(current_user(request), reading_list),
            "max_public_note": list_services.MAX_PUBLIC_NOTE_LENGTH,
            "form": ListForm(
                initial={"name": reading_list.name, "description": reading_list.description}
            ),
        },
    )


@page_action
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    form = ListForm(request.POST)
    if form.is_valid():
        list_services.update_list(
            user=current_user(request),
            reading_list=reading_list,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
        )
        messages.success(request, "List saved.")
    else:
        form_errors(request, form.errors)
    return back(request, reverse("web:list", args=[pk]))


@page_action
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    list_services.delete_list(user=current_user(request), reading_list=reading_list)
    messages.success(request, f"Deleted “{reading_list.name}”. Its papers stay in the library.")
    return redirect("web:lists")


def _item(reading_list: ReadingList, pk: int | None) -> ReadingListItem | None:
    if pk is None:
        return None
    return get_object_or_404(ReadingListItem, pk=pk, reading_list=reading_list)


@page_action
def move(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:list", args=[pk]))
    data = form.cleaned_data
    item = _item(reading_list, data["item"])
    assert item is not None
    to: Literal["first", "last"] | None = data["to"] or None
    list_services.move_item(
        user=current_user(request),
        item=item,
        before=_item(reading_list, data["before"]),
        after=_item(reading_list, data["after"]),
        to=to,
    )
    return back(request, reverse("web:list", args=[pk]))


@page_action
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    form = RemoveForm(request.POST)
    if form.is_valid():
        item = _item(reading_list, form.cleaned_data["item"])
        assert item is not None
        list_services.remove_from_list(user=current_user(request), item=item)
        messages.success(request, "Removed from the list.")
    else:
        form_errors(request, form.errors)
    return back(request, reverse("web:list", args=[pk]))


def _is_curator(user: User, reading_list: ReadingList) -> bool:
    """Whether to show the curators' forms; the services decide again."""
    try:
        require_list_curator(user=user, reading_list=reading_list)
    except LabPermissionDenied:
        return False
    return True


@page_action
def public_note(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    form = PublicNoteForm(request.POST)
    if form.is_valid():
        item = _item(reading_list, form.cleaned_data["item"])
        assert item is not None
        list_services.set_public_note(
            user=current_user(request), item=item, note=form.cleaned_data["public_note"]
        )
        messages.success(request, "Public note saved.")
    else:
        form_errors(request, form.errors)
    return back(request, reverse("web:list", args=[pk]))


@page_action
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    reading_list = _visible_list(request, pk)
    if request.POST.get("public") == "1":
        publish_list(user=current_user(request), reading_list=reading_list)
        messages.success(request, "The list has a public link now.")
    else:
        unpublish_list(user=current_user(request), reading_list=reading_list)
        messages.success(request, "The public link no longer works.")
    return back(request, reverse("web:list", args=[pk]))
