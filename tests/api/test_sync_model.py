"""Model-based sync: two offline devices, a lossy network and the changes feed converge.

One user, two devices. A device never reads the server's tables: its mirror is built only
from `GET /libraries/{id}/changes`, and its edits wait in an offline queue, each request with
its own Idempotency-Key. Flushing the queue goes through a network that may drop a request
before it reaches the server, deliver it and lose the answer (the device resends it later
with the same key), or deliver it twice. Syncing pages the feed with a tiny limit, one page
per step, so the other device's writes land between pages.

An oracle beside the server predicts every answer (201/200/204, 404 for a vanished entry,
a byte-identical replay for a key already used) and what the library must hold. After each
step the database must equal the oracle; at quiescence (every queue flushed, both devices
synced) both mirrors must equal each other and the database, no accepted write may be lost
or doubled, and the library version must count exactly the writes the server applied.

Besides the devices, the server changes papers on its own, as the background worker does: a
registry answers for a paper (its title reaches the library's entry and the version moves)
and a registry ties two papers together (they merge: the library's two entries become the
older one, which takes the other's tags, notes and state, and the other leaves a tombstone).
Devices that synced before must converge on that too.

The library is a lab's, so the devices also comment on entries and schedule journal-club
sessions: deleting an entry takes its comments and sessions with it (each with a tombstone),
and a merge carries them to the entry that stays.

Also: paging under churn (notes/sync.md 5.6 item 3), deterministic.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from rest_framework.test import APIClient

from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.enrichment.worker import Answers, apply_answers
from readinglist.models import (
    Comment,
    Entry,
    JournalClubSession,
    Lab,
    Library,
    Note,
    ReadingState,
    Tag,
    User,
)
from readinglist.services import discussion
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.journal_club import schedule_session
from readinglist.services.labs import create_lab
from readinglist.services.merges import merge_papers
from tests.conftest import client_for
from tests.factories import UserFactory

ARXIV_IDS = (
    "1706.03762",
    "1810.04805",
    "2005.14165",
    "2106.09608",
    "2201.11903",
    "2303.08774",
    "1512.03385",
    "2010.11929",
)
# Every form names the same paper: identity must not depend on how it was saved.
URL_FORMS = (
    "https://arxiv.org/abs/{}",
    "https://arxiv.org/pdf/{}v2",
    "https://huggingface.co/papers/{}",
    "arXiv:{}",
)
# "ml" and "ML" are one tag (case-insensitive per library); the first spelling stays.
TAG_NAMES = ("ml", "ML", "nlp", "vision", "rl", "to-read")
STATUSES = ("unread", "reading", "read")
NOTE_BODIES = ("Key idea: attention.", "Re-read section 3", "  indented\n- a list  ")
# What the network does to one request: nothing, lose it on the way, lose the answer, or
# deliver it twice. A failure stops the flush (the device is offline again). Mostly "ok", so
# queues do drain and devices get to edit what they have synced.
FATES = ("ok", "ok", "ok", "ok", "ok", "drop", "lost", "twice")
# Some requests carry `If-Unmodified-Since-Version`; a 412 blocks the queue until a sync.
STRICT = st.sampled_from((False, False, False, True))


# Operations, as the device meant them and the oracle reasons about them.


@dataclass(frozen=True)
class Save:
    arxiv: str
    url: str
    tags: tuple[str, ...]
    status: str | None


@dataclass(frozen=True)
class Patch:
    entry_id: int
    add: tuple[str, ...]
    remove: tuple[str, ...]
    status: str | None


@dataclass(frozen=True)
class Delete:
    entry_id: int


@dataclass(frozen=True)
class AddNote:
    entry_id: int
    body: str


@dataclass(frozen=True)
class AddComment:
    entry_id: int
    body: str


@dataclass(frozen=True)
class AddSession:
    entry_id: int
    starts_at: str  # fixed when the device queued it: a retry resends the same body


Attachment = AddNote | AddComment | AddSession
Op = Save | Patch | Delete | Attachment


# What the server does on its own (the worker), between the devices' requests.


@dataclass(frozen=True)
class RegistryAnswer:
    paper_id: int
    title: str


@dataclass(frozen=True)
class PaperMerge:
    gone: int  # paper ids
    into: int


Event = RegistryAnswer | PaperMerge
STATUS_ORDER = (None, "unread", "reading", "read")


@dataclass(frozen=True)
class Pending:
    """A queued request; retries reuse its Idempotency-Key.

    A `strict` request also says which library version the device last synced
    (`If-Unmodified-Since-Version`): the server refuses it with 412 if the library moved on.
    """

    op: Op
    strict: bool = False
    key: str = field(default_factory=lambda: str(uuid.uuid4()))

    def send(self, client: APIClient, synced: int, lab_id: int, library_id: int) -> Any:
        headers = {"Idempotency-Key": self.key}
        if self.strict:
            headers["If-Unmodified-Since-Version"] = str(synced)
        op = self.op
        if isinstance(op, Save):
            body: dict[str, Any] = {"url": op.url, "tags": list(op.tags), "library": library_id}
            if op.status is not None:
                body["status"] = op.status
            return client.post("/api/v1/save", body, format="json", headers=headers)
        if isinstance(op, Patch):
            body = {}
            if op.add:
                body["add_tags"] = list(op.add)
            if op.remove:
                body["remove_tags"] = list(op.remove)
            if op.status is not None:
                body["status"] = op.status
            url = f"/api/v1/entries/{op.entry_id}/"
            return client.patch(url, body, format="json", headers=headers)
        if isinstance(op, Delete):
            return client.delete(f"/api/v1/entries/{op.entry_id}/", headers=headers)
        if isinstance(op, AddComment):
            body = {"entry": op.entry_id, "body": op.body}
            return client.post("/api/v1/comments/", body, format="json", headers=headers)
        if isinstance(op, AddSession):
            body = {"entry": op.entry_id, "starts_at": op.starts_at}
            url = f"/api/v1/labs/{lab_id}/sessions/"
            return client.post(url, body, format="json", headers=headers)
        body = {"entry": op.entry_id, "body": op.body}
        return client.post("/api/v1/notes/", body, format="json", headers=headers)


# What a library holds, in one comparable shape (server tables, oracle or device mirror).


@dataclass(frozen=True)
class Snapshot:
    # entry key -> (paper id, tag names, the user's status or None, the title it shows)
    entries: dict[str, tuple[int, frozenset[str], str | None, str]]
    # note key -> (entry key, body)
    notes: dict[str, tuple[str | None, str]]
    # tag key -> name
    tags: dict[str, str]
    # reading-state key -> (entry key, status); an entry key of None is an orphan
    states: dict[str, tuple[str | None, str]]
    # comment key -> (entry key, body); session key -> entry key
    comments: dict[str, tuple[str | None, str]]
    sessions: dict[str, str | None]


def server_snapshot(library: Library, user: User) -> Snapshot:
    """What the database holds, read directly (no API)."""
    entries = Entry.objects.filter(library=library).prefetch_related("tags")
    states = {
        str(s.key): (str(s.entry.key), s.status)
        for s in ReadingState.objects.filter(library=library, user=user).select_related("entry")
    }
    status_of = dict(states.values())
    return Snapshot(
        entries={
            str(e.key): (
                e.paper_id,
                frozenset(t.name for t in e.tags.all()),
                status_of.get(str(e.key)),
                e.title,
            )
            for e in entries
        },
        notes={
            str(n.key): (str(n.entry.key), n.body)
            for n in Note.objects.filter(library=library).select_related("entry")
        },
        tags={str(t.key): t.name for t in Tag.objects.filter(library=library)},
        states=states,
        comments={
            str(c.key): (str(c.entry.key), c.body)
            for c in Comment.objects.filter(library=library).select_related("entry")
        },
        sessions={
            str(s.key): str(s.entry.key)
            for s in JournalClubSession.objects.filter(library=library).select_related("entry")
        },
    )


class Mirror:
    """A device's copy of the library, built only from the changes feed."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}

    def apply(self, change: dict[str, Any]) -> None:
        ident = (change["type"], change["key"])
        if not change["deleted"]:
            self.objects[ident] = change["data"]
            return
        # Reading states die with their entry and get tombstones of their own.
        self.objects.pop(ident, None)

    def of_type(self, type_name: str) -> dict[str, dict[str, Any]]:
        return {key: data for (kind, key), data in self.objects.items() if kind == type_name}

    def entry_ids(self) -> list[int]:
        return sorted(data["id"] for data in self.of_type("entry").values())

    def snapshot(self) -> Snapshot:
        entries = self.of_type("entry")
        key_of_id = {data["id"]: key for key, data in entries.items()}
        states = {
            key: (key_of_id.get(data["entry"]), data["status"])
            for key, data in self.of_type("state").items()
        }
        status_of = dict(states.values())
        return Snapshot(
            entries={
                key: (
                    data["paper"]["id"],
                    frozenset(data["tags"]),
                    status_of.get(key),
                    data["paper"]["title"],
                )
                for key, data in entries.items()
            },
            notes={
                key: (key_of_id.get(data["entry"]), data["body"])
                for key, data in self.of_type("note").items()
            },
            tags={key: data["name"] for key, data in self.of_type("tag").items()},
            states=states,
            comments={
                key: (key_of_id.get(data["entry"]), data["body"])
                for key, data in self.of_type("comment").items()
            },
            sessions={
                key: key_of_id.get(data["entry"]) for key, data in self.of_type("session").items()
            },
        )


