"""Web pages. The full web app is its own issue; for now a landing page and a health check."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from readinglist.models import Entry
from readinglist.services.accounts import personal_library


def home(request: HttpRequest) -> HttpResponse:
    entries = []
    if request.user.is_authenticated:
        library = personal_library(request.user)
        entries = list(Entry.objects.in_library(library.pk).with_details().newest_first()[:50])
    return render(request, "readinglist/home.html", {"entries": entries})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
