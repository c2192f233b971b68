"""The domain: papers (global), libraries (personal or lab) and what lives in them.

Invariants sit in the database as named constraints. Every library-scoped row carries its
library id, a client-usable `key` and the library `version` of the write that last touched it;
deletions leave a `Tombstone` so the changes feed can report them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.search import SearchVectorField
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from readinglist import sql
from readinglist.metadata import ItemType
from readinglist.querysets import EntryQuerySet, LabQuerySet, LibraryQuerySet, PaperQuerySet
from readinglist.roles import Role

MAX_TITLE_LENGTH = 2000
MAX_TAG_LENGTH = 100
CITEKEY_MAX_LENGTH = 100
IDENTIFIER_SCHEMES = [
    "arxiv",
    "doi",
    "openreview",
    "acl",
    "pmid",
    "pmcid",
    "isbn",
    "url",
    "fingerprint",
]
ITEM_TYPE_CHOICES = [(t.value, t.value.replace("_", " ").capitalize()) for t in ItemType]
ITEM_TYPE_VALUES = [t.value for t in ItemType]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Email is the login; there is no username to collide or leak."""

    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()
    # The id of the user's personal library when the query that loaded the user read it
    # along (token authentication does, once per request); None means unknown, and the
    # library is then looked up.
    known_personal_library_id: int | None = None

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="readinglist_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        """How a person is shown to others: their name, else their email's local part (never
        "", and never the whole address, which members need not see)."""
        return self.name or self.email.split("@", 1)[0]


class Paper(models.Model):
    """One work, shared by everyone; its identity is the set of its `PaperIdentifier`s.

    It holds identity and *authoritative* metadata only: what the server itself fetched from
    the registry that owns one of its identifiers (see `readinglist.enrichment`), or derived
    from an identifier (the arXiv abstract and PDF links). What clients send belongs to the
    library that sent it (`EntryContribution`).
    """

    class Enrichment(models.TextChoices):
        PENDING = "pending", "Waiting for the registry"
        DONE = "done", "Registry answered"
        NOT_FOUND = "not_found", "Registry does not know it"
        FAILED = "failed", "Registry unreachable, gave up"
        NONE = "none", "No registry for its identifiers"

    title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True)
    authors = models.JSONField(default=list, blank=True)
    abstract = models.TextField(blank=True)
    published = models.CharField(max_length=32, blank=True, help_text="ISO date, maybe partial")
    venue = models.CharField(max_length=500, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    pdf_url = models.URLField(max_length=2000, blank=True)
    item_type = models.CharField(max_length=20, choices=ITEM_TYPE_CHOICES, blank=True)
    # The newest arXiv version the arXiv API reported (never a client's word).
    arxiv_version = models.PositiveSmallIntegerField(null=True, blank=True)
    # arXiv's primary category for it ("cs.CL"), as the arXiv API reported: BibTeX's
    # primaryClass.
    arxiv_category = models.CharField(max_length=40, blank=True)
    # Which registry gave each field ({"title": "crossref", ...}).
    field_sources = models.JSONField(default=dict, blank=True)
    enrichment = models.CharField(
        max_length=10, choices=Enrichment.choices, default=Enrichment.PENDING
    )
    enrichment_attempts = models.PositiveSmallIntegerField(default=0)
    enriched_at = models.DateTimeField(null=True, blank=True)
    enrichment_error = models.CharField(max_length=500, blank=True)
    enrichment_retry_at = models.DateTimeField(null=True, blank=True)
    # Set when this paper turned out to be the same work as another and was merged into it.
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(enrichment__in=["pending", "done", "not_found", "failed", "none"]),
                name="readinglist_paper_enrichment_valid",
            ),
            models.CheckConstraint(
                condition=Q(item_type__in=["", *ITEM_TYPE_VALUES]),
                name="readinglist_paper_item_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Paper {self.pk}"


class PaperEvent(models.Model):
    """Something a registry told about a paper that its readers want to know (digest, page)."""

    class Kind(models.TextChoices):
        NEW_VERSION = "new_version", "New arXiv version"
        PUBLISHED = "published", "Published"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    detail = models.CharField(max_length=500, help_text="The version number or the DOI")
    detected_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["new_version", "published"]),
                name="readinglist_paperevent_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["paper", "kind", "detail"], name="readinglist_paperevent_once"
            ),
        ]
        indexes = [models.Index(fields=["detected_at"], name="readinglist_paperevent_when")]

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind} {self.detail}"


class PaperIdentifier(models.Model):
    class Scheme(models.TextChoices):
        ARXIV = "arxiv", "arXiv"
        DOI = "doi", "DOI"
        OPENREVIEW = "openreview", "OpenReview"
        ACL = "acl", "ACL Anthology"
        PMID = "pmid", "PubMed"
        PMCID = "pmcid", "PubMed Central"
        ISBN = "isbn", "ISBN"
        URL = "url", "URL"
        # Normalized title + first author's family name + year, for works with no identifier.
        FINGERPRINT = "fingerprint", "Fingerprint"

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="identifiers")
    scheme = models.CharField(max_length=16, choices=Scheme.choices)
    # The normalized key that identity compares (a DOI is lower-cased here) ...
    value = models.CharField(max_length=2000)
    # ... and the form people expect to read (a DOI keeps its original case).
    display = models.CharField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "value"], name="readinglist_paperidentifier_unique"
            ),
            models.CheckConstraint(
                condition=Q(scheme__in=IDENTIFIER_SCHEMES),
                name="readinglist_paperidentifier_scheme_valid",
            ),
            models.CheckConstraint(
                condition=~Q(value=""), name="readinglist_paperidentifier_value_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.display or self.value}"


class Lab(models.Model):
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    # The secret in the lab's calendar (.ics) and digest (Atom) URLs; null = feeds are off.
    feed_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    members = models.ManyToManyField(User, through="Membership", related_name="labs")

    objects = LabQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="readinglist_lab_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    Role = Role  # the one role ladder (`readinglist.roles`)

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lab", "user"], name="readinglist_membership_unique"),
            models.CheckConstraint(
                condition=Q(role__in=["owner", "admin", "member", "viewer"]),
                name="readinglist_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.lab} ({self.role})"


class Invitation(models.Model):
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True, help_text="Empty for a link invitation")
    role = models.CharField(
        max_length=8, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    max_uses = models.PositiveIntegerField(default=1)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(uses__lte=models.F("max_uses")),
                name="readinglist_invitation_uses_within_max",
            ),
            models.CheckConstraint(
                condition=~Q(role="owner"), name="readinglist_invitation_role_not_owner"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation to {self.lab_id} ({self.email or 'link'})"


class CitekeyPattern(models.TextChoices):
    """How a library's new citation keys are made (Vaswani et al. 2017, "Attention is ...")."""

    AUTHOR_YEAR_WORD = "author_year_word", "vaswani2017attention"
    AUTHOR_YEAR = "author_year", "vaswani2017"
    AUTHOR_WORD_YEAR = "author_word_year", "vaswaniAttention2017"


