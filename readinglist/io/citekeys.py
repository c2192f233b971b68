"""Citation keys: how one is made from a work (author, year, first title word, in the
library's pattern), what a valid one looks like, and how collisions are told apart.

Entries keep the key they were given (`readinglist.services.citekeys` pins it); the
functions here only make candidates.
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


# A key BibTeX and biber both accept, and that survives LaTeX's \\cite{} and URLs.
VALID_CITEKEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_:.+/-]{0,99}")
KEY_PATTERNS = ("author_year_word", "author_year", "author_word_year")


def base_key(record: Record, pattern: str = "author_year_word") -> str:
    """The key `pattern` makes for a work: "vaswani2017attention" (author_year_word),
    "vaswani2017" (author_year) or "vaswaniAttention2017" (author_word_year)."""
    family = _family_name(record.authors[0]) if record.authors else ""
    year, _, _ = split_date(record.published)
    words = [w for w in _WORD.findall(_ascii(record.title)) if w not in _STOP_WORDS]
    word = words[0] if words else ""
    family = family or "anon"
    if pattern == "author_year":
        key = f"{family}{year}"
    elif pattern == "author_word_year":
        key = f"{family}{word.capitalize()}{year}"
    else:
        key = f"{family}{year}{word}"
    return key[:60]


def with_suffix(base: str, n: int) -> str:
    """The n-th key made from `base`: the bare key, then base + "b", "c", ... "z", "aa"."""
    return base + _suffix(n)


def free_key(base: str, taken: set[str]) -> str:
    """`base`, or the first suffixed form of it not in `taken` (keys in lower case: BibTeX
    compares keys without regard to case)."""
    n = 0
    while (key := with_suffix(base, n)).lower() in taken:
        n += 1
    return key


def _suffix(n: int) -> str:
    """0 -> "" (the first keeps the bare key), 1 -> "b", ..., 25 -> "z", 26 -> "aa" ..."""
    if n == 0:
        return ""
    letters = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def assign_citekeys(records: Iterable[Record]) -> list[str]:
    """A unique key per record, in order: its own `citekey` where it has one, else a new
    one (the first record with a base key keeps it bare)."""
    records = list(records)
    used = {record.citekey for record in records if record.citekey}
    seen: dict[str, int] = {}
    keys: list[str] = []
    for record in records:
        if record.citekey:
            keys.append(record.citekey)
            continue
        base = base_key(record)
        n = seen.get(base, 0)
        while (key := with_suffix(base, n)) in used:
            n += 1
        seen[base] = n + 1
        used.add(key)
        keys.append(key)
    return keys
