"""Soak: many lab members writing at once, one device syncing; does the feed stay exact?

20 members of one lab write into its library through the REST API for 30 seconds, each in
its own thread and database connection: saves with tags, notes, highlights, comments and
replies (some on highlights), journal-club sessions, lists and their items, and deletions of
entries, highlights, comments and sessions (which take other objects with them). Meanwhile a
device syncs incrementally from the changes feed every half second. At the end the device
syncs once more, a second device replays the feed from version 0, and both must hold exactly
the objects the server holds (type, key and version of every comment, entry, highlight, list,
list item, note, session, tag and the syncing member's reading states), with no server error.

Prints requests by answer class, objects by type, and whether both devices match. Exits 1 on
any server error or mismatch. PostgreSQL, in a throwaway database it creates and drops:

    DATABASE_URL=postgres://root@127.0.0.1:5432/test .venv/bin/python bench/sync_soak.py \
        [--writers 20] [--seconds 30]
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from enrichment import production_like_settings, throwaway_database  # noqa: E402  (needs the path above)

QUOTE = {"type": "TextQuoteSelector", "exact": "attention"}


class Shared:
    """What the writers know of each other's objects (ids may be gone by the time used)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: dict[str, list[int]] = {
            kind: [] for kind in ("entry", "highlight", "comment", "session", "list")
        }
        self.answers: Counter[str] = Counter()
        self.errors: list[str] = []

    def add(self, kind: str, object_id: int) -> None:
        with self.lock:
            self.ids[kind].append(object_id)

    def pick(self, kind: str, rng: random.Random) -> int | None:
        with self.lock:
            return rng.choice(self.ids[kind]) if self.ids[kind] else None


