"""Scale-out on real parts: two app servers (gunicorn) and two task workers (`manage.py
worker`) on one PostgreSQL database and one Redis (`CACHE_URL`).

A rate limit counts across the servers, so spreading requests over both gains nothing; and
each queued task runs exactly once, on whichever worker claims it. Needs PostgreSQL and a
Redis at 127.0.0.1:6379; skips without them. About 15-40 s: four Django processes start.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from django.tasks import task
from django_tasks_db.models import DBTaskResult

from readinglist.services.accounts import create_user
from readinglist.services.tokens import create_api_token

ROOT = Path(__file__).resolve().parents[1]
REDIS = ("127.0.0.1", 6379)
LOOKUPS_PER_MINUTE = 6
TASKS = 24


def _answers(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = [
    pytest.mark.skipif(
        not _answers(REDIS), reason="needs a Redis at 127.0.0.1:6379 (CACHE_URL's shared cache)"
    ),
    pytest.mark.django_db(transaction=True),  # the servers and workers see committed rows only
    pytest.mark.usefixtures("postgres_only"),
]


@task()
def record_run(path: str, number: int) -> None:
    """A task whose every run leaves a line: which task, and which worker process ran it."""
    time.sleep(0.2)  # long enough that one worker cannot drain the queue before the other starts
    with open(path, "a") as runs:  # appends of one short line do not interleave
        runs.write(f"{number} {os.getpid()}\n")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(prefix: str) -> dict[str, str]:
    """Production settings on the test database and one Redis, under keys of this run."""
    db = connection.settings_dict
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CACHE_"))}
    return {
        **clean,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CACHE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
        "CACHE_KEY_PREFIX": prefix,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": uuid.uuid4().hex * 2,
        "DJANGO_SSL_REDIRECT": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "API_THROTTLE_LOOKUP": f"{LOOKUPS_PER_MINUTE}/min",
        "ENRICHMENT_ENABLED": "false",  # no test reaches the network
        "LOG_LEVEL": "WARNING",
    }


def _wait_for(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server on {port} exited: {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on {port} did not answer in time")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def two_servers() -> Iterator[list[int]]:
    """Two gunicorn servers (one worker each) sharing the test database and one Redis."""
    env = _environment(prefix=f"scale-{uuid.uuid4().hex[:8]}:")
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "backend/gunicorn.conf.py", "backend.wsgi"],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        deadline = time.monotonic() + 30
        for port, server in zip(ports, servers, strict=True):
            _wait_for(port, server, deadline)
        yield ports
    finally:
        _stop(servers)


def test_a_rate_limit_counts_requests_across_both_app_servers(two_servers: list[int]) -> None:
    user = create_user(email="spread@example.org", password=None, name="Spread")
    _, secret = create_api_token(user=user, name="scale-out")
    statuses: list[tuple[int, int]] = []
    for n in range(LOOKUPS_PER_MINUTE + 4):
        port = two_servers[n % 2]  # alternate: each server sees half the requests
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request(
            "GET",
            "/api/v1/lookup?url=arXiv:1706.03762",
            headers={"Authorization": f"Token {secret}"},
        )
        statuses.append((port, conn.getresponse().status))
        conn.close()

    codes = [status for _, status in statuses]
    # Counted in one place: the limit is reached after LOOKUPS_PER_MINUTE in total, although
    # neither server alone has seen that many. Per-process counters would let all ten through.
    assert codes == [200] * LOOKUPS_PER_MINUTE + [429] * 4
    assert Counter(port for port, status in statuses if status == 200) == {
        two_servers[0]: LOOKUPS_PER_MINUTE // 2,
        two_servers[1]: LOOKUPS_PER_MINUTE // 2,
    }


def test_each_queued_task_runs_exactly_once_across_two_workers(tmp_path: Path) -> None:
    runs = tmp_path / "runs.txt"
    runs.touch()
    for number in range(TASKS):
        record_run.enqueue(str(runs), number)
    env = _environment(prefix=f"scale-{uuid.uuid4().hex[:8]}:")
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
                "--worker-id",
                f"scale-out-{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(2)
    ]
    try:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            if DBTaskResult.objects.filter(status="SUCCESSFUL").count() == TASKS:
                break
            assert all(worker.poll() is None for worker in workers), "a worker exited"
            time.sleep(0.2)
    finally:
        _stop(workers)

    lines = [line.split() for line in runs.read_text().splitlines()]
    per_task = Counter(int(number) for number, _ in lines)
    assert per_task == dict.fromkeys(range(TASKS), 1)  # every task, each once
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == TASKS
    # Both workers took part (the queue was shared, not drained by one of them), and each
    # task was claimed by one worker only.
    assert len({pid for _, pid in lines}) == 2
    claims = list(DBTaskResult.objects.values_list("worker_ids", flat=True))
    assert all(len(ids) == 1 for ids in claims)
    assert {ids[0] for ids in claims} == {"scale-out-0", "scale-out-1"}
