"""Rules every piece of stored text follows, whichever door it came in by."""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError


def storable_problem(value: str) -> str | None:
    """Why `value` cannot be stored as text, or None: PostgreSQL refuses NUL, and a lone
    UTF-16 surrogate (which JSON can carry) has no UTF-8 form."""
    if "\x00" in value:
        return "Text may not contain the NUL character."
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "Text may not contain a lone UTF-16 surrogate."
    return None


def require_storable(value: str, *, field: str) -> str:
    """`value` unchanged, or a ValidationError naming `field`."""
    problem = storable_problem(value)
    if problem is not None:
        raise ValidationError({field: problem})
    return value


def fold_tag_name(name: str) -> str:
    """The key two tag names are one tag by: Unicode case folding between NFKC
    normalisations, so "Über" is "über", the "fi" ligature is "fi" and full-width letters
    are letters, on every database (SQLite's and PostgreSQL's lower() differ past ASCII)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
