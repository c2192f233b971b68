"""Stable citation keys: author + year + first title word, disambiguated in export order.

The same library exported twice gives the same keys, and adding entries (which export after
the existing ones) never renames an existing key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from readinglist.io.records import Record, split_date

_STOP_WORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "from", "by", "at"}
    | {"is", "are", "as", "via", "towards", "toward"}
)
_WORD = re.compile(r"[a-z0-9]+")


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii()).lower()


def _family_name(author: str) -> str:
    author = author.strip()
    if "," in author:
        family = author.split(",", 1)[0]
    else:
        parts = author.split()
        family = parts[-1] if parts else ""
    words = _WORD.findall(_ascii(family))
    return "".join(words)


def base_key(record: Record) -> str:
    family = _family_name(record.authors[0]) if record.authors else ""
    year, _, _ = split_date(record.published)
    words = [w for w in _WORD.findall(_ascii(record.title)) if w not in _STOP_WORDS]
    key = f"{family or 'anon'}{year}{words[0] if words else ''}"
    return key[:60]


def _suffix(n: int) -> str:
    """0 -> "" (the first keeps the bare key), 1 -> "b", ..., 24 -> "z", 25 -> "aa" ..."""
    if n == 0:
        return ""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def assign_citekeys(records: Iterable[Record]) -> list[str]:
    """A unique key per record, in order; the first record with a base key keeps it bare."""
    seen: dict[str, int] = {}
    used: set[str] = set()
    keys: list[str] = []
    for record in records:
        base = base_key(record)
        n = seen.get(base, 0)
        key = base + _suffix(n)
        while key in used:
            n += 1
            key = base + _suffix(n)
        seen[base] = n + 1
        used.add(key)
        keys.append(key)
    return keys
