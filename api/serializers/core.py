"""Shapes of papers, entries, libraries, saves and lookups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from rest_framework import serializers

from api.serializers.field_copies import ShallowFieldCopies
from api.serializers.strict import RejectUnknownFields
from readinglist.entry_query import Sort
from readinglist.entry_rows import (
    ENTRY_METADATA_FIELDS,
    HIDDEN_SCHEMES,
    STATE_FIELDS,
    ListingDetails,
    attach_identifiers,
    listing_page,
    listing_row,
)
from readinglist.metadata import MAX_AUTHOR_LENGTH, MAX_AUTHORS, MAX_LENGTHS, ItemType, Source
from readinglist.models import Entry, Library, Paper, ReadingState
from readinglist.roles import Role

IDENTIFIER_SCHEMES = ("arxiv", "doi", "isbn", "pmid", "pmcid", "openreview", "acl")
MAX_TAGS_PER_REQUEST = 50
MAX_NOTE_LENGTH = 100_000
MAX_INPUT_LENGTH = 2000
MAX_LOOKUP_ITEMS = 200


class PageMetadataSerializer(
    ShallowFieldCopies, RejectUnknownFields, serializers.Serializer[dict[str, Any]]
):
    title = serializers.CharField(max_length=MAX_LENGTHS["title"], required=False, allow_blank=True)
    authors = serializers.ListField(
        child=serializers.CharField(max_length=MAX_AUTHOR_LENGTH),
        max_length=MAX_AUTHORS,
        required=False,
    )
    abstract = serializers.CharField(
        max_length=MAX_LENGTHS["abstract"], required=False, allow_blank=True, trim_whitespace=False
    )
    published = serializers.CharField(
        max_length=MAX_LENGTHS["published"], required=False, allow_blank=True
    )
    date = serializers.CharField(
        max_length=MAX_LENGTHS["published"], required=False, allow_blank=True
    )
    venue = serializers.CharField(max_length=MAX_LENGTHS["venue"], required=False, allow_blank=True)
    volume = serializers.CharField(
        max_length=MAX_LENGTHS["volume"], required=False, allow_blank=True
    )
    issue = serializers.CharField(max_length=MAX_LENGTHS["issue"], required=False, allow_blank=True)
    pages = serializers.CharField(max_length=MAX_LENGTHS["pages"], required=False, allow_blank=True)
    publisher = serializers.CharField(
        max_length=MAX_LENGTHS["publisher"], required=False, allow_blank=True
    )
    pdf_url = serializers.URLField(
        max_length=MAX_LENGTHS["pdf_url"], required=False, allow_blank=True
    )
    item_type = serializers.ChoiceField(
        choices=[t.value for t in ItemType], required=False, help_text="What kind of work it is"
    )
    identifiers = serializers.DictField(
        child=serializers.CharField(max_length=500, allow_blank=True), required=False
    )
    source = serializers.ChoiceField(  # type: ignore[assignment]  # DRF pops declared fields
        choices=[s.value for s in Source], required=False
    )
    field_sources = serializers.DictField(
        child=serializers.ChoiceField(choices=[s.value for s in Source]), required=False
    )

    def validate_identifiers(self, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(IDENTIFIER_SCHEMES))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown identifier schemes {unknown}; use {list(IDENTIFIER_SCHEMES)}."
            )
        return value


class SaveSerializer(
    ShallowFieldCopies, RejectUnknownFields, serializers.Serializer[dict[str, Any]]
):
    url = serializers.CharField(max_length=MAX_INPUT_LENGTH, help_text="Page URL or identifier")
    metadata = PageMetadataSerializer(required=False)
    library = serializers.IntegerField(required=False, min_value=1)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_TAGS_PER_REQUEST, required=False
    )
    note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    status = serializers.ChoiceField(choices=ReadingState.Status.choices, required=False)


def iso(moment: datetime | None) -> str | None:
    """The datetime format DRF uses (ISO 8601, UTC as Z)."""
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


def state_representation(state: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {**{name: state[name] for name in STATE_FIELDS}, "read_at": iso(state["read_at"])}


def updates_representation(row: Mapping[str, Any], identifiers: dict[str, str]) -> dict[str, Any]:
    """What happened to a saved preprint since: a newer arXiv version, a published DOI."""
    latest, saved = row["paper__arxiv_version"], row["arxiv_version"]
    doi = identifiers.get("doi")
    return {
        "newer_arxiv_version": latest if latest and saved and latest > saved else None,
        "published_doi": doi if doi and "arxiv" in identifiers else None,
    }


def entry_representation(row: Mapping[str, Any], details: ListingDetails) -> dict[str, Any]:
    """The one place an entry's API shape is built: from a `listing_rows()` dict. `paper`
    is the paper as this entry's library sees it."""
    identifiers = details.identifiers.get(row["id"], {})
    return {
        "id": row["id"],
        "key": str(row["key"]),
        "library": row["library_id"],
        "version": row["version"],
        "paper": {
            "id": row["paper_id"],
            **{name: row[name] for name in ENTRY_METADATA_FIELDS},
            "arxiv_version": row["paper__arxiv_version"],
            "enrichment": row["paper__enrichment"],
            "identifiers": identifiers,
        },
        "saved_arxiv_version": row["arxiv_version"],
        "updates": updates_representation(row, identifiers),
        "citekey": row["citekey"],
        "citekey_aliases": row["citekey_aliases"],
        "tags": details.tags.get(row["id"], []),
        "state": state_representation(details.states.get(row["id"])),
        "added_by": row["added_by_id"],
        "added_at": iso(row["added_at"]),
    }


