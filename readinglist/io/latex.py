"""Escaping text for BibTeX values; decoding goes through bibtexparser's pylatexenc middleware.

`latex_escape` is the inverse of that decoder on plain text: specials become macros, and pairs
that LaTeX would turn into ligatures ("--", "``", "''", "?`", "!`") are kept apart with "{}".
"""

from __future__ import annotations

import re

_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
}
_LIGATURE_PAIRS = {("-", "-"), ("`", "`"), ("'", "'"), ("?", "`"), ("!", "`")}


def latex_escape(text: str) -> str:
    """Text safe inside a braced BibTeX value; non-ASCII stays UTF-8 (biber and bibtex8 read it)."""
    out: list[str] = []
    for i, ch in enumerate(text):
        out.append(_ESCAPES.get(ch, ch))
        if i + 1 < len(text) and (ch, text[i + 1]) in _LIGATURE_PAIRS:
            out.append("{}")
    return "".join(out)


# Inline math as titles carry it ("$\\alpha$-divergence", "$O(n \\log n)$"): no space just
# inside the dollars, which "costs $5 and $10" has, so prices stay text.
_MATH = re.compile(r"(?<![\\$])\$(?:[^$\s\\]|[^$\s][^$]*[^$\s\\])\$(?!\$)")


def split_math(text: str) -> list[tuple[str, bool]]:
    """`text` as (piece, is_math) pairs, math spans with their dollars."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _MATH.finditer(text):
        if not _verbatim_safe(match.group(0)):
            continue
        if match.start() > at:
            pieces.append((text[at : match.start()], False))
        pieces.append((match.group(0), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


def _verbatim_safe(math: str) -> bool:
    """Whether the span can go into a .bib file as it is: braces balanced as BibTeX counts
    them (all of them, escaped or not; else the value would end early) and none of LaTeX's
    comment or alignment characters."""
    depth = 0
    for i, ch in enumerate(math):
        if ch in "%#&" and (i == 0 or math[i - 1] != "\\"):
            return False
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0