class Library(models.Model):
    """Where saved things live: one personal library per user and one per lab.

    `version` is bumped once per write transaction (under a row lock); every object that
    transaction changed is stamped with it. That ordering is what the changes feed pages by.
    """

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal"
        LAB = "lab", "Lab"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    owner = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    lab = models.OneToOneField(
        Lab, on_delete=models.CASCADE, null=True, blank=True, related_name="library"
    )
    name = models.CharField(max_length=200)
    citekey_pattern = models.CharField(
        max_length=20, choices=CitekeyPattern.choices, default=CitekeyPattern.AUTHOR_YEAR_WORD
    )
    version = models.BigIntegerField(default=0)
    # Tombstones at or below this version have been pruned; older clients must full-sync.
    tombstone_floor = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LibraryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "libraries"
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=Q(kind="personal"),
                name="readinglist_library_one_personal_per_user",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="personal", owner__isnull=False, lab__isnull=True)
                    | Q(kind="lab", owner__isnull=True, lab__isnull=False)
                ),
                name="readinglist_library_kind_matches_owner",
            ),
            models.CheckConstraint(
                condition=Q(version__gte=0), name="readinglist_library_version_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(citekey_pattern__in=CitekeyPattern.values),
                name="readinglist_library_citekey_pattern_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LibraryObject(models.Model):
    """Base of every synced row: scoped to a library, addressed by `key`, stamped by `version`."""

    # No index of its own: each table's unique (library, key) and (library, version) indexes
    # lead with it, and a save paid for a third index on every row it wrote.
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    version = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["library", "key"], name="%(app_label)s_%(class)s_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["library", "version"], name="%(class)s_version"),
        ]