def entry_listing(ids: Sequence[int], *, user_id: int) -> list[dict[str, Any]]:
    """A page of entries, in the order of `ids`, as the API shows them (`listing_page`)."""
    rows, details = listing_page(ids, user_id=user_id)
    return [entry_representation(row, details) for row in rows]


class PaperSerializer(serializers.ModelSerializer[Paper]):
    """A paper's registry record: what the registries said about the work (empty fields
    where none answered yet, see `enrichment`) and its confirmed identifiers. What a library
    sees of it is its entry's `paper`."""

    identifiers = serializers.SerializerMethodField()

    class Meta:
        model = Paper
        fields = (
            "id",
            *ENTRY_METADATA_FIELDS,
            "arxiv_version",
            "enrichment",
            "enriched_at",
            "identifiers",
        )

    def get_identifiers(self, paper: Paper) -> dict[str, str]:
        return {
            row.scheme: row.display or row.value
            for row in paper.identifiers.all()
            if row.scheme not in HIDDEN_SCHEMES
        }

    def to_representation(self, paper: Paper) -> dict[str, Any]:
        return {
            "id": paper.pk,
            **{name: getattr(paper, name) for name in ENTRY_METADATA_FIELDS},
            "arxiv_version": paper.arxiv_version,
            "enrichment": paper.enrichment,
            "enriched_at": iso(paper.enriched_at),
            "identifiers": self.get_identifiers(paper),
        }


class EntryPaperSerializer(serializers.Serializer[dict[str, Any]]):
    """Declares the schema of an entry's `paper` (built by `entry_representation`)."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    authors = serializers.ListField(child=serializers.CharField())
    abstract = serializers.CharField()
    published = serializers.CharField()
    venue = serializers.CharField()
    volume = serializers.CharField()
    issue = serializers.CharField()
    pages = serializers.CharField()
    publisher = serializers.CharField(help_text="Also a thesis's school, a report's institution")
    url = serializers.CharField()
    pdf_url = serializers.CharField()
    item_type = serializers.ChoiceField(choices=["", *(t.value for t in ItemType)])
    arxiv_version = serializers.IntegerField(allow_null=True, help_text="Newest arXiv version")
    enrichment = serializers.ChoiceField(choices=Paper.Enrichment.choices)
    identifiers = serializers.DictField(child=serializers.CharField())


class EntryUpdatesSerializer(serializers.Serializer[dict[str, Any]]):
    newer_arxiv_version = serializers.IntegerField(allow_null=True)
    published_doi = serializers.CharField(allow_null=True)


class EntrySerializer(serializers.ModelSerializer[Entry]):
    """Declares the schema. Instances are shown through `entry_representation` like listing
    rows, from the attributes `attach_entry_details` sets (or the relations otherwise)."""

    paper = EntryPaperSerializer()
    saved_arxiv_version = serializers.IntegerField(
        source="arxiv_version", allow_null=True, help_text="The arXiv version this library saved"
    )
    updates = EntryUpdatesSerializer()
    citekey = serializers.CharField(
        help_text="The key LaTeX cites this entry by; empty until its authors are known or it "
        "is first exported, then kept (only an edit changes it)"
    )
    citekey_aliases = serializers.ListField(
        child=serializers.CharField(), help_text="Earlier keys that still cite it (biblatex ids)"
    )
    tags = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField(help_text="The caller's own reading state")

    class Meta:
        model = Entry
        fields = (
            "id",
            "key",
            "library",
            "version",
            "paper",
            "saved_arxiv_version",
            "updates",
            "citekey",
            "citekey_aliases",
            "tags",
            "state",
            "added_by",
            "added_at",
        )

    def get_tags(self, entry: Entry) -> list[str]:
        attached: list[str] | None = getattr(entry, "tag_names", None)
        if attached is not None:
            return attached
        return sorted((tag.name for tag in entry.tags.all()), key=str.casefold)

    def get_state(self, entry: Entry) -> dict[str, Any] | None:
        return state_representation(self._own_state(entry))

    def _own_state(self, entry: Entry) -> dict[str, Any] | None:
        states = getattr(entry, "my_states", None)
        return {name: getattr(states[0], name) for name in STATE_FIELDS} if states else None

    def to_representation(self, entry: Entry) -> dict[str, Any]:
        state = self._own_state(entry)
        identifiers: dict[str, str] | None = getattr(entry, "identifier_map", None)
        if identifiers is None:
            attach_identifiers([entry])
            identifiers = entry.identifier_map  # type: ignore[attr-defined]
        details = ListingDetails(
            tags={entry.pk: self.get_tags(entry)},
            identifiers={entry.pk: identifiers},
            states={entry.pk: state} if state is not None else {},
        )
        return entry_representation(listing_row(entry), details)


# An edited field may be left out (unchanged), emptied ("") or given back (null).
_EDIT: dict[str, Any] = {"allow_blank": True, "allow_null": True, "required": False}


class EntryDetailsSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    """A person's edit of what their library sees of a paper; `null` removes the edit of a
    field (the registry's or the library's own value shows again). Other libraries and the
    paper's registry record never change."""

    title = serializers.CharField(max_length=MAX_LENGTHS["title"], **_EDIT)
    authors = serializers.ListField(
        child=serializers.CharField(max_length=MAX_AUTHOR_LENGTH),
        max_length=MAX_AUTHORS,
        allow_null=True,
        required=False,
    )
    abstract = serializers.CharField(
        max_length=MAX_LENGTHS["abstract"], trim_whitespace=False, **_EDIT
    )
    published = serializers.CharField(
        max_length=MAX_LENGTHS["published"], help_text="A year, or YYYY-MM, or YYYY-MM-DD", **_EDIT
    )
    venue = serializers.CharField(max_length=MAX_LENGTHS["venue"], **_EDIT)
    volume = serializers.CharField(max_length=MAX_LENGTHS["volume"], **_EDIT)
    issue = serializers.CharField(max_length=MAX_LENGTHS["issue"], **_EDIT)
    pages = serializers.CharField(max_length=MAX_LENGTHS["pages"], **_EDIT)
    publisher = serializers.CharField(max_length=MAX_LENGTHS["publisher"], **_EDIT)
    url = serializers.URLField(max_length=2000, **_EDIT)
    pdf_url = serializers.URLField(max_length=2000, **_EDIT)
    item_type = serializers.ChoiceField(choices=[t.value for t in ItemType], **_EDIT)
    citekey = serializers.CharField(
        max_length=100,
        required=False,
        help_text="A new citation key (unique in the library); the old one stays an alias",
    )
    version = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="The entry version you last saw; an entry changed since is a 412",
    )


class EntryUpdateSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    """The caller's own state plus tag membership as add/remove operations (they merge)."""

    status = serializers.ChoiceField(choices=ReadingState.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=ReadingState.Priority.choices, required=False)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    private_note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, trim_whitespace=False
    )
    add_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_TAGS_PER_REQUEST, required=False
    )
    remove_tags = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=MAX_TAGS_PER_REQUEST, required=False
    )
    version = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Version of your state you last saw; a stale state change is a 412",
    )


class EntryFilterSerializer(serializers.Serializer[dict[str, Any]]):
    library = serializers.IntegerField(required=False, min_value=1)
    tag = serializers.CharField(required=False, max_length=100)
    status = serializers.ChoiceField(choices=ReadingState.Status.choices, required=False)
    priority = serializers.ChoiceField(
        choices=ReadingState.Priority.choices,
        required=False,
        help_text="Your own priority; 0 includes entries you never touched",
    )
    list = serializers.IntegerField(required=False, min_value=1)
    added_after = serializers.DateTimeField(required=False)
    added_before = serializers.DateTimeField(required=False)
    q = serializers.CharField(required=False, max_length=500)
    sort = serializers.ChoiceField(
        choices=Sort.choices,
        required=False,
        allow_blank=True,
        help_text="`priority`: your own, high first, then the longest saved. Any order but "
        "the newest first (the default) is paged by number, as is a search",
    )


class LibrarySerializer(RejectUnknownFields, serializers.ModelSerializer[Library]):
    role = serializers.CharField(read_only=True)
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Library
        fields = (
            "id",
            "kind",
            "name",
            "lab",
            "version",
            "role",
            "can_edit",
            "citekey_pattern",
            "created_at",
        )
        read_only_fields = ("id", "kind", "lab", "version", "role", "created_at")

    def get_can_edit(self, library: Library) -> bool:
        role = getattr(library, "role", None)
        return role is not None and Role(role).can_edit


class LookupRequestSerializer(RejectUnknownFields, serializers.Serializer[dict[str, Any]]):
    items = serializers.ListField(
        child=serializers.CharField(max_length=MAX_INPUT_LENGTH),
        min_length=1,
        max_length=MAX_LOOKUP_ITEMS,
        help_text="URLs or identifiers (arXiv ids, DOIs, ...)",
    )
