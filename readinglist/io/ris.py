"""RIS in and out (the tagged format of EndNote, Zotero, Mendeley, publishers).

Identifiers without an RIS tag (arXiv, PubMed, OpenReview, ACL) travel as `AN  - scheme:value`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from readinglist import identifiers as ids
from readinglist.io.records import (
    SCHEMES,
    ImportFileError,
    Record,
    cleaned,
    join_date,
    split_date,
)

_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")
# RIS has no preprint type; Zotero and Mendeley write preprints as UNPB.
KIND_TO_TYPE = {
    "article": "JOUR",
    "inproceedings": "CPAPER",
    "preprint": "UNPB",
    "book": "BOOK",
    "incollection": "CHAP",
    "phdthesis": "THES",
    "techreport": "RPRT",
    "unpublished": "MANSCPT",
    "dataset": "DATA",
    "software": "COMP",
    "online": "ELEC",
    "misc": "GEN",
}
TYPE_TO_KIND = {ris: kind for kind, ris in KIND_TO_TYPE.items()} | {
    "CONF": "inproceedings",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "INPR": "article",
    "EBOOK": "book",
    "ECHAP": "incollection",
    "BLOG": "online",
    "WEB": "online",
}
_VENUE_TAGS = ("T2", "JO", "JF", "BT", "J2", "JA")


def _pages(start: str, end: str) -> str:
    # One range in the en dash BibTeX's "--" decodes to, however the file spelled it.
    return f"{start}\u2013{end}" if start and end else start or end


def _date(value: str) -> str:
    return join_date(*[*value.strip().split("/"), "", "", ""][:3])


def _record(fields: list[tuple[str, str]], line: int) -> Record:
    values: dict[str, list[str]] = {}
    for tag, value in fields:
        values.setdefault(tag, []).append(value)

    def first(*tags: str) -> str:
        for tag in tags:
            for value in values.get(tag, []):
                if text := cleaned(value):
                    return text
        return ""

    found: dict[str, str] = {}
    doi = ids.clean_doi(first("DO")) if first("DO") else None
    arxiv_doi = ids.parse_arxiv(doi) if doi else None
    if doi and arxiv_doi is None:
        found["doi"] = doi
    if arxiv_doi is not None:
        found["arxiv"] = arxiv_doi.id
    kind = TYPE_TO_KIND.get(first("TY").upper(), "misc")
    if first("SN") and kind in ("book", "incollection"):
        found["isbn"] = first("SN")
    for value in values.get("AN", []):
        scheme, _, rest = cleaned(value).partition(":")
        if scheme.lower() in SCHEMES and rest.strip():
            found[scheme.lower()] = rest.strip()
    published = _date(first("DA")) or _date(first("PY", "Y1"))
    return Record(
        title=first("TI", "T1"),
        authors=tuple(
            name for tag in ("AU", "A1") for raw in values.get(tag, []) if (name := cleaned(raw))
        ),
        published=published,
        venue=first(*_VENUE_TAGS),
        volume=first("VL"),
        issue=first("IS", "M1") if kind == "techreport" else first("IS"),
        pages=_pages(first("SP"), first("EP")),
        publisher=first("PB"),
        abstract=first("AB", "N2"),
        url=first("UR"),
        identifiers=found,
        tags=tuple(tag for raw in values.get("KW", []) if (tag := cleaned(raw))),
        kind=kind,
        line=line,
    )


def parse_ris(text: str) -> list[Record]:
    records: list[Record] = []
    errors: list[tuple[int, str]] = []
    current: list[tuple[str, str]] | None = None
    start = 0
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m is None:
            if current is not None and current:
                tag, value = current[-1]
                current[-1] = (tag, f"{value} {line.strip()}")  # a wrapped value
            else:
                errors.append((number, f"not an RIS line: {line[:60]!r}"))
            continue
        tag, value = m.group(1), m.group(2) or ""
        if tag == "TY":
            if current is not None:
                errors.append((start, "record has no ER line before the next TY"))
            current, start = [("TY", value)], number
        elif tag == "ER":
            if current is None:
                errors.append((number, "ER without a TY record start"))
            else:
                records.append(_record(current, start))
                current = None
        elif current is None:
            errors.append((number, f"{tag} outside a record (no TY line before it)"))
        else:
            current.append((tag, value))
    if current is not None:
        errors.append((start, "record is not closed with an ER line"))
    if errors:
        raise ImportFileError(errors, records=records)
    return records


def write_ris(records: Sequence[Record]) -> str:
    out: list[str] = []

    def put(tag: str, value: str) -> None:
        out.append(f"{tag}  - {value}\r\n")

    for record in records:
        put("TY", KIND_TO_TYPE.get(record.kind, "GEN"))
        if record.title:
            put("TI", record.title)
        for author in record.authors:
            put("AU", author)
        year, month, day = split_date(record.published)
        if year:
            put("PY", year)
            put("DA", "/".join([year, month, day]) + ("/" if not day else ""))
        if record.venue:
            put("T2", record.venue)
        if record.volume:
            put("VL", record.volume)
        if record.issue:
            put("IS", record.issue)
        start_page, _, end_page = record.pages.partition("\u2013")
        if start_page and end_page:
            put("SP", start_page)
            put("EP", end_page)
        elif record.pages:
            put("SP", record.pages)
        if record.publisher:
            put("PB", record.publisher)
        if record.abstract:
            put("AB", record.abstract)
        if "doi" in record.identifiers:
            put("DO", record.identifiers["doi"])
        if "isbn" in record.identifiers:
            put("SN", record.identifiers["isbn"])
        for scheme in SCHEMES:
            if scheme not in ("doi", "isbn") and scheme in record.identifiers:
                put("AN", f"{scheme}:{record.identifiers[scheme]}")
        if record.url:
            put("UR", record.url)
        for tag in record.tags:
            put("KW", tag)
        put("ER", "")
        out.append("\r\n")
    return "".join(out)
