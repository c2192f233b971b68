"""Parse and normalise scholarly identifiers: arXiv, DOI, OpenReview, ACL Anthology, PubMed, ISBN,
URLs.

The rules and the reference table come from the shared metadata notes (section "5. Identifiers"):
an unversioned arXiv id names the work and the version is kept apart; DOIs compare
case-insensitively, so the lower-cased ``doi_key`` is the identity and the original spelling is
kept for display; OpenReview ids are case-sensitive. An ISBN-10 and the ISBN-13 it becomes name
one book, so the key of every ISBN is its ISBN-13 without hyphens.

``idutils`` is used only as a second, necessary check on what our own parsers produce, so that
whatever we store also passes the validators used elsewhere in the project. It cannot be the
primary parser because (idutils 1.7.1):

* ``is_arxiv`` accepts impossible ids such as ``1412.12345`` (five digits before 2015),
  ``2113.00001`` (month 13) and ``foo/1234567`` (no such archive);
* ``normalize_arxiv`` prefixes ``arXiv:``, keeps ``V2`` upper-case and turns a URL into
  ``arXiv:https://...``;
* ``normalize_doi`` neither lower-cases, URL-decodes nor strips trailing punctuation, and raises
  ``AttributeError`` on ``https://www.doi.org/...``; ``is_doi`` accepts ``10.1/x`` and text with
  spaces after the DOI;
* ``is_pmid`` accepts any integer, and ``normalize_pmid`` raises on ``PMID: 17641166``;
* ``is_isbn13`` accepts ``979-0`` numbers, which are ISMNs (printed music), and
  ``normalize_isbn`` hyphenates.

Everything here is a pure function: no network, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import NamedTuple
from urllib.parse import parse_qs, quote, unquote, unquote_plus, urlsplit, urlunsplit

import idutils

__all__ = [
    "AclId",
    "ArxivId",
    "Identifiers",
    "Scheme",
    "acl_url",
    "arxiv_doi",
    "canonical_arxiv_url",
    "canonicalize_url",
    "clean_doi",
    "doi_key",
    "doi_url",
    "identify",
    "isbn_problem",
    "isbn_url",
    "openreview_url",
    "parse_acl",
    "parse_arxiv",
    "parse_isbn",
    "parse_openreview",
    "parse_pmcid",
    "parse_pmid",
]


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str
    version: int | None = None


@dataclass(frozen=True, slots=True)
class AclId:
    id: str
    revision: int | None = None


class Scheme(StrEnum):
    ARXIV = "arxiv"
    DOI = "doi"
    OPENREVIEW = "openreview"
    ACL = "acl"
    PMID = "pmid"
    PMCID = "pmcid"
    ISBN = "isbn"
    URL = "url"


def doi_key(doi: str) -> str:
    # The DOI Handbook makes DOI names case-insensitive (ASCII), so the key is lower-case.
    # str.lower rather than casefold: casefold would turn "ß" into "ss" and merge distinct DOIs.
    return doi.lower()


def _first[T](mine: T | None, theirs: T | None) -> T | None:
    return mine if mine is not None else theirs


@dataclass(frozen=True, slots=True)
class Identifiers:
    arxiv: ArxivId | None = None
    doi: str | None = None
    openreview: str | None = None
    acl: AclId | None = None
    pmid: str | None = None
    pmcid: str | None = None
    isbn: str | None = None  # the ISBN-13, digits only
    url: str | None = None

    @property
    def doi_key(self) -> str | None:
        return doi_key(self.doi) if self.doi is not None else None

    def lookup_keys(self) -> list[tuple[Scheme, str]]:
        keys: list[tuple[Scheme, str]] = []
        if self.arxiv is not None:
            keys.append((Scheme.ARXIV, self.arxiv.id))
        if self.doi is not None:
            keys.append((Scheme.DOI, doi_key(self.doi)))
        if self.openreview is not None:
            keys.append((Scheme.OPENREVIEW, self.openreview))
        if self.acl is not None:
            keys.append((Scheme.ACL, self.acl.id))
        if self.pmid is not None:
            keys.append((Scheme.PMID, self.pmid))
        if self.pmcid is not None:
            keys.append((Scheme.PMCID, self.pmcid))
        if self.isbn is not None:
            keys.append((Scheme.ISBN, self.isbn))
        if self.url is not None:
            keys.append((Scheme.URL, self.url))
        return keys

    def merged(self, other: Identifiers) -> Identifiers:
        return Identifiers(
            arxiv=_first(self.arxiv, other.arxiv),
            doi=_first(self.doi, other.doi),
            openreview=_first(self.openreview, other.openreview),
            acl=_first(self.acl, other.acl),
            pmid=_first(self.pmid, other.pmid),
            pmcid=_first(self.pmcid, other.pmcid),
            isbn=_first(self.isbn, other.isbn),
            url=_first(self.url, other.url),
        )


# --------------------------------------------------------------------------------------------
# URL plumbing shared by the parsers

_ARXIV_HOSTS = frozenset(
    {
        "arxiv.org",
        "www.arxiv.org",
        "export.arxiv.org",
        "lanl.arxiv.org",
        "xxx.lanl.gov",
        "ar5iv.labs.arxiv.org",
        "ar5iv.org",
    }
)
_HF_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
_ALPHAXIV_HOSTS = frozenset({"alphaxiv.org", "www.alphaxiv.org"})
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
_ACL_HOSTS = frozenset({"aclanthology.org", "www.aclanthology.org"})
_ACLWEB_HOSTS = frozenset({"aclweb.org", "www.aclweb.org"})
_OPENREVIEW_HOSTS = frozenset({"openreview.net", "www.openreview.net"})
_PUBMED_HOSTS = frozenset({"pubmed.ncbi.nlm.nih.gov", "www.pubmed.ncbi.nlm.nih.gov"})
_NCBI_HOSTS = frozenset({"ncbi.nlm.nih.gov", "www.ncbi.nlm.nih.gov"})
_PMC_HOSTS = frozenset({"pmc.ncbi.nlm.nih.gov"})
_OPENLIBRARY_HOSTS = frozenset({"openlibrary.org", "www.openlibrary.org"})
_WORLDCAT_HOSTS = frozenset({"worldcat.org", "www.worldcat.org", "search.worldcat.org"})
_ISBNSEARCH_HOSTS = frozenset({"isbnsearch.org", "www.isbnsearch.org"})
_KNOWN_HOSTS = (
    _ARXIV_HOSTS
    | _HF_HOSTS
    | _ALPHAXIV_HOSTS
    | _DOI_HOSTS
    | _ACL_HOSTS
    | _ACLWEB_HOSTS
    | _OPENREVIEW_HOSTS
    | _PUBMED_HOSTS
    | _NCBI_HOSTS
    | _PMC_HOSTS
    | _OPENLIBRARY_HOSTS
    | _WORLDCAT_HOSTS
    | _ISBNSEARCH_HOSTS
    | {"books.google.com"}
)

_HTTP_RE = re.compile(r"https?://", re.IGNORECASE)
_SCHEMELESS_HOST_RE = re.compile(r"[A-Za-z0-9.-]+(?=[/?#]|$)")


class _Url(NamedTuple):
    text: str  # the URL with a scheme, ready for canonicalize_url
    host: str  # lower-case, no port, no trailing dot
    path: str  # still percent-encoded
    query: str


def _split_url(value: str) -> _Url | None:
    text = value.strip()
    if _HTTP_RE.match(text) is None:
        # People paste "arxiv.org/abs/..." without a scheme; only trust that for hosts we know,
        # otherwise "math.GT/0309136" would look like a host and a path.
        m = _SCHEMELESS_HOST_RE.match(text)
        if m is None or m.group().lower().rstrip(".") not in _KNOWN_HOSTS:
            return None
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a malformed port: treat the URL as garbage
    except ValueError:
        return None
    if not host:
        return None
    return _Url(text, host.rstrip("."), parts.path, parts.query)


# --------------------------------------------------------------------------------------------
# arXiv

# Archives of the pre-2007 scheme (info.arxiv.org/help/arxiv_identifier). A closed list is what
# lets "foo/1234567" or a random "word/1234567" path be rejected.
_OLD_ARXIV_ARCHIVES = frozenset(
    {
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "astro-ph",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "cond-mat",
        "cs",
        "dg-ga",
        "funct-an",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "mtrl-th",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "patt-sol",
        "physics",
        "plasm-ph",
        "q-alg",
        "q-bio",
        "quant-ph",
        "solv-int",
        "supr-con",
    }
)

_ARXIV_ID_RE = re.compile(
    r"""
    (?:
        (?P<yymm>\d{4})\.(?P<num>\d{4,5})
      | (?P<archive>[a-z]+(?:-[a-z]+)?)       # e.g. hep-th
        (?:\.[a-z]+(?:-[a-z]+)?)?             # subject class (math.GT), dropped
        /(?P<old_yymm>\d{4})(?P<old_num>\d{3})
    )
    (?:v(?P<version>\d+))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ARXIV_PREFIX_RE = re.compile(r"arxiv\s*:\s*|arxiv\s+", re.IGNORECASE)
