"""CSL-JSON in and out (Zotero's "Better CSL JSON"/CSL JSON export, pandoc, citeproc).

Names with a comma are "Family, Given" and become {family, given}; others are kept whole as
{literal}. arXiv ids travel as `number: "arXiv:<id>"` (what Zotero writes for preprints),
OpenReview and ACL ids under `custom`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from readinglist import identifiers as ids
from readinglist.io.citekeys import assign_citekeys
from readinglist.io.records import ImportFileError, Record, cleaned, join_date, split_date

# CSL 1.0.2 types; "article" is a preprint (what Zotero exports a preprint as).
KIND_TO_TYPE = {
    "article": "article-journal",
    "inproceedings": "paper-conference",
    "preprint": "article",
    "book": "book",
    "incollection": "chapter",
    "phdthesis": "thesis",
    "techreport": "report",
    "unpublished": "manuscript",
    "dataset": "dataset",
    "software": "software",
    "online": "webpage",
    "misc": "document",
}
TYPE_TO_KIND = {csl: kind for kind, csl in KIND_TO_TYPE.items()} | {
    "article-magazine": "article",
    "article-newspaper": "article",
    "post-weblog": "online",
    "post": "online",
    "book-chapter": "incollection",
    "entry-encyclopedia": "incollection",
}
_ARXIV = re.compile(r"arxiv[:\s]*(\S+)", re.IGNORECASE)
_WS = re.compile(r"[\s,]*")


def _name(value: Any) -> str:
    if isinstance(value, str):
        return cleaned(value)
    if not isinstance(value, dict):
        return ""
    if value.get("literal"):
        return cleaned(value["literal"])
    family = cleaned(value.get("family"))
    particle = cleaned(value.get("non-dropping-particle"))
    if particle:
        family = f"{particle} {family}".strip()
    given = cleaned(value.get("given"))
    return f"{family}, {given}" if family and given else family or given


def _date(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return join_date(*[str(p) for p in parts[0][:3]])
    raw = value.get("raw") or value.get("literal")
    return join_date(*[*str(raw).split("-"), "", ""][:3]) if raw else ""


def _record(item: dict[str, Any], line: int) -> Record:
    def text(name: str) -> str:
        return cleaned(item.get(name))

    found: dict[str, str] = {}
    doi = ids.clean_doi(text("DOI")) if text("DOI") else None
    arxiv_doi = ids.parse_arxiv(doi) if doi else None
    if doi and arxiv_doi is None:
        found["doi"] = doi
    if arxiv_doi is not None:
        found["arxiv"] = arxiv_doi.id
    if text("ISBN"):
        found["isbn"] = text("ISBN").split(",")[0].strip()
    for candidate in (text("number"), text("note"), text("archive_location")):
        for m in _ARXIV.finditer(candidate):
            if (arxiv := ids.parse_arxiv(m.group(1))) is not None:
                found.setdefault("arxiv", arxiv.id)
    for scheme, name in (("pmid", "PMID"), ("pmcid", "PMCID")):
        if text(name):
            found[scheme] = text(name)
    custom_value = item.get("custom")
    custom: dict[str, Any] = custom_value if isinstance(custom_value, dict) else {}
    for scheme in ("openreview", "acl"):
        if isinstance(custom.get(scheme), str) and custom[scheme].strip():
            found[scheme] = custom[scheme].strip()
    authors_value = item.get("author")
    authors: list[Any] = authors_value if isinstance(authors_value, list) else []
    keyword = text("keyword")
    kind = TYPE_TO_KIND.get(text("type"), "misc")
    number = text("number")
    report_number = number if kind == "techreport" and not _ARXIV.match(number) else ""
    return Record(
        title=text("title"),
        authors=tuple(name for a in authors if (name := _name(a))),
        published=_date(item.get("issued")),
        venue=text("container-title"),
        volume=text("volume"),
        issue=text("issue") or report_number,
        pages=text("page"),
        publisher="" if kind == "preprint" and text("publisher") == "arXiv" else text("publisher"),
        abstract=text("abstract"),
        url=text("URL"),
        identifiers=found,
        tags=tuple(tag for raw in keyword.split(",") if (tag := raw.strip())),
        kind=kind,
        citekey=text("id"),
        line=line,
    )


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def parse_csljson(text: str) -> list[Record]:
    """Items of a CSL-JSON array (or a single item); errors name the line each item starts on."""
    text = text.lstrip("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportFileError([(error.lineno, f"invalid JSON: {error.msg}")]) from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ImportFileError([(1, "expected a JSON array of CSL items")])
    # Find where each top-level item starts so errors and reports can name lines.
    decoder = json.JSONDecoder()
    starts: list[int] = []
    index = text.index("[") + 1 if text.lstrip().startswith("[") else 0
    for _ in data:
        index = _WS.match(text, index).end()  # type: ignore[union-attr]  # matches empty
        starts.append(_line_of(text, index))
        _, index = decoder.raw_decode(text, index)
    records: list[Record] = []
    errors: list[tuple[int, str]] = []
    for item, line in zip(data, starts, strict=True):
        if not isinstance(item, dict):
            errors.append((line, "a CSL item must be a JSON object"))
            continue
        found = len(errors)
        for name in ("title", "DOI", "URL", "abstract", "container-title", "type"):
            if name in item and not isinstance(item[name], str | int | float):
                errors.append((line, f"{name!r} must be a string"))
        if "author" in item and not isinstance(item["author"], list):
            errors.append((line, "'author' must be a list of names"))
        if len(errors) == found:
            records.append(_record(item, line))
    if errors:
        raise ImportFileError(errors, records=records)
    return records


def _csl_name(name: str) -> dict[str, str]:
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if family and given and name == f"{family}, {given}":
            return {"family": family, "given": given}
    return {"literal": name}


def to_csl(records: Sequence[Record]) -> list[dict[str, Any]]:
    return [
        csl_item(record, key) for record, key in zip(records, assign_citekeys(records), strict=True)
    ]


def csl_item(record: Record, key: str) -> dict[str, Any]:
    """The record as a CSL-JSON item with id `key` (what citation processors read)."""
    item: dict[str, Any] = {"id": key, "type": KIND_TO_TYPE.get(record.kind, "document")}
    arxiv = record.identifiers.get("arxiv")
    if record.title:
        item["title"] = record.title
    if record.authors:
        item["author"] = [_csl_name(a) for a in record.authors]
    year, month, day = split_date(record.published)
    if year:
        item["issued"] = {"date-parts": [[int(p) for p in (year, month, day) if p]]}
    if record.venue and not (arxiv and record.kind == "preprint" and record.venue == "arXiv"):
        item["container-title"] = record.venue
    if record.volume:
        item["volume"] = record.volume
    if record.issue:
        item["number" if record.kind == "techreport" and not arxiv else "issue"] = record.issue
    if record.pages:
        item["page"] = record.pages
    if record.publisher:
        item["publisher"] = record.publisher
    elif arxiv and record.kind == "preprint":
        item["publisher"] = "arXiv"
    if record.abstract:
        item["abstract"] = record.abstract
    if "doi" in record.identifiers or arxiv:
        item["DOI"] = record.identifiers.get("doi") or ids.arxiv_doi(arxiv or "")
    if arxiv:
        item["number"] = f"arXiv:{arxiv}"
    if "isbn" in record.identifiers:
        item["ISBN"] = record.identifiers["isbn"]
    for scheme, name in (("pmid", "PMID"), ("pmcid", "PMCID")):
        if scheme in record.identifiers:
            item[name] = record.identifiers[scheme]
    custom = {s: record.identifiers[s] for s in ("openreview", "acl") if s in record.identifiers}
    if custom:
        item["custom"] = custom
    if record.url:
        item["URL"] = record.url
    if record.tags:
        item["keyword"] = ", ".join(record.tags)
    return item


def write_csljson(records: Sequence[Record]) -> str:
    return json.dumps(to_csl(records), ensure_ascii=False, indent=2) + "\n"