def changes_url(library_id: int) -> str:
    return f"/api/v1/libraries/{library_id}/changes"


@dataclass
class Round:
    """One pass over the feed: `until` is fixed by its first page."""

    since: int
    until: int
    cursor: str
    last: tuple[int, str, str]
    seen: set[tuple[str, str]]


def fetch_page(
    client: APIClient, library_id: int, mirror: Mirror, since: int, limit: int, round_: Round | None
) -> tuple[int | None, Round | None]:
    """Fetch and apply one page. Returns (new `until` if the round ended, round to continue)."""
    if round_ is None:
        response = client.get(
            changes_url(library_id),
            {"since": since, "limit": limit},
            headers={"If-Modified-Since-Version": str(since)},
        )
        if response.status_code == HTTPStatus.NOT_MODIFIED:
            assert response["Last-Modified-Version"] == str(since)
            return since, None
    else:
        response = client.get(changes_url(library_id), {"cursor": round_.cursor, "limit": limit})
    assert response.status_code == HTTPStatus.OK, response.content
    body = response.json()
    assert response["Last-Modified-Version"] == str(body["until"])
    if round_ is None:
        assert body["until"] >= since
        round_ = Round(since, body["until"], "", (since, "", ""), set())
    assert body["until"] == round_.until, "the upper bound moved while paging"
    assert len(body["changes"]) <= limit
    for change in body["changes"]:
        position = (change["version"], change["type"], uuid.UUID(change["key"]).hex)
        assert round_.since < change["version"] <= round_.until
        assert position > round_.last, "the feed went backwards or repeated itself"
        round_.last = position
        ident = (change["type"], change["key"])
        assert ident not in round_.seen, f"{ident} twice in one round"
        round_.seen.add(ident)
        mirror.apply(change)
    if body["next"] is None:
        return round_.until, None
    round_.cursor = body["next"]
    return None, round_


