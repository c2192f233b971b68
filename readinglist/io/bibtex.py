"""BibTeX in (bibtexparser 2, LaTeX decoded) and out (typed entries, kept math, pinned keys).

Out: each kind its BibTeX entry type (`@inproceedings` with `booktitle` for a conference
paper, `@phdthesis` with `school`, arXiv preprints as `@misc` with `eprint`, `archivePrefix`,
`primaryClass` and the arXiv DOI, as arXiv itself exports them); titles keep their math and
brace acronyms so styles cannot lower-case them; UTF-8 unless LaTeX escapes are asked for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import pylatexenc.latex2text  # type: ignore[import-untyped]
import pylatexenc.latexwalker  # type: ignore[import-untyped]
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import SeparateCoAuthors
from bibtexparser.model import DuplicateBlockKeyBlock, Entry
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
)
from pylatexenc.latexencode import UnicodeToLatexEncoder  # type: ignore[import-untyped]

from readinglist import identifiers as ids
from readinglist.io.citekeys import assign_citekeys
from readinglist.io.latex import latex_escape, split_math
from readinglist.io.records import ImportFileError, Record, cleaned, join_date, split_date
from readinglist.numbers import ascii_digits

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_MACROS = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
]  # fmt: skip
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s]*(\S+)", re.IGNORECASE)


def _decoder() -> LatexNodes2Text:
    context = pylatexenc.latex2text.get_default_latex_context_db()
    # \\url{x} is x, not <x>.
    context.add_context_category(
        "readinglist-bibtex", prepend=True, macros=[MacroTextSpec("url", simplify_repl="%s")]
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


_DECODER = _decoder()
# What `latex_to_text` builds afresh for every value (the walker's default macros, a third of
# a file's reading time); read-only, so one serves every value.
_WALKER_CONTEXT = pylatexenc.latexwalker.get_default_latex_context_db()


_LATEX_SPECIAL = re.compile(r"[\\{}$~%&#_^]|--|``|''|[?!]`")


# Names recur through a file (every paper of a group has its authors): each decoded once.
@lru_cache(maxsize=8192)
def decode_latex(value: str) -> str:
    if _LATEX_SPECIAL.search(value) is None:
        return cleaned(value)  # nothing LaTeX would change: skip the (slow) decoder
    try:
        walker = pylatexenc.latexwalker.LatexWalker(value, latex_context=_WALKER_CONTEXT)
        return cleaned(_DECODER.nodelist_to_text(walker.get_latex_nodes()[0]))
    except Exception:  # pylatexenc raises many kinds on broken markup; keep the text as typed
        return cleaned(value)


def _month(value: str) -> str:
    value = value.strip().lower().rstrip(".")
    if ascii_digits(value):
        return value
    number = _MONTHS.get(value)
    return str(number) if number is not None else ""


def _text(entry: Entry, *names: str) -> str:
    for name in names:
        field = entry.fields_dict.get(name)
        if field is not None and isinstance(field.value, str) and field.value.strip():
            return decode_latex(field.value)
    return ""


def _authors(entry: Entry) -> tuple[str, ...]:
    field = entry.fields_dict.get("author")
    if field is None:
        return ()
    names = field.value if isinstance(field.value, list) else [field.value]
    return tuple(name for raw in names if isinstance(raw, str) and (name := decode_latex(raw)))


def _identifiers(entry: Entry) -> dict[str, str]:
    found: dict[str, str] = {}
    doi = _text(entry, "doi")
    clean = ids.clean_doi(doi) if doi else None
    arxiv_doi = ids.parse_arxiv(clean) if clean else None
    if clean is not None and arxiv_doi is None:
        found["doi"] = clean
    eprint = _text(entry, "eprint")
    prefix = _text(entry, "archiveprefix", "eprinttype").lower()
    candidates = [eprint] if eprint and prefix in ("", "arxiv") else []
    for text in (_text(entry, "journal"), _text(entry, "note"), _text(entry, "howpublished")):
        candidates += [m.group(1) for m in _ARXIV_IN_TEXT.finditer(text)]
    candidates += [arxiv_doi.id] if arxiv_doi is not None else []
    for candidate in candidates:
        arxiv = ids.parse_arxiv(candidate)
        if arxiv is not None:
            found["arxiv"] = arxiv.id
            break
    for scheme in ("isbn", "pmid", "pmcid", "openreview", "acl"):
        value = _text(entry, scheme)
        if value:
            found[scheme] = value
    return found


# A venue that only says "this is on arXiv" (Google Scholar's "arXiv preprint arXiv:...",
# DBLP's "CoRR"): the work is a preprint and that is no venue.
_ARXIV_VENUE = re.compile(r"(arxiv|corr)\b", re.IGNORECASE)
# @misc's `type` as the writer spells it for the kinds BibTeX has no entry type for.
_MISC_TYPES = {"dataset": "dataset", "software": "software", "online": "web page"}
_MISC_KINDS = {label: kind for kind, label in _MISC_TYPES.items()}
_BIBLATEX_KINDS = {"online": "online", "www": "online", "electronic": "online"}


def _kind(entry: Entry, identifiers: dict[str, str], venue: str) -> str:
    kind = entry.entry_type.lower()
    kind = _BIBLATEX_KINDS.get(kind, kind)
    if kind == "misc":
        kind = _MISC_KINDS.get(_text(entry, "type").lower(), kind)
    if "arxiv" in identifiers and kind in ("misc", "unpublished"):
        return "preprint"  # arXiv's own export: @misc with eprint
    if "arxiv" in identifiers and kind == "article" and (not venue or _ARXIV_VENUE.match(venue)):
        return "preprint"  # Google Scholar's and DBLP's: the journal says "arXiv"
    return kind


def _record(entry: Entry) -> Record:
    date = _text(entry, "date")
    published = join_date(*date.split("-")[:3]) if date else ""
    if not published:
        published = join_date(_text(entry, "year"), _month(_text(entry, "month")))
    keywords = _text(entry, "keywords")
    identifiers = _identifiers(entry)
    venue = _text(entry, "journal", "journaltitle", "booktitle", "howpublished", "series")
    kind = _kind(entry, identifiers, venue)
    volume = _text(entry, "volume")
    if kind == "preprint" and (not venue or _ARXIV_VENUE.match(venue)):
        venue = ""
        volume = "" if volume.startswith("abs/") else volume  # DBLP's CoRR "abs/<id>"
    if venue.startswith(("http://", "https://")):
        venue = ""  # \\url{...} in howpublished: the link, not a venue
    return Record(
        title=_text(entry, "title"),
        authors=_authors(entry),
        published=published,
        venue=venue,
        volume=volume,
        issue=_text(entry, "number", "issue"),
        pages=_text(entry, "pages"),
        publisher=_text(entry, "publisher", "school", "institution", "organization"),
        abstract=_text(entry, "abstract"),
        url=_text(entry, "url"),
        identifiers=identifiers,
        tags=tuple(tag for raw in keywords.split(",") if (tag := raw.strip())),
        kind=kind,
        citekey=entry.key,
        aliases=tuple(alias for raw in _text(entry, "ids").split(",") if (alias := raw.strip())),
        line=(entry.start_line or 0) + 1,
    )


def _first_line(message: str) -> str:
    return " ".join(message.split())[:300]


def parse_bibtex(text: str) -> list[Record]:
    """Every entry in `text`, or ImportFileError naming each broken block by line."""
    library = parse_string(text, append_middleware=[SeparateCoAuthors()])
    entries = list(library.entries)
    errors: list[tuple[int, str]] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(
            block.ignore_error_block, Entry
        ):
            entries.append(block.ignore_error_block)  # same citekey twice: identity decides
            continue
        error = block.error
        reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
        errors.append((line, _first_line(f"{(block.raw or '').strip()[:40]!r}: {reason}")))
    entries.sort(key=lambda entry: entry.start_line or 0)
    records = [_record(entry) for entry in entries]
    if errors:
        raise ImportFileError(errors, records=records)
    return records


def _field(name: str, value: str) -> str:
    return f"  {name} = {{{value}}},\n"


# BibTeX's entry type for each kind, and the field its venue and publisher go in.
_ENTRY_TYPES = {
    "article": ("article", "journal", "publisher"),
    "inproceedings": ("inproceedings", "booktitle", "publisher"),
    "book": ("book", "series", "publisher"),
    "incollection": ("incollection", "booktitle", "publisher"),
    "phdthesis": ("phdthesis", "howpublished", "school"),
    "mastersthesis": ("mastersthesis", "howpublished", "school"),
    "techreport": ("techreport", "howpublished", "institution"),
    "unpublished": ("unpublished", "howpublished", "publisher"),
}
# Words a style may lower-case unless braced: acronyms and inner capitals (BERT, ImageNet).
_WORD = re.compile(r"(?<![\\\w])[^\W_]+")


class BibtexText:
    """How values are written: UTF-8 (biber, bibtex8 and every LaTeX since 2018 read it) or,
    with `ascii`, non-ASCII letters as LaTeX macros for old toolchains."""

    def __init__(self, *, ascii: bool = False) -> None:
        self.ascii = ascii

    def escape(self, text: str) -> str:
        return self._encoded(latex_escape(text))

    def _encoded(self, escaped: str) -> str:
        return _ENCODER.unicode_to_latex(escaped) if self.ascii else escaped

    def title(self, text: str) -> str:
        """The title escaped, its math kept, its acronyms and inner capitals braced."""
        parts = []
        for piece, is_math in split_math(text):
            if is_math:
                parts.append(piece)
                continue
            braced = _WORD.sub(_brace_capitals, latex_escape(piece))
            parts.append(self._encoded(braced))
        return "".join(parts)

    def text(self, text: str) -> str:
        return "".join(
            piece if is_math else self.escape(piece) for piece, is_math in split_math(text)
        )


def _brace_capitals(match: re.Match[str]) -> str:
    word = match.group(0)
    return f"{{{word}}}" if any(ch.isupper() for ch in word[1:]) else word


_ENCODER = UnicodeToLatexEncoder(
    non_ascii_only=True,
    replacement_latex_protection="braces-all",
    unknown_char_policy="keep",
    unknown_char_warning=False,
)


def write_bibtex(records: Sequence[Record], *, ascii: bool = False) -> str:
    """A .bib file: each record under its own key (`assign_citekeys` makes one for those
    without), typed by its kind, in UTF-8 unless `ascii`."""
    out_text = BibtexText(ascii=ascii)
    chunks: list[str] = []
    for record, key in zip(records, assign_citekeys(records), strict=True):
        chunks.append(_entry(record, key, out_text))
    return "\n".join(chunks)


def _entry(record: Record, key: str, text: BibtexText) -> str:
    kind = record.kind or "misc"
    entry_type, venue_field, publisher_field = _ENTRY_TYPES.get(
        kind, ("misc", "howpublished", "publisher")
    )
    out = [f"@{entry_type}{{{key},\n"]
    if record.aliases:
        out.append(_field("ids", ",".join(record.aliases)))
    if record.title:
        out.append(_field("title", text.title(record.title)))
    if record.authors:
        out.append(_field("author", _author_value(record.authors, text)))
    year, month, day = split_date(record.published)
    if year:
        out.append(_field("year", year))
    if month:
        out.append(f"  month = {_MONTH_MACROS[int(month) - 1]},\n")
    if record.published and year:
        out.append(_field("date", join_date(year, month, day)))
    if record.venue and not (kind == "preprint" and _ARXIV_VENUE.match(record.venue)):
        out.append(_field(venue_field, text.text(record.venue)))
    if entry_type == "misc" and kind in _MISC_TYPES:
        out.append(_field("type", _MISC_TYPES[kind]))
    if record.volume:
        out.append(_field("volume", text.escape(record.volume)))
    if record.issue:
        out.append(_field("number", text.escape(record.issue)))
    if record.pages:
        out.append(_field("pages", text.escape(record.pages).replace("\u2013", "--")))
    if record.publisher:
        out.append(_field(publisher_field, text.escape(record.publisher)))
    arxiv = record.identifiers.get("arxiv")
    doi = record.identifiers.get("doi") or (ids.arxiv_doi(arxiv) if arxiv else "")
    if doi:
        out.append(_field("doi", latex_escape(doi)))
    if arxiv:
        out.append(_field("eprint", arxiv))
        out.append(_field("archiveprefix", "arXiv"))
        if record.arxiv_category:
            out.append(_field("primaryclass", record.arxiv_category))
    for scheme in ("isbn", "pmid", "pmcid", "openreview", "acl"):
        if scheme in record.identifiers:
            out.append(_field(scheme, latex_escape(record.identifiers[scheme])))
    if record.url:
        out.append(_field("url", latex_escape(record.url)))
    if record.tags:
        out.append(_field("keywords", text.escape(", ".join(record.tags))))
    if record.abstract:
        out.append(_field("abstract", text.text(record.abstract)))
    out.append("}\n")
    return "".join(out)


def _author_value(authors: Sequence[str], text: BibtexText) -> str:
    # A name containing " and " or LaTeX specials is braced so it stays one name.
    out = []
    for name in authors:
        escaped = text.escape(name)
        braced = escaped != name or _AND.search(name) or name.lower() == "and"
        out.append(f"{{{escaped}}}" if braced else escaped)
    return " and ".join(out)
