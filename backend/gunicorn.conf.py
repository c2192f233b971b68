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
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
# Secrets in URLs (feeds, public lists, invitations) are redacted from each access line.
logger_class = "backend.redact.RedactingAccessLogger"
