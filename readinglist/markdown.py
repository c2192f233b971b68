"""A small, safe Markdown renderer for comments and notes.

Safety comes first and by construction: the whole source is HTML-escaped before any Markdown
is interpreted, so no tag or attribute written by the user survives; the renderer then only
emits its own fixed tags. Link targets are restricted to http(s) and mailto, and links get
rel="nofollow noopener noreferrer ugc".

Supported: paragraphs and line breaks, ATX headings (rendered as h4-h6: a comment never needs
a page title), **bold**, *italic* / _italic_, `code`, fenced code blocks, [text](url), bare
https:// links, "- " / "* " / "1. " lists, "> " quotes, and @mentions (shown as a span; which
names count is decided by the caller).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from html import escape

_FENCE = re.compile(r"^```")
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_NUMBERED = re.compile(r"^\d{1,9}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^&gt;\s?(.*)$")
# Applied to escaped text: `&quot;` etc. are already entities, so no quote can break out.
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\[([^\]\n]{1,500})\]\(([^)\s]{1,2000})\)")
_BARE_URL = re.compile(r"(?<![\"'=>/\w])(https?://[^\s<>\"]{1,2000}[^\s<>\".,;:!?)\]'])")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)")
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._+-]*(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_LINK_REL = 'rel="nofollow noopener noreferrer ugc"'


def mentioned_handles(source: str) -> list[str]:
    """The @handles written in `source`, in order, without repeats (code spans excluded)."""
    text = re.sub(r"```.*?(```|$)", "", source, flags=re.S)
    text = re.sub(r"`[^`\n]*`", "", text)
    seen: dict[str, None] = {}
    for match in MENTION.finditer(text):
        seen.setdefault(match.group(1).rstrip(".").casefold(), None)
    return list(seen)


def _safe_href(escaped_url: str) -> str | None:
    lowered = escaped_url.lower()
    if lowered.startswith(_SAFE_SCHEMES):
        return escaped_url
    return None


def _inline(text: str, mentions: Collection[str]) -> str:
    """Inline markup on already-escaped text; code spans are protected from the rest."""
    stash: list[str] = []

    def keep(html: str) -> str:
        stash.append(html)
        return f"\x00{len(stash) - 1}\x00"

    text = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), text)

    def link(match: re.Match[str]) -> str:
        href = _safe_href(match.group(2))
        if href is None:
            return match.group(0)
        return keep(f'<a href="{href}" {_LINK_REL}>{match.group(1)}</a>')

    text = _LINK.sub(link, text)
    text = _BARE_URL.sub(
        lambda m: keep(f'<a href="{m.group(1)}" {_LINK_REL}>{m.group(1)}</a>'), text
    )

    def mention(match: re.Match[str]) -> str:
        handle = match.group(1).rstrip(".")
        if handle.casefold() not in mentions:
            return match.group(0)
        tail = match.group(1)[len(handle) :]
        return keep(f'<span class="mention">@{handle}</span>') + tail

    text = MENTION.sub(mention, text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", text)
    text = text.replace("\n", "<br>\n")
    return re.sub("\x00(\\d+)\x00", lambda m: stash[int(m.group(1))], text)


def render(source: str, *, mentions: Collection[str] = ()) -> str:
    """HTML for `source`; `mentions` are the casefolded handles to mark as mentions."""
    escaped = escape(source.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    lines = escaped.split("\n")
    blocks: list[str] = []
    paragraph: list[str] = []
    inline: Callable[[str], str] = lambda text: _inline(text, mentions)  # noqa: E731

    def flush() -> None:
        if paragraph:
            blocks.append(f"<p>{inline(chr(10).join(paragraph))}</p>")
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            flush()
            code: list[str] = []
            i += 1
            while i < len(lines) and not _FENCE.match(lines[i]):
                code.append(lines[i])
                i += 1
            blocks.append("<pre><code>" + "\n".join(code) + "</code></pre>")
            i += 1
            continue
        if not line.strip():
            flush()
            i += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = len(heading.group(1)) + 3
            blocks.append(f"<h{level}>{inline(heading.group(2).strip())}</h{level}>")
            i += 1
            continue
        for pattern, tag in ((_BULLET, "ul"), (_NUMBERED, "ol")):
            if pattern.match(line):
                flush()
                items = []
                while i < len(lines) and (item := pattern.match(lines[i])):
                    items.append(f"<li>{inline(item.group(1))}</li>")
                    i += 1
                blocks.append(f"<{tag}>" + "".join(items) + f"</{tag}>")
                break
        else:
            if _QUOTE.match(line):
                flush()
                quoted = []
                while i < len(lines) and (q := _QUOTE.match(lines[i])):
                    quoted.append(q.group(1))
                    i += 1
                blocks.append(f"<blockquote><p>{inline(chr(10).join(quoted))}</p></blockquote>")
                continue
            paragraph.append(line)
            i += 1
    flush()
    return "\n".join(blocks)