_ARXIV_DOI_RE = re.compile(r"10\.48550/arxiv\.(?P<id>.+)", re.IGNORECASE)
_ARXIV_PATH_RE = re.compile(r"/(?P<kind>abs|pdf|html|format|ps|src|e-print)/(?P<rest>.+)")
_HF_PATH_RE = re.compile(r"/papers/(?P<rest>.+)")
_ALPHAXIV_PATH_RE = re.compile(r"/(?:abs|overview|pdf)/(?P<rest>.+)")
_PDF_TAIL_RE = re.compile(r"(?:\.pdf)?/?", re.IGNORECASE)
_SUBPATH_TAIL_RE = re.compile(r"(?:\.pdf)?(?:/.*)?", re.IGNORECASE | re.DOTALL)


def _valid_month(yymm: str) -> bool:
    return 1 <= int(yymm[2:]) <= 12


def _match_arxiv_id(text: str) -> tuple[ArxivId, str] | None:
    """Match an id at the start of text; return it and the unmatched rest."""
    m = _ARXIV_ID_RE.match(text)
    if m is None:
        return None
    version: int | None = None
    if m.group("version") is not None:
        version = int(m.group("version"))
        if version == 0:  # arXiv versions start at v1
            return None
    yymm = m.group("yymm")
    if yymm is not None:
        num = m.group("num")
        # The scheme began in 0704; ids got a fifth digit from 1501 on (arxiv_identifier help).
        # idutils checks neither, so 1412.12345 and 2113.00001 would slip through.
        if not _valid_month(yymm) or yymm < "0704":
            return None
        if len(num) != (4 if yymm <= "1412" else 5):
            return None
        arxiv_id = f"{yymm}.{num}"
    else:
        archive = m.group("archive").lower()
        old_yymm = m.group("old_yymm")
        if archive not in _OLD_ARXIV_ARCHIVES or not _valid_month(old_yymm):
            return None
        # The old scheme ran from 1991-07 until 2007-03.
        if not ("9107" <= old_yymm <= "9912" or old_yymm <= "0703"):
            return None
        arxiv_id = f"{archive}/{old_yymm}{m.group('old_num')}"
    if not idutils.is_arxiv(arxiv_id):
        return None
    return ArxivId(arxiv_id, version), text[m.end() :]


