"""Hypothesis strategies for records that look like real libraries (and their odd corners)."""

import re

from hypothesis import strategies as st

from readinglist.io.records import ITEM_TYPE_KINDS, Record
from readinglist.metadata import clean_text

# Letters from many scripts, LaTeX specials, quotes and dashes that TeX turns into ligatures.
ALPHABET = st.characters(
    codec="utf-8",
    categories=("L", "M", "N", "P", "S", "Zs"),
    exclude_characters="\u2028\u2029",
)
SPECIALS = st.sampled_from(
    ["{", "}", "\\", "%", "&", "#", "$", "_", "~", "^", "--", "``", "''", "?`", "é", "ß", " and "]
)


def clean(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(clean_text)


text = clean(st.lists(st.one_of(st.text(ALPHABET, max_size=8), SPECIALS), max_size=8).map("".join))
names = st.one_of(
    st.sampled_from(
        [
            "Le Scao, Teven",
            "de la Fuente, María",
            "Müller, Jürgen",
            "Ashish Vaswani",
            "Google Research",
            "van der Berg, Jan",
            "O'Neil, Cathy",
            "Łukasz Kaiser",
            "Smith, Jr., John",
            "杨, 植麟",
        ]
    ),
    clean(st.text(ALPHABET, min_size=1, max_size=20)),
).filter(lambda n: n and "," not in n[:1] and not n.endswith(","))
dates = st.one_of(
    st.just(""),
    st.integers(1900, 2030).map(str),
    st.tuples(st.integers(1900, 2030), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.tuples(st.integers(1900, 2030), st.integers(1, 12), st.integers(1, 28)).map(
        lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"
    ),
)
# ASCII only: on SQLite, LOWER() folds ASCII alone, so `add_tags` (services/entries.py) misses
# an existing non-ASCII tag and trips the case-insensitive unique index (fine on PostgreSQL).
TAG_ALPHABET = st.characters(codec="ascii", categories=("L", "N", "P", "S", "Zs"))
tag_names = clean(st.text(TAG_ALPHABET, min_size=1, max_size=15)).filter(
    lambda t: t and "," not in t
)
doi_suffix = st.text(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_", min_size=1, max_size=12
)


# Every kind the formats carry (each item type's, and BibTeX's unpublished and misc).
KINDS = [*(kind for kind in ITEM_TYPE_KINDS.values()), "unpublished"]
# Titles as papers carry them: math, acronyms, inner capitals.
MATHY = st.sampled_from(
    ["$\\alpha$-divergence", "$O(n \\log n)$", "$k$-means", "BERT", "ImageNet", "GPT-4", "x$^2$"]
)
title_text = clean(
    st.lists(st.one_of(st.text(ALPHABET, max_size=8), SPECIALS, MATHY), max_size=8).map(" ".join)
)
numbers = st.one_of(st.just(""), st.integers(1, 999).map(str))
pages = st.one_of(
    st.just(""),
    st.integers(1, 999).map(str),
    st.tuples(st.integers(1, 500), st.integers(501, 999)).map(lambda t: f"{t[0]}\u2013{t[1]}"),
    st.sampled_from(["e1001", "S1\u2013S9"]),
)
# Venues of preprints that are no venue ("arXiv preprint ...") are not kept: none drawn here.
venues = st.one_of(st.just(""), text).filter(lambda v: not re.match(r"(arxiv|corr)\b", v, re.I))


@st.composite
def records(draw: st.DrawFn, index: int) -> Record:
    ids_kind = draw(st.sampled_from(["doi", "arxiv", "url", "both"]))
    kind = draw(st.sampled_from(KINDS))
    identifiers: dict[str, str] = {}
    url = ""
    if ids_kind in ("doi", "both"):
        identifiers["doi"] = f"10.{5000 + index}/{draw(doi_suffix)}x"
    if ids_kind in ("arxiv", "both") or kind == "preprint":
        identifiers["arxiv"] = f"2{index // 12 % 5}{index % 12 + 1:02d}.{10000 + index:05d}"
    if ids_kind == "url":
        url = f"https://example.org/papers/{index}/{draw(st.sampled_from(['a', 'é', 'x_y']))}"
    if kind in ("book", "incollection") and draw(st.booleans()):
        identifiers["isbn"] = f"978{index:010d}"
    venue = draw(venues)
    # What files say of a preprint: @misc with an eprint, or an article with no venue.
    if "arxiv" in identifiers and kind in ("misc", "unpublished"):
        kind = "preprint"
    if "arxiv" in identifiers and kind == "article" and not venue:
        venue = "Journal of Examples"
    return Record(
        title=draw(title_text),
        authors=tuple(draw(st.lists(names, max_size=4))),
        published=draw(dates),
        venue=venue,
        volume=draw(numbers),
        issue=draw(numbers),
        pages=draw(pages),
        publisher=draw(st.one_of(st.just(""), text)),
        abstract=draw(st.one_of(st.just(""), text)),
        url=url,
        identifiers=identifiers,
        tags=tuple(draw(st.lists(tag_names, max_size=3, unique_by=str.casefold))),
        kind=kind,
        citekey=draw(st.sampled_from(["", f"pinned{index}", f"Key:{index}-x"])),
    )


@st.composite
def libraries(draw: st.DrawFn, max_size: int = 8) -> list[Record]:
    size = draw(st.integers(0, max_size))
    return [draw(records(i)) for i in range(size)]