def full_sync(client: APIClient, library_id: int, mirror: Mirror, since: int, limit: int) -> int:
    round_: Round | None = None
    while True:
        until, round_ = fetch_page(client, library_id, mirror, since, limit, round_)
        if until is not None:
            return until


# The oracle: what the server must answer and hold.


@dataclass
class ModelEntry:
    id: int
    key: str
    paper_id: int
    tags: set[str]  # case-folded
    status: str | None


@dataclass
class Applied:
    """A write the server applied (a 2xx that was not a replay, or a change the worker made
    to the library), in the order applied."""

    seq: int
    op: Op | Event
    entry_id: int
    note_key: str | None = None


class Oracle:
    def __init__(self, version: int) -> None:
        self.version = version
        self.entries: dict[int, ModelEntry] = {}  # by paper id
        self.paper_of: dict[str, int] = {}  # arXiv id -> paper id, learned from saves
        self.titles: dict[int, str] = {}  # paper id -> the title its registry gave
        self.absorbed: dict[int, int] = {}  # merged-away entry id -> the entry it became
        self.events = 0  # library versions moved by the worker, not by a request
        self.notes: dict[str, tuple[str, str]] = {}  # note key -> (entry key, body)
        self.comments: dict[str, tuple[str, str]] = {}  # comment key -> (entry key, body)
        self.sessions: dict[str, str] = {}  # session key -> entry key
        self.tag_names: dict[str, str] = {}  # case-folded -> the spelling the library kept
        self.answers: dict[str, tuple[int, Any, str | None]] = {}  # stored idempotent answers
        self.log: list[Applied] = []
        self.applications: Counter[str] = Counter()  # idempotency key -> times applied

    def entry_by_id(self, entry_id: int) -> ModelEntry | None:
        return next((e for e in self.entries.values() if e.id == entry_id), None)

    def expected_status(self, op: Op, *, unmodified_since: int | None) -> int:
        """The answer to a first delivery. A missing target is found (404, or 400 for a note's
        entry) before the library is locked; the library version is checked under the lock."""
        stale = unmodified_since is not None and unmodified_since != self.version
        if isinstance(op, Save):
            if stale:
                return HTTPStatus.PRECONDITION_FAILED
            known = self.paper_of.get(op.arxiv) in self.entries
            return HTTPStatus.OK if known else HTTPStatus.CREATED
        if self.entry_by_id(op.entry_id) is None:
            # Notes and sessions name their entry in the body (400); the rest in the URL or
            # as the object the request is about (404).
            missing = isinstance(op, AddNote | AddSession)
            return HTTPStatus.BAD_REQUEST if missing else HTTPStatus.NOT_FOUND
        if stale:
            return HTTPStatus.PRECONDITION_FAILED
        if isinstance(op, Patch):
            return HTTPStatus.OK
        return HTTPStatus.NO_CONTENT if isinstance(op, Delete) else HTTPStatus.CREATED

    def _add_tags(self, entry: ModelEntry, names: tuple[str, ...]) -> None:
        for name in names:
            self.tag_names.setdefault(name.casefold(), name)
            entry.tags.add(name.casefold())

    def tag_list(self, entry: ModelEntry) -> list[str]:
        return sorted((self.tag_names[t] for t in entry.tags), key=str.casefold)

    def apply(self, pending: Pending, body: Any) -> None:
        """Record the effect of a write the server just applied, checking its answer."""
        op = pending.op
        self.version += 1
        self.applications[pending.key] += 1
        if isinstance(op, Save):
            paper_id = self.paper_of.setdefault(op.arxiv, body["paper"]["id"])
            assert body["paper"]["id"] == paper_id, "one paper per work, however named"
            entry = self.entries.get(paper_id)
            if entry is None:
                entry = ModelEntry(body["id"], body["key"], paper_id, set(), None)
                self.entries[paper_id] = entry
            assert (body["id"], body["key"]) == (entry.id, entry.key), "one entry per paper"
            self._add_tags(entry, op.tags)
            if op.status is not None:
                entry.status = op.status
            self.log.append(Applied(len(self.log), op, entry.id))
        elif isinstance(op, Patch):
            entry = self.entry_by_id(op.entry_id)
            assert entry is not None
            self._add_tags(entry, op.add)
            entry.tags -= {name.casefold() for name in op.remove}
            if op.status is not None:
                entry.status = op.status
            self.log.append(Applied(len(self.log), op, entry.id))
        elif isinstance(op, Delete):
            entry = self.entry_by_id(op.entry_id)
            assert entry is not None
            del self.entries[entry.paper_id]
            self.notes = {k: v for k, v in self.notes.items() if v[0] != entry.key}
            self.comments = {k: v for k, v in self.comments.items() if v[0] != entry.key}
            self.sessions = {k: v for k, v in self.sessions.items() if v != entry.key}
            self.log.append(Applied(len(self.log), op, entry.id))
            return
        else:
            entry = self.entry_by_id(op.entry_id)
            assert entry is not None
            assert body["entry"] == entry.id
            if isinstance(op, AddSession):
                self.sessions[body["key"]] = entry.key
            else:
                assert body["body"] == op.body
                kept = self.comments if isinstance(op, AddComment) else self.notes
                kept[body["key"]] = (entry.key, op.body)
            self.log.append(Applied(len(self.log), op, entry.id, note_key=body["key"]))
            return
        assert body["tags"] == self.tag_list(entry)
        if entry.status is not None:
            assert body["state"]["status"] == entry.status

    def registry_answered(self, event: RegistryAnswer) -> None:
        """The worker gave the paper a title; a library with an entry of it sees it."""
        if self.titles.get(event.paper_id, "") == event.title:
            return
        self.titles[event.paper_id] = event.title
        entry = self.entries.get(event.paper_id)
        if entry is not None:
            self._moved(event, entry.id)

    def merged(self, event: PaperMerge) -> None:
        """Two papers turned out to be one work: so did the library's entries of them."""
        for arxiv, paper_id in self.paper_of.items():
            if paper_id == event.gone:
                self.paper_of[arxiv] = event.into
        gone = self.entries.pop(event.gone, None)
        if gone is None:
            return  # nothing of the merged paper in this library: its version stays
        kept = self.entries.get(event.into)
        if kept is None:
            gone.paper_id = event.into
            self.entries[event.into] = gone
            self._moved(event, gone.id)
            return
        keep, other = (kept, gone) if kept.id < gone.id else (gone, kept)
        keep.tags |= other.tags
        keep.status = max(keep.status, other.status, key=STATUS_ORDER.index)
        keep.paper_id = event.into

        def moved(entry_key: str) -> str:
            return keep.key if entry_key == other.key else entry_key

        self.notes = {key: (moved(e), body) for key, (e, body) in self.notes.items()}
        self.comments = {key: (moved(e), body) for key, (e, body) in self.comments.items()}
        self.sessions = {key: moved(e) for key, e in self.sessions.items()}
        self.absorbed[other.id] = keep.id
        self.entries[event.into] = keep
        self._moved(event, keep.id)

    def _moved(self, event: Event, entry_id: int) -> None:
        self.version += 1
        self.events += 1
        self.log.append(Applied(len(self.log), event, entry_id))

    def snapshot(self) -> Snapshot:
        """The oracle's view, without the keys it cannot know (tags' and states')."""
        return Snapshot(
            entries={
                e.key: (
                    e.paper_id,
                    frozenset(self.tag_names[t] for t in e.tags),
                    e.status,
                    self.titles.get(e.paper_id, ""),
                )
                for e in self.entries.values()
            },
            notes=dict(self.notes),
            tags={},
            states={},
            comments=dict(self.comments),
            sessions=dict(self.sessions),
        )