def _parse_bare_arxiv(value: str) -> ArxivId | None:
    text = value.strip()
    prefix = _ARXIV_PREFIX_RE.match(text)
    if prefix is not None:
        text = text[prefix.end() :]
    found = _match_arxiv_id(text)
    if found is None or found[1]:
        return None
    return found[0]


def _arxiv_from_doi(doi: str) -> ArxivId | None:
    m = _ARXIV_DOI_RE.fullmatch(doi)
    return _match_whole_arxiv(m.group("id")) if m is not None else None


def _match_whole_arxiv(text: str) -> ArxivId | None:
    found = _match_arxiv_id(text)
    return found[0] if found is not None and not found[1] else None


def _arxiv_from_path(
    path_re: re.Pattern[str], path: str, tail_re: re.Pattern[str]
) -> ArxivId | None:
    m = path_re.fullmatch(path)
    if m is None:
        return None
    found = _match_arxiv_id(m.group("rest"))
    if found is None or tail_re.fullmatch(found[1]) is None:
        return None
    return found[0]


def _arxiv_from_url(url: _Url) -> ArxivId | None:
    path = unquote(url.path)
    if url.host in _ARXIV_HOSTS:
        m = _ARXIV_PATH_RE.fullmatch(path)
        # HTML renderings have sub-resources (/html/<id>/x1.png); other views end at the id.
        tail = _SUBPATH_TAIL_RE if m is not None and m.group("kind") == "html" else _PDF_TAIL_RE
        return _arxiv_from_path(_ARXIV_PATH_RE, path, tail)
    if url.host in _HF_HOSTS:
        # Hugging Face paper pages are keyed by the arXiv id; /papers/date/... is a listing.
        return _arxiv_from_path(_HF_PATH_RE, path, _SUBPATH_TAIL_RE)
    if url.host in _ALPHAXIV_HOSTS:
        return _arxiv_from_path(_ALPHAXIV_PATH_RE, path, _SUBPATH_TAIL_RE)
    if url.host in _DOI_HOSTS:
        doi = clean_doi(url.text)
        return _arxiv_from_doi(doi) if doi is not None else None
    return None


def parse_arxiv(value: str) -> ArxivId | None:
    """arXiv id from a bare id, an arXiv-family URL or an arXiv DOI (10.48550/arXiv.<id>)."""
    url = _split_url(value)
    if url is not None:
        return _arxiv_from_url(url)
    bare = _parse_bare_arxiv(value)
    if bare is not None:
        return bare
    doi = clean_doi(value)
    return _arxiv_from_doi(doi) if doi is not None else None


def arxiv_doi(arxiv_id: str) -> str:
    """DataCite DOI arXiv registered for every paper; always unversioned."""
    parsed = _parse_bare_arxiv(arxiv_id)
    if parsed is None:
        raise ValueError(f"not an arXiv id: {arxiv_id!r}")
    return f"10.48550/arXiv.{parsed.id}"


