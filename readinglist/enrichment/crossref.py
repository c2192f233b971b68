"""Crossref metadata by DOI, and DataCite for the DOIs Crossref does not hold (arXiv, Zenodo)."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import quote, urlsplit

from readinglist import identifiers as ids
from readinglist.enrichment.http import Fetch, FetchError, fetch, known
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.io.records import cleaned, join_date
from readinglist.metadata import ItemType, clean_text

CROSSREF = "https://api.crossref.org/works/{}"
DATACITE = "https://api.datacite.org/dois/{}"

CROSSREF_TYPES = {
    "journal-article": ItemType.ARTICLE,
    "proceedings-article": ItemType.CONFERENCE_PAPER,
    "posted-content": ItemType.PREPRINT,
    "book": ItemType.BOOK,
    "monograph": ItemType.BOOK,
    "edited-book": ItemType.BOOK,
    "reference-book": ItemType.BOOK,
    "book-chapter": ItemType.CHAPTER,
    "book-section": ItemType.CHAPTER,
    "book-part": ItemType.CHAPTER,
    "dissertation": ItemType.THESIS,
    "report": ItemType.REPORT,
    "report-component": ItemType.REPORT,
    "dataset": ItemType.DATASET,
}
DATACITE_TYPES = {
    "Preprint": ItemType.PREPRINT,
    "JournalArticle": ItemType.ARTICLE,
    "ConferencePaper": ItemType.CONFERENCE_PAPER,
    "Book": ItemType.BOOK,
    "BookChapter": ItemType.CHAPTER,
    "Dissertation": ItemType.THESIS,
    "Report": ItemType.REPORT,
    "Dataset": ItemType.DATASET,
    "Software": ItemType.SOFTWARE,
}
# Relations that say "this is the same work"; cites, has-review, is-supplemented-by do not.
_SAME_WORK = ("has-preprint", "is-preprint-of", "is-identical-to")
# Links meant for machines under a licence (and often behind a token), not for readers.
_NOT_FOR_READERS = frozenset({"text-mining", "similarity-checking"})
_ARXIV_DOI_PREFIX = "10.48550/arxiv."

_BLOCK_TAG = re.compile(r"<(?:br|/?(?:jats:)?(?:p|div|li|sec|title))\b[^<>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_JATS_PARAGRAPH = re.compile(r"<(?:jats:)?p\b[^<>]*>(.*?)</(?:jats:)?p>", re.DOTALL)
_JATS_TITLE = re.compile(r"<(?:jats:)?title\b[^<>]*>.*?</(?:jats:)?title>", re.DOTALL)


def load_json(body: bytes, source: str) -> dict[str, Any]:
    """A JSON object response, or FetchError for anything else (an HTML page, a cut body)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # ValueError includes UnicodeDecodeError
        raise FetchError(f"{source}: malformed JSON: {error}") from error
    if not isinstance(data, dict):
        raise FetchError(f"{source}: malformed response (not a JSON object)")
    return data


