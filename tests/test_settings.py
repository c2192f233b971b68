"""Settings fail loudly on bad values instead of running with a silent default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Variables of the calling environment that would change what these tests load.
UNSET = ("DJANGO_", "DATABASE_URL", "CACHE_URL", "CACHE_KEY_PREFIX", "SEARCH_CACHE_SECONDS")


def load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(UNSET)}
    return subprocess.run(
        [sys.executable, "-c", "import backend.settings"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_defaults_need_no_configuration() -> None:
    assert load_settings().returncode == 0


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG must be one of"),
        ({"DJANGO_DEBUG": "false"}, "DJANGO_SECRET_KEY is required"),
        ({"DB_CONN_MAX_AGE": "soon"}, "DB_CONN_MAX_AGE must be an integer"),
        ({"DATABASE_URL": "nosuchdb://x"}, "DATABASE_URL is not a valid database URL"),
        ({"ACCOUNT_EMAIL_VERIFICATION": "sometimes"}, "ACCOUNT_EMAIL_VERIFICATION must be"),
        ({"SITE_URL": "papers.example.org"}, "SITE_URL must be an absolute http(s) URL"),
        (
            {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "x" * 50, "SITE_URL": "http://a.org"},
            "SITE_URL must use https",
        ),
        (
            {"DATABASE_URL": "postgres://u@h/db", "DB_RANDOM_PAGE_COST": "cheap"},
            "DB_RANDOM_PAGE_COST must be a number",
        ),
        ({"SEARCH_CACHE_SECONDS": "-1"}, "SEARCH_CACHE_SECONDS must be >= 0"),
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL must be a Redis URL"),
        ({"CACHE_URL": "127.0.0.1:6379"}, "CACHE_URL must be a Redis URL"),
        ({"CACHE_URL": "redis:///0"}, "CACHE_URL must be a Redis URL"),
        ({"CACHE_URL": "redis://127.0.0.1:sixty/0"}, "CACHE_URL has a bad port"),
        ({"CACHE_URL": "redis://127.0.0.1:6379/first"}, "bad port or database number"),
    ],
)
def test_bad_values_stop_start_up_with_a_clear_message(env: dict[str, str], message: str) -> None:
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(("seconds", "kept"), [(None, "1 60"), ("30", "1 30"), ("0", "None 300")])
def test_search_cache_seconds_zero_turns_the_results_cache_off(
    seconds: str | None, kept: str
) -> None:
    script = (
        "import django; django.setup(); from django.core.cache import caches; c = caches['search'];"
        " c.set('k', 1); print(c.get('k'), c.default_timeout)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    clean.pop("SEARCH_CACHE_SECONDS", None)
    env = {**clean, "DJANGO_SETTINGS_MODULE": "backend.settings"}
    if seconds is not None:
        env["SEARCH_CACHE_SECONDS"] = seconds
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == kept, result.stderr


# What the rate limits (DRF's throttles: the "default" alias) and the ranked search results
# (`search_pages.RESULT_CACHE`) are kept in, and under which key prefixes.
CACHES_IN_USE = (
    "import django; django.setup(); from django.core.cache import caches;"
    " from readinglist.search_pages import RESULT_CACHE;"
    " from api.throttling import SaveThrottle;"
    " d, s = caches['default'], caches[RESULT_CACHE];"
    " print(type(d).__name__, type(s).__name__, repr(d.key_prefix), repr(s.key_prefix),"
    " SaveThrottle.cache._alias)"
)


@pytest.mark.parametrize(
    ("env", "seen"),
    [
        ({}, "LocMemCache LocMemCache '' '' default"),
        ({"CACHE_URL": "redis://127.0.0.1:6379/3"}, "RedisCache RedisCache '' 'search' default"),
        (
            {"CACHE_URL": "rediss://cache.internal:6380", "CACHE_KEY_PREFIX": "papers:"},
            "RedisCache RedisCache 'papers:' 'papers:search' default",
        ),
    ],
)
def test_cache_url_shares_rate_limits_and_search_results_in_redis(
    env: dict[str, str], seen: str
) -> None:
    """The throttles count in "default" and search results sit in "search": with CACHE_URL
    both are the one Redis every app server uses. Nothing here connects to it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(UNSET)}
    result = subprocess.run(
        [sys.executable, "-c", CACHES_IN_USE],
        cwd=ROOT,
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "backend.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == seen, result.stderr


def test_json_logs_are_one_object_per_line() -> None:
    import json
    import logging

    from backend.logging import JsonFormatter

    record = logging.LogRecord("api", logging.WARNING, __file__, 1, "saved %s", ("x",), None)
    line = JsonFormatter().format(record)
    assert json.loads(line) | {"time": "t"} == {
        "time": "t",
        "level": "WARNING",
        "logger": "api",
        "message": "saved x",
    }