def canonical_arxiv_url(a: ArxivId) -> str:
    suffix = f"v{a.version}" if a.version is not None else ""
    return f"https://arxiv.org/abs/{a.id}{suffix}"


# --------------------------------------------------------------------------------------------
# DOI

# Crossref's pattern allows a 4-9 digit registrant; the suffix may be any printable Unicode,
# so the only hard stop inside running text is whitespace.
_DOI_RE = re.compile(r"10\.\d{4,9}/\S+")
_DOI_IN_TEXT_RE = re.compile(r"(?<!\d)10\.\d{4,9}/\S+")
_TRAILING_PUNCTUATION = ".,;:'\""
_CLOSERS = {")": "(", "]": "[", "}": "{", ">": "<"}
# RFC 3986 pchar plus "/": what may stay literal in a URL path.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def _unquote_fully(text: str) -> str:
    # Decoding to a fixed point makes clean_doi idempotent even on doubly encoded input
    # (%253C); each round that changes the text shortens it, so the loop ends. Escapes that are
    # not UTF-8 (a Latin-1 "%E9") stay as typed rather than becoming U+FFFD in a stored DOI.
    while True:
        try:
            decoded = unquote(text, errors="strict")
        except UnicodeDecodeError:
            return text
        if decoded == text:
            return text
        text = decoded


def _strip_trailing(doi: str) -> str:
    # Closers are only stripped when unbalanced: SICI DOIs legitimately contain "(...)" and "<>".
    while doi:
        last = doi[-1]
        if last in _TRAILING_PUNCTUATION or (
            last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last])
        ):
            doi = doi[:-1]
        else:
            break
    return doi


def clean_doi(value: str) -> str | None:
    """The DOI in value (resolver URL, doi:/info:doi/ prefix, or running text), original case."""
    text = value.strip()
    url = _split_url(text)
    if url is not None:
        # A DOI in another site's URL path (publisher landing pages, PDF links) is usually
        # followed by extra path such as ".pdf" or "/full", so only resolver URLs count.
        if url.host not in _DOI_HOSTS:
            return None
        text = url.path
    m = _DOI_IN_TEXT_RE.search(_unquote_fully(text))
    if m is None:
        return None
    doi = _strip_trailing(m.group())
    if _DOI_RE.fullmatch(doi) is None or not doi.isprintable() or not idutils.is_doi(doi):
        return None
    return doi


# Publisher pages whose URL path carries the article's DOI (what Zotero's translators and the
# extension's `idsFromUrl` read too), so every form of one article's URL names one DOI:
# bioRxiv/medRxiv `/content/10.1101/<id>vN.full.pdf`, Atypon platforms (ACM, Wiley, Taylor &
# Francis, SAGE, ACS, Science, PNAS) `/doi/[abs|full|pdf|epdf/]10.x/...`, Springer, Nature,
# IOP, Frontiers, PLOS, eLife and PeerJ.
_BIORXIV_HOSTS = frozenset({"biorxiv.org", "www.biorxiv.org", "medrxiv.org", "www.medrxiv.org"})
_BIORXIV_PATH_RE = re.compile(
    r"/content/(?:(?:biorxiv|medrxiv)/early/\d{4}/\d{2}/\d{2}/|10\.1101/)"
    r"(?P<id>\d{4}\.\d{2}\.\d{2}\.\d{5,}|\d{5,})(?:v\d+)?(?:\.[a-z+.-]+)?(?:/.*)?",
    re.IGNORECASE,
)
_ATYPON_PATH_RE = re.compile(
    r"/doi/(?:(?:abs|full|pdf|epdf|pdfdirect|reader|epub|fullHtml|book|suppl|figure|ref)/)?"
    r"(?P<doi>10\.\d{4,9}/.+?)/?",
    re.IGNORECASE,
)
_SPRINGER_HOSTS = frozenset({"link.springer.com"})
_SPRINGER_PATH_RE = re.compile(
    r"/(?:article|chapter|book|referenceworkentry|protocol|content/pdf)/"
    r"(?P<doi>10\.\d{4,9}/[^/]+?)(?:\.pdf)?/?",
    re.IGNORECASE,
)
_NATURE_HOSTS = frozenset({"nature.com", "www.nature.com"})
_NATURE_PATH_RE = re.compile(r"/articles/(?P<id>[a-z0-9][a-z0-9._-]*?)(?:\.pdf)?/?", re.IGNORECASE)
_IOP_HOSTS = frozenset({"iopscience.iop.org"})
_IOP_PATH_RE = re.compile(r"/article/(?P<doi>10\.\d{4,9}/.+?)(?:/pdf|/meta)?/?", re.IGNORECASE)
_FRONTIERS_HOSTS = frozenset({"frontiersin.org", "www.frontiersin.org"})
_FRONTIERS_PATH_RE = re.compile(
    r"/(?:journals/[a-z-]+/)?articles/(?P<doi>10\.3389/[^/]+)(?:/(?:full|pdf|abstract))?/?",
    re.IGNORECASE,
)
_PLOS_HOSTS = frozenset({"journals.plos.org"})
_ELIFE_HOSTS = frozenset({"elifesciences.org"})
_ELIFE_PATH_RE = re.compile(r"/articles/(?P<n>\d{3,6})(?:v\d+)?(?:\.pdf)?/?")
_PEERJ_HOSTS = frozenset({"peerj.com"})
_PEERJ_PATH_RE = re.compile(r"/articles/(?P<n>\d{1,6})(?:\.pdf)?/?")