def audit_nothing_lost(
    log: list[Applied], final: Snapshot, live_ids: dict[int, str], absorbed: dict[int, int]
) -> None:
    """Every applied write is still visible unless a later applied write superseded it; a
    merge carries an entry's writes to the entry it became."""

    def became(entry_id: int) -> int:
        while entry_id in absorbed:
            entry_id = absorbed[entry_id]
        return entry_id

    def later(after: int, entry_id: int) -> list[Applied]:
        return [a for a in log if a.seq > after and became(a.entry_id) == became(entry_id)]

    for applied in log:
        op = applied.op
        if isinstance(op, RegistryAnswer | PaperMerge):
            continue  # the worker's own changes: checked by the snapshots
        entry_id = became(applied.entry_id)
        after = later(applied.seq, applied.entry_id)
        merged_later = any(isinstance(a.op, PaperMerge) for a in after)
        deleted_later = any(isinstance(a.op, Delete) for a in after)
        if isinstance(op, Delete):
            assert entry_id not in live_ids, f"{op} was applied but the entry is back"
            continue
        if entry_id not in live_ids:
            assert deleted_later, f"{op} was applied but its entry vanished without a delete"
            continue
        _, tags, status, _ = final.entries[live_ids[entry_id]]
        folded = {t.casefold() for t in tags}
        if isinstance(op, AddNote | AddComment | AddSession):
            held = {AddNote: final.notes, AddComment: final.comments, AddSession: final.sessions}
            assert applied.note_key in held[type(op)], f"what {op} added was lost"
            continue
        added = op.tags if isinstance(op, Save) else op.add
        removed_here = () if isinstance(op, Save) else op.remove
        for name in added:
            if name.casefold() in {r.casefold() for r in removed_here}:
                continue
            removed_later = any(
                isinstance(a.op, Patch) and name.casefold() in {r.casefold() for r in a.op.remove}
                for a in after
            )
            assert name.casefold() in folded or removed_later, f"tag {name!r} of {op} lost"
        for name in removed_here:
            # A merge unites the tags of two entries: the other one may have had it.
            added_later = merged_later or any(
                name.casefold()
                in {t.casefold() for t in (a.op.tags if isinstance(a.op, Save) else a.op.add)}
                for a in after
                if isinstance(a.op, Save | Patch)
            )
            assert name.casefold() not in folded or added_later, f"{name!r} came back after {op}"
        if op.status is not None:
            restated = merged_later or any(
                isinstance(a.op, Save | Patch) and a.op.status is not None for a in after
            )
            assert status == op.status or restated, f"status of {op} lost"


