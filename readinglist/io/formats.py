"""The file formats by name: how to read each and how to write each."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum

from readinglist.io.bibtex import parse_bibtex, write_bibtex
from readinglist.io.bookmarks import parse_bookmarks, write_bookmarks
from readinglist.io.csljson import parse_csljson, write_csljson
from readinglist.io.records import Record
from readinglist.io.ris import parse_ris, write_ris

# The largest file an import accepts (API and web pages alike).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class Format(StrEnum):
    BIBTEX = "bibtex"
    RIS = "ris"
    CSLJSON = "csljson"
    BOOKMARKS = "bookmarks"


PARSERS: dict[Format, Callable[[str], list[Record]]] = {
    Format.BIBTEX: parse_bibtex,
    Format.RIS: parse_ris,
    Format.CSLJSON: parse_csljson,
    Format.BOOKMARKS: parse_bookmarks,
}
WRITERS: dict[Format, Callable[[Sequence[Record]], str]] = {
    Format.BIBTEX: write_bibtex,
    Format.RIS: write_ris,
    Format.CSLJSON: write_csljson,
    Format.BOOKMARKS: write_bookmarks,
}
CONTENT_TYPES = {
    Format.BIBTEX: ("application/x-bibtex; charset=utf-8", "bib"),
    Format.RIS: ("application/x-research-info-systems; charset=utf-8", "ris"),
    Format.CSLJSON: ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
    Format.BOOKMARKS: ("text/html; charset=utf-8", "html"),
}
_BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*\{", re.MULTILINE)
_EXTENSIONS = {"bib": Format.BIBTEX, "ris": Format.RIS, "json": Format.CSLJSON}


def guess_format(filename: str, text: str) -> Format | None:
    """The format a file name or its first characters announce; None when unsure."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    head = text.lstrip("\ufeff \t\r\n")[:200]
    if head.startswith("@") or _BIBTEX_ENTRY.search(text[:4000]):
        return Format.BIBTEX
    if head.startswith("TY  -"):
        return Format.RIS
    if head.startswith(("[", "{")):
        return Format.CSLJSON
    if "netscape-bookmark-file" in head.lower():
        return Format.BOOKMARKS
    return None