# Publisher article paths that carry their DOI: the hosts, the path, and the DOI it spells.
_PUBLISHER_PATHS: tuple[tuple[frozenset[str], re.Pattern[str], str], ...] = (
    (_BIORXIV_HOSTS, _BIORXIV_PATH_RE, "10.1101/{id}"),
    (_SPRINGER_HOSTS, _SPRINGER_PATH_RE, "{doi}"),
    (_NATURE_HOSTS, _NATURE_PATH_RE, "10.1038/{id}"),
    (_IOP_HOSTS, _IOP_PATH_RE, "{doi}"),
    (_FRONTIERS_HOSTS, _FRONTIERS_PATH_RE, "{doi}"),
    (_ELIFE_HOSTS, _ELIFE_PATH_RE, "10.7554/eLife.{n}"),
    (_PEERJ_HOSTS, _PEERJ_PATH_RE, "10.7717/peerj.{n}"),
)


def _doi_from_publisher_url(url: _Url) -> str | None:
    """The DOI a known publisher's article URL carries in its path (or PLOS's `id=`)."""
    path = _unquote_fully(url.path)
    found: str | None = None
    if url.host in _PLOS_HOSTS:
        found = next(iter(parse_qs(url.query).get("id", [])), None)
    else:
        pattern, spelling = next(
            ((p, doi) for hosts, p, doi in _PUBLISHER_PATHS if url.host in hosts),
            (_ATYPON_PATH_RE, "{doi}"),  # any other host: Atypon's /doi/10.x/y paths
        )
        m = pattern.fullmatch(path)
        found = spelling.format(**m.groupdict()) if m else None
    if found is None:
        return None
    doi = _strip_trailing(found)
    if _DOI_RE.fullmatch(doi) is None or not doi.isprintable() or not idutils.is_doi(doi):
        return None
    return doi


def doi_url(doi: str) -> str:
    # Percent-encode what cannot stand in a URL path (<, >, #, ?, %, spaces); doi.org decodes it.
    return "https://doi.org/" + quote(doi, safe=_PATH_SAFE)


# --------------------------------------------------------------------------------------------
# OpenReview

_OPENREVIEW_ID_RE = re.compile(r"[A-Za-z0-9_-]{5,}")
_OPENREVIEW_PATHS = frozenset({"/forum", "/pdf", "/attachment"})


def parse_openreview(value: str) -> str | None:
    """Forum id from an openreview.net forum/pdf/attachment URL.

    Only ``id`` names the submission; ``noteId`` points at a reply inside the forum and is ignored.
    Bare ids are not accepted: an opaque 10-character token is indistinguishable from a word.
    """
    url = _split_url(value)
    if url is None or url.host not in _OPENREVIEW_HOSTS:
        return None
    if url.path.rstrip("/") not in _OPENREVIEW_PATHS:
        return None
    ids = parse_qs(url.query).get("id")
    if not ids or _OPENREVIEW_ID_RE.fullmatch(ids[0]) is None:
        return None
    return ids[0]


def openreview_url(openreview_id: str) -> str:
    return "https://openreview.net/forum?id=" + quote(openreview_id, safe="")


# --------------------------------------------------------------------------------------------
# ACL Anthology