def writer(
    client: Any, lab_id: int, library_id: int, shared: Shared, stop: threading.Event, seed: int
) -> None:
    from django.db import connection
    from django.utils import timezone

    rng = random.Random(seed)
    n = 0

    def call(method: str, path: str, body: Any = None, kind: str | None = None) -> None:
        response = getattr(client, method)(path, body, format="json")
        shared.answers[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            shared.errors.append(f"{method.upper()} {path}: {response.status_code}")
        if kind is not None and response.status_code == 201:
            shared.add(kind, response.json()["id"])

    try:
        while not stop.is_set():
            n += 1
            roll = rng.random()
            entry = shared.pick("entry", rng)
            if roll < 0.25 or entry is None:
                url = f"arXiv:24{seed % 12 + 1:02d}.{seed:02d}{n:03d}"
                tags = rng.sample(["nlp", "vision", "NLP", "theory", "über", "ÜBER"], 2)
                body = {"url": url, "library": library_id, "tags": tags, "status": "reading"}
                call("post", "/api/v1/save", body, kind="entry")
            elif roll < 0.35:
                call("post", "/api/v1/notes/", {"entry": entry, "body": f"note {seed}.{n}"})
            elif roll < 0.45:
                body = {"entry": entry, "selectors": [QUOTE]}
                call("post", "/api/v1/highlights/", body, kind="highlight")
            elif roll < 0.58:
                body: dict[str, Any] = {"entry": entry, "body": f"comment {seed}.{n}"}
                highlight = shared.pick("highlight", rng) if rng.random() < 0.3 else None
                parent = shared.pick("comment", rng) if rng.random() < 0.3 else None
                if highlight is not None:
                    body["highlight"] = highlight
                elif parent is not None:
                    body["parent"] = parent
                call("post", "/api/v1/comments/", body, kind="comment")
            elif roll < 0.64:
                starts = (timezone.now() + timedelta(days=rng.randint(1, 30))).isoformat()
                body = {"entry": entry, "starts_at": starts}
                call("post", f"/api/v1/labs/{lab_id}/sessions/", body, kind="session")
            elif roll < 0.70:
                reading_list = shared.pick("list", rng)
                if reading_list is None or rng.random() < 0.2:
                    body = {"library": library_id, "name": f"List {seed}.{n}"}
                    call("post", "/api/v1/lists/", body, kind="list")
                else:
                    call("post", f"/api/v1/lists/{reading_list}/items/", {"entry": entry})
            elif roll < 0.78:
                call("delete", f"/api/v1/entries/{entry}/")
            elif roll < 0.86 and (highlight := shared.pick("highlight", rng)) is not None:
                call("delete", f"/api/v1/highlights/{highlight}/")
            elif roll < 0.93 and (comment := shared.pick("comment", rng)) is not None:
                call("delete", f"/api/v1/comments/{comment}/")
            elif (session := shared.pick("session", rng)) is not None:
                call("delete", f"/api/v1/labs/{lab_id}/sessions/{session}/")
    finally:
        connection.close()


def sync(client: Any, library_id: int, mirror: dict[tuple[str, str], int], since: int) -> int:
    """Apply the feed after `since` to `mirror` (type, key -> version); the new `since`."""
    params: dict[str, Any] = {"since": since, "limit": 500}
    while True:
        response = client.get(f"/api/v1/libraries/{library_id}/changes", params)
        if response.status_code != 200:
            raise SystemExit(f"changes feed answered {response.status_code}")
        body = response.json()
        for change in body["changes"]:
            ident = (change["type"], change["key"])
            if change["deleted"]:
                mirror.pop(ident, None)
            else:
                mirror[ident] = change["version"]
        if body["next"] is None:
            return int(body["until"])
        params = {"cursor": body["next"], "limit": 500}


def server_objects(library_id: int, user_id: int) -> dict[tuple[str, str], int]:
    from readinglist.models import Library, User
    from readinglist.sync import _live_sources

    library = Library.objects.get(pk=library_id)
    user = User.objects.get(pk=user_id)
    found: dict[tuple[str, str], int] = {}
    for kind, rows in _live_sources(library, user).items():
        for key, version in rows.values_list("key", "version"):
            found[(kind, str(key))] = version
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--db-name", default="bench_soak")
    args = parser.parse_args()
    production_like_settings(
        ENRICHMENT_ENABLED="false",
        API_THROTTLE_SAVE="off",
        DJANGO_ALLOWED_HOSTS="testserver",  # DRF's test client, in process
        DJANGO_SSL_REDIRECT="false",
    )
    with throwaway_database(args.db_name):
        import django

        django.setup()
        import logging

        from django.core.management import call_command
        from django.db import connection
        from rest_framework.test import APIClient

        from readinglist.roles import Role
        from readinglist.services.accounts import create_user
        from readinglist.services.labs import add_member, create_lab

        logging.getLogger("django.request").setLevel(logging.CRITICAL)  # 404s are expected
        call_command("migrate", verbosity=0)
        people = [
            create_user(email=f"member{n}@example.org", password=None) for n in range(args.writers)
        ]
        lab = create_lab(owner=people[0], name="Soak lab")
        for n, person in enumerate(people[1:], start=1):
            add_member(lab=lab, user=person, role=Role.ADMIN if n % 4 == 0 else Role.MEMBER)
        library_id = lab.library.pk

        def client_of(person: Any) -> Any:
            client = APIClient()
            client.force_authenticate(person)
            return client

        shared, stop = Shared(), threading.Event()
        threads = [
            threading.Thread(
                daemon=True,
                target=writer,
                args=(client_of(person), lab.pk, library_id, shared, stop, seed),
            )
            for seed, person in enumerate(people)
        ]
        device: dict[tuple[str, str], int] = {}
        device_client = client_of(people[0])
        since, rounds = 0, 0
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        try:
            while time.perf_counter() - started < args.seconds:
                since = sync(device_client, library_id, device, since)
                rounds += 1
                time.sleep(0.5)
        finally:
            stop.set()
        for thread in threads:
            thread.join()
        since = sync(device_client, library_id, device, since)
        replayed: dict[tuple[str, str], int] = {}
        sync(device_client, library_id, replayed, 0)
        server = server_objects(library_id, people[0].pk)
        connection.close()

    total = sum(shared.answers.values())
    print(f"{args.writers} writers, {args.seconds:.0f} s: {total} requests, {rounds} device syncs")
    print("  answers: " + ", ".join(f"{k} {v}" for k, v in sorted(shared.answers.items())))
    kinds = Counter(kind for kind, _ in server)
    print("  server holds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    incremental_ok, replay_ok = device == server, replayed == server
    print(f"  incremental device matches the server: {incremental_ok}")
    print(f"  replay from 0 matches the server: {replay_ok}")
    if not incremental_ok:
        extra, missing = set(device) - set(server), set(server) - set(device)
        print(f"    device has {len(extra)} the server does not, lacks {len(missing)}")
        print(f"    e.g. {sorted(extra)[:3]} / {sorted(missing)[:3]}")
    for error in shared.errors[:10]:
        print(f"  server error: {error}")
    if shared.errors or not (incremental_ok and replay_ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
