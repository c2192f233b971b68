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
from readinglist.io.citekeys import VALID_CITEKEY, base_key, free_key, with_suffix
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
# Past those, single forms far apart are asked for with them: 63, 127, ... (2**25 forms).
_FAR_FORMS = [_FORMS_ASKED * 2**k - 1 for k in range(1, 21)]
# The form each (library, base) last got past the first ones, in this process: the next
# key of that base is asked for near it in the same read, so hundreds of untitled saves
# ("anon...") find theirs in one read, not three or four, under the library's lock. Only a
# hint: a stale one (a delete, another process's saves) costs the usual narrowing reads.
_NEAR_FORMS = 16
_LAST_FORM: dict[tuple[int, str], int] = {}
_LAST_FORM_LIMIT = 4096


def _taken_forms(
    library_id: int, base: str, numbers: Iterable[int], *, besides: int | None
) -> set[int]:
    """Which of `base`'s forms numbered `numbers` other entries of the library have as keys.

    Asked for by value, so the (library, lower(citekey)) unique index answers (saves run
    this under the library lock); written out, as building the query cost more than running
    it."""
    by_form = {with_suffix(base, n).lower(): n for n in numbers}
    matching, params = sql.in_values("lower(citekey)", list(by_form))
    found = sql.rows(
        f"SELECT lower(citekey) FROM {Entry._meta.db_table}"
        # `citekey <> ''` lets the unique index, which leaves out entries without keys, answer.
        f" WHERE library_id = %s AND citekey <> '' AND id <> %s AND {matching}",
        [library_id, besides or 0, *params],  # ids start at 1
    )
    return {by_form[key] for (key,) in found}


def _free_form(library_id: int, *, base: str, besides: int | None) -> str:
    """The first form of `base` (bare, then suffixed) that no other entry of the library has
    as its key.

    Asks for the first `_FORMS_ASKED` forms and some far ones in one read; when all of the
    first are taken (hundreds of untitled saves share "anon..."), narrows the gap between the
    last taken and the first free far form with `_FORMS_ASKED` forms per read: a few reads
    of a few dozen index lookups, however many keys share the base. Forms are taken in order,
    so that finds the first free one (or one a deleted entry freed)."""
    first = range(_FORMS_ASKED)
    hint = (library_id, base.lower())
    last = _LAST_FORM.get(hint, 0)
    # The form before the last one given, and the next ones: the one before tells that the
    # first free form among these follows a taken one, as the narrowing below ensures.
    near = range(last - 1, last + _NEAR_FORMS) if last > _FORMS_ASKED else range(0)
    asked = sorted({*first, *_FAR_FORMS, *near})
    taken = _taken_forms(library_id, base, asked, besides=besides)
    free = next((n for n in first if n not in taken), None)
    if free is not None:
        return with_suffix(base, free)
    if near and near[0] in taken:
        free = next((n for n in near if n not in taken), None)
        if free is not None:
            return _remember(hint, base, free)
    low = _FORMS_ASKED - 1  # taken
    high = next((n for n in _FAR_FORMS if n not in taken), None)  # free
    if high is None:  # 33 million keys share the base: read them
        keys = Entry.objects.filter(library_id=library_id, citekey__istartswith=base)
        if besides is not None:
            keys = keys.exclude(pk=besides)
        return free_key(base, {key.lower() for key in keys.values_list("citekey", flat=True)})
    while high - low > 1:
        step = -(-(high - low - 1) // _FORMS_ASKED)  # ceiling: at most _FORMS_ASKED forms
        between = range(low + step, high, step)
        taken = _taken_forms(library_id, base, between, besides=besides)
        free = next((n for n in between if n not in taken), None)
        if free is None:
            low = between[-1]
        else:
            low, high = max(low, free - step), free
    return _remember(hint, base, high)


def _remember(hint: tuple[int, str], base: str, form: int) -> str:
    if len(_LAST_FORM) >= _LAST_FORM_LIMIT:
        _LAST_FORM.clear()
    _LAST_FORM[hint] = form
    return with_suffix(base, form)


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
        if taken is not None:
            clash = wanted.lower() in taken - {entry.citekey.lower()}
        else:
            clash = bool(_taken_forms(entry.library_id, wanted, [0], besides=entry.pk))
        if wanted in entry.citekey_aliases or clash:
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
