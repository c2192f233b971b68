"""gunicorn settings: `gunicorn -c backend/gunicorn.conf.py backend.wsgi`.

Threads rather than many processes: requests mostly wait on PostgreSQL, and each worker
holds a persistent connection per thread (DB_CONN_MAX_AGE).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# Each worker listens on its own SO_REUSEPORT socket, so the kernel spreads new connections
# over the workers by hash. On one shared socket, whichever worker wakes first accepts: with
# 2 workers, 7 or 8 of 8 keep-alive clients often landed on one of them, which then ran them
# all on one core (one process, one GIL) while the other idled, and c=8 figures swung 2x.
# Measured with 8 clients and 2 workers over 17 runs: one shared socket put 7-8 on one worker
# in 5 runs, per-worker sockets never more than 6 (and with 4 workers at most 5, not 7).
# GUNICORN_REUSE_PORT=false where the kernel lacks it, or where other processes of gunicorn's
# user must not be able to bind the port too.
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "true").lower() in {"1", "true", "yes", "on"}
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
# Secrets in URLs (feeds, public lists, invitations) are redacted from each access line.
logger_class = "backend.redact.RedactingAccessLogger"


def post_worker_init(worker: object) -> None:
    """Import the URLconf, and with it every view, before the worker's first request, which
    otherwise paid for it (about a second on a small machine)."""
    from django.urls import get_resolver

    _ = get_resolver().url_patterns