class Device:
    def __init__(self, name: str, client: APIClient) -> None:
        self.name = name
        self.client = client
        self.mirror = Mirror()
        self.until = 0
        self.round: Round | None = None
        self.queue: list[Pending] = []
        self.acknowledged: list[tuple[Pending, int]] = []
        self.rejected: list[tuple[Pending, int]] = []

    def __repr__(self) -> str:
        return f"Device({self.name})"


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint rolled back at its end: papers are global, and one
        # example's merges must not change what the next one's saves find (hypothesis replays
        # an example and expects the same behaviour).
        self.example = transaction.atomic()
        self.example.__enter__()
        self.user = UserFactory()
        self.lab = create_lab(owner=self.user, name="Model lab")
        self.library = self.lab.library
        self.oracle = Oracle(self.library.version)
        self.devices = [Device("A", client_for(self.user)), Device("B", client_for(self.user))]
        self.quiescing = False

    @initialize(seed=st.lists(st.sampled_from(ARXIV_IDS), min_size=1, max_size=3, unique=True))
    def start_with_a_synced_library(self, seed: list[str]) -> None:
        """A few papers saved online by A; both devices start in sync with them."""
        for arxiv in seed:
            self.devices[0].queue.append(Pending(Save(arxiv, f"arXiv:{arxiv}", ("ml",), None)))
        self._flush(self.devices[0])
        for device in self.devices:
            device.until = full_sync(device.client, self.library.pk, device.mirror, 0, limit=10)

    # Edits: they only go to the device's queue.

    @rule(
        device=st.sampled_from((0, 1)),
        arxiv=st.sampled_from(ARXIV_IDS),
        form=st.sampled_from(URL_FORMS),
        tags=st.lists(st.sampled_from(TAG_NAMES), max_size=3).map(tuple),
        status=st.none() | st.sampled_from(STATUSES),
        strict=STRICT,
    )
    def save(
        self,
        device: int,
        arxiv: str,
        form: str,
        tags: tuple[str, ...],
        status: str | None,
        strict: bool,
    ) -> None:
        op = Save(arxiv, form.format(arxiv), tags, status)
        self.devices[device].queue.append(Pending(op, strict))

    @rule(
        device=st.sampled_from((0, 1)),
        pick=st.integers(min_value=0, max_value=99),
        add=st.lists(st.sampled_from(TAG_NAMES), max_size=2).map(tuple),
        remove=st.lists(st.sampled_from(TAG_NAMES), max_size=2).map(tuple),
        status=st.none() | st.sampled_from(STATUSES),
        strict=STRICT,
    )
    def change_entry(
        self,
        device: int,
        pick: int,
        add: tuple[str, ...],
        remove: tuple[str, ...],
        status: str | None,
        strict: bool,
    ) -> None:
        known = self.devices[device].mirror.entry_ids()
        if not known:
            return
        if not (add or remove or status):
            status = "read"
        op = Patch(known[pick % len(known)], add, remove, status)
        self.devices[device].queue.append(Pending(op, strict))

    @precondition(lambda self: len(self.oracle.entries) > 1)  # keep something to work on
    @rule(
        device=st.sampled_from((0, 1)),
        pick=st.integers(min_value=0, max_value=99),
        strict=STRICT,
    )
    def delete_entry(self, device: int, pick: int, strict: bool) -> None:
        known = self.devices[device].mirror.entry_ids()
        if known:
            op = Delete(known[pick % len(known)])
            self.devices[device].queue.append(Pending(op, strict))

    @rule(
        device=st.sampled_from((0, 1)),
        pick=st.integers(min_value=0, max_value=99),
        body=st.sampled_from(NOTE_BODIES),
        strict=STRICT,
    )
    def add_note(self, device: int, pick: int, body: str, strict: bool) -> None:
        known = self.devices[device].mirror.entry_ids()
        if known:
            op = AddNote(known[pick % len(known)], body)
            self.devices[device].queue.append(Pending(op, strict))

    @rule(
        device=st.sampled_from((0, 1)),
        pick=st.integers(min_value=0, max_value=99),
        body=st.sampled_from(NOTE_BODIES),
        strict=STRICT,
    )
    def add_comment(self, device: int, pick: int, body: str, strict: bool) -> None:
        known = self.devices[device].mirror.entry_ids()
        if known:
            op = AddComment(known[pick % len(known)], body)
            self.devices[device].queue.append(Pending(op, strict))

    @rule(
        device=st.sampled_from((0, 1)),
        pick=st.integers(min_value=0, max_value=99),
        in_days=st.integers(min_value=1, max_value=30),
        strict=STRICT,
    )
    def schedule_session(self, device: int, pick: int, in_days: int, strict: bool) -> None:
        known = self.devices[device].mirror.entry_ids()
        if known:
            starts_at = (timezone.now() + timedelta(days=in_days)).isoformat()
            op = AddSession(known[pick % len(known)], starts_at)
            self.devices[device].queue.append(Pending(op, strict))

    # The worker, between requests.

    @rule(pick=st.integers(min_value=0, max_value=99), edition=st.integers(1, 3))
    def registry_answers(self, pick: int, edition: int) -> None:
        known = sorted(set(self.oracle.paper_of.values()))
        if not known:
            return
        event = RegistryAnswer(known[pick % len(known)], f"Registry title {edition}")
        record = RegistryRecord(Registry.ARXIV, title=event.title)
        with transaction.atomic():
            apply_answers(event.paper_id, Answers(records=[record]))
        self.oracle.registry_answered(event)

    @rule(gone=st.integers(min_value=0, max_value=99), into=st.integers(min_value=0, max_value=99))
    def papers_merge(self, gone: int, into: int) -> None:
        known = sorted(set(self.oracle.paper_of.values()))
        if len(known) < 2 or gone % len(known) == into % len(known):
            return
        merge = PaperMerge(known[gone % len(known)], known[into % len(known)])
        both = merge.gone in self.oracle.entries and merge.into in self.oracle.entries
        merge_papers(survivor_id=merge.into, merged_id=merge.gone)
        self.oracle.merged(merge)
        if both:
            event("two entries of the library merged")

    # The network.

    def deliver(self, device: Device, pending: Pending) -> Any:
        response = pending.send(device.client, device.until, self.lab.pk, self.library.pk)
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        body = response.json() if response.content else None
        stored = self.oracle.answers.get(pending.key)
        if stored is not None:
            assert replayed, f"{pending} ran again instead of replaying"
            assert (response.status_code, body) == stored[:2]
            assert response.headers.get("Last-Modified-Version") == stored[2]
            event("a retry was answered by replay")
            return response
        assert not replayed
        unmodified_since = device.until if pending.strict else None
        expected = self.oracle.expected_status(pending.op, unmodified_since=unmodified_since)
        assert response.status_code == expected, (pending, response.status_code, body)
        event(f"{type(pending.op).__name__} answered {response.status_code}")
        if response.status_code == HTTPStatus.PRECONDITION_FAILED:
            assert body == {
                "error": "library_version_conflict",
                "current_version": self.oracle.version,
            }
            assert response["Last-Modified-Version"] == str(self.oracle.version)
        if response.status_code < HTTPStatus.BAD_REQUEST:
            if any(other.round is not None for other in self.devices):
                event("a write landed while a device was between pages")
            if not self.quiescing:
                event("a write was applied before quiescence")
            self.oracle.apply(pending, body)
            assert response["Last-Modified-Version"] == str(self.oracle.version)
            self.oracle.answers[pending.key] = (
                response.status_code,
                body,
                response["Last-Modified-Version"],
            )
        return response

    @rule(device=st.sampled_from((0, 1)), data=st.data())
    def flush(self, device: int, data: st.DataObject) -> None:
        self._flush(self.devices[device], lambda: data.draw(st.sampled_from(FATES), label="fate"))

    def _flush(self, device: Device, fate_of_next: Callable[[], str] = lambda: "ok") -> None:
        """Send the queue in order until it is empty, the network fails, or the server says
        the device must sync first (412: the request stays queued for after the sync)."""
        while device.queue:
            pending = device.queue[0]
            fate = fate_of_next()
            if fate == "drop":
                return  # never reached the server; stays queued
            response = self.deliver(device, pending)
            if fate == "lost":
                return  # applied (or refused), but the device never heard: resend later
            if fate == "twice":
                response = self.deliver(device, pending)
            if response.status_code == HTTPStatus.PRECONDITION_FAILED:
                return
            device.queue.pop(0)
            outcome = (pending, response.status_code)
            if response.status_code < HTTPStatus.BAD_REQUEST:
                device.acknowledged.append(outcome)
            else:
                device.rejected.append(outcome)  # reported to the user, never silently dropped

    # Syncing, one page per step so writes land between pages.

    @rule(device=st.sampled_from((0, 1)), limit=st.sampled_from((1, 2, 3)))
    def sync_page(self, device: int, limit: int) -> None:
        self._sync_page(self.devices[device], limit)

    def _sync_page(self, device: Device, limit: int) -> None:
        until, device.round = fetch_page(
            device.client, self.library.pk, device.mirror, device.until, limit, device.round
        )
        if until is not None:
            assert until >= device.until
            device.until = until
        else:
            event("a sync round spans several steps")

    @rule(device=st.sampled_from((0, 1)), limit=st.sampled_from((3, 10)))
    def sync(self, device: int, limit: int) -> None:
        self._sync(self.devices[device], limit)

    def _sync(self, device: Device, limit: int = 10) -> None:
        """Finish the current round (if any), then run one more to the end."""
        while device.round is not None:
            self._sync_page(device, limit)
        device.until = full_sync(
            device.client, self.library.pk, device.mirror, device.until, limit=limit
        )

    # After every step the server holds exactly what the oracle says.

    @invariant()
    def server_matches_oracle(self) -> None:
        self.library.refresh_from_db()
        assert self.library.version == self.oracle.version
        assert self.library.version == len(self.oracle.log)
        assert max(self.oracle.applications.values(), default=0) <= 1, "a write was doubled"
        actual = server_snapshot(self.library, self.user)
        expected = self.oracle.snapshot()
        assert actual.entries == expected.entries
        assert actual.notes == expected.notes
        assert set(actual.tags.values()) == set(self.oracle.tag_names.values())
        papers = Counter(paper_id for paper_id, _, _, _ in actual.entries.values())
        assert all(n == 1 for n in papers.values()), "two entries for one paper"

    # Quiescence: everyone flushes everything and syncs; then all views agree.

    def teardown(self) -> None:
        try:
            if sys.exc_info()[0] is None:  # else a step already failed; do not mask it
                self.quiesce()
        finally:
            transaction.set_rollback(True)
            self.example.__exit__(None, None, None)

    def quiesce(self) -> None:
        self.quiescing = True
        for device in self.devices:
            # Each pass pushes at least one request: after a sync, a strict one is current.
            for _ in range(len(device.queue) + 1):
                self._flush(device)
                if not device.queue:
                    break
                self._sync(device)  # blocked by a 412: sync, then push again
            assert not device.queue, f"{device} could not push {device.queue}"
        for device in self.devices:
            self._sync(device)
        self.library.refresh_from_db()
        assert all(device.until == self.library.version for device in self.devices)

        server = server_snapshot(self.library, self.user)
        first, second = (device.mirror.snapshot() for device in self.devices)
        assert first == second, "the two devices disagree"
        assert first == server, "a device disagrees with the server"
        assert first.entries == self.oracle.snapshot().entries
        assert all(entry_key for entry_key, _ in first.states.values()), "an orphan state"

        live_ids = dict(Entry.objects.filter(library=self.library).values_list("id", "key"))
        audit_nothing_lost(
            self.oracle.log,
            server,
            {pk: str(key) for pk, key in live_ids.items()},
            self.oracle.absorbed,
        )
        applications = self.oracle.applications
        applied = set(applications)
        for device in self.devices:
            for pending, _ in device.acknowledged:
                assert pending.key in applied, f"{pending} acknowledged but never applied"
            for pending, status in device.rejected:
                # Only a vanished entry makes a write fail for good; a 412 is retried.
                assert status in (HTTPStatus.NOT_FOUND, HTTPStatus.BAD_REQUEST), pending
        requests = sum(applications.values())
        assert self.library.version == len(self.oracle.log) == requests + self.oracle.events