class Tag(LibraryObject):
    name = models.CharField(max_length=MAX_TAG_LENGTH)
    # `readinglist.text.fold_tag_name(name)`, kept by the services: what uniqueness compares.
    folded = models.CharField(max_length=4 * MAX_TAG_LENGTH)
    color = models.CharField(max_length=7, blank=True)

    class Meta(LibraryObject.Meta):
        ordering = [Lower("name")]
        constraints = [
            *LibraryObject.Meta.constraints,
            models.UniqueConstraint(
                fields=["library", "folded"], name="readinglist_tag_folded_unique_per_library"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="readinglist_tag_name_not_empty"),
            models.CheckConstraint(
                condition=~Q(folded=""), name="readinglist_tag_folded_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Entry(LibraryObject):
    """A paper saved in a library (once per library), with the metadata this library sees.

    The metadata fields (`title` ... `item_type`) are what the library sees, kept by the
    services from its `EntryContribution` (its edits, else the paper's registry value, else
    what the library's saves and imports brought). Nothing another library sends reaches them.
    """

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="entries")
    added_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    tags = models.ManyToManyField(Tag, through="EntryTag", related_name="entries")
    title = models.CharField(max_length=MAX_TITLE_LENGTH, blank=True)
    authors = models.JSONField(default=list, blank=True)
    abstract = models.TextField(blank=True)
    published = models.CharField(max_length=32, blank=True)
    venue = models.CharField(max_length=500, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    issue = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    pdf_url = models.URLField(max_length=2000, blank=True)
    item_type = models.CharField(max_length=20, choices=ITEM_TYPE_CHOICES, blank=True)
    # The newest arXiv version this library saved (from the URLs it saved the paper by).
    arxiv_version = models.PositiveSmallIntegerField(null=True, blank=True)
    # The key LaTeX documents cite this entry by: assigned once, then never changed by the
    # server (metadata updates and merges keep it); only a person's edit changes it.
    citekey = models.CharField(max_length=CITEKEY_MAX_LENGTH, blank=True)
    # Keys this entry was also known by (a merged duplicate's), exported as biblatex `ids`.
    citekey_aliases = models.JSONField(default=list, blank=True)

    objects = EntryQuerySet.as_manager()

    class Meta(LibraryObject.Meta):
        verbose_name_plural = "entries"
        constraints = [
            *LibraryObject.Meta.constraints,
            models.UniqueConstraint(
                fields=["library", "paper"], name="readinglist_entry_paper_once_per_library"
            ),
            models.CheckConstraint(
                condition=Q(item_type__in=["", *ITEM_TYPE_VALUES]),
                name="readinglist_entry_item_type_valid",
            ),
            models.UniqueConstraint(
                "library",
                Lower("citekey"),
                condition=~Q(citekey=""),
                name="readinglist_entry_citekey_unique_per_library",
            ),
        ]
        indexes = [
            *LibraryObject.Meta.indexes,
            models.Index(fields=["library", "-added_at", "-id"], name="readinglist_entry_added"),
        ]

    def __str__(self) -> str:
        return f"{self.title or self.url} in {self.library_id}"


class EntrySearch(models.Model):
    """The weighted full-text document of an entry's title, authors and abstract, with the
    columns a search filters and orders its matches by (PostgreSQL; empty on SQLite).

    Written only by triggers (migration 0022), whatever writes the entry. A table of its own
    so the entry rows every listing reads stay narrow, and so counting and ordering a common
    word's matches reads small rows: the vector itself is kept out of line.
    """

    # DO_NOTHING without a constraint of Django's: migration 0022 declares the foreign key ON
    # DELETE CASCADE, so PostgreSQL removes the row with its entry and deleting entries never
    # loads these rows (Django refuses DB_CASCADE below the Python cascade from Library).
    entry = models.OneToOneField(
        Entry,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="search",
        db_constraint=False,
    )
    # Searches filter by it through the GIN indexes of migration 0022, never a btree.
    library = models.ForeignKey(
        Library, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    added_at = models.DateTimeField()
    vector = SearchVectorField(null=True, blank=True)
    # The title's part alone (weight A): a common word's best candidates are its title
    # matches, and testing this small vector is cheap where the whole one is not.
    title_vector = SearchVectorField(null=True, blank=True)

    def __str__(self) -> str:
        return f"search document of entry {self.entry_id}"


class EntryContribution(models.Model):
    """What one library said about a paper it saved: per field the best value its saves and
    imports brought (`contributed`, ranked by where each came from: `sources`), and a
    person's edits (`overrides`). Only writes read it; it is kept out of the entry row that
    every listing and search reads. No row: the library said nothing.
    """

    entry = models.OneToOneField(
        Entry, on_delete=models.CASCADE, primary_key=True, related_name="contribution"
    )
    contributed = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=dict, blank=True)
    overrides = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"contribution to entry {self.entry_id}"


class EntryIdentifier(models.Model):
    """An identifier a library stated for one of its entries that no registry confirmed.

    It finds the entry for lookups and saves in that library only; the global paper gets it
    when a registry confirms it (then this row is removed).
    """

    # The unique (library, scheme, value) index serves queries by library.
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+", db_index=False)
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="local_identifiers")
    scheme = models.CharField(max_length=16, choices=PaperIdentifier.Scheme.choices)
    value = models.CharField(max_length=2000)
    display = models.CharField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["library", "scheme", "value"], name="readinglist_entryidentifier_unique"
            ),
            models.CheckConstraint(
                condition=Q(scheme__in=IDENTIFIER_SCHEMES),
                name="readinglist_entryidentifier_scheme_valid",
            ),
        ]
        # Lookups ask by key across the user's libraries, and saves within one.
        indexes = [
            models.Index(fields=["scheme", "value"], name="readinglist_entryident_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme}:{self.display or self.value} in {self.library_id}"


def shown_identifiers(entry: Entry) -> list[PaperIdentifier | EntryIdentifier]:
    """The paper's identifiers, then those the entry's library stated (prefetch both)."""
    return [*entry.paper.identifiers.all(), *entry.local_identifiers.all()]


class EntryTag(models.Model):
    # The unique (entry, tag) index serves queries by entry.
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entry", "tag"], name="readinglist_entrytag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id} on {self.entry_id}"


class ReadingState(LibraryObject):
    """One person's state of one entry: private even inside a lab library."""

    class Status(models.TextChoices):
        UNREAD = "unread", "Unread"
        READING = "reading", "Reading"
        READ = "read", "Read"

    class Priority(models.IntegerChoices):
        NONE = 0, "None"
        LOW = 1, "Low"
        MEDIUM = 2, "Medium"
        HIGH = 3, "High"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="states")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reading_states")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.UNREAD)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NONE)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    private_note = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta(LibraryObject.Meta):
        constraints = [
            *LibraryObject.Meta.constraints,
            models.UniqueConstraint(fields=["entry", "user"], name="readinglist_state_unique"),
            models.CheckConstraint(
                condition=Q(status__in=["unread", "reading", "read"]),
                name="readinglist_state_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=0, priority__lte=3),
                name="readinglist_state_priority_range",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="readinglist_state_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.status}"


class Note(LibraryObject):
    """A shared Markdown note on an entry."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()

    class Meta(LibraryObject.Meta):
        constraints = [
            *LibraryObject.Meta.constraints,
            models.CheckConstraint(condition=~Q(body=""), name="readinglist_note_body_not_empty"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Highlight(LibraryObject):
    """A highlighted passage; W3C Web Annotation selectors are stored exactly as sent."""

    class OffsetUnit(models.TextChoices):
        UTF16 = "utf16", "UTF-16 code units (DOM)"
        CODEPOINT = "codepoint", "Unicode code points"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="highlights")
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    selectors = models.JSONField()
    offset_unit = models.CharField(
        max_length=9, choices=OffsetUnit.choices, default=OffsetUnit.UTF16
    )
    exact = models.TextField(blank=True, help_text="Copy of TextQuoteSelector.exact for search")
    color = models.CharField(max_length=7, blank=True)
    comment = models.TextField(blank=True)

    class Meta(LibraryObject.Meta):
        constraints = [
            *LibraryObject.Meta.constraints,
            models.CheckConstraint(
                condition=Q(offset_unit__in=["utf16", "codepoint"]),
                name="readinglist_highlight_offset_unit_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.exact[:60]


class ReadingList(LibraryObject):
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    public_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta(LibraryObject.Meta):
        constraints = [
            *LibraryObject.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(name=""), name="readinglist_readinglist_name_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReadingListItem(LibraryObject):
    """An entry's place in a list. Positions leave gaps so an insert rarely renumbers."""

    reading_list = models.ForeignKey(ReadingList, on_delete=models.CASCADE, related_name="items")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="list_items")
    position = models.BigIntegerField()
    # What the list's curators say about this paper where the list is public (its page and
    # feed show this and nothing of the library's own notes).
    public_note = models.TextField(blank=True, default="")

    class Meta(LibraryObject.Meta):
        ordering = ["position", "id"]
        constraints = [
            *LibraryObject.Meta.constraints,
            models.UniqueConstraint(
                fields=["reading_list", "entry"], name="readinglist_listitem_entry_once_per_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} at {self.position}"


class Tombstone(models.Model):
    """What a deletion leaves behind so every device learns of it."""

    class ObjectType(models.TextChoices):
        ENTRY = "entry", "Entry"
        TAG = "tag", "Tag"
        NOTE = "note", "Note"
        HIGHLIGHT = "highlight", "Highlight"
        READING_LIST = "list", "Reading list"
        LIST_ITEM = "list_item", "List item"
        READING_STATE = "state", "Reading state"
        COMMENT = "comment", "Comment"
        SESSION = "session", "Journal club session"

    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="tombstones")
    object_type = models.CharField(max_length=10, choices=ObjectType.choices)
    key = models.UUIDField()
    version = models.BigIntegerField()
    # An entry merged into another (the same work) names the entry that took its place.
    merged_into = models.UUIDField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["library", "object_type", "key"], name="readinglist_tombstone_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["library", "version"], name="readinglist_tombstone_ver"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.key} @ {self.version}"


# Notifications: what happened that concerns one person, for their inbox and email digest.


class Notification(models.Model):
    """One thing a person should hear about. Rows are written with the action that caused
    them (never for the person's own action); the worker emails unread ones in batches."""

    class Kind(models.TextChoices):
        MENTION = "mention", "mentioned you"
        REPLY = "reply", "replied to your comment"
        HIGHLIGHT_COMMENT = "highlight", "commented on your highlight"
        PRESENTER = "presenter", "made you the presenter"
        REMINDER = "reminder", "journal club tomorrow"
        INVITATION_ACCEPTED = "joined", "accepted your invitation"
        NEW_VERSION = "version", "new arXiv version"
        PUBLISHED = "published", "published"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    entry = models.ForeignKey(
        "Entry", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        "Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    session = models.ForeignKey(
        "JournalClubSession", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What the sentence needs beyond the rows (a version number, a DOI), kept short.
    detail = models.CharField(max_length=300, blank=True)
    # Makes a notification that must come once (a reminder, a version) unique per person.
    once_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "mention",
                        "reply",
                        "highlight",
                        "presenter",
                        "reminder",
                        "joined",
                        "version",
                        "published",
                    ]
                ),
                name="readinglist_notification_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "once_key"],
                condition=~Q(once_key=""),
                name="readinglist_notification_once",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="readinglist_inbox"),
            models.Index(
                fields=["recipient", "emailed_at"],
                condition=Q(read_at__isnull=True, emailed_at__isnull=True),
                name="readinglist_notification_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class NotificationSettings(models.Model):
    """A person's email choices; no row means the defaults (email on, every kind)."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="notification_settings"
    )
    email = models.BooleanField(default=True)
    # Kinds (Notification.Kind values) this person does not want by email.
    muted_kinds = models.JSONField(default=list, blank=True)
    last_emailed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"


# Lab discussion, activity and journal club. Comments and sessions are library rows (key +
# version, tombstoned on delete) in the lab's library; activity is an append-only log per lab.


class Comment(LibraryObject):
    """A threaded Markdown comment on a lab entry, optionally anchored to one of its highlights."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="comments")
    highlight = models.ForeignKey(
        Highlight, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    edited_at = models.DateTimeField(null=True, blank=True)
    mentions = models.ManyToManyField(User, blank=True, related_name="mentioned_in")
    # Set on a thread's root only; a resolved thread stays readable, folded away.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta(LibraryObject.Meta):
        constraints = [
            *LibraryObject.Meta.constraints,
            models.CheckConstraint(
                condition=~Q(body=""), name="readinglist_comment_body_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=models.F("id")),
                name="readinglist_comment_not_own_parent",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | Q(resolved_at__isnull=True),
                name="readinglist_comment_resolved_root_only",
            ),
        ]
        indexes = [
            *LibraryObject.Meta.indexes,
            models.Index(fields=["entry", "created_at", "id"], name="readinglist_comment_thread"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class Activity(models.Model):
    """Something that happened in a lab, for its feed (newest first)."""

    class Verb(models.TextChoices):
        SAVED = "saved", "saved"
        READ = "read", "read"
        COMMENTED = "commented", "commented on"
        JOINED = "joined", "joined"
        LEFT = "left", "left"
        SCHEDULED = "scheduled", "scheduled"
        DISCUSSED = "discussed", "discussed"
        SHARED = "shared", "shared a list"

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=10, choices=Verb.choices)
    entry = models.ForeignKey(
        Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    verb__in=[
                        "saved",
                        "read",
                        "commented",
                        "joined",
                        "left",
                        "scheduled",
                        "discussed",
                        "shared",
                    ]
                ),
                name="readinglist_activity_verb_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["lab", "-created_at", "-id"], name="readinglist_activity_feed"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} in {self.lab_id}"


class JournalClubSession(LibraryObject):
    """An entry scheduled for discussion at a lab meeting."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    presenter = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    location = models.CharField(max_length=200, blank=True)
    # The IANA zone the time was entered in, so pages show it as the scheduler meant it;
    # `starts_at` itself is the UTC instant.
    time_zone = models.CharField(max_length=64, default="UTC")
    discussed_at = models.DateTimeField(null=True, blank=True)
    notes = models.ManyToManyField(Note, blank=True, related_name="sessions")

    class Meta(LibraryObject.Meta):
        ordering = ["starts_at", "id"]
        constraints = [
            *LibraryObject.Meta.constraints,
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1, duration_minutes__lte=1440),
                name="readinglist_session_duration_range",
            ),
        ]
        indexes = [
            *LibraryObject.Meta.indexes,
            models.Index(fields=["library", "starts_at"], name="readinglist_session_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} at {self.starts_at:%Y-%m-%d %H:%M}"


class ImportJob(models.Model):
    """A large import running on the worker; `done` of `total` records is its progress.

    The import commits a batch of records at a time, with `done` and the report so far in
    the same transaction. A worker that dies mid-import leaves the job "running" with a
    stale `heartbeat_at`; another worker's sweep resumes it after the last committed batch,
    and after `MAX_IMPORT_ATTEMPTS` interrupted runs it is marked failed.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="+")
    format = models.CharField(max_length=16)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # Only report what the import would do (nothing is written).
    dry_run = models.BooleanField(default=False)
    # All or nothing: a record that does not read stops the whole import (else it is reported
    # and the others are imported).
    strict = models.BooleanField(default=False)
    # The uploaded text until the job has run (then emptied), and the import report after.
    content = models.TextField(blank=True)
    report = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "api_importjob"  # made by the api app before imports moved to the domain
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="api_importjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="api_importjob_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.status}, {self.done}/{self.total})"


