"""The entry page and its forms: status, tags, notes, lists, lab comments, journal club."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from readinglist.access import comment_for, note_for, session_for
from readinglist.markdown import render as render_markdown
from readinglist.metadata import DESCRIPTIVE_FIELDS, MAX_LENGTHS, clean_text
from readinglist.models import (
    ITEM_TYPE_CHOICES,
    Comment,
    Entry,
    Highlight,
    JournalClubSession,
    Membership,
    Note,
    PaperIdentifier,
    ReadingList,
    ReadingState,
    shown_identifiers,
)
from readinglist.services.annotations import create_note, delete_note, update_note
from readinglist.services.discussion import (
    create_comment,
    delete_comment,
    reopen_thread,
    resolve_thread,
)
from readinglist.services.entries import delete_entry, update_entry
from readinglist.services.entry_metadata import contribution_of, edit_details
from readinglist.services.journal_club import (
    cancel_session,
    local_to_utc,
    mark_discussed,
    schedule_session,
    time_zones,
)
from readinglist.services.lists import add_to_list
from readinglist.services.versioning import StaleObject
from readinglist.web.citing import CSL_STYLES, entry_citation
from readinglist.web.common import (
    MAX_ID,
    back,
    current_user,
    form_errors,
    found,
    id_field,
    login_required,
    page_action,
    visible_entry,
)

# Code and artefact hosts whose links in an abstract are worth surfacing as "code".
CODE_LINK = re.compile(
    r"https?://(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|"
    r"huggingface\.co)/[^\s<>()\"']+",
    re.IGNORECASE,
)
IDENTIFIER_LINKS = {
    PaperIdentifier.Scheme.ARXIV: "https://arxiv.org/abs/{}",
    PaperIdentifier.Scheme.DOI: "https://doi.org/{}",
    PaperIdentifier.Scheme.OPENREVIEW: "https://openreview.net/forum?id={}",
    PaperIdentifier.Scheme.ACL: "https://aclanthology.org/{}/",
    PaperIdentifier.Scheme.PMID: "https://pubmed.ncbi.nlm.nih.gov/{}/",
    PaperIdentifier.Scheme.PMCID: "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/",
    PaperIdentifier.Scheme.ISBN: "https://openlibrary.org/isbn/{}",
}


@dataclass(frozen=True)
class IdentifierLink:
    label: str
    value: str
    href: str


def code_links(abstract: str) -> list[str]:
    found: dict[str, None] = {}
    for match in CODE_LINK.finditer(abstract):
        found.setdefault(match.group(0).rstrip(".,;:"), None)
    return list(found)


def identifier_links(entry: Entry) -> list[IdentifierLink]:
    """The paper's identifiers, then those the library stated for schemes it has none of."""
    links = []
    shown: set[str] = set()
    for identifier in shown_identifiers(entry):
        if identifier.scheme in ("url", "fingerprint") or identifier.scheme in shown:
            continue
        shown.add(identifier.scheme)
        value = identifier.display or identifier.value
        pattern = IDENTIFIER_LINKS.get(PaperIdentifier.Scheme(identifier.scheme))
        links.append(
            IdentifierLink(
                label=PaperIdentifier.Scheme(identifier.scheme).label,
                value=value,
                href=pattern.format(value) if pattern else "",
            )
        )
    return links


@dataclass(frozen=True)
class PaperNews:
    """What the entry page says about the paper beyond its details."""

    newer_arxiv_version: int | None
    arxiv_url: str
    published_doi: str
    enrichment: str
    retry_at: datetime | None


def paper_news(entry: Entry) -> PaperNews:
    paper = entry.paper
    schemes = {i.scheme: i.display or i.value for i in paper.identifiers.all()}
    newer = None
    if paper.arxiv_version and entry.arxiv_version and paper.arxiv_version > entry.arxiv_version:
        newer = paper.arxiv_version
    arxiv_id = schemes.get("arxiv", "")
    return PaperNews(
        newer_arxiv_version=newer,
        arxiv_url=f"https://arxiv.org/abs/{arxiv_id}v{newer}" if newer else "",
        published_doi=schemes.get("doi", "") if arxiv_id else "",
        enrichment=paper.enrichment,
        retry_at=paper.enrichment_retry_at if paper.enrichment_attempts else None,
    )


