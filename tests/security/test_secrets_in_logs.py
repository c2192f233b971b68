"""Secrets that travel in URLs never reach the logs: not gunicorn's access log, not
Django's request log."""

import logging
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from backend.redact import RedactingAccessLogger, RedactSecrets, redact

SECRET = "s3cr3t-Token_value"


def test_each_kind_of_url_secret_is_redacted() -> None:
    for path in (
        f"/api/v1/bib/{SECRET}.bib",
        f"/api/v1/public/lists/{SECRET}/feed.atom",
        f"/api/v1/public/labs/{SECRET}/calendar.ics",
        f"/invitations/{SECRET}/",
    ):
        assert SECRET not in redact(f"GET {path} HTTP/1.1")
    assert redact("GET /api/v1/entries/12/ HTTP/1.1") == "GET /api/v1/entries/12/ HTTP/1.1"


def test_the_access_log_line_has_no_secret() -> None:
    logger = RedactingAccessLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/api/v1/bib/{SECRET}.bib",
        "PATH_INFO": f"/api/v1/bib/{SECRET}.bib",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://papers.example.org/invitations/{SECRET}/",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=1))
    line = logger.cfg.access_log_format % atoms
    assert SECRET not in line
    assert "/api/v1/bib/[secret].bib" in line


def test_djangos_request_log_is_filtered_before_any_handler_writes_it(settings: object) -> None:
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Not Found: %s",
        (f"/api/v1/bib/{SECRET}.bib",),
        None,
    )
    assert RedactSecrets().filter(record)
    assert SECRET not in record.getMessage()
    console = settings.LOGGING["handlers"]["console"]  # type: ignore[attr-defined]
    assert "redact_secrets" in console["filters"]