# Personal API tokens and the secrets of lists' live .bib URLs.


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def of_active_user(self, digest: str, *, last_used_before: datetime) -> ApiTokenUse | None:
        """The token with this digest, its user loaded and active, and whether it was last
        used before `last_used_before`. Written out: every token-authenticated request asks
        it, and building the ORM's join took 0.3 ms where PostgreSQL took 0.2 to answer.
        A raw query: filters applied before it are ignored (call it on the manager)."""
        # The user's personal library comes along (`User.known_personal_library_id`): a save,
        # the commonest token request, needs it, and here it costs no round trip of its own.
        users = sql.instances(
            User,
            "SELECT u.*, t.id AS token_id,"
            " (t.last_used_at IS NULL OR t.last_used_at < %s) AS token_stale,"
            f" (SELECT l.id FROM {Library._meta.db_table} l"
            "   WHERE l.owner_id = u.id AND l.kind = %s) AS known_personal_library_id"
            f" FROM {self.model._meta.db_table} t"
            f" JOIN {User._meta.db_table} u ON u.id = t.user_id"
            " WHERE t.digest = %s AND u.is_active",
            [
                connection.ops.adapt_datetimefield_value(last_used_before),
                Library.Kind.PERSONAL,
                digest,
            ],
        )
        if not users:
            return None
        user = users[0]
        # The token's columns came as attributes of the user: take them off it. Its other
        # columns stay deferred (loaded if asked for); authentication needs none of them.
        token_id, stale = user.__dict__.pop("token_id"), user.__dict__.pop("token_stale")
        token = self.model.from_db(self.db, ["id", "user_id"], [token_id, user.pk])
        token.user = user
        return ApiTokenUse(token=token, stale=bool(stale))


