"""Secrets that travel in URLs (a list's .bib feed, a public list, a lab's calendar and
digest, an invitation) stay out of the logs: gunicorn's access log and Django's own request
log write paths, and whoever reads the logs must not be able to use them.

Imports nothing from Django: gunicorn loads the access logger before the app.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

_SECRET_IN_PATH = re.compile(
    r"(/(?:bib|public/lists|public/labs|invitations)/)[A-Za-z0-9_-]+",
)
REDACTED = "[secret]"


def redact(text: str) -> str:
    """`text` with every URL secret replaced by a marker."""
    return _SECRET_IN_PATH.sub(r"\1" + REDACTED, text)


class RedactingAccessLogger(Logger):
    """gunicorn's logger, with the request line, path and referer of each access-log line
    redacted (`logger_class` in backend/gunicorn.conf.py)."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "f"):
            if isinstance(found.get(name), str):
                found[name] = redact(found[name])
        return found


class RedactSecrets(logging.Filter):
    """For Django's log handlers: "Not Found: /api/v1/bib/<secret>.bib" keeps its secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
