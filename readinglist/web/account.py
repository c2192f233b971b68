"""Settings pages: profile, API tokens, connected sessions, export and import."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from readinglist.io.formats import MAX_UPLOAD_BYTES, Format
from readinglist.io.records import ImportFileError
from readinglist.models import ApiToken, ImportJob, Library
from readinglist.services import imports
from readinglist.services.accounts import MAX_NAME_LENGTH, personal_library, update_profile
from readinglist.services.imports import ImportReport
from readinglist.services.tokens import TokenLimitReached, create_api_token, revoke_api_token
from readinglist.web.common import (
    back,
    current_user,
    form_errors,
    id_field,
    login_required,
    page_action,
    visible_library,
)

TOKEN_NAME_LENGTH = ApiToken._meta.get_field("name").max_length or 100
# How many of a bad file's errors, or of an import's skipped records, a message lists.
SHOWN_PROBLEMS = 5
RECENT_IMPORTS = 5
# What the import form says where the file itself is refused (the form names the format).
UPLOAD_REFUSALS = {
    imports.UnreadableUpload: "The file must be UTF-8 text; nothing was imported.",
    imports.UnknownFormat: (
        "Cannot tell the file's format, so nothing was imported; choose it in the form."
    ),
}
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
    strict = forms.BooleanField(required=False)

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


def _file_problems(error: ImportFileError) -> str:
    problems = "; ".join(
        f"line {line}: {message}" for line, message in error.errors[:SHOWN_PROBLEMS]
    )
    more = len(error.errors) - SHOWN_PROBLEMS
    suffix = f" (and {more} more)" if more > 0 else ""
    return f"The file could not be read; nothing was imported. {problems}{suffix}"


def _report(request: HttpRequest, library: Library, report: ImportReport) -> None:
    messages.success(
        request,
        f"Imported {report.total} records into “{library.name}”: "
        f"{report.count('added')} added, {report.count('merged')} merged into papers already "
        f"there, {report.count('unchanged')} already there, {report.count('skipped')} skipped"
        + (f", {len(report.invalid)} could not be read." if report.invalid else "."),
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
    if report.invalid:
        shown = "; ".join(
            f"line {item.line}: {item.reason}" for item in report.invalid[:SHOWN_PROBLEMS]
        )
        more = len(report.invalid) - SHOWN_PROBLEMS
        suffix = f" (and {more} more)" if more > 0 else ""
        messages.warning(request, f"Could not read {shown}{suffix}")


@page_action
def import_file(request: HttpRequest) -> HttpResponse:
    fallback = reverse("web:data")
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, fallback)
    user = current_user(request)
    library = visible_library(request, form.cleaned_data["library"])
    upload = form.cleaned_data["file"]
    chosen = form.cleaned_data["format"]
    try:
        outcome = imports.import_file(
            user=user,
            library=library,
            text=imports.upload_text(upload.read(MAX_UPLOAD_BYTES + 1)),
            format=Format(chosen) if chosen else None,
            filename=upload.name or "",
            strict=form.cleaned_data["strict"],
        )
    except ImportFileError as error:
        messages.error(request, _file_problems(error))
        return back(request, fallback)
    except (imports.UnreadableUpload, imports.UnknownFormat) as error:
        messages.error(request, UPLOAD_REFUSALS[type(error)])
        return back(request, fallback)
    if isinstance(outcome, ImportJob) and outcome.status == ImportJob.Status.DONE:
        # A tasks backend that runs tasks at once has finished it already.
        messages.success(
            request,
            f"Imported {outcome.total} records into “{library.name}”; "
            "the result is under “Recent imports” below.",
        )
    elif isinstance(outcome, ImportJob):
        messages.success(
            request,
            f"Importing {outcome.total} records into “{library.name}” in the background; "
            "the result appears under “Recent imports” below.",
        )
    elif outcome.total == 0:
        found = FORMAT_LABELS[outcome.format] if outcome.format else "importable"
        messages.error(request, f"No {found} records were found in the file; nothing was imported.")
    else:
        _report(request, library, outcome)
    return back(request, fallback)