class ApiTokenUse(NamedTuple):
    token: ApiToken
    stale: bool  # last used long enough ago to write down this use


class ApiToken(models.Model):
    """A personal token for scripts (`Authorization: Token <secret>`).

    Only a SHA-256 digest of the secret is stored; the secret is shown once, at creation.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        db_table = "api_apitoken"  # made by the api app before tokens moved to the domain
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_apitoken_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ListFeedToken(models.Model):
    """The secret of a reading list's live .bib URL (for LaTeX tools that fetch by URL).

    Kept readable (like a calendar feed URL) so the owner can copy the link again; rotating
    replaces it and revoking deletes it.
    """

    reading_list = models.OneToOneField(
        ReadingList, on_delete=models.CASCADE, related_name="feed_token"
    )
    token = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "api_listfeedtoken"  # made by the api app before it moved to the domain

    def __str__(self) -> str:
        return f"feed for list {self.reading_list_id}"


# The lab radar: what a lab follows on arXiv and what the daily run found.

MAX_RADAR_VALUE_LENGTH = 200


class RadarFollow(models.Model):
    """An arXiv category, author or keyword a lab follows (managed by its admins)."""

    class Kind(models.TextChoices):
        CATEGORY = "category", "Category"
        AUTHOR = "author", "Author"
        KEYWORD = "keyword", "Keyword"

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="radar_follows")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # As the service normalized it: a category as arXiv spells it, a keyword case-folded.
    value = models.CharField(max_length=MAX_RADAR_VALUE_LENGTH)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "kind", "value"], name="readinglist_radarfollow_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["category", "author", "keyword"]),
                name="readinglist_radarfollow_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(value=""), name="readinglist_radarfollow_value_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class RadarMute(models.Model):
    """A member who does not want to see one of the lab's follows (only for themselves)."""

    follow = models.ForeignKey(RadarFollow, on_delete=models.CASCADE, related_name="mutes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follow", "user"], name="readinglist_radarmute_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.follow_id}"