_ACL_ID_RE = re.compile(
    r"""
    (?:
        (?P<old>[a-z]\d{2}-\d{4})                                # P18-1001
      | (?P<new>(?:19|20)\d{2}\.[a-z0-9]+(?:-[a-z0-9]+)+\.\d+)   # 2021.naacl-main.208
    )
    (?:v(?P<revision>\d+))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_ACL_DOI_RE = re.compile(r"10\.18653/v1/(?P<id>.+)", re.IGNORECASE)
_ACL_FILE_SUFFIX_RE = re.compile(r"\.(?:pdf|bib|xml)$", re.IGNORECASE)


def _parse_bare_acl(value: str) -> AclId | None:
    m = _ACL_ID_RE.fullmatch(value.strip())
    if m is None:
        return None
    # Anthology spells old ids with an upper-case venue letter and new ids in lower case.
    old = m.group("old")
    acl_id = old.upper() if old is not None else m.group("new").lower()
    revision = int(m.group("revision")) if m.group("revision") is not None else None
    return AclId(acl_id, revision)


def _acl_from_doi(doi: str) -> AclId | None:
    m = _ACL_DOI_RE.fullmatch(doi)
    return _parse_bare_acl(m.group("id")) if m is not None else None


def parse_acl(value: str) -> AclId | None:
    """ACL Anthology id from an Anthology/aclweb URL, a 10.18653/v1/ DOI or a bare id."""
    url = _split_url(value)
    if url is None:
        bare = _parse_bare_acl(value)
        if bare is not None:
            return bare
        doi = clean_doi(value)
        return _acl_from_doi(doi) if doi is not None else None
    if url.host in _DOI_HOSTS:
        doi = clean_doi(url.text)
        return _acl_from_doi(doi) if doi is not None else None
    path = unquote(url.path)
    if url.host in _ACLWEB_HOSTS:
        if not path.startswith("/anthology/"):
            return None
    elif url.host not in _ACL_HOSTS:
        return None
    segments = [s for s in path.split("/") if s]
    if not segments:
        return None
    # The id is the last segment in every layout: /<id>/, /<id>.pdf, /anthology/P/P18/<id>.pdf
    return _parse_bare_acl(_ACL_FILE_SUFFIX_RE.sub("", segments[-1]))


def acl_url(acl_id: str) -> str:
    return f"https://aclanthology.org/{acl_id}/"


# --------------------------------------------------------------------------------------------
# PubMed / PubMed Central

# A bare number is far too generic (idutils calls "12345678" a PMID), so require a prefix.
_PMID_PREFIXED_RE = re.compile(r"pmid\s*:?\s*0*(?P<n>[1-9]\d{0,8})", re.IGNORECASE)
_PUBMED_PATH_RE = re.compile(r"/0*(?P<n>[1-9]\d{0,8})/?")
_NCBI_PUBMED_PATH_RE = re.compile(r"/pubmed/0*(?P<n>[1-9]\d{0,8})/?")
_PMCID_BARE_RE = re.compile(r"(?:pmcid\s*:?\s*)?(?P<id>pmc\d+)", re.IGNORECASE)
_NCBI_PMC_PATH_RE = re.compile(r"/pmc/articles/(?P<id>pmc\d+)(?:/.*)?", re.IGNORECASE)
_PMC_PATH_RE = re.compile(r"/articles/(?P<id>pmc\d+)(?:/.*)?", re.IGNORECASE)


def parse_pmid(value: str) -> str | None:
    """PMID from a PubMed URL or an explicitly prefixed "PMID: n"; never from bare digits."""
    url = _split_url(value)
    m: re.Match[str] | None
    if url is None:
        m = _PMID_PREFIXED_RE.fullmatch(value.strip())
    elif url.host in _PUBMED_HOSTS:
        m = _PUBMED_PATH_RE.fullmatch(url.path)
    elif url.host in _NCBI_HOSTS:
        m = _NCBI_PUBMED_PATH_RE.fullmatch(url.path)
    else:
        m = None
    return m.group("n") if m is not None else None


def parse_pmcid(value: str) -> str | None:
    """PMCID ("PMC6851403") from a bare/prefixed id or a PMC article URL (old and new host)."""
    url = _split_url(value)
    m: re.Match[str] | None
    if url is None:
        m = _PMCID_BARE_RE.fullmatch(value.strip())
    elif url.host in _PMC_HOSTS:
        m = _PMC_PATH_RE.fullmatch(url.path)
    elif url.host in _NCBI_HOSTS:
        m = _NCBI_PMC_PATH_RE.fullmatch(url.path)
    else:
        m = None
    if m is None:
        return None
    pmcid = m.group("id").upper()
    return pmcid if idutils.is_pmcid(pmcid) else None


# --------------------------------------------------------------------------------------------
# ISBN

# "ISBN 0-262-03561-8", "isbn:978-0-262-03561-3", "ISBN-13: ...", "urn:isbn:...". Whatever follows
# the prefix is meant as an ISBN, so a wrong one earns a precise refusal (`isbn_problem`).
_ISBN_PREFIXED_RE = re.compile(
    r"(?:urn:)?isbn(?:[ -]?1[03](?=[\s:]))?\s*:?\s*(?P<isbn>\S.*)", re.IGNORECASE
)
# Digits grouped by single hyphens or spaces; an ISBN-10 may end in X (the check digit 10).
_ISBN_SHAPE_RE = re.compile(r"[0-9](?:[ -]?[0-9])*(?:[ -]?[Xx])?")
# Without a prefix only the EAN "Bookland" form is clearly a book number: an ISBN-13 starts with
# 978 or 979, whereas a bare ten-digit number could be anything.
_ISBN_BARE_RE = re.compile(r"(?P<isbn>97[89](?:[ -]?[0-9]){10})")
_ISBN_PATH_RE = re.compile(r"/isbn/(?P<isbn>[0-9Xx-]+?)(?:\.json)?/?", re.IGNORECASE)
_GOOGLE_BOOKS_HOST_RE = re.compile(r"books\.google(?:\.[a-z]{2,3}){1,2}")
_GOOGLE_BOOKS_VID_RE = re.compile(r"isbn:?(?P<isbn>[0-9Xx-]+)", re.IGNORECASE)


def _isbn_digits(text: str) -> str:
    return text.replace("-", "").replace(" ", "").upper()


def _isbn10_valid(digits: str) -> bool:
    if len(digits) != 10 or not digits[:9].isdigit():
        return False
    values = [*map(int, digits[:9]), 10 if digits[9] == "X" else int(digits[9])]
    return sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0


def _isbn13_check(first12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str(-total % 10)


def _isbn13_valid(digits: str) -> bool:
    # 979-0 is the ISMN range (printed music), not books, though idutils accepts it.
    if len(digits) != 13 or not digits.isdigit() or digits[:3] not in ("978", "979"):
        return False
    return digits[:4] != "9790" and _isbn13_check(digits[:12]) == digits[12]


def _isbn13(text: str) -> str | None:
    """The ISBN-13 an ISBN-10 or ISBN-13 (hyphens and spaces allowed) stands for, or None."""
    if _ISBN_SHAPE_RE.fullmatch(text) is None:
        return None
    digits = _isbn_digits(text)
    if _isbn10_valid(digits):
        # Every ISBN-10 is the 978 ISBN-13 with the same nine digits and its own check digit.
        digits = "978" + digits[:9] + _isbn13_check("978" + digits[:9])
    if not _isbn13_valid(digits) or not idutils.is_isbn13(digits):
        return None
    return digits


def _isbn_text_in_url(url: _Url) -> str | None:
    """What stands in an ISBN resolver's URL (Open Library, WorldCat, isbnsearch.org, Google
    Books' vid=ISBN...), unchecked; None for any other URL."""
    if url.host in _OPENLIBRARY_HOSTS | _WORLDCAT_HOSTS | _ISBNSEARCH_HOSTS:
        m = _ISBN_PATH_RE.fullmatch(unquote(url.path))
        return m.group("isbn") if m is not None else None
    if _GOOGLE_BOOKS_HOST_RE.fullmatch(url.host) and url.path.rstrip("/") == "/books":
        vid = next(iter(parse_qs(url.query).get("vid", [])), "")
        m = _GOOGLE_BOOKS_VID_RE.fullmatch(vid)
        return m.group("isbn") if m is not None else None
    return None


def _isbn_text(value: str) -> str | None:
    """The ISBN a URL or an identifier string means to name, unchecked; None if it names none."""
    url = _split_url(value)
    if url is not None:
        return _isbn_text_in_url(url)
    text = value.strip()
    m = _ISBN_PREFIXED_RE.fullmatch(text) or _ISBN_BARE_RE.fullmatch(text)
    return m.group("isbn").strip() if m is not None else None


def parse_isbn(value: str) -> str | None:
    """ISBN-13 (digits only) from "ISBN 0-262-03561-8", "isbn:978-0-262-03561-3", a bare
    978/979 number or an ISBN URL; None when the check digit is wrong."""
    found = _isbn_text(value)
    return _isbn13(found) if found is not None else None


def isbn_problem(value: str) -> str | None:
    """Why value, which is meant as an ISBN, is none; None when it is one or is not meant as one."""
    found = _isbn_text(value)
    if found is None or parse_isbn(value) is not None:
        return None
    digits = _isbn_digits(found)
    if _ISBN_SHAPE_RE.fullmatch(found) is None or len(digits) not in (10, 13):
        return f"{found} is not an ISBN: an ISBN has 10 or 13 digits (an ISBN-10 may end in X)"
    if len(digits) == 13 and digits[:3] not in ("978", "979"):
        return f"{found} is not an ISBN: an ISBN-13 starts with 978 or 979"
    if len(digits) == 13 and digits.startswith("9790"):
        return f"{found} is not an ISBN: numbers starting 979-0 are ISMNs (printed music)"
    return f"{found} is not an ISBN: its check digit is wrong (a typo?)"


def isbn_url(isbn: str) -> str:
    return f"https://openlibrary.org/isbn/{isbn}"


# --------------------------------------------------------------------------------------------
# URLs

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "mkt_tok",
        "si",
        "spm",
        "scm",
        "vero_id",
        "oly_anon_id",
        "oly_enc_id",
        "wt_mc",
    }
)
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|[0-9a-f:.]*:[0-9a-f:.]*")
_QUERY_SAFE = _PATH_SAFE + "?%"
_ESCAPE_RE = re.compile(r"%[0-9a-fA-F]{2}")


