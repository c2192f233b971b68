"""Pinned citation keys: every entry gets one key, once, and keeps it.

A LaTeX document cites by key, so a key that changed when a registry added the authors, or
when a duplicate was merged, would break every `\\cite` of it. Keys are therefore made once,
in the library's pattern, and stored: at the save that brings authors (or once the registry
has answered), at import (the file's own key), or at the first export, whichever comes
first. After that only a person's edit changes a key, and the old key stays an alias.
Keys are unique in a library without regard to case, as BibTeX compares them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from readinglist import sql
from readinglist.io.citekeys import (
    VALID_CITEKEY,
    base_key,
    free_key,
    suffix_number,
    with_suffix,
)
from readinglist.io.records import Record
from readinglist.models import Entry, Paper
from readinglist.services.versioning import begin_library_write

INVALID_KEY_MESSAGE = (
    "Letters, digits and _ : . + / - only, starting with a letter or digit, at most 100 characters."
)


def _candidate(entry: Entry, pattern: str) -> str:
    work = Record(title=entry.title, authors=tuple(entry.authors), published=entry.published)
    return base_key(work, pattern)


# How many forms of a key (bare, then suffixed) are asked for by value at a time.
_FORMS_ASKED = 32
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _taken_forms(
    library_id: int, base: str, numbers: range, *, besides: int | None
) -> tuple[set[str], int]:
    """Which of `base`'s forms numbered `numbers` other entries of the library have as keys
    (lower-cased), and the number of the highest form any of them has.

    Hand-written, as saves run it under the library lock: the forms are asked for by value
    and the highest form is one row of a range of the (library, lower(citekey)) unique index,
    so neither reads every key that starts with `base`. Forms are `base` and letters only,
    and sort by length, then alphabetically, in the order they are numbered."""
    table = Entry._meta.db_table
    low = base.lower()
    forms = [with_suffix(base, n).lower() for n in numbers]
    matching, params = sql.in_values("lower(citekey)", forms)
    other = besides or 0  # ids start at 1
    found = sql.rows(
        f"SELECT 0, lower(citekey) FROM {table}"
        # `citekey <> ''` lets the unique index, which leaves out entries without keys, answer.
        f" WHERE library_id = %s AND citekey <> '' AND id <> %s AND {matching}"
        " UNION ALL SELECT 1, lowered FROM ("
        f" SELECT lower(citekey) AS lowered FROM {table}"
        " WHERE library_id = %s AND citekey <> '' AND id <> %s"
        " AND lower(citekey) >= %s AND lower(citekey) < %s"  # "{" follows "z"
        " AND ltrim(substr(lower(citekey), %s), %s) = ''"
        " ORDER BY length(lower(citekey)) DESC, lower(citekey) DESC LIMIT 1) AS highest",
        [library_id, other, *params, library_id, other, low, low + "{", len(low) + 1, _LETTERS],
    )
    taken = {key for highest, key in found if not highest}
    top = next((key for highest, key in found if highest), low)
    return taken, suffix_number(top[len(low) :])


def _free_form(library_id: int, *, base: str, besides: int | None) -> str:
    """The first form of `base` that no other entry of the library has as its key; past the
    first `_FORMS_ASKED` forms, the first free one after the highest taken."""
    taken, highest = _taken_forms(library_id, base, range(_FORMS_ASKED), besides=besides)
    if len(taken) < _FORMS_ASKED:
        return free_key(base, taken)
    # Dozens of entries share this key (a long run of untitled saves, say): go on after the
    # highest form. Only a collation that sorts keys unlike C could hide the highest, so the
    # forms after it are checked, and all keys read if those are taken too.
    numbers = range(highest + 1, highest + 1 + _FORMS_ASKED)
    taken, _ = _taken_forms(library_id, base, numbers, besides=besides)
    for n in numbers:
        if (key := with_suffix(base, n)).lower() not in taken:
            return key
    keys = Entry.objects.filter(library_id=library_id, citekey__istartswith=base)
    if besides is not None:
        keys = keys.exclude(pk=besides)
    return free_key(base, {key.lower() for key in keys.values_list("citekey", flat=True)})


def is_key_ready(entry: Entry, paper: Paper) -> bool:
    """Whether a key made now would be the one to keep: it has its authors, or the
    registry has already said all it will (a key made before would read "anon...")."""
    return bool(entry.authors) or paper.enrichment != Paper.Enrichment.PENDING


def adopt_citekey(
    entry: Entry, *, pattern: str, wanted: str = "", taken: set[str] | None = None
) -> bool:
    """Give `entry` (in memory, in a locked library) its key if it has none: `wanted` (a
    file's own key) when valid and free, else the pattern's, suffixed until free. An entry
    that has a key keeps it and takes a different `wanted` as an alias. True if changed.

    `taken`: the library's other keys in lower case, when the caller already holds them (an
    import adopting a batch of keys); they are read from the library otherwise."""
    wanted = wanted.strip()
    valid_wanted = bool(wanted) and VALID_CITEKEY.fullmatch(wanted) is not None
    if entry.citekey:
        if not valid_wanted or wanted.lower() == entry.citekey.lower():
            return False
        others = (
            taken - {entry.citekey.lower()}
            if taken is not None
            else _taken_forms(entry.library_id, wanted, range(1), besides=entry.pk)[0]
        )
        if wanted in entry.citekey_aliases or wanted.lower() in others:
            return False
        entry.citekey_aliases = [*entry.citekey_aliases, wanted]
        return True
    base = wanted if valid_wanted else _candidate(entry, pattern)
    if taken is None:
        entry.citekey = _free_form(entry.library_id, base=base, besides=entry.pk)
    else:
        entry.citekey = free_key(base, taken)
    return True


def pin_missing_citekeys(*, library_id: int, entries: QuerySet[Entry] | None = None) -> int:
    """Give every entry of the library (or of `entries`, in it) that has no key yet its
    key, oldest first, in one write; how many got one. Runs before every export, so what
    an export shows is what stays. Nothing is locked when all have keys."""
    missing = (entries if entries is not None else Entry.objects.all()).filter(
        library_id=library_id, citekey=""
    )
    if not missing.exists():
        return 0
    with transaction.atomic():
        library = begin_library_write(library_id=library_id)
        rows = list(
            missing.order_by("added_at", "id").only(
                "id", "library_id", "title", "authors", "published", "citekey"
            )
        )
        keys = Entry.objects.filter(library_id=library_id).exclude(citekey="")
        taken = set(keys.values_list(Lower("citekey"), flat=True))
        now = timezone.now()
        for entry in rows:
            entry.citekey = free_key(_candidate(entry, library.citekey_pattern), taken)
            taken.add(entry.citekey.lower())
            entry.version, entry.updated_at = library.version, now
        Entry.objects.bulk_update(rows, ["citekey", "version", "updated_at"], batch_size=500)
    return len(rows)


def clean_citekey(value: object) -> str:
    """A person's key, or ValidationError saying what a key may hold."""
    if not isinstance(value, str) or VALID_CITEKEY.fullmatch(value.strip()) is None:
        raise ValidationError({"citekey": INVALID_KEY_MESSAGE})
    return value.strip()


def rename_citekey(entry: Entry, key: str) -> bool:
    """Set a person's `key` on `entry` (in memory, in a locked library); its old key stays
    an alias so documents citing it still build with biblatex. ValidationError if another
    entry of the library has that key. True if changed."""
    if key == entry.citekey:
        return False
    clash = (
        Entry.objects.filter(library_id=entry.library_id, citekey__iexact=key)
        .exclude(pk=entry.pk)
        .values_list("title", flat=True)
        .first()
    )
    if clash is not None:
        raise ValidationError({"citekey": f"Already the key of “{clash[:80]}” in this library."})
    aliases = [alias for alias in entry.citekey_aliases if alias.lower() != key.lower()]
    if entry.citekey and entry.citekey.lower() != key.lower():
        aliases.append(entry.citekey)
    entry.citekey, entry.citekey_aliases = key, list(dict.fromkeys(aliases))
    return True


def merged_aliases(keep: Entry, gone: Iterable[str]) -> list[str]:
    """`keep`'s aliases plus `gone`'s keys (a merged duplicate's key and aliases)."""
    own = (keep.citekey or "").lower()
    return list(
        dict.fromkeys([*keep.citekey_aliases, *(key for key in gone if key and key.lower() != own)])
    )