class RadarPaper(models.Model):
    """A new arXiv paper the radar found for a lab: what the arXiv listing said, kept apart
    from `Paper` (nobody saved it yet; saving goes through `save_paper` like any save)."""

    lab = models.ForeignKey(Lab, on_delete=models.CASCADE, related_name="radar_papers")
    arxiv_id = models.CharField(max_length=64, help_text="Unversioned")
    title = models.CharField(max_length=MAX_TITLE_LENGTH)
    authors = models.JSONField(default=list, blank=True)
    abstract = models.TextField(blank=True)
    primary_category = models.CharField(max_length=32, blank=True)
    published = models.DateField()
    fetched_on = models.DateField()
    matched_follows = models.ManyToManyField(RadarFollow, related_name="papers", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "arxiv_id"], name="readinglist_radarpaper_unique"
            ),
            models.CheckConstraint(
                condition=~Q(arxiv_id=""), name="readinglist_radarpaper_arxiv_id_not_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["lab", "fetched_on"], name="readinglist_radarpaper_day"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id} for lab {self.lab_id}"


class RadarRun(models.Model):
    """A lab's radar status: when it was last queued and run, and how that went."""

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, related_name="radar_run")
    # The day it was last queued: the worker's sweep queues each lab once a day.
    queued_on = models.DateField(null=True, blank=True)
    ran_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    added = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(succeeded=False) | Q(error=""),
                name="readinglist_radarrun_success_has_no_error",
            ),
        ]

    def __str__(self) -> str:
        return f"radar of lab {self.lab_id}"