def strip_markup(value: object) -> str:
    """Text of a value that may carry HTML, JATS or MathML tags; the tags' text is kept."""
    if not isinstance(value, str):
        return ""
    # Tags inside words (<i>, <sub>, MathML) vanish; block tags still separate words.
    return clean_text(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", value))))


def jats_text(value: object) -> str:
    """A Crossref JATS abstract as plain text: its paragraphs, without the "Abstract" heading
    or the copyright blocks some publishers append."""
    if not isinstance(value, str):
        return ""
    paragraphs = [strip_markup(m.group(1)) for m in _JATS_PARAGRAPH.finditer(value)]
    return " ".join(p for p in paragraphs if p) or strip_markup(_JATS_TITLE.sub(" ", value))


def is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # e.g. "http://[::1" (an unclosed IPv6 host)
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _first_text(value: object) -> str:
    if isinstance(value, list):
        return next((text for item in value if (text := strip_markup(item))), "")
    return strip_markup(value)


def _date(value: object) -> str:
    """ISO date of a Crossref date object ({"date-parts": [[2017, 6, 12]]}), as precise as given."""
    parts = value.get("date-parts") if isinstance(value, dict) else None
    first = parts[0] if isinstance(parts, list) and parts else None
    numbers: list[str] = []
    for part in first[:3] if isinstance(first, list) else []:
        if not isinstance(part, int) or isinstance(part, bool):  # Crossref writes [[null]]
            break
        numbers.append(str(part))
    return join_date(*numbers) if numbers else ""


def _author_names(
    people: Any, *, family: str, given: str, alone: tuple[str, ...]
) -> tuple[str, ...]:
    """ "Family, Given" for each person with both parts, else the first of their `alone`
    fields that says something (an organisation's name)."""
    names = []
    for person in people or []:
        if not isinstance(person, dict):
            continue
        last, first = cleaned(person.get(family)), cleaned(person.get(given))
        if last and first:
            names.append(f"{last}, {first}")
        elif name := next(filter(None, (cleaned(person.get(key)) for key in alone)), ""):
            names.append(name)
    return tuple(names)


def _crossref_pdf(message: dict[str, Any]) -> str:
    for link in message.get("link") or []:
        if (
            isinstance(link, dict)
            and link.get("content-type") == "application/pdf"
            and link.get("intended-application") not in _NOT_FOR_READERS
            and is_http_url(link.get("URL"))
        ):
            return str(link["URL"]).strip()
    return ""


def _related_arxiv(entry: object) -> str | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    value, kind = entry["id"], entry.get("id-type")
    if kind == "doi":
        doi = ids.clean_doi(value)
        if doi is None or not doi.lower().startswith(_ARXIV_DOI_PREFIX):
            return None  # another DOI is a different record, not ours to attach
        value = doi
    elif kind != "arxiv":
        return None
    found = ids.parse_arxiv(value)
    return found.id if found is not None else None


def _crossref_identifiers(message: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    resource = message.get("resource")
    primary = resource.get("primary") if isinstance(resource, dict) else None
    url = primary.get("URL") if isinstance(primary, dict) else None
    if is_http_url(url):
        found["url"] = str(url).strip()
    relation = message.get("relation")
    if isinstance(relation, dict):
        arxiv = {
            arxiv_id
            for kind in _SAME_WORK
            for entry in relation.get(kind) or []
            if (arxiv_id := _related_arxiv(entry))
        }
        if len(arxiv) == 1:  # two different preprints: we cannot tell which one is this work
            found["arxiv"] = arxiv.pop()
    return found


def _crossref_venue(message: dict[str, Any]) -> str:
    venue = _first_text(message.get("container-title"))
    if venue or message.get("type") != "posted-content":
        return venue
    # Preprint servers (bioRxiv, medRxiv) name themselves as the posting institution.
    names = [i.get("name") for i in message.get("institution") or [] if isinstance(i, dict)]
    return next((name for raw in names if (name := cleaned(raw))), "")


def _publisher(message: dict[str, Any]) -> str:
    if message.get("type") == "dissertation":  # the degree-granting school, where it says
        schools = [i.get("name") for i in message.get("institution") or [] if isinstance(i, dict)]
        if school := next((name for raw in schools if (name := cleaned(raw))), ""):
            return school
    return cleaned(message.get("publisher"))


def _crossref_title(message: dict[str, Any]) -> str:
    title, subtitle = _first_text(message.get("title")), _first_text(message.get("subtitle"))
    if title and subtitle and subtitle.casefold() not in title.casefold():
        return f"{title}: {subtitle}"
    return title


def parse_crossref(body: bytes, doi: str) -> RegistryRecord:
    message = load_json(body, f"Crossref {doi}").get("message")
    if not isinstance(message, dict):
        raise FetchError(f"Crossref {doi}: malformed response (no message)")
    kind = message.get("type")
    dates = ("published", "issued", "published-print", "published-online")
    return RegistryRecord(
        registry=Registry.CROSSREF,
        title=_crossref_title(message),
        authors=_author_names(
            message.get("author"), family="family", given="given", alone=("family", "given", "name")
        ),
        abstract=jats_text(message.get("abstract")),
        published=next((date for name in dates if (date := _date(message.get(name)))), ""),
        venue=_crossref_venue(message),
        volume=cleaned(message.get("volume")),
        issue=cleaned(message.get("issue")),
        # Crossref writes ranges with a hyphen; citations (and BibTeX's "--") want a dash.
        pages=cleaned(message.get("page")).replace("-", "\u2013"),
        publisher=_publisher(message),
        pdf_url=_crossref_pdf(message),
        item_type=CROSSREF_TYPES.get(kind, ItemType.OTHER) if isinstance(kind, str) else "",
        identifiers=_crossref_identifiers(message),
    )


def _datacite_title(attributes: dict[str, Any]) -> str:
    titles = [t for t in attributes.get("titles") or [] if isinstance(t, dict)]
    # The main title has no titleType; the others are subtitles and translations.
    titles.sort(key=lambda t: bool(t.get("titleType")))
    return next((text for t in titles if (text := strip_markup(t.get("title")))), "")


def _datacite_published(attributes: dict[str, Any]) -> str:
    for date in attributes.get("dates") or []:
        if isinstance(date, dict) and date.get("dateType") == "Issued":
            issued = cleaned(date.get("date"))[:10]
            if published := join_date(*issued.split("-")[:3]):
                return published
    return join_date(str(attributes.get("publicationYear") or ""))


def _datacite_publisher(attributes: dict[str, Any]) -> str:
    publisher = attributes.get("publisher")
    if isinstance(publisher, dict):  # the 2024 API shape: {"name": ..., "publisherIdentifier": ...}
        publisher = publisher.get("name")
    return cleaned(publisher)


def parse_datacite(body: bytes, doi: str) -> RegistryRecord:
    data = load_json(body, f"DataCite {doi}").get("data")
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        raise FetchError(f"DataCite {doi}: malformed response (no attributes)")
    registered = cleaned(attributes.get("doi")) or doi
    is_arxiv_doi = registered.lower().startswith(_ARXIV_DOI_PREFIX)
    arxiv = ids.parse_arxiv(registered) if is_arxiv_doi else None
    types = attributes.get("types")
    general = types.get("resourceTypeGeneral") if isinstance(types, dict) else None
    item_type = DATACITE_TYPES.get(general, ItemType.OTHER) if isinstance(general, str) else ""
    if general == "Text" and arxiv is not None:
        item_type = ItemType.PREPRINT
    abstracts = [
        d.get("description")
        for d in attributes.get("descriptions") or []
        if isinstance(d, dict) and d.get("descriptionType") == "Abstract"
    ]
    identifiers = {"arxiv": arxiv.id} if arxiv is not None else {}
    if arxiv is None and is_http_url(attributes.get("url")):
        identifiers["url"] = str(attributes["url"]).strip()
    return RegistryRecord(
        registry=Registry.DATACITE,
        title=_datacite_title(attributes),
        authors=_author_names(
            attributes.get("creators"),
            family="familyName",
            given="givenName",
            # Without the split parts, `name` is already "Family, Given" (or an organisation).
            alone=("name",),
        ),
        abstract=next((text for a in abstracts if (text := strip_markup(a))), ""),
        published=_datacite_published(attributes),
        venue=_datacite_publisher(attributes),
        publisher=_datacite_publisher(attributes),
        item_type=item_type,
        identifiers=identifiers,
    )


def lookup(key: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """Crossref's record of a DOI; DataCite's when Crossref does not know it; else None."""
    path = quote(key, safe="/")
    for api, parse in ((CROSSREF, parse_crossref), (DATACITE, parse_datacite)):
        body = known(api.format(path), get=get)
        if body is not None:
            return parse(body, key)
    return None
