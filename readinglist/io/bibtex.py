"""BibTeX in (bibtexparser 2, LaTeX decoded) and out (UTF-8, escaped, stable citekeys)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pylatexenc.latex2text  # type: ignore[import-untyped]
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import SeparateCoAuthors
from bibtexparser.model import DuplicateBlockKeyBlock, Entry
from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
)

from readinglist import identifiers as ids
from readinglist.io.citekeys import assign_citekeys
from readinglist.io.latex import latex_escape
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


_LATEX_SPECIAL = re.compile(r"[\\{}$~%&#_^]|--|``|''|[?!]`")


def decode_latex(value: str) -> str:
    if _LATEX_SPECIAL.search(value) is None:
        return cleaned(value)  # nothing LaTeX would change: skip the (slow) decoder
    try:
        return cleaned(_DECODER.latex_to_text(value))
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
    if doi and (clean := ids.clean_doi(doi)) is not None:
        found["doi"] = clean
    eprint = _text(entry, "eprint")
    prefix = _text(entry, "archiveprefix", "eprinttype").lower()
    candidates = [eprint] if eprint and prefix in ("", "arxiv") else []
    for text in (_text(entry, "journal"), _text(entry, "note")):
        candidates += [m.group(1) for m in _ARXIV_IN_TEXT.finditer(text)]
    for candidate in candidates:
        arxiv = ids.parse_arxiv(candidate)
        if arxiv is not None:
            found["arxiv"] = arxiv.id
            break
    for scheme in ("pmid", "pmcid", "openreview", "acl"):
        value = _text(entry, scheme)
        if value:
            found[scheme] = value
    return found


def _record(entry: Entry) -> Record:
    date = _text(entry, "date")
    published = join_date(*date.split("-")[:3]) if date else ""
    if not published:
        published = join_date(_text(entry, "year"), _month(_text(entry, "month")))
    keywords = _text(entry, "keywords")
    return Record(
        title=_text(entry, "title"),
        authors=_authors(entry),
        published=published,
        venue=_text(entry, "journal", "booktitle", "howpublished"),
        abstract=_text(entry, "abstract"),
        url=_text(entry, "url"),
        identifiers=_identifiers(entry),
        tags=tuple(tag for raw in keywords.split(",") if (tag := raw.strip())),
        kind=entry.entry_type.lower(),
        citekey=entry.key,
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
    if errors:
        raise ImportFileError(errors)
    entries.sort(key=lambda entry: entry.start_line or 0)
    return [_record(entry) for entry in entries]


def _field(name: str, value: str) -> str:
    return f"  {name} = {{{value}}},\n"


def _author_value(authors: Sequence[str]) -> str:
    # A name containing " and " or LaTeX specials is braced so it stays one name.
    out = []
    for name in authors:
        escaped = latex_escape(name)
        braced = escaped != name or _AND.search(name) or name.lower() == "and"
        out.append(f"{{{escaped}}}" if braced else escaped)
    return " and ".join(out)


def write_bibtex(records: Sequence[Record]) -> str:
    """A .bib file; keys come from `assign_citekeys` so they are stable across exports."""
    chunks: list[str] = []
    for record, key in zip(records, assign_citekeys(records), strict=True):
        out = [f"@{record.kind or 'misc'}{{{key},\n"]
        if record.title:
            out.append(_field("title", latex_escape(record.title)))
        if record.authors:
            out.append(_field("author", _author_value(record.authors)))
        year, month, day = split_date(record.published)
        if year:
            out.append(_field("year", year))
        if month:
            out.append(f"  month = {_MONTH_MACROS[int(month) - 1]},\n")
        if record.published and year:
            out.append(_field("date", join_date(year, month, day)))
        if record.venue:
            venue_field = "booktitle" if record.kind == "inproceedings" else "journal"
            out.append(_field(venue_field, latex_escape(record.venue)))
        if "doi" in record.identifiers:
            out.append(_field("doi", latex_escape(record.identifiers["doi"])))
        if "arxiv" in record.identifiers:
            out.append(_field("eprint", record.identifiers["arxiv"]))
            out.append(_field("archiveprefix", "arXiv"))
        for scheme in ("pmid", "pmcid", "openreview", "acl"):
            if scheme in record.identifiers:
                out.append(_field(scheme, latex_escape(record.identifiers[scheme])))
        if record.url:
            out.append(_field("url", latex_escape(record.url)))
        if record.tags:
            out.append(_field("keywords", latex_escape(", ".join(record.tags))))
        if record.abstract:
            out.append(_field("abstract", latex_escape(record.abstract)))
        out.append("}\n")
        chunks.append("".join(out))
    return "\n".join(chunks)
