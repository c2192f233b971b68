"""How many fields the extension reads right off real publisher pages, and after the server's
registry lookup.

    .venv/bin/python bench/extractor_accuracy.py <folder> [--show] [--extension DIR]

<folder> holds saved pages and a truth.json that a person wrote by reading each article (see
the one under /work/external/publisher-pages/held-out). The pages go through the extension's
real extractor (bench/extractor_accuracy.mjs: node + linkedom, as the extension's tests run
it). Each field is right, wrong or missing against the labels: title (or a listed variant),
authors (same count, each with the same family name and first initial), year (or a listed
variant: issue year / first online), venue, DOI, abstract (starts with the labelled words and
is not cut short). Case, accents, punctuation and, in titles and abstracts, spaces are
ignored (a formula's subscripts come out as "N 2 O 4" or "N2O4"). A label of null is not
scored; "" means the article has none, so any value is wrong.

"After registry lookup" runs the server's own code (enrichment.worker.ask_registries and
combine, then metadata.effective_metadata, as a library sees the paper) with the page's
identifiers, answering only from the recorded registry responses truth.json names for a page.
Only pages with such recordings are scored in that table: a lookup cannot be simulated
without one. Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("title", "authors", "year", "venue", "doi", "abstract")
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")


def fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value.casefold().replace("&", " and "))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", bare).replace("_", " ").split())


# "Thomas H. Pendergast IV" and "Thomas H. Pendergast" are one person: a generational suffix
# is not the family name.
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def _tokens(name: str) -> list[str]:
    if "," in name:  # "Family, Given"
        family, _, given = name.partition(",")
        name = f"{given} {family}"
    tokens = fold(name).split()
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens.pop()
    return tokens


def same_person(expected: str, got: str) -> bool:
    want, have = _tokens(expected), _tokens(got)
    return bool(want and have) and want[-1] == have[-1] and want[0][0] == have[0][0]


def _squeezed(value: str) -> str:
    return fold(value).replace(" ", "")


def _venue(value: str) -> str:
    return re.sub(r"^the ", "", fold(value))


def judge(field: str, label: Any, page: dict[str, Any], got: Any) -> str | None:
    """right / wrong / missing, or None when the label says "not scored"."""
    if label is None:
        return None
    empty = not got
    if label in ("", []):
        return "right" if empty else "wrong"
    if empty:
        return "missing"
    if field == "title":
        # Spaces ignored: a formula's sub/superscripts come out as "Ni 12 P 5" or "Ni12P5".
        accepted = {_squeezed(label), *(_squeezed(v) for v in page.get("title_variants", []))}
        return "right" if _squeezed(got) in accepted else "wrong"
    if field == "authors":
        ok = len(got) == len(label) and all(map(same_person, label, got))
        return "right" if ok else "wrong"
    if field == "year":
        return "right" if str(got)[:4] in (label, *page.get("year_variants", [])) else "wrong"
    if field == "venue":
        return "right" if _venue(got) == _venue(label) else "wrong"
    if field == "doi":
        return "right" if got.casefold() == label.casefold() else "wrong"
    if field == "abstract":
        starts = [label] + [f"{p} {label}" for p in page.get("abstract_prefixes", [])]
        if _ELLIPSIS.search(got):
            return "wrong"  # cut short
        ok = any(_squeezed(got).startswith(_squeezed(s)) for s in starts)
        return "right" if ok else "wrong"
    raise ValueError(field)


def fields_of(metadata: dict[str, Any] | None) -> dict[str, Any]:
    md = metadata or {}
    identifiers = md.get("identifiers") or {}
    # An arXiv id is its DataCite DOI (10.48550/arXiv.<id>): the extension sends the id alone
    # and the server derives the DOI (readinglist.identifiers.arxiv_doi).
    arxiv = identifiers.get("arxiv")
    return {
        "title": md.get("title") or "",
        "authors": list(md.get("authors") or []),
        "year": (md.get("published") or "")[:4],
        "venue": md.get("venue") or "",
        "doi": identifiers.get("doi") or (f"10.48550/arXiv.{arxiv}" if arxiv else ""),
        "abstract": md.get("abstract") or "",
    }


def extract(folder: Path, extension: Path) -> list[dict[str, Any]]:
    script = ROOT / "bench" / "extractor_accuracy.mjs"
    out = subprocess.run(
        ["node", str(script), str(folder), str(extension)],
        check=True,
        capture_output=True,
        text=True,
    )
    pages: list[dict[str, Any]] = json.loads(out.stdout)
    return pages


def after_registry(
    folder: Path, page: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any] | None:
    """What a library sees once the registries answered (recorded answers only), or None
    when truth.json names no recording for this page."""
    recordings = page.get("registry") or {}
    if not recordings:
        return None
    from readinglist.enrichment.http import NotFound
    from readinglist.enrichment.worker import ask_registries, combine
    from readinglist.metadata import PageMetadata, effective_metadata

    bodies: dict[str, bytes] = {
        name: (folder / path).read_bytes() for name, path in recordings.items()
    }

    def get(url: str) -> bytes:
        if url.startswith("https://api.crossref.org/works/") and "crossref" in bodies:
            return bodies["crossref"]
        if url.startswith("https://api.datacite.org/dois/") and "datacite" in bodies:
            return bodies["datacite"]
        raise NotFound(url)

    identifiers = dict(metadata.get("identifiers") or {})
    records = ask_registries(identifiers, get=get).records if identifiers else []
    authoritative, _ = combine(records)
    contributed = PageMetadata.from_dict(metadata)
    seen = effective_metadata(
        authoritative=authoritative,
        contributed={
            name: contributed.value_of(name)
            for name in ("title", "authors", "abstract", "published", "venue")
        },
        overrides={},
    )
    for record in records:  # the registry confirms the DOI it was asked about
        identifiers.setdefault("doi", getattr(record, "identifiers", {}).get("doi", ""))
    return {**seen, "identifiers": identifiers}


def table(title: str, results: list[dict[str, str | None]]) -> str:
    lines = [
        title,
        f"{'field':<10}{'right':>7}{'wrong':>7}{'missing':>9}{'scored':>8}{'right %':>9}",
    ]
    totals = {"right": 0, "wrong": 0, "missing": 0}
    for field in FIELDS:
        marks = [r[field] for r in results if r.get(field)]
        counts = {k: marks.count(k) for k in totals}
        for k in totals:
            totals[k] += counts[k]
        n = len(marks)
        pct = f"{100 * counts['right'] / n:.1f}" if n else "-"
        row = f"{field:<10}{counts['right']:>7}{counts['wrong']:>7}{counts['missing']:>9}"
        lines.append(f"{row}{n:>8}{pct:>9}")
    n = sum(totals.values())
    pct = f"{100 * totals['right'] / n:.1f}" if n else "-"
    row = f"{'all':<10}{totals['right']:>7}{totals['wrong']:>7}{totals['missing']:>9}"
    lines.append(f"{row}{n:>8}{pct:>9}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--show", action="store_true", help="print every miss")
    parser.add_argument(
        "--extension",
        type=Path,
        default=ROOT / "extension",
        help="an extension folder to take the extractor from (e.g. an older checkout's)",
    )
    args = parser.parse_args()
    folder = args.folder.resolve()
    truth = json.loads((folder / "truth.json").read_text())
    extracted = {r["file"]: r for r in extract(folder, args.extension.resolve())}

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()

    alone: list[dict[str, str | None]] = []
    looked_up: list[dict[str, str | None]] = []
    misses: list[str] = []
    for page in truth["pages"]:
        result = extracted[page["file"]]
        if result.get("error"):
            misses.append(f"{page['file']}: extractor error {result['error']}")
        got = fields_of(result.get("metadata"))
        marks = {f: judge(f, page.get(f), page, got[f]) for f in FIELDS}
        alone.append(marks)
        for f in FIELDS:
            if marks[f] in ("wrong", "missing"):
                misses.append(f"{page['file']} {f} {marks[f]}: {str(got[f])[:120]!r}")
        seen = after_registry(folder, page, result.get("metadata") or {})
        if seen is not None:
            after = fields_of(seen)
            marks = {f: judge(f, page.get(f), page, after[f]) for f in FIELDS}
            looked_up.append(marks)
            for f in FIELDS:
                if marks[f] in ("wrong", "missing"):
                    misses.append(
                        f"{page['file']} {f} after lookup {marks[f]}: {str(after[f])[:120]!r}"
                    )

    print(f"{folder}: {len(truth['pages'])} pages\n")
    print(table("Page alone", alone))
    print()
    if looked_up:
        print(
            table(
                f"After registry lookup ({len(looked_up)} pages with recorded responses)", looked_up
            )
        )
    else:
        print("After registry lookup: no page has a recorded registry response; not scored.")
    if args.show and misses:
        print("\nMisses:")
        print("\n".join(misses))


if __name__ == "__main__":
    main()
