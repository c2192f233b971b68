"""New arXiv papers by category, author or keyword: the arXiv API's search, newest first.

One query per followed item (`cat:cs.CL`, `au:"Jane Doe"`, `all:"diffusion"`), sorted by
submission date, as the API User's Manual describes
(https://info.arxiv.org/help/api/user-manual.html). The answer is the same Atom feed the
id lookup reads (`readinglist.enrichment.arxiv`), parsed with the same XML safety.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from readinglist import identifiers as ids
from readinglist.enrichment import http
from readinglist.enrichment.arxiv import _ERROR_ENTRY, _NS, _primary_category, _text, parse_xml
from readinglist.enrichment.http import Fetch, FetchError
from readinglist.metadata import clean_text

API = (
    "https://export.arxiv.org/api/query?search_query={}"
    "&sortBy=submittedDate&sortOrder=descending&max_results={}"
)
MAX_RESULTS = 50
# A listing query can be slow on arXiv's side; the worker waits this long, not forever.
TIMEOUT = 30.0


@dataclass(frozen=True)
class ListedPaper:
    arxiv_id: str  # unversioned
    title: str
    authors: tuple[str, ...]
    abstract: str
    primary_category: str
    published: date


def search_query(kind: str, value: str) -> str:
    """The API's `search_query` for a followed item (kinds as `RadarFollow.Kind`)."""
    if kind == "category":
        return f"cat:{value}"
    # Quotes make a name or a phrase one term; the service keeps quotes out of values.
    field = "au" if kind == "author" else "all"
    return f'{field}:"{value}"'


def listing_url(query: str, *, max_results: int = MAX_RESULTS) -> str:
    return API.format(quote(query, safe=":"), max_results)


def fetch_with_timeout(url: str) -> bytes:
    # `http.fetch` looked up on call, so the tests' offline fetch replaces it here too.
    return http.fetch(url, timeout=TIMEOUT)


def parse_listing(body: bytes, source: str) -> list[ListedPaper]:
    root = parse_xml(body, source)
    if root.tag != f"{{{_NS['atom']}}}feed":
        raise FetchError(f"{source}: malformed response (no Atom feed)")
    papers: list[ListedPaper] = []
    for entry in root.findall("atom:entry", _NS):
        entry_id = _text(entry, "atom:id")
        if _ERROR_ENTRY in entry_id:
            # A query arXiv could not read: worth showing as the run's error, not as no news.
            raise FetchError(f"{source}: arXiv refused the query: {_text(entry, 'atom:summary')}")
        found = ids.parse_arxiv(entry_id)
        published = _date(_text(entry, "atom:published"))
        title = _text(entry, "atom:title")
        if found is None or published is None or not title:
            continue  # one odd entry should not hide the rest of the day's papers
        papers.append(
            ListedPaper(
                arxiv_id=found.id,
                title=title,
                authors=tuple(
                    name
                    for node in entry.findall("atom:author/atom:name", _NS)
                    if (name := clean_text(node.text or ""))
                ),
                abstract=_text(entry, "atom:summary"),
                primary_category=_primary_category(entry),
                published=published,
            )
        )
    return papers


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def listing(kind: str, value: str, *, get: Fetch) -> list[ListedPaper]:
    """The newest papers arXiv lists for one followed item."""
    query = search_query(kind, value)
    return parse_listing(get(listing_url(query)), f"arXiv search {query}")