class DetailsForm(forms.Form):
    """What a library sees of a paper, as a person edits it (`edit_details` checks it)."""

    title = forms.CharField(required=False, max_length=MAX_LENGTHS["title"])
    authors = forms.CharField(required=False, widget=forms.Textarea, help_text="One name per line")
    published = forms.CharField(required=False, max_length=MAX_LENGTHS["published"])
    venue = forms.CharField(required=False, max_length=MAX_LENGTHS["venue"])
    volume = forms.CharField(required=False, max_length=MAX_LENGTHS["volume"])
    issue = forms.CharField(required=False, max_length=MAX_LENGTHS["issue"])
    pages = forms.CharField(required=False, max_length=MAX_LENGTHS["pages"])
    publisher = forms.CharField(
        required=False,
        max_length=MAX_LENGTHS["publisher"],
        help_text="Or the school of a thesis, the institution of a report",
    )
    item_type = forms.ChoiceField(required=False, choices=[("", "Unknown"), *ITEM_TYPE_CHOICES])
    abstract = forms.CharField(required=False, widget=forms.Textarea, strip=False)
    url = forms.CharField(required=False, max_length=2000)
    pdf_url = forms.CharField(required=False, max_length=2000)
    citekey = forms.CharField(
        required=False,
        max_length=100,
        label="Citation key",
        help_text="What LaTeX cites it by; the old key keeps working as an alias",
    )
    version = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID)

    def changes(self, entry: Entry) -> dict[str, Any]:
        """The fields whose submitted value differs from what the library sees now (compared
        as they would be stored: a browser's line endings are no edit)."""
        data = self.cleaned_data
        submitted: dict[str, Any] = {
            name: clean_text(data[name]) for name in DESCRIPTIVE_FIELDS if name != "authors"
        }
        submitted["authors"] = [
            name for line in data["authors"].splitlines() if (name := clean_text(line))
        ]
        if data["citekey"].strip():
            submitted["citekey"] = data["citekey"].strip()
        return {name: value for name, value in submitted.items() if value != getattr(entry, name)}


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ReadingState.Status.choices)


class PersonalForm(forms.Form):
    """The reader's own priority, rating and private note (`update_entry` saves them)."""

    priority = forms.TypedChoiceField(choices=ReadingState.Priority.choices, coerce=int)
    rating = forms.TypedChoiceField(
        required=False,
        choices=[("", "No rating"), *((n, str(n)) for n in range(1, 6))],
        coerce=int,
        empty_value=None,
    )
    private_note = forms.CharField(required=False, max_length=100_000, widget=forms.Textarea)
    version = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID)

    def state(self) -> dict[str, object]:
        data = self.cleaned_data
        # Browsers send a textarea's line breaks as CRLF; the API and exports use LF.
        note = data["private_note"].replace("\r\n", "\n")
        return {"priority": data["priority"], "rating": data["rating"], "private_note": note}


class TagsForm(forms.Form):
    add = forms.CharField(required=False, max_length=500)
    remove = forms.CharField(required=False, max_length=100)

    def names_to_add(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["add"].split(",") if name.strip()]


class NoteForm(forms.Form):
    body = forms.CharField(max_length=100_000, strip=True)
    version = forms.IntegerField(required=False, min_value=0, max_value=MAX_ID)


class ListForm(forms.Form):
    reading_list = id_field()


class CommentForm(forms.Form):
    body = forms.CharField(max_length=20_000, strip=True)
    parent = id_field(required=False)
    # A new thread about one of the entry's highlights (the extension links there).
    highlight = id_field(required=False)


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(time_zones())]


class SessionForm(forms.Form):
    # A wall-clock time in `time_zone`, as a person types it; the view makes it an instant.
    starts_at = forms.DateTimeField(
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
    )
    # Optional so a form posted without it (an older page) still means UTC.
    time_zone = forms.ChoiceField(choices=time_zone_choices, required=False)
    presenter = id_field(required=False)
    location = forms.CharField(required=False, max_length=200)


def _lab_memberships(entry: Entry) -> list[Membership]:
    if entry.library.lab_id is None:
        return []
    return list(
        Membership.objects.filter(lab_id=entry.library.lab_id)
        .select_related("user")
        .order_by("user__name", "user__email")
    )


