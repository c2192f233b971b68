"""Escaping text for BibTeX values; decoding goes through bibtexparser's pylatexenc middleware.

`latex_escape` is the inverse of that decoder on plain text: specials become macros, and pairs
that LaTeX would turn into ligatures ("--", "``", "''", "?`", "!`") are kept apart with "{}".
"""

from __future__ import annotations

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
