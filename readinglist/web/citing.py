"""The entry page's "Cite" block: the entry in a citation style and as BibTeX, to copy."""

from __future__ import annotations

from dataclasses import dataclass, replace

from readinglist.citations import STYLE_LABELS, CitationStyle, references
from readinglist.io.citekeys import base_key
from readinglist.io.export import record_for
from readinglist.models import Entry

CSL_STYLES = [
    (style.value, label) for style, label in STYLE_LABELS.items() if style.value != "bibtex"
]


@dataclass(frozen=True)
class EntryCitation:
    style: str
    label: str
    text: str
    bibtex: str
    key: str
    provisional: bool  # the key is not given yet (it is at the first export)


def entry_citation(entry: Entry, wanted_style: str | None) -> EntryCitation:
    """The entry (its paper, identifiers and tags loaded) in `wanted_style` (APA when it
    names none). Reading the page never gives the entry its key: until it has one (its
    authors are not known yet), the BibTeX shows the key it would get."""
    style = CitationStyle.APA
    if wanted_style in {value for value, _ in CSL_STYLES}:
        style = CitationStyle(wanted_style)
    record = record_for(entry)
    provisional = not entry.citekey
    if provisional:
        record = replace(record, citekey=base_key(record, entry.library.citekey_pattern))
    (reference,) = references([record], style)
    (bibtex,) = references([record], CitationStyle.BIBTEX)
    return EntryCitation(
        style=style.value,
        label=STYLE_LABELS[style],
        text=reference.text,
        bibtex=bibtex.text,
        key=record.citekey,
        provisional=provisional,
    )
