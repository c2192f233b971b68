"""Settings pages: profile, API tokens, connected sessions, export and import."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from readinglist.io.formats import MAX_UPLOAD_BYTES, PARSERS, Format, guess_format
from readinglist.io.records import ImportFileError, Record
from readinglist.models import ApiToken, ImportJob, Library
from readinglist.services.accounts import MAX_NAME_LENGTH, personal_library, update_profile
from readinglist.services.imports import (
    BACKGROUND_THRESHOLD,
    ImportReport,
    import_records,
    start_import,
)
from readinglist.services.tokens import TokenLimitReached, create_api_token, revoke_api_token
from readinglist.web.common import (
    back,
    current_user,
    form_errors,
    id_field,
    login_required,
    page_action,
)

TOKEN_NAME_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# How many of a bad file's errors, or of an import's skipped records, a message lists.
SHOWN_PROBLEMS = 5
RECENT_IMPORTS = 5
FORMAT_LABELS = {
    Format.BIBTEX: "BibTeX (.bib)",
    Format.RIS: "RIS (.ris)",
    Format.CSLJSON: "CSL-JSON (.json)",
    Format.BOOKMARKS: "Browser bookmarks (.html)",
}


# --- profile -----------------------------------------------------------------------------------


class ProfileForm(forms.Form):
    # The length is checked by `update_profile` after stripping, so "  x  " is not refused.
    name = forms.CharField(required=False, strip=False, max_length=MAX_NAME_LENGTH + 100)


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/settings/index.html",
        {"nav": "settings", "max_name_length": MAX_NAME_LENGTH},
    )


@page_action
def save_profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
    else:
        update_profile(user=current_user(request), name=form.cleaned_data["name"])
        messages.success(request, "Profile saved.")
    return back(request, reverse("web:settings"))


# --- API tokens --------------------------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(max_length=TOKEN_NAME_LENGTH)


def _tokens_page(request: HttpRequest, *, new_token: ApiToken | None, secret: str) -> HttpResponse:
    tokens = ApiToken.objects.filter(user=current_user(request)).order_by("-created_at", "-id")
    response = render(
        request,
        "web/settings/tokens.html",
        {
            "nav": "settings",
            "tokens": tokens,
            "new_token": new_token,
            "secret": secret,
            "token_name_length": TOKEN_NAME_LENGTH,
        },
    )
    if secret:
        # The page holds a live secret: no cache on the way (or the back button) may keep it.
        response["Cache-Control"] = "no-store"
    return response


@login_required
def tokens_page(request: HttpRequest) -> HttpResponse:
    return _tokens_page(request, new_token=None, secret="")


@page_action
def create_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, reverse("web:tokens"))
    try:
        token, secret = create_api_token(user=current_user(request), name=form.cleaned_data["name"])
    except TokenLimitReached as error:
        messages.error(request, str(error))
        return back(request, reverse("web:tokens"))
    # Rendered, not redirected: the secret must not travel through the session or a cookie.
    return _tokens_page(request, new_token=token, secret=secret)


@page_action
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=current_user(request))
    revoke_api_token(token=token)
    messages.success(request, f"Revoked “{token.name}”; it no longer works.")
    return back(request, reverse("web:tokens"))


# --- export and import -------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField()
    format = forms.ChoiceField(
        required=False,
        choices=[("", "Detect from the file"), *((f.value, FORMAT_LABELS[f]) for f in Format)],
    )
    library = id_field()

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The file is larger than 20 MB.")
        return upload


@dataclass(frozen=True)
class ExportLink:
    label: str
    format: str


EXPORTS = [
    *(ExportLink(FORMAT_LABELS[f], f.value) for f in Format),
    ExportLink("Full backup (.json)", "backup"),
]


@login_required
def data_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    personal_library(user)  # a new account's library exists before the first page
    libraries = list(Library.objects.visible_to(user).order_by("-kind", "name", "pk"))
    writable = set(Library.objects.editable_by(user).values_list("pk", flat=True))
    jobs = ImportJob.objects.filter(user=user).select_related("library").order_by("-created_at")
    return render(
        request,
        "web/settings/data.html",
        {
            "nav": "settings",
            "libraries": libraries,
            "writable": [lib for lib in libraries if lib.pk in writable],
            "exports": EXPORTS,
            "form": ImportForm(),
            "jobs": list(jobs[:RECENT_IMPORTS]),
        },
    )


def _read(request: HttpRequest, form: ImportForm) -> tuple[Format, str, list[Record]] | None:
    """The upload's format, text and records, or None after saying (as a message) what is wrong."""
    upload = form.cleaned_data["file"]
    try:
        text = upload.read(MAX_UPLOAD_BYTES + 1).decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, "The file must be UTF-8 text; nothing was imported.")
        return None
    chosen = form.cleaned_data["format"]
    format = Format(chosen) if chosen else guess_format(upload.name or "", text)
    if format is None:
        messages.error(
            request,
            "Cannot tell the file's format, so nothing was imported; choose it in the form.",
        )
        return None
    try:
        records = PARSERS[format](text)
    except ImportFileError as error:
        problems = "; ".join(
            f"line {line}: {message}" for line, message in error.errors[:SHOWN_PROBLEMS]
        )
        more = len(error.errors) - SHOWN_PROBLEMS
        suffix = f" (and {more} more)" if more > 0 else ""
        messages.error(
            request, f"The file could not be read; nothing was imported. {problems}{suffix}"
        )
        return None
    if not records:
        messages.error(
            request,
            f"No {FORMAT_LABELS[format]} records were found in the file; nothing was imported.",
        )
        return None
    return format, text, records


def _report(request: HttpRequest, library: Library, report: ImportReport) -> None:
    messages.success(
        request,
        f"Imported {report.total} records into “{library.name}”: "
        f"{report.count('added')} added, {report.count('merged')} merged into papers already "
        f"there, {report.count('unchanged')} already there, {report.count('skipped')} skipped.",
    )
    skipped = [item for item in report.items if item.outcome == "skipped"]
    if skipped:
        shown = "; ".join(
            f"line {item.line} “{item.title or 'untitled'}”: {item.reason}"
            for item in skipped[:SHOWN_PROBLEMS]
        )
        more = len(skipped) - SHOWN_PROBLEMS
        suffix = f" (and {more} more)" if more > 0 else ""
        messages.warning(request, f"Skipped {shown}{suffix}")


@page_action
def import_file(request: HttpRequest) -> HttpResponse:
    fallback = reverse("web:data")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, fallback)
    user = current_user(request)
    library = Library.objects.visible_to(user).filter(pk=form.cleaned_data["library"]).first()
    if library is None:
        raise Http404("No such library.")
    read = _read(request, form)
    if read is None:
        return back(request, fallback)
    format, text, records = read
    if len(records) > BACKGROUND_THRESHOLD:
        start_import(user=user, library=library, format=format, text=text, total=len(records))
        messages.success(
            request,
            f"Importing {len(records)} records into “{library.name}” in the background; "
            "the result appears under “Recent imports” below.",
        )
        return back(request, fallback)
    report = import_records(user=user, library=library, records=records)
    _report(request, library, report)
    return back(request, fallback)