@login_required
def entry_page(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    entry = get_object_or_404(
        Entry.objects.visible_to(user)
        .select_related("paper", "library", "library__lab", "added_by", "contribution")
        .prefetch_related(
            "paper__identifiers",
            "local_identifiers",
            "tags",
            Prefetch(
                "notes", queryset=Note.objects.select_related("author").order_by("created_at")
            ),
            Prefetch(
                "highlights",
                queryset=Highlight.objects.select_related("author").order_by("created_at"),
            ),
            Prefetch("states", queryset=ReadingState.objects.select_related("user")),
            Prefetch("list_items__reading_list", queryset=ReadingList.objects.order_by("name")),
        ),
        pk=pk,
    )
    in_lab = entry.library.lab_id is not None
    memberships = _lab_memberships(entry)
    members = [membership.user for membership in memberships]
    my_role = next((m.role for m in memberships if m.user_id == user.pk), None)
    my_state = next((s for s in entry.states.all() if s.user_id == user.pk), None)
    states_by_user = {state.user_id: state for state in entry.states.all()}
    comments: list[Comment] = []
    sessions: list[JournalClubSession] = []
    if in_lab:
        comments = list(
            Comment.objects.filter(entry=entry)
            .select_related("author", "resolved_by")
            .prefetch_related("mentions")
            .order_by("created_at", "pk")
        )
        sessions = list(
            JournalClubSession.objects.filter(entry=entry)
            .select_related("presenter")
            .order_by("starts_at")
        )
    threads = comment_threads(comments)
    context: dict[str, Any] = {
        "nav": "library",
        "entry": entry,
        "identifiers": identifier_links(entry),
        "news": paper_news(entry),
        "details_form": DetailsForm(
            initial={
                **{name: getattr(entry, name) for name in DESCRIPTIVE_FIELDS},
                "authors": "\n".join(entry.authors),
                "citekey": entry.citekey,
                "version": entry.version,
            }
        ),
        "edited_fields": sorted(contribution_of(entry).overrides),
        "code_links": code_links(entry.abstract),
        "tags": sorted(entry.tags.all(), key=lambda tag: tag.name.casefold()),
        "notes": [
            (note, render_markdown(note.body), request.session.pop(_draft_key(note.pk), None))
            for note in entry.notes.all()
        ],
        "highlights": highlight_rows(entry, threads),
        "my_status": my_state.status if my_state else ReadingState.Status.UNREAD,
        # Only the viewer's own state: its priority, rating and note are private to them.
        "my_state": my_state,
        "state_draft": request.session.pop(_state_draft_key(entry.pk), None),
        "priorities": ReadingState.Priority.choices,
        "statuses": ReadingState.Status.choices,
        "member_states": [(member, states_by_user.get(member.pk)) for member in members],
        "members": members,
        "in_lab": in_lab,
        "threads": threads,
        "sessions": sessions,
        "entry_lists": sorted(
            (item.reading_list for item in entry.list_items.all()),
            key=lambda reading_list: reading_list.name.casefold(),
        ),
        # Which forms to show; the services decide again what is allowed.
        "can_discuss": my_role is not None and Membership.Role(my_role).can_edit,
        "can_moderate": my_role is not None and Membership.Role(my_role).can_moderate,
        "all_lists": ReadingList.objects.filter(library_id=entry.library_id).order_by("name"),
        "time_zones": time_zone_choices(),
        "default_session_time": (timezone.localtime() + timedelta(days=7))
        .replace(hour=15, minute=0, second=0, microsecond=0)
        .strftime("%Y-%m-%dT%H:%M"),
    }
    context["citation"] = entry_citation(entry, request.GET.get("cite"))
    context["cite_styles"] = CSL_STYLES
    return render(request, "web/entry.html", context)


@dataclass(frozen=True)
class Thread:
    """A root comment and every reply under it, however deep, oldest first."""

    root: Comment
    comments: list[tuple[Comment, str]]


@dataclass(frozen=True)
class HighlightRow:
    highlight: Highlight
    # The paper's page scrolled to the passage, or "" when the entry has no web page.
    page_link: str
    threads: list[Thread]


def text_fragment(exact: str) -> str:
    """A `#:~:text=` directive for a quote; a long one as its first and last four words (the
    browser highlights everything between), as the extension writes them."""
    words = exact.split()
    if not words:
        return ""

    def encoded(part: list[str]) -> str:
        # The directive's own syntax uses "-", "," and "&": they must be escaped in the text.
        return quote(" ".join(part), safe="").replace("-", "%2D")

    if len(words) > 8:
        return f"#:~:text={encoded(words[:4])},{encoded(words[-4:])}"
    return f"#:~:text={encoded(words)}"


def highlight_rows(entry: Entry, threads: list[Thread]) -> list[HighlightRow]:
    page = entry.url.split("#", 1)[0] if re.match(r"(?i)https?://", entry.url or "") else ""
    return [
        HighlightRow(
            highlight=highlight,
            page_link=page + text_fragment(highlight.exact) if page and highlight.exact else "",
            threads=[t for t in threads if t.root.highlight_id == highlight.pk],
        )
        for highlight in entry.highlights.all()
    ]


def comment_threads(comments: list[Comment]) -> list[Thread]:
    """Group a flat, oldest-first list by root, so a resolved thread folds as one."""
    parent_of = {c.pk: c.parent_id for c in comments}

    def root_id(comment_id: int) -> int:
        seen: set[int] = set()
        while (parent := parent_of.get(comment_id)) is not None and comment_id not in seen:
            seen.add(comment_id)
            comment_id = parent
        return comment_id

    threads: dict[int, Thread] = {}
    for comment in comments:
        if comment.parent_id is None:
            threads[comment.pk] = Thread(root=comment, comments=[])
    for comment in comments:
        thread = threads.get(root_id(comment.pk))
        if thread is not None:
            thread.comments.append((comment, _comment_html(comment)))
    return list(threads.values())


def _comment_html(comment: Comment) -> str:
    handles: set[str] = set()
    for person in comment.mentions.all():
        handles.update({person.email.casefold(), person.email.split("@", 1)[0].casefold()})
    return render_markdown(comment.body, mentions=handles)


def _entry_url(entry: Entry) -> str:
    return reverse("web:entry", args=[entry.pk])


@page_action
def edit_entry_details(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = DetailsForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, _entry_url(entry))
    changes = form.changes(entry)
    if changes:
        edit_details(
            user=current_user(request),
            entry=entry,
            changes=changes,
            base_version=form.cleaned_data["version"],
        )
        messages.success(request, "Details saved for this library.")
    return back(request, _entry_url(entry))


@page_action
def reset_entry_details(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    edited = contribution_of(entry).overrides
    if edited:
        edit_details(user=current_user(request), entry=entry, changes=dict.fromkeys(edited))
        messages.success(request, "Your edits are undone; the details are the registry's again.")
    return back(request, _entry_url(entry))


@page_action
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        update_entry(
            user=current_user(request), entry=entry, state={"status": form.cleaned_data["status"]}
        )
        messages.success(request, f"Marked {form.cleaned_data['status']}.")
    else:
        form_errors(request, form.errors)
    return back(request, _entry_url(entry))


def _state_draft_key(entry_id: int) -> str:
    return f"unsaved_private_note:{entry_id}"


@page_action
def set_personal_state(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = PersonalForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, _entry_url(entry) + "#personal")
    state = form.state()
    try:
        update_entry(
            user=current_user(request),
            entry=entry,
            state=state,
            base_version=form.cleaned_data["version"],
        )
    except StaleObject:
        # As with notes: keep what they typed beside the state that won.
        request.session[_state_draft_key(entry.pk)] = state["private_note"]
        messages.error(
            request,
            "Your priority, rating or note changed meanwhile (another tab or device): nothing "
            "was saved. Your note's text is below, beside the current one.",
        )
    else:
        messages.success(request, "Saved your priority, rating and note.")
    return back(request, _entry_url(entry) + "#personal")


@page_action
def change_tags(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = TagsForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, _entry_url(entry))
    add, remove = form.names_to_add(), form.cleaned_data["remove"].strip()
    if add or remove:
        update_entry(
            user=current_user(request), entry=entry, add=add, remove=[remove] * bool(remove)
        )
        messages.success(request, "Tags updated.")
    return back(request, _entry_url(entry))


@page_action
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        create_note(user=current_user(request), entry=entry, body=form.cleaned_data["body"])
        messages.success(request, "Note added.")
    else:
        form_errors(request, form.errors)
    return back(request, _entry_url(entry) + "#notes")


def _visible_note(request: HttpRequest, pk: int) -> Note:
    return found(lambda: note_for(current_user(request), pk))


def _draft_key(note_id: int) -> str:
    return f"unsaved_note:{note_id}"


@page_action
def edit_note(request: HttpRequest, pk: int) -> HttpResponse:
    note = _visible_note(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            update_note(
                user=current_user(request),
                note=note,
                body=form.cleaned_data["body"],
                base_version=form.cleaned_data["version"],
            )
        except StaleObject:
            # Keep what they typed: the page shows it beside the version that won.
            request.session[_draft_key(note.pk)] = form.cleaned_data["body"]
            messages.error(
                request,
                "Someone changed this meanwhile: your text was not saved. It is below, "
                "beside the current version.",
            )
        else:
            messages.success(request, "Note saved.")
    else:
        form_errors(request, form.errors)
    return back(request, reverse("web:entry", args=[note.entry_id]) + "#notes")


@page_action
def remove_note(request: HttpRequest, pk: int) -> HttpResponse:
    note = _visible_note(request, pk)
    delete_note(user=current_user(request), note=note)
    messages.success(request, "Note deleted.")
    return back(request, reverse("web:entry", args=[note.entry_id]) + "#notes")


@page_action
def add_to_reading_list(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = ListForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, _entry_url(entry))
    reading_list = get_object_or_404(
        ReadingList, pk=form.cleaned_data["reading_list"], library_id=entry.library_id
    )
    _, added = add_to_list(user=current_user(request), reading_list=reading_list, entry=entry)
    messages.success(request, f"{'Added to' if added else 'Already in'} “{reading_list.name}”.")
    return back(request, _entry_url(entry))


@page_action
def add_comment(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, _entry_url(entry) + "#discussion")
    parent = None
    if form.cleaned_data["parent"]:
        parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], entry=entry)
    highlight = None
    if form.cleaned_data["highlight"] and parent is None:
        highlight = get_object_or_404(Highlight, pk=form.cleaned_data["highlight"], entry=entry)
    create_comment(
        user=current_user(request),
        entry=entry,
        body=form.cleaned_data["body"],
        parent=parent,
        highlight=highlight,
    )
    messages.success(request, "Comment posted.")
    anchor = f"#highlight-{highlight.pk}" if highlight else "#discussion"
    return back(request, _entry_url(entry) + anchor)


@page_action
def remove_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = found(lambda: comment_for(current_user(request), pk))
    delete_comment(user=current_user(request), comment=comment)
    messages.success(request, "Comment deleted.")
    return back(request, reverse("web:entry", args=[comment.entry_id]) + "#discussion")


@page_action
def resolve_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = found(lambda: comment_for(current_user(request), pk))
    resolve_thread(user=current_user(request), comment=comment)
    messages.success(request, "Thread resolved.")
    return back(request, reverse("web:entry", args=[comment.entry_id]) + "#discussion")


@page_action
def reopen_comment(request: HttpRequest, pk: int) -> HttpResponse:
    comment = found(lambda: comment_for(current_user(request), pk))
    reopen_thread(user=current_user(request), comment=comment)
    messages.success(request, "Thread reopened.")
    return back(request, reverse("web:entry", args=[comment.entry_id]) + f"#comment-{comment.pk}")


@page_action
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    form = SessionForm(request.POST)
    if not form.is_valid():
        form_errors(request, form.errors)
        return back(request, _entry_url(entry) + "#journal-club")
    typed: datetime = form.cleaned_data["starts_at"]
    # Django read the typed time in the server's zone; take back the wall clock as typed.
    if timezone.is_aware(typed):
        typed = timezone.make_naive(typed)
    time_zone = form.cleaned_data["time_zone"] or "UTC"
    starts_at = local_to_utc(typed, time_zone)
    presenter = None
    if form.cleaned_data["presenter"]:
        members = {m.user_id: m.user for m in _lab_memberships(entry)}
        presenter = members.get(form.cleaned_data["presenter"])
        if presenter is None:
            messages.error(request, "The presenter must be a member of the lab.")
            return back(request, _entry_url(entry) + "#journal-club")
    schedule_session(
        user=current_user(request),
        entry=entry,
        starts_at=starts_at,
        presenter=presenter,
        location=form.cleaned_data["location"],
        time_zone=time_zone,
    )
    messages.success(request, "Journal club session scheduled.")
    return back(request, _entry_url(entry) + "#journal-club")


def _visible_session(request: HttpRequest, pk: int) -> JournalClubSession:
    return found(lambda: session_for(current_user(request), pk))


@page_action
def session_discussed(request: HttpRequest, pk: int) -> HttpResponse:
    session = _visible_session(request, pk)
    mark_discussed(user=current_user(request), session=session)
    messages.success(request, "Marked as discussed.")
    return back(request, reverse("web:entry", args=[session.entry_id]) + "#journal-club")


@page_action
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = _visible_session(request, pk)
    cancel_session(user=current_user(request), session=session)
    messages.success(request, "Session cancelled.")
    return back(request, reverse("web:entry", args=[session.entry_id]) + "#journal-club")


@page_action
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = visible_entry(request, pk)
    library_id = entry.library_id
    delete_entry(user=current_user(request), entry=entry)
    messages.success(request, "Entry deleted.")
    return redirect(f"{reverse('web:library')}?library={library_id}")
