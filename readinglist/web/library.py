"""The library page: browse, filter, search and act on many entries at once; save by URL;
the "to read" queue (`?view=queue`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from readinglist.entry_query import EntryQuery, Sort, entry_order
from readinglist.entry_rows import attach_entry_details
from readinglist.models import Entry, Library, ReadingList, ReadingState, Tag
from readinglist.pagination import CountWhenFullPaginator
from readinglist.search_pages import PagedIds
from readinglist.services.accounts import personal_library
from readinglist.services.bulk import BulkAction, apply_bulk
from readinglist.services.entries import save_paper
from readinglist.services.papers import UnidentifiablePaper
from readinglist.web.common import (
    back,
    current_user,
    form_errors,
    id_field,
    ids_from,
    login_required,
    page_action,
    visible_library,
)

PAGE_SIZE = 50
# `?view=queue`: what to read next, the reader's unread entries by priority (`Sort.PRIORITY`).
QUEUE = "queue"


class FilterForm(forms.Form):
    """The web's spelling of an `EntryQuery` (the API's is `EntryFilterSerializer`)."""

    library = id_field(required=False)
    q = forms.CharField(required=False, max_length=200, label="Search")
    tag = forms.CharField(required=False, max_length=100)
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *ReadingState.Status.choices]
    )
    priority = forms.TypedChoiceField(
        required=False,
        choices=[("", "Any priority"), *ReadingState.Priority.choices],
        coerce=int,
        empty_value=None,
    )
    list = id_field(required=False)
    sort = forms.ChoiceField(required=False, choices=Sort.choices)
    view = forms.ChoiceField(required=False, choices=[("", "Library"), (QUEUE, "To read")])


# A bulk rating of 0 clears the entries' ratings (a rating is 1 to 5 or none).
NO_RATING = 0


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BulkAction.choices)
    tag = forms.CharField(required=False, max_length=100)
    to_list = id_field(required=False)
    priority = forms.TypedChoiceField(
        required=False, choices=ReadingState.Priority.choices, coerce=int, empty_value=None
    )
    rating = forms.TypedChoiceField(
        required=False,
        choices=[(NO_RATING, "No rating"), *((n, str(n)) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if action == BulkAction.SET_PRIORITY and data.get("priority") is None:
            self.add_error("priority", "Choose a priority.")
        if action == BulkAction.SET_RATING and data.get("rating") is None:
            self.add_error("rating", "Choose a rating.")
        return data


class SaveForm(forms.Form):
    url = forms.CharField(max_length=2000, label="Paper URL, DOI or arXiv id")
    tags = forms.CharField(required=False, max_length=500, help_text="Comma-separated")
    library = id_field(required=False)

    def tag_names(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]


def libraries_for(request: HttpRequest) -> list[Library]:
    user = current_user(request)
    personal_library(user)  # a new account's library exists before the first page
    return list(
        Library.objects.visible_to(user).select_related("lab").order_by("kind", "name", "pk")
    )


@login_required
def library_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = FilterForm(request.GET)
    if not filters.is_valid():
        form_errors(request, filters.errors)
        filters = FilterForm({})
        filters.is_valid()
    wanted: dict[str, Any] = filters.cleaned_data
    libraries = libraries_for(request)
    library = next((lib for lib in libraries if lib.pk == wanted["library"]), None)
    if wanted["library"] and library is None:
        library = visible_library(request, wanted["library"])  # 404 for someone else's
    library = library or next(lib for lib in libraries if lib.kind == Library.Kind.PERSONAL)

    query = replace(EntryQuery.from_filters(wanted), library=library.pk)
    queue = wanted["view"] == QUEUE
    if queue:
        query = replace(query, status=ReadingState.Status.UNREAD, sort=Sort.PRIORITY)
    ordered = entry_order(user, query, versions={library.pk: library.version})
    page: Page[Any]
    if isinstance(ordered, PagedIds):
        # Rank and page by id (counting in the same statement), then read the page's rows.
        page = CountWhenFullPaginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
        ids = list(page.object_list)
        page_rows = Entry.objects.filter(pk__in=ids).select_related("paper", "added_by")
        found = {entry.pk: entry for entry in page_rows}
        rows = [found[entry_id] for entry_id in ids if entry_id in found]
    else:
        entries = ordered.select_related("paper", "added_by")
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    attach_entry_details(rows, user_id=user.pk)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "web/library.html",
        {
            "nav": "queue" if queue else "library",
            "queue": queue,
            "library": library,
            "libraries": libraries,
            "filters": filters,
            "page": page,
            "rows": rows,
            "query_string": params.urlencode(),
            "tags": Tag.objects.filter(library=library)
            .annotate(uses=Count("entrytag"))
            .order_by("name"),
            "lists": ReadingList.objects.filter(library=library).order_by("name"),
            "bulk_actions": BulkAction.choices,
            "filtered": any(wanted[k] for k in ("q", "tag", "status", "list"))
            or wanted["priority"] is not None,
            "priorities": ReadingState.Priority.choices,
            # Too many matches to count: the total is an estimate ("about 49,000 results").
            "approximate": bool(getattr(ordered, "approximate", False)),
        },
    )


@page_action
def bulk_action(request: HttpRequest, library_id: int) -> HttpResponse:
    library = visible_library(request, library_id)
    fallback = f"{reverse('web:library')}?library={library.pk}"
    form = BulkForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, fallback)
    data = form.cleaned_data
    reading_list = None
    if data["to_list"]:
        reading_list = get_object_or_404(ReadingList, pk=data["to_list"], library=library)
    rating = data["rating"]
    count = apply_bulk(
        user=current_user(request),
        library=library,
        entry_ids=ids_from(request.POST.getlist("entry")),
        action=BulkAction(data["action"]),
        tag=data["tag"],
        reading_list=reading_list,
        priority=data["priority"],
        rating=None if rating == NO_RATING else rating,
    )
    label = BulkAction(data["action"]).label
    messages.success(request, f"{label}: {count} {'entry' if count == 1 else 'entries'}.")
    return back(request, fallback)


@page_action
def save_by_url(request: HttpRequest) -> HttpResponse:
    form = SaveForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:library"))
    library = None
    if form.cleaned_data["library"]:
        library = visible_library(request, form.cleaned_data["library"])
    try:
        result = save_paper(
            user=current_user(request),
            url=form.cleaned_data["url"].strip(),
            library=library,
            tags=form.tag_names(),
        )
    except UnidentifiablePaper as error:
        messages.error(request, str(error))
        return back(request, reverse("web:library"))
    verb = "Saved" if result.created else "Already saved"
    messages.success(request, f"{verb}: {result.entry.title or result.entry.url}")
    return back(request, reverse("web:entry", args=[result.entry.pk]))
