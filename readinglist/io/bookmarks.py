"""Netscape bookmark files (every browser's export; Pocket, Raindrop, linkding) in and out."""

from __future__ import annotations

import html
from collections.abc import Sequence
from html.parser import HTMLParser

from readinglist.io.records import ImportFileError, Record, cleaned


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.records: list[Record] = []
        self.errors: list[tuple[int, str]] = []
        self._link: dict[str, str] | None = None
        self._line = 0
        self._title: list[str] = []
        self.saw_doctype = False

    def handle_decl(self, decl: str) -> None:
        if "netscape-bookmark-file" in decl.lower():
            self.saw_doctype = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._link = {name.lower(): value or "" for name, value in attrs}
            self._line = self.getpos()[0]
            self._title = []

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._title.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag != "a" or self._link is None:
            return
        href = self._link.get("href", "").strip()
        if not href:
            self.errors.append((self._line, "bookmark without an HREF"))
        else:
            tags = self._link.get("tags", "")
            self.records.append(
                Record(
                    title=cleaned("".join(self._title)),
                    url=href,
                    tags=tuple(t for raw in tags.split(",") if (t := cleaned(raw))),
                    kind="misc",
                    line=self._line,
                )
            )
        self._link = None


def parse_bookmarks(text: str) -> list[Record]:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    if not parser.saw_doctype and not parser.records:
        raise ImportFileError([(1, "not a Netscape bookmark file (no NETSCAPE-Bookmark-file-1)")])
    if parser.errors:
        raise ImportFileError(parser.errors, records=parser.records)
    return parser.records


def write_bookmarks(records: Sequence[Record]) -> str:
    lines = [
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
        "<TITLE>Bookmarks</TITLE>",
        "<H1>Bookmarks</H1>",
        "<DL><p>",
    ]
    for record in records:
        if not record.url:
            continue
        tags = html.escape(",".join(record.tags))
        title = html.escape(record.title or record.url)
        lines.append(f'    <DT><A HREF="{html.escape(record.url)}" TAGS="{tags}">{title}</A>')
    lines.append("</DL><p>")
    return "\n".join(lines) + "\n"