def _normalise_escapes(text: str, safe: str) -> str:
    # Browsers send location.href percent-encoded (UTF-8, upper-case hex): encode what a pasted
    # URL may carry raw (spaces, non-ASCII) and upper-case existing escapes (RFC 3986 6.2.2.1),
    # leaving valid escapes themselves alone.
    encoded = quote(text, safe=safe + "%")
    return _ESCAPE_RE.sub(lambda m: m.group().upper(), encoded)


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered.startswith("utm_") or lowered in _TRACKING_PARAMS


def _canonical_query(query: str) -> str:
    pieces = [p for p in query.split("&") if p]

    def key(piece: str) -> str:
        return unquote_plus(piece.split("=", 1)[0])

    kept = [_normalise_escapes(p, _QUERY_SAFE) for p in pieces if not _is_tracking(key(p))]
    # Sort by key only: the sort is stable, so repeated keys (a=2&a=1) keep their order, which
    # some servers depend on. Pieces stay as sent rather than re-encoded via urlencode.
    kept.sort(key=key)
    return "&".join(kept)


def canonicalize_url(url: str) -> str | None:
    """Canonical http(s) URL for identity: None for any other scheme or an unparsable URL.

    Lower-cases scheme and host, drops credentials, default port, fragment and tracking
    parameters, sorts the remaining query parameters and keeps the path as is, except that an
    empty path becomes "/" (what browsers report for a site root).
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if _HOST_RE.fullmatch(host) is None:
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _normalise_escapes(parts.path, _PATH_SAFE) or "/"
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


# --------------------------------------------------------------------------------------------
# Everything at once


def _from_doi(doi: str) -> Identifiers:
    arxiv = _arxiv_from_doi(doi)
    if arxiv is not None:
        # Rebuild the DOI so that 10.48550/ARXIV.x and 10.48550/arXiv.x display the same.
        return Identifiers(arxiv=arxiv, doi=arxiv_doi(arxiv.id))
    return Identifiers(doi=doi, acl=_acl_from_doi(doi))


def identify(value: str) -> Identifiers:
    """Every identifier a URL or identifier string implies; empty Identifiers for junk.

    A DOI or ISBN resolver URL is identified by its DOI or ISBN alone (url stays None); any
    other http(s) URL keeps its canonical form in ``url`` next to whatever ids its host and
    path carry: the DOI in a known publisher's article URL (`_doi_from_publisher_url`;
    `clean_doi` itself takes none from a non-resolver URL).
    """
    text = value.strip()
    if not text:
        return Identifiers()
    url = _split_url(text)
    if url is not None:
        if _isbn_text_in_url(url) is not None:
            # An ISBN resolver's page is the book's and nothing else; one with a wrong check
            # digit names no book at all (`isbn_problem` says why).
            isbn = parse_isbn(text)
            return Identifiers(isbn=isbn) if isbn is not None else Identifiers()
        if url.host in _DOI_HOSTS:
            doi = clean_doi(text)
            if doi is not None:
                return _from_doi(doi)
        if url.host not in _KNOWN_HOSTS:
            doi = _doi_from_publisher_url(url)
            if doi is not None:
                return replace(_from_doi(doi), url=canonicalize_url(url.text))
        return Identifiers(
            arxiv=_arxiv_from_url(url),
            openreview=parse_openreview(text),
            acl=parse_acl(text),
            pmid=parse_pmid(text),
            pmcid=parse_pmcid(text),
            url=canonicalize_url(url.text),
        )
    arxiv = _parse_bare_arxiv(text)
    if arxiv is not None:
        return Identifiers(arxiv=arxiv)
    acl = _parse_bare_acl(text)
    if acl is not None:
        return Identifiers(acl=acl)
    pmid = parse_pmid(text)
    if pmid is not None:
        return Identifiers(pmid=pmid)
    pmcid = parse_pmcid(text)
    if pmcid is not None:
        return Identifiers(pmcid=pmcid)
    isbn = parse_isbn(text)
    if isbn is not None:
        return Identifiers(isbn=isbn)
    doi = clean_doi(text)
    if doi is not None:
        return _from_doi(doi)
    return Identifiers()


def without_derived_arxiv_doi(found: Identifiers) -> Identifiers:
    """Drop arXiv's own DOI when the arXiv id is known: it adds no identity, only a second key."""
    if found.arxiv is not None and found.doi_key == doi_key(arxiv_doi(found.arxiv.id)):
        return replace(found, doi=None)
    return found