@pytest.mark.django_db
def test_two_offline_devices_converge_with_the_server() -> None:
    run_state_machine_as_test(
        SyncMachine,
        settings=settings(
            max_examples=int(os.environ.get("SYNC_MODEL_EXAMPLES", "30")),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


# Paging under churn (notes/sync.md 5.6 item 3).


def patch(client: APIClient, entry: Entry, body: dict[str, Any]) -> None:
    response = client.patch(f"/api/v1/entries/{entry.pk}/", body, format="json")
    assert response.status_code == HTTPStatus.OK, response.content


@pytest.mark.django_db
def test_paging_under_churn_loses_nothing(alice: User, alice_client: APIClient) -> None:
    library = personal_library(alice)
    entries = [save_paper(user=alice, url=f"arXiv:2401.{n:05d}").entry for n in range(250)]
    assert [e.version for e in entries] == list(range(1, 251))  # one change per version
    mirror = Mirror()

    def page(round_: Round | None) -> tuple[int | None, Round | None]:
        return fetch_page(alice_client, library.pk, mirror, 0, 100, round_)

    done, round_ = page(None)  # page 1: versions 1-100
    assert round_ is not None
    assert len(round_.seen) == 100

    patch(alice_client, entries[9], {"add_tags": ["seen-on-page-1"]})  # already fetched
    patch(alice_client, entries[219], {"status": "read", "add_tags": ["page-3"]})  # not yet
    assert alice_client.delete(f"/api/v1/entries/{entries[229].pk}/").status_code == 204
    save_paper(user=alice, url="arXiv:2402.00001")  # a new one

    done, round_ = page(round_)  # page 2: versions 101-200
    assert round_ is not None
    assert len(round_.seen) == 200

    # A page-1 entry is deleted and its paper saved again: a new entry with a new key.
    assert alice_client.delete(f"/api/v1/entries/{entries[19].pk}/").status_code == 204
    again = save_paper(user=alice, url="arXiv:2401.00019", tags=["again"]).entry
    assert again.key != entries[19].key
    patch(alice_client, entries[149], {"add_tags": ["page-2"]})

    done, round_ = page(round_)  # page 3: versions 201-250, minus the two that moved on
    assert (done, round_) == (250, None)
    first_round = {key for kind, key in mirror.objects if kind == "entry"}
    assert str(entries[219].key) not in first_round  # moved past `until`: next round
    assert str(entries[229].key) not in first_round  # deleted before it was reached
    assert len(first_round) == 248

    until = full_sync(alice_client, library.pk, mirror, since=250, limit=100)
    library.refresh_from_db()
    assert until == library.version
    assert mirror.snapshot() == server_snapshot(library, alice)

    # One more round: nothing new, and the mirror still equals the server.
    unchanged = alice_client.get(
        changes_url(library.pk),
        {"since": until},
        headers={"If-Modified-Since-Version": str(until)},
    )
    assert unchanged.status_code == HTTPStatus.NOT_MODIFIED
    assert full_sync(alice_client, library.pk, mirror, since=until, limit=100) == until
    assert mirror.snapshot() == server_snapshot(library, alice)
    snapshot = mirror.snapshot()
    assert snapshot.entries[str(entries[9].key)][1] == {"seen-on-page-1"}
    assert snapshot.entries[str(entries[219].key)][1:3] == (frozenset({"page-3"}), "read")
    assert str(entries[19].key) not in snapshot.entries
    assert snapshot.entries[str(again.key)][1:] == (frozenset({"again"}), None, "")
    assert len(snapshot.entries) == 250


# Server bugs the model found (both fixed), pinned down deterministically.


@pytest.mark.django_db
def test_a_deleted_entry_takes_its_reading_state_out_of_every_mirror(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    save_paper(user=alice, url="arXiv:1706.03762")  # v1
    paper = save_paper(user=alice, url="arXiv:1810.04805").entry  # v2
    patch(alice_client, paper, {"status": "read"})  # v3: its state
    mirror = Mirror()

    _, round_ = fetch_page(alice_client, library.pk, mirror, 0, 1, None)  # the first entry
    patch(alice_client, paper, {"add_tags": ["x"]})  # another device: the entry moves to v4
    until, round_ = fetch_page(alice_client, library.pk, mirror, 0, 1, round_)  # the state
    assert (until, round_) == (3, None)
    assert alice_client.delete(f"/api/v1/entries/{paper.pk}/").status_code == 204  # v5
    full_sync(alice_client, library.pk, mirror, since=3, limit=10)  # the entry's tombstone

    # The device never held that entry and a state names its entry only by id: without the
    # state's own tombstone it would keep the state forever.
    assert mirror.snapshot() == server_snapshot(library, alice)


@pytest.mark.django_db
def test_an_entry_at_one_version_reads_the_same_on_every_device(
    alice: User, alice_client: APIClient
) -> None:
    library = personal_library(alice)
    entry = save_paper(user=alice, url="arXiv:1706.03762", status="reading").entry  # v1
    early, late = Mirror(), Mirror()
    full_sync(alice_client, library.pk, early, since=0, limit=10)
    patch(alice_client, entry, {"status": "read"})  # v2: only the state row moves
    full_sync(alice_client, library.pk, early, since=1, limit=10)
    full_sync(alice_client, library.pk, late, since=0, limit=10)

    assert early.snapshot() == late.snapshot()  # the state objects agree: both say "read"
    ident = ("entry", str(entry.key))
    # Both hold the entry at version 1: a copy of the state inside it would say "reading" on
    # one device and "read" on the other.
    assert early.objects[ident] == late.objects[ident]


@pytest.mark.django_db
def test_a_deleted_entry_takes_its_comments_and_sessions_out_of_every_mirror(
    alice: User, alice_client: APIClient, lab: Lab
) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    thread = discussion.create_comment(user=alice, entry=entry, body="Worth a session?")
    discussion.create_comment(user=alice, entry=entry, body="Yes", parent=thread)
    schedule_session(user=alice, entry=entry, starts_at=timezone.now() + timedelta(days=2))
    mirror = Mirror()
    until = full_sync(alice_client, lab.library.pk, mirror, since=0, limit=10)
    assert len(mirror.of_type("comment")) == 2
    assert len(mirror.of_type("session")) == 1

    assert alice_client.delete(f"/api/v1/entries/{entry.pk}/").status_code == 204
    full_sync(alice_client, lab.library.pk, mirror, since=until, limit=10)

    # A comment or a session names its entry only by id: without tombstones of their own
    # they would stay on the device, attached to nothing.
    assert not mirror.of_type("comment")
    assert not mirror.of_type("session")
    assert mirror.snapshot() == server_snapshot(lab.library, alice)


@pytest.mark.django_db
def test_resolving_a_thread_reaches_every_mirror_and_asking_twice_sends_nothing(
    alice: User, bob: User, alice_client: APIClient, bob_client: APIClient, lab: Lab
) -> None:
    library_id = lab.library.pk
    entry = save_paper(user=alice, url="arXiv:1706.03762", library=lab.library).entry
    thread = discussion.create_comment(user=bob, entry=entry, body="Is Table 2 right?")
    discussion.create_comment(user=alice, entry=entry, body="Yes", parent=thread)
    early = Mirror()
    until = full_sync(alice_client, library_id, early, since=0, limit=10)
    ident = ("comment", str(thread.key))
    assert early.objects[ident]["resolved_at"] is None

    for _ in range(2):  # the second is a no-op: 200, and no version for clients to fetch
        assert bob_client.post(f"/api/v1/comments/{thread.pk}/resolve/").status_code == 200
    resolved = full_sync(alice_client, library_id, early, since=until, limit=1)
    assert resolved == until + 1
    late = Mirror()
    full_sync(bob_client, library_id, late, since=0, limit=1)
    assert early.objects[ident] == late.objects[ident]
    assert early.objects[ident]["resolved_by"] == {"id": bob.pk, "name": "Bob"}
    assert early.snapshot() == late.snapshot() == server_snapshot(lab.library, alice)

    assert alice_client.post(f"/api/v1/comments/{thread.pk}/reopen/").status_code == 200
    full_sync(bob_client, library_id, late, since=resolved, limit=1)
    assert (late.objects[ident]["resolved_at"], late.objects[ident]["resolved_by"]) == (None, None)
    assert late.objects[ident]["version"] == resolved + 1
