"""PubMed via NCBI E-utilities (efetch XML), and PMC ids through the PMC ID converter."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

from readinglist import identifiers as ids
from readinglist.enrichment.arxiv import parse_xml
from readinglist.enrichment.crossref import load_json
from readinglist.enrichment.http import Fetch, FetchError, fetch, known
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.io.records import join_date
from readinglist.metadata import ItemType, clean_text
from readinglist.numbers import ascii_digits

EFETCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pubmed&id={}&retmode=xml"
IDCONV = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0/?ids={}&format=json"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# ArticleIdList IdType -> the identifier scheme we store.
_ID_TYPES = {"pubmed": "pmid", "doi": "doi", "pmc": "pmcid"}


def _text(node: ET.Element | None) -> str:
    # itertext keeps the words inside <i>, <sub> and MathML markup.
    return clean_text("".join(node.itertext())) if node is not None else ""


def _month(value: str) -> str:
    value = value.strip().lower()
    return value if ascii_digits(value) else str(_MONTHS.get(value[:3], ""))


def _published(article: ET.Element) -> str:
    date = article.find("Journal/JournalIssue/PubDate")
    if date is not None:
        year = _text(date.find("Year"))
        if year:
            return join_date(year, _month(_text(date.find("Month"))), _text(date.find("Day")))
        # Spans such as "1998 Dec-1999 Jan" only come as free text: keep the first year.
        if published := join_date(_text(date.find("MedlineDate"))[:4]):
            return published
    electronic = article.find("ArticleDate")
    if electronic is None:
        return ""
    return join_date(*(_text(electronic.find(part)) for part in ("Year", "Month", "Day")))


def _authors(article: ET.Element) -> tuple[str, ...]:
    names = []
    for author in article.findall("AuthorList/Author"):
        last, fore = _text(author.find("LastName")), _text(author.find("ForeName"))
        if last and fore:
            names.append(f"{last}, {fore}")
        elif name := last or _text(author.find("CollectiveName")):
            names.append(name)
    return tuple(names)


def _abstract(article: ET.Element) -> str:
    parts = []
    for node in article.findall("Abstract/AbstractText"):
        text, label = _text(node), clean_text(node.get("Label", ""))
        if text:
            parts.append(f"{label}: {text}" if label else text)
    return " ".join(parts)


def _identifiers(pubmed_article: ET.Element) -> dict[str, str]:
    found: dict[str, str] = {}
    # Only the article's own list: each cited reference carries an ArticleIdList too.
    for node in pubmed_article.findall("PubmedData/ArticleIdList/ArticleId"):
        scheme, value = _ID_TYPES.get(node.get("IdType", "")), _text(node)
        if scheme == "doi":
            value = ids.clean_doi(value) or ""
        elif scheme == "pmcid":
            value = ids.parse_pmcid(value) or ""
        if scheme and value and scheme not in found:
            found[scheme] = value
    return found


def parse_efetch(body: bytes, pmid: str) -> RegistryRecord | None:
    source = f"PubMed {pmid}"
    root = parse_xml(body, source)
    if root.tag != "PubmedArticleSet":
        raise FetchError(f"{source}: malformed response (root {root.tag!r})")
    pubmed_article = root.find("PubmedArticle")
    if pubmed_article is None:  # an empty set: PubMed has no such PMID
        return None
    article = pubmed_article.find("MedlineCitation/Article")
    if article is None:
        raise FetchError(f"{source}: malformed response (no Article)")
    types = {_text(node) for node in article.findall("PublicationTypeList/PublicationType")}
    return RegistryRecord(
        registry=Registry.PUBMED,
        # MEDLINE ends every title with a period that is not part of the title.
        title=_text(article.find("ArticleTitle")).removesuffix("."),
        authors=_authors(article),
        abstract=_abstract(article),
        published=_published(article),
        venue=_text(article.find("Journal/Title")),
        volume=_text(article.find("Journal/JournalIssue/Volume")),
        issue=_text(article.find("Journal/JournalIssue/Issue")),
        pages=_text(article.find("Pagination/MedlinePgn")).replace("-", "\u2013"),
        item_type=ItemType.PREPRINT if "Preprint" in types else ItemType.ARTICLE,
        identifiers=_identifiers(pubmed_article),
    )


def lookup(key: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """PubMed's record of a PMID ("29963580")."""
    body = known(EFETCH.format(quote(key, safe="")), get=get)
    return parse_efetch(body, key) if body is not None else None


def pmid_of_pmcid(pmcid: str, *, get: Fetch = fetch) -> str | None:
    """The PMID the PMC ID converter gives for a PMCID; None when it knows none."""
    body = known(IDCONV.format(quote(pmcid, safe="")), get=get)
    if body is None:
        return None
    records = load_json(body, f"PMC ID converter {pmcid}").get("records")
    if not isinstance(records, list):
        raise FetchError(f"PMC ID converter {pmcid}: malformed response (no records)")
    for record in records:
        # The converter sends the PMID as a number, older answers as a string.
        pmid = record.get("pmid") if isinstance(record, dict) else None
        if isinstance(pmid, int | str) and not isinstance(pmid, bool) and ascii_digits(str(pmid)):
            return str(pmid)
    return None  # {"status": "error", "errmsg": "Identifier not found in PMC"}, or no PMID


def lookup_pmcid(pmcid: str, *, get: Fetch = fetch) -> RegistryRecord | None:
    """PubMed's record of the article a PMCID ("PMC6022861") names."""
    pmid = pmid_of_pmcid(pmcid, get=get)
    return lookup(pmid, get=get) if pmid is not None else None
