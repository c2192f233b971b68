"""Unit tests for readinglist.identifiers: pure functions, no database, no Django."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.identifiers import (
    AclId,
    ArxivId,
    Identifiers,
    Scheme,
    acl_url,
    arxiv_doi,
    canonical_arxiv_url,
    canonicalize_url,
    clean_doi,
    doi_key,
    doi_url,
    identify,
    openreview_url,
    parse_acl,
    parse_arxiv,
    parse_openreview,
    parse_pmcid,
    parse_pmid,
)


def _params(rows: Iterable[tuple[str, Any, Any]]) -> list[Any]:
    """(id, input, expected) rows -> pytest params with readable ids."""
    return [pytest.param(value, expected, id=case_id) for case_id, value, expected in rows]


# --------------------------------------------------------------------------------------------
# The input -> canonical table of ../shared/notes/metadata.md, section 5, row by row.
# Expected value: the lookup key carrying the canonical form (None: no key at all), plus the
# version/revision where the table gives one.

METADATA_TABLE: list[tuple[str, str, tuple[Scheme, str] | None, int | None]] = [
    ("doi-upper-suffix", "https://doi.org/10.1007/S10924-010-0192-1",
     (Scheme.DOI, "10.1007/s10924-010-0192-1"), None),
    ("doi-prefix-trailing-dot", "doi:10.1038/nature10669.",
     (Scheme.DOI, "10.1038/nature10669"), None),
    ("doi-www-resolver", "https://www.doi.org/10.1038/nature10669",
     (Scheme.DOI, "10.1038/nature10669"), None),
    ("doi-DOI-space", "DOI: 10.7554/eLife.44753", (Scheme.DOI, "10.7554/elife.44753"), None),
    ("doi-info-uri", "info:doi/10.1145/3368089.3409741",
     (Scheme.DOI, "10.1145/3368089.3409741"), None),
    ("doi-sici-escaped",
     "https://doi.org/10.1002/(SICI)1097-4636(199707)36:1%3C1::AID-JBM1%3E3.0.CO;2-C",
     (Scheme.DOI, "10.1002/(sici)1097-4636(199707)36:1<1::aid-jbm1>3.0.co;2-c"), None),
    ("doi-in-parentheses", "(see 10.1126/science.1144079)",
     (Scheme.DOI, "10.1126/science.1144079"), None),
    ("arxiv-prefixed-v2", "arXiv:2106.09608v2", (Scheme.ARXIV, "2106.09608"), 2),
    ("arxiv-pdf-url-v2", "https://arxiv.org/pdf/2106.09608v2.pdf", (Scheme.ARXIV, "2106.09608"), 2),
    ("arxiv-html-url-v1", "https://arxiv.org/html/2403.10561v1", (Scheme.ARXIV, "2403.10561"), 1),
    ("arxiv-upper-V7", "ARXIV:1706.03762V7", (Scheme.ARXIV, "1706.03762"), 7),
    ("arxiv-doi-url", "https://doi.org/10.48550/arXiv.1706.03762",
     (Scheme.ARXIV, "1706.03762"), None),
    ("arxiv-huggingface", "https://huggingface.co/papers/1706.03762",
     (Scheme.ARXIV, "1706.03762"), None),
    ("arxiv-export", "https://export.arxiv.org/abs/1706.03762", (Scheme.ARXIV, "1706.03762"), None),
    ("arxiv-old-v1", "hep-th/9901001v1", (Scheme.ARXIV, "hep-th/9901001"), 1),
    ("arxiv-old-subject-class", "arXiv:math.GT/0309136", (Scheme.ARXIV, "math/0309136"), None),
    ("arxiv-xxx-lanl", "http://xxx.lanl.gov/abs/cond-mat/9609089",
     (Scheme.ARXIV, "cond-mat/9609089"), None),
    ("reject-1412-five-digits", "1412.12345", None, None),
    ("reject-month-13", "2113.00001", None, None),
    ("reject-unrelated-host", "https://example.org/abs/1706.03762",
     (Scheme.URL, "https://example.org/abs/1706.03762"), None),
    ("pubmed-url", "https://pubmed.ncbi.nlm.nih.gov/31081650/", (Scheme.PMID, "31081650"), None),
    ("pmid-prefixed", "PMID: 17641166", (Scheme.PMID, "17641166"), None),
    ("pmc-url", "https://pmc.ncbi.nlm.nih.gov/articles/PMC6851403/",
     (Scheme.PMCID, "PMC6851403"), None),
    ("acl-url-new", "https://aclanthology.org/2021.naacl-main.208/",
     (Scheme.ACL, "2021.naacl-main.208"), None),
    ("acl-doi", "10.18653/v1/2021.naacl-main.208", (Scheme.ACL, "2021.naacl-main.208"), None),
    ("acl-aclweb-pdf", "http://aclweb.org/anthology/P18-1001.pdf", (Scheme.ACL, "P18-1001"), None),
    ("acl-revision-pdf", "https://aclanthology.org/2020.acl-main.1v2.pdf",
     (Scheme.ACL, "2020.acl-main.1"), 2),
    ("openreview-forum-noteId", "https://openreview.net/forum?id=S1lhbnRqF7&noteId=abc",
     (Scheme.OPENREVIEW, "S1lhbnRqF7"), None),
    ("openreview-pdf", "https://openreview.net/pdf?id=fugnQxbvMm",
     (Scheme.OPENREVIEW, "fugnQxbvMm"), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "key", "version"),
    [pytest.param(v, k, n, id=i) for i, v, k, n in METADATA_TABLE],
)
def test_metadata_notes_table(
    value: str, key: tuple[Scheme, str] | None, version: int | None
) -> None:
    ids = identify(value)
    if key is None:
        assert ids.lookup_keys() == []
    else:
        # An ACL DOI yields the DOI key first and the ACL key second; every other row's
        # canonical form is the most specific key.
        keys = ids.lookup_keys()
        assert key in keys
        assert keys[0] == key or (ids.doi is not None and key[0] is Scheme.ACL)
    if ids.arxiv is not None:
        assert ids.arxiv.version == version
    elif ids.acl is not None:
        assert ids.acl.revision == version
    else:
        assert version is None


# --------------------------------------------------------------------------------------------
# DOI

DOI_CASES: list[tuple[str, str, str | None]] = [
    ("resolver-https", "https://doi.org/10.1038/nature10669", "10.1038/nature10669"),
    ("resolver-dx-http", "http://dx.doi.org/10.1093/NAR/GKY1049", "10.1093/NAR/GKY1049"),
    ("resolver-upper-host", "HTTPS://DOI.ORG/10.1038/nature10669", "10.1038/nature10669"),
    ("resolver-schemeless", "doi.org/10.1038/nature10669", "10.1038/nature10669"),
    ("resolver-query-dropped", "https://doi.org/10.1038/nature10669?utm_source=x",
     "10.1038/nature10669"),
    ("keeps-original-case", "DOI: 10.7554/eLife.44753", "10.7554/eLife.44753"),
    ("sici-decoded",
     "https://doi.org/10.1002/(SICI)1097-4636(199707)36:1%3C1::AID-JBM1%3E3.0.CO;2-C",
     "10.1002/(SICI)1097-4636(199707)36:1<1::AID-JBM1>3.0.CO;2-C"),
    ("sici-raw", "10.1002/(SICI)1097-4636(199707)36:1<1::AID-JBM1>3.0.CO;2-C",
     "10.1002/(SICI)1097-4636(199707)36:1<1::AID-JBM1>3.0.CO;2-C"),
    ("balanced-parens-kept", "10.1016/0144-8617(96)00028-8", "10.1016/0144-8617(96)00028-8"),
    ("unbalanced-paren-stripped", "(10.1016/0144-8617(96)00028-8)",
     "10.1016/0144-8617(96)00028-8"),
    ("trailing-semicolon", "doi:10.1038/nature10669;", "10.1038/nature10669"),
    ("trailing-quote-comma", '"10.1038/nature10669",', "10.1038/nature10669"),
    ("square-brackets", "[doi:10.1038/nature10669]", "10.1038/nature10669"),
    ("colon-inside-suffix", "10.1051/jphysrad:01955001606044400",
     "10.1051/jphysrad:01955001606044400"),
    ("sentence", "Published as DOI 10.1145/3368089.3409741. Cite it.", "10.1145/3368089.3409741"),
    ("encoded-whole-url", "https%3A%2F%2Fdoi.org%2F10.1038%2Fnature10669", "10.1038/nature10669"),
    ("double-encoded",
     "https://doi.org/10.1002/(SICI)1097-4636(199707)36:1%253C1::AID-JBM1%253E3.0.CO;2-C",
     "10.1002/(SICI)1097-4636(199707)36:1<1::AID-JBM1>3.0.CO;2-C"),
    ("non-utf8-escape-kept", "https://doi.org/10.1234/caf%E9", "10.1234/caf%E9"),
    ("arxiv-doi-kept-as-doi", "10.48550/ARXIV.2106.09608", "10.48550/ARXIV.2106.09608"),
    ("reject-registrant-too-short", "10.123/abc", None),
    ("reject-one-digit-registrant", "10.1/x", None),
    ("reject-empty-suffix", "10.1234/", None),
    ("reject-publisher-url", "https://link.springer.com/article/10.1007/s10924-010-0192-1", None),
    ("reject-resolver-home", "https://doi.org/", None),
    ("reject-text", "no doi here", None),
    ("reject-empty", "", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(DOI_CASES))
def test_clean_doi(value: str, expected: str | None) -> None:
    assert clean_doi(value) == expected


def test_doi_key_is_lower_case() -> None:
    assert doi_key("10.7554/eLife.44753") == "10.7554/elife.44753"


def test_doi_url_escapes_what_a_path_cannot_hold() -> None:
    sici = "10.1002/(SICI)1097-4636(199707)36:1<1::AID-JBM1>3.0.CO;2-C"
    assert doi_url(sici) == (
        "https://doi.org/10.1002/(SICI)1097-4636(199707)36:1%3C1::AID-JBM1%3E3.0.CO;2-C"
    )
    assert clean_doi(doi_url(sici)) == sici


# --------------------------------------------------------------------------------------------
# arXiv

ARXIV_CASES: list[tuple[str, str, ArxivId | None]] = [
    ("bare-new", "2106.09608", ArxivId("2106.09608", None)),
    ("bare-new-version", "2106.09608v2", ArxivId("2106.09608", 2)),
    ("first-new-scheme-id", "0704.0001", ArxivId("0704.0001", None)),
    ("last-four-digit-month", "1412.9999", ArxivId("1412.9999", None)),
    ("first-five-digit-month", "1501.00001", ArxivId("1501.00001", None)),
    ("prefix-space", "arXiv: 2106.09608", ArxivId("2106.09608", None)),
    ("old-upper-version", "ARXIV:hep-th/9901001V3", ArxivId("hep-th/9901001", 3)),
    ("old-subject-class-version", "math.GT/0309136v2", ArxivId("math/0309136", 2)),
    ("abs-url", "https://arxiv.org/abs/2106.09608v2", ArxivId("2106.09608", 2)),
    ("abs-url-www", "https://www.arxiv.org/abs/2106.09608", ArxivId("2106.09608", None)),
    ("abs-url-query", "https://arxiv.org/abs/2106.09608v2?context=cs.AI", ArxivId("2106.09608", 2)),
    ("abs-url-schemeless", "arxiv.org/abs/2106.09608", ArxivId("2106.09608", None)),
    ("pdf-no-suffix", "https://arxiv.org/pdf/2106.09608", ArxivId("2106.09608", None)),
    ("pdf-suffix", "https://arxiv.org/pdf/2106.09608.pdf", ArxivId("2106.09608", None)),
    ("pdf-http-export", "http://export.arxiv.org/pdf/2106.09608v1", ArxivId("2106.09608", 1)),
    ("pdf-old-style", "https://arxiv.org/pdf/hep-th/9901001v1.pdf", ArxivId("hep-th/9901001", 1)),
    ("abs-old-subject-class", "https://arxiv.org/abs/math.GT/0309136",
     ArxivId("math/0309136", None)),
    ("format-url", "https://arxiv.org/format/2106.09608", ArxivId("2106.09608", None)),
    ("html-subresource", "https://arxiv.org/html/2403.10561v1/#S2", ArxivId("2403.10561", 1)),
    ("ar5iv", "https://ar5iv.labs.arxiv.org/html/1706.03762", ArxivId("1706.03762", None)),
    ("huggingface", "https://huggingface.co/papers/2106.09608", ArxivId("2106.09608", None)),
    ("alphaxiv", "https://www.alphaxiv.org/abs/2106.09608", ArxivId("2106.09608", None)),
    ("alphaxiv-overview", "https://alphaxiv.org/overview/2106.09608v2", ArxivId("2106.09608", 2)),
    ("doi-bare-upper", "10.48550/ARXIV.2106.09608", ArxivId("2106.09608", None)),
    ("doi-prefixed", "doi:10.48550/arXiv.2106.09608", ArxivId("2106.09608", None)),
    ("doi-dx-url", "https://dx.doi.org/10.48550/arXiv.2106.09608", ArxivId("2106.09608", None)),
    ("doi-old-style", "https://doi.org/10.48550/arXiv.math/0309136", ArxivId("math/0309136", None)),
    ("reject-1412-five-digits", "1412.12345", None),
    ("reject-1501-four-digits", "1501.0001", None),
    ("reject-before-scheme", "0703.1234", None),
    ("reject-month-13", "2113.00001", None),
    ("reject-version-zero", "2106.09608v0", None),
    ("reject-unknown-archive", "foo/1234567", None),
    ("reject-old-after-2007-03", "math/0704001", None),
    ("reject-trailing-junk", "2106.09608abc", None),
    ("reject-unrelated-host", "https://example.org/abs/1706.03762", None),
    ("reject-listing-recent", "https://arxiv.org/list/cs.CL/recent", None),
    ("reject-listing-month", "https://arxiv.org/list/cs.AI/2106", None),
    ("reject-author-page", "https://arxiv.org/a/riedl_m_1", None),
    ("reject-hf-daily-listing", "https://huggingface.co/papers/date/2017-06-13", None),
    ("reject-non-arxiv-doi", "10.1038/nature10669", None),
    ("reject-ftp", "ftp://arxiv.org/abs/2106.09608", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(ARXIV_CASES))
def test_parse_arxiv(value: str, expected: ArxivId | None) -> None:
    assert parse_arxiv(value) == expected


ARXIV_EQUIVALENT = [
    "https://arxiv.org/abs/2106.09608v2",
    "https://arxiv.org/pdf/2106.09608",
    "https://huggingface.co/papers/2106.09608",
    "doi:10.48550/arXiv.2106.09608",
]


@pytest.mark.parametrize("value", ARXIV_EQUIVALENT)
def test_arxiv_forms_share_the_first_key(value: str) -> None:
    assert identify(value).lookup_keys()[0] == (Scheme.ARXIV, "2106.09608")


def test_arxiv_derived_forms() -> None:
    assert arxiv_doi("2106.09608") == "10.48550/arXiv.2106.09608"
    assert arxiv_doi("arXiv:2106.09608v2") == "10.48550/arXiv.2106.09608"
    assert arxiv_doi("math.GT/0309136") == "10.48550/arXiv.math/0309136"
    assert canonical_arxiv_url(ArxivId("2106.09608", 2)) == "https://arxiv.org/abs/2106.09608v2"
    assert canonical_arxiv_url(ArxivId("hep-th/9901001")) == "https://arxiv.org/abs/hep-th/9901001"
    with pytest.raises(ValueError, match="not an arXiv id"):
        arxiv_doi("1412.12345")


# --------------------------------------------------------------------------------------------
# ACL Anthology

ACL_CASES: list[tuple[str, str, AclId | None]] = [
    ("new-url-no-slash", "https://aclanthology.org/2021.naacl-main.208",
     AclId("2021.naacl-main.208")),
    ("new-pdf", "https://aclanthology.org/2021.naacl-main.208.pdf", AclId("2021.naacl-main.208")),
    ("new-bib", "https://aclanthology.org/2021.naacl-main.208.bib", AclId("2021.naacl-main.208")),
    ("old-url", "https://aclanthology.org/N04-1001/", AclId("N04-1001")),
    ("old-pdf", "https://aclanthology.org/N04-1001.pdf", AclId("N04-1001")),
    ("old-revision", "https://aclanthology.org/P18-1001v2.pdf", AclId("P18-1001", 2)),
    ("aclweb-www", "https://www.aclweb.org/anthology/P18-1001", AclId("P18-1001")),
    ("aclweb-nested", "http://www.aclweb.org/anthology/P/P18/P18-1001.pdf", AclId("P18-1001")),
    ("aclweb-new", "https://www.aclweb.org/anthology/2020.acl-main.1.pdf",
     AclId("2020.acl-main.1")),
    ("findings", "https://aclanthology.org/2020.findings-emnlp.1/",
     AclId("2020.findings-emnlp.1")),
    ("bare-new", "2021.naacl-main.208", AclId("2021.naacl-main.208")),
    ("bare-old-lower", "p18-1001", AclId("P18-1001")),
    ("doi-url", "https://doi.org/10.18653/v1/2021.naacl-main.208", AclId("2021.naacl-main.208")),
    ("doi-old-id", "doi:10.18653/v1/P18-1001", AclId("P18-1001")),
    ("reject-volume-page", "https://aclanthology.org/volumes/2021.naacl-main/", None),
    ("reject-event-page", "https://aclanthology.org/events/acl-2021/", None),
    ("reject-aclweb-portal", "https://www.aclweb.org/portal/P18-1001", None),
    ("reject-other-host", "https://example.org/P18-1001.pdf", None),
    ("reject-other-doi", "10.1145/3368089.3409741", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(ACL_CASES))
def test_parse_acl(value: str, expected: AclId | None) -> None:
    assert parse_acl(value) == expected


def test_acl_url() -> None:
    assert acl_url("2021.naacl-main.208") == "https://aclanthology.org/2021.naacl-main.208/"


# --------------------------------------------------------------------------------------------
# OpenReview

OPENREVIEW_CASES: list[tuple[str, str, str | None]] = [
    ("forum", "https://openreview.net/forum?id=S1lhbnRqF7", "S1lhbnRqF7"),
    ("forum-noteId-first", "https://openreview.net/forum?noteId=HJxyz12345&id=S1lhbnRqF7",
     "S1lhbnRqF7"),
    ("forum-referrer", "https://openreview.net/forum?id=jjseaY5yN6&referrer=%5BPC%20Console%5D",
     "jjseaY5yN6"),
    ("pdf", "https://openreview.net/pdf?id=S1lhbnRqF7", "S1lhbnRqF7"),
    ("attachment", "https://openreview.net/attachment?id=S1lhbnRqF7&name=supplementary_material",
     "S1lhbnRqF7"),
    ("old-v1-13-chars", "http://openreview.net/forum?id=xf0zSBd2iufMg", "xf0zSBd2iufMg"),
    ("dash-underscore", "https://openreview.net/forum?id=rJl-b3R_F7", "rJl-b3R_F7"),
    ("schemeless", "openreview.net/forum?id=S1lhbnRqF7", "S1lhbnRqF7"),
    ("reject-noteId-only", "https://openreview.net/forum?noteId=S1lhbnRqF7", None),
    ("reject-group", "https://openreview.net/group?id=ICLR.cc/2019/Conference", None),
    ("reject-too-short", "https://openreview.net/forum?id=abc", None),
    ("reject-bare-id", "S1lhbnRqF7", None),
    ("reject-other-host", "https://example.com/forum?id=S1lhbnRqF7", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(OPENREVIEW_CASES))
def test_parse_openreview(value: str, expected: str | None) -> None:
    assert parse_openreview(value) == expected


def test_openreview_ids_are_case_sensitive() -> None:
    upper = identify("https://openreview.net/forum?id=S1LHBNRQF7")
    assert upper.openreview == "S1LHBNRQF7"
    assert (
        upper.lookup_keys()[0]
        != identify("https://openreview.net/forum?id=S1lhbnRqF7").lookup_keys()[0]
    )
    assert openreview_url("S1lhbnRqF7") == "https://openreview.net/forum?id=S1lhbnRqF7"


# --------------------------------------------------------------------------------------------
# PubMed / PMC

PMID_CASES: list[tuple[str, str, str | None]] = [
    ("pubmed-url", "https://pubmed.ncbi.nlm.nih.gov/31081650/", "31081650"),
    ("pubmed-url-no-slash", "https://pubmed.ncbi.nlm.nih.gov/31081650", "31081650"),
    ("legacy-ncbi-url", "https://www.ncbi.nlm.nih.gov/pubmed/17641166", "17641166"),
    ("prefix-colon-space", "PMID: 17641166", "17641166"),
    ("prefix-lower", "pmid:31081650", "31081650"),
    ("prefix-no-colon", "PMID 17641166", "17641166"),
    ("reject-bare-digits", "12345678", None),
    ("reject-search-page", "https://pubmed.ncbi.nlm.nih.gov/?term=cancer", None),
    ("reject-ten-digits", "PMID: 1234567890", None),
    ("reject-other-host", "https://example.org/31081650/", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(PMID_CASES))
def test_parse_pmid(value: str, expected: str | None) -> None:
    assert parse_pmid(value) == expected


PMCID_CASES: list[tuple[str, str, str | None]] = [
    ("bare", "PMC6851403", "PMC6851403"),
    ("bare-lower", "pmc6851403", "PMC6851403"),
    ("prefixed", "PMCID: PMC6851403", "PMC6851403"),
    ("new-host", "https://pmc.ncbi.nlm.nih.gov/articles/PMC6851403/", "PMC6851403"),
    ("new-host-pdf", "https://pmc.ncbi.nlm.nih.gov/articles/PMC6851403/pdf/elife-44753.pdf",
     "PMC6851403"),
    ("old-host", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6851403/", "PMC6851403"),
    ("old-host-no-www", "http://ncbi.nlm.nih.gov/pmc/articles/PMC6851403", "PMC6851403"),
    ("reject-no-digits", "PMC", None),
    ("reject-other-host", "https://example.org/articles/PMC6851403/", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(PMCID_CASES))
def test_parse_pmcid(value: str, expected: str | None) -> None:
    assert parse_pmcid(value) == expected


# --------------------------------------------------------------------------------------------
# URLs

URL_CASES: list[tuple[str, str, str | None]] = [
    ("lower-host-sort-query-drop-fragment", "https://Example.COM/Path?b=2&a=1#section",
     "https://example.com/Path?a=1&b=2"),
    ("upper-scheme-default-port", "HTTPS://EXAMPLE.COM:443", "https://example.com/"),
    ("http-default-port", "http://example.com:80/x", "http://example.com/x"),
    ("other-port-kept", "https://example.com:8443/x", "https://example.com:8443/x"),
    ("root-gets-slash", "https://example.com", "https://example.com/"),
    ("trailing-slash-kept", "https://peerj.com/articles/4375/", "https://peerj.com/articles/4375/"),
    ("www-kept", "https://www.usenix.org/conference/nsdi22/presentation/goyal",
     "https://www.usenix.org/conference/nsdi22/presentation/goyal"),
    ("utm-fbclid", "https://www.nature.com/articles/s41586-020-2649-2"
     "?utm_source=twitter&utm_medium=social&fbclid=IwAR0abc",
     "https://www.nature.com/articles/s41586-020-2649-2"),
    ("gclid-ref", "https://www.biorxiv.org/content/10.1101/2020.03.22.002386v3.full?ref=hn&gclid=x",
     "https://www.biorxiv.org/content/10.1101/2020.03.22.002386v3.full"),
    ("mailchimp-keeps-real-param", "https://example.com/post?mc_cid=1&mc_eid=2&page=3",
     "https://example.com/post?page=3"),
    ("si-igshid-spm", "https://example.com/p?si=abc&igshid=x&spm=a.b&_ga=1&ref_src=twsrc",
     "https://example.com/p"),
    ("repeated-key-order-kept", "https://example.com/?a=2&a=1&0=z",
     "https://example.com/?0=z&a=2&a=1"),
    ("credentials-dropped", "https://user:pass@example.com/a", "https://example.com/a"),
    ("space-encoded", "https://example.com/a b", "https://example.com/a%20b"),
    ("escape-upper-cased", "https://example.com/caf%c3%a9", "https://example.com/caf%C3%A9"),
    ("unicode-path-encoded", "https://example.com/café", "https://example.com/caf%C3%A9"),
    ("idn-host", "https://münchen.de/", "https://xn--mnchen-3ya.de/"),
    ("ipv6-host", "http://[::1]:8000/x", "http://[::1]:8000/x"),
    ("reject-ftp", "ftp://example.com/file", None),
    ("reject-mailto", "mailto:someone@example.com", None),
    ("reject-javascript", "javascript:alert(1)", None),
    ("reject-no-host", "https://", None),
    ("reject-space-in-host", "http://exa mple.com/", None),
    ("reject-bad-port", "https://example.com:99999/", None),
    ("reject-text", "not a url", None),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(URL_CASES))
def test_canonicalize_url(value: str, expected: str | None) -> None:
    assert canonicalize_url(value) == expected


# --------------------------------------------------------------------------------------------
# identify(): what each kind of input implies

IDENTIFY_CASES: list[tuple[str, str, Identifiers]] = [
    ("arxiv-url-sets-arxiv-and-url", "https://arxiv.org/abs/2106.09608v2",
     Identifiers(arxiv=ArxivId("2106.09608", 2), url="https://arxiv.org/abs/2106.09608v2")),
    ("arxiv-url-tracking-dropped", "https://arxiv.org/abs/2106.09608?utm_source=feed",
     Identifiers(arxiv=ArxivId("2106.09608"), url="https://arxiv.org/abs/2106.09608")),
    ("arxiv-bare", "arXiv:2106.09608", Identifiers(arxiv=ArxivId("2106.09608"))),
    ("arxiv-doi-url-sets-doi", "https://doi.org/10.48550/arXiv.2106.09608",
     Identifiers(arxiv=ArxivId("2106.09608"), doi="10.48550/arXiv.2106.09608")),
    ("arxiv-doi-upper", "10.48550/ARXIV.2106.09608",
     Identifiers(arxiv=ArxivId("2106.09608"), doi="10.48550/arXiv.2106.09608")),
    ("hf-paper", "https://huggingface.co/papers/2106.09608",
     Identifiers(arxiv=ArxivId("2106.09608"), url="https://huggingface.co/papers/2106.09608")),
    ("acl-doi-sets-acl-and-doi", "https://doi.org/10.18653/v1/2021.naacl-main.208",
     Identifiers(acl=AclId("2021.naacl-main.208"), doi="10.18653/v1/2021.naacl-main.208")),
    ("acl-url-sets-acl-and-url", "https://aclanthology.org/N04-1001/",
     Identifiers(acl=AclId("N04-1001"), url="https://aclanthology.org/N04-1001/")),
    ("acl-bare", "N04-1001", Identifiers(acl=AclId("N04-1001"))),
    ("openreview-url", "https://openreview.net/forum?id=S1lhbnRqF7",
     Identifiers(openreview="S1lhbnRqF7", url="https://openreview.net/forum?id=S1lhbnRqF7")),
    ("doi-url-has-no-url", "https://doi.org/10.7554/eLife.44753",
     Identifiers(doi="10.7554/eLife.44753")),
    ("doi-prefixed", "doi:10.1007/s10924-010-0192-1", Identifiers(doi="10.1007/s10924-010-0192-1")),
    ("pubmed-url", "https://pubmed.ncbi.nlm.nih.gov/31081650/",
     Identifiers(pmid="31081650", url="https://pubmed.ncbi.nlm.nih.gov/31081650/")),
    ("pmid-prefixed", "PMID: 17641166", Identifiers(pmid="17641166")),
    ("pmc-url", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6851403/",
     Identifiers(pmcid="PMC6851403", url="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC6851403/")),
    ("pmcid-bare", "PMC6851403", Identifiers(pmcid="PMC6851403")),
    # A known publisher's article URL names its DOI (and stays a key of its own).
    ("publisher-url-with-doi", "https://link.springer.com/article/10.1007/s10924-010-0192-1",
     Identifiers(doi="10.1007/s10924-010-0192-1",
                 url="https://link.springer.com/article/10.1007/s10924-010-0192-1")),
    ("biorxiv-pdf", "https://www.biorxiv.org/content/10.1101/2023.01.01.522222v2.full.pdf",
     Identifiers(doi="10.1101/2023.01.01.522222",
                 url="https://www.biorxiv.org/content/10.1101/2023.01.01.522222v2.full.pdf")),
    ("acm-abs", "https://dl.acm.org/doi/abs/10.1145/3368089.3409741",
     Identifiers(doi="10.1145/3368089.3409741",
                 url="https://dl.acm.org/doi/abs/10.1145/3368089.3409741")),
    ("publisher-url-only", "https://www.sciencedirect.com/science/article/pii/S0893608014002135",
     Identifiers(url="https://www.sciencedirect.com/science/article/pii/S0893608014002135")),
    ("unknown-url-only", "https://www.usenix.org/system/files/nsdi22-paper-goyal.pdf",
     Identifiers(url="https://www.usenix.org/system/files/nsdi22-paper-goyal.pdf")),
    ("arxiv-listing-url-only", "https://arxiv.org/list/cs.CL/recent",
     Identifiers(url="https://arxiv.org/list/cs.CL/recent")),
    ("doi-resolver-home-url-only", "https://doi.org/", Identifiers(url="https://doi.org/")),
    ("padded", "  arXiv:2106.09608  \n", Identifiers(arxiv=ArxivId("2106.09608"))),
    ("junk-empty", "", Identifiers()),
    ("junk-blank", "   ", Identifiers()),
    ("junk-words", "hello world", Identifiers()),
    ("junk-bare-number", "12345678", Identifiers()),
    ("junk-javascript", "javascript:alert(1)", Identifiers()),
    ("junk-ftp-arxiv", "ftp://arxiv.org/abs/2106.09608", Identifiers()),
    ("junk-hal-id", "jpa-00235190", Identifiers()),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), _params(IDENTIFY_CASES))
def test_identify(value: str, expected: Identifiers) -> None:
    assert identify(value) == expected


def test_keys_most_specific_first() -> None:
    ids = Identifiers(
        arxiv=ArxivId("2106.09608", 2),
        doi="10.48550/arXiv.2106.09608",
        openreview="S1lhbnRqF7",
        acl=AclId("2021.naacl-main.208", 1),
        pmid="31081650",
        pmcid="PMC6851403",
        url="https://example.com/",
    )
    assert ids.doi_key == "10.48550/arxiv.2106.09608"
    assert ids.lookup_keys() == [
        (Scheme.ARXIV, "2106.09608"),
        (Scheme.DOI, "10.48550/arxiv.2106.09608"),
        (Scheme.OPENREVIEW, "S1lhbnRqF7"),
        (Scheme.ACL, "2021.naacl-main.208"),
        (Scheme.PMID, "31081650"),
        (Scheme.PMCID, "PMC6851403"),
        (Scheme.URL, "https://example.com/"),
    ]
    assert Identifiers().lookup_keys() == []
    assert Identifiers().doi_key is None


def test_merged_fills_only_missing_fields() -> None:
    from_url = identify("https://arxiv.org/abs/2106.09608v2")
    from_doi = identify("doi:10.48550/arXiv.2106.09608")
    assert from_url.merged(from_doi) == Identifiers(
        arxiv=ArxivId("2106.09608", 2),
        doi="10.48550/arXiv.2106.09608",
        url="https://arxiv.org/abs/2106.09608v2",
    )
    assert from_doi.merged(from_url).arxiv == ArxivId("2106.09608", None)
    assert Identifiers().merged(Identifiers()) == Identifiers()


# --------------------------------------------------------------------------------------------
# Saved pages in ../shared/fixtures/pages: pull identifiers the simple way and identify() them.

SHARED = Path(__file__).resolve().parents[3] / "shared"
PAGES = SHARED / "fixtures" / "pages"

_TAG_RE = re.compile(r"<(?:meta|link)\b[^>]*>", re.IGNORECASE)
_ATTR_RE = re.compile(r"""([\w:.-]+)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_HF_CARD_RE = re.compile(r"""<a\b[^>]*\bhref=["'](/papers/[^"'#?]+)["']""", re.IGNORECASE)
_ID_META_NAMES = {
    "citation_doi",
    "citation_arxiv_id",
    "dc.identifier",
    "prism.doi",
    "citation_pdf_url",
}


def _page_candidates(text: str) -> list[str]:
    """Identifier-bearing strings on a page, relative links resolved against og:url."""
    found: list[str] = []
    base: str | None = None
    for tag in _TAG_RE.findall(text):
        attrs = {k.lower(): html.unescape(v.strip("\"'")) for k, v in _ATTR_RE.findall(tag)}
        name = attrs.get("name", "").lower()
        if name in _ID_META_NAMES or attrs.get("property") == "og:url":
            found.append(attrs.get("content", ""))
            if attrs.get("property") == "og:url":
                base = base or attrs.get("content")
        elif attrs.get("rel", "").lower() == "canonical":
            found.append(attrs.get("href", ""))
    found.extend(_HF_CARD_RE.findall(text))
    return [urljoin(base, c) if base and c.startswith("/") else c for c in found if c]


@dataclass(frozen=True)
class PageIds:
    """Ids each scheme must yield across the page (from PROVENANCE.md "Identifiers")."""

    arxiv: frozenset[str] = frozenset()
    doi_keys: frozenset[str] = frozenset()
    acl: frozenset[str] = frozenset()
    openreview: frozenset[str] = frozenset()
    extra: dict[str, str] = field(default_factory=dict)


PAGE_EXPECTATIONS: dict[str, PageIds] = {
    "arxiv_abs_2106.09608_2021.html": PageIds(
        arxiv=frozenset({"2106.09608"}), extra={"derived_doi": "10.48550/arXiv.2106.09608"}
    ),
    "arxiv_abs_1902.02534_head_2023.html": PageIds(arxiv=frozenset({"1902.02534"})),
    "acl_2021.naacl-main.208.html": PageIds(
        acl=frozenset({"2021.naacl-main.208"}),
        doi_keys=frozenset({"10.18653/v1/2021.naacl-main.208"}),
    ),
    "acl_N04-1001.html": PageIds(acl=frozenset({"N04-1001"})),
    "springer_s10924-010-0192-1_jsonld.html": PageIds(
        doi_keys=frozenset({"10.1007/s10924-010-0192-1"})
    ),
    "peerj_4375.html": PageIds(doi_keys=frozenset({"10.7717/peerj.4375"})),
    "elife_44753_dc_only.html": PageIds(
        doi_keys=frozenset({"10.7554/elife.44753"}), extra={"doi": "10.7554/eLife.44753"}
    ),
    "hal_jpa-00235190.html": PageIds(doi_keys=frozenset({"10.1051/jphysrad:01955001606044400"})),
    "usenix_nsdi22-goyal.html": PageIds(),
    "synthetic/hf_daily_papers.synthetic.html": PageIds(
        arxiv=frozenset({"1706.03762", "1810.04805"})
    ),
    "synthetic/hf_paper_1706.03762.synthetic.html": PageIds(arxiv=frozenset({"1706.03762"})),
    "synthetic/openreview_S1lhbnRqF7.synthetic.html": PageIds(openreview=frozenset({"S1lhbnRqF7"})),
}


@pytest.fixture
def pages_dir() -> Path:
    if not PAGES.is_dir():
        pytest.skip(
            f"../shared/fixtures not present ({PAGES} missing); the saved third-party pages are "
            "kept outside the repository and only exist on the project workstation"
        )
    return PAGES


def _identify_all(candidates: Sequence[str]) -> list[Identifiers]:
    return [identify(c) for c in candidates]


@pytest.mark.parametrize("name", sorted(PAGE_EXPECTATIONS))
def test_fixture_page_identifiers(pages_dir: Path, name: str) -> None:
    expected = PAGE_EXPECTATIONS[name]
    candidates = _page_candidates((pages_dir / name).read_text(encoding="utf-8"))
    assert candidates, f"no identifier-bearing tags found in {name}"
    results = _identify_all(candidates)

    assert {r.arxiv.id for r in results if r.arxiv} == expected.arxiv
    assert {r.doi_key for r in results if r.doi_key} == expected.doi_keys
    assert {r.acl.id for r in results if r.acl} == expected.acl
    assert {r.openreview for r in results if r.openreview} == expected.openreview
    assert not any(r.pmid or r.pmcid for r in results)

    merged = Identifiers()
    for r in results:
        merged = merged.merged(r)
    if "derived_doi" in expected.extra:
        assert merged.arxiv is not None
        assert arxiv_doi(merged.arxiv.id) == expected.extra["derived_doi"]
    if "doi" in expected.extra:
        assert merged.doi == expected.extra["doi"]
    # The most specific key of the page is always one of its expected ids (or its URL).
    first_scheme, first_key = merged.lookup_keys()[0]
    expected_first = {
        Scheme.ARXIV: expected.arxiv,
        Scheme.DOI: expected.doi_keys,
        Scheme.ACL: expected.acl,
        Scheme.OPENREVIEW: expected.openreview,
    }.get(first_scheme)
    if expected_first is not None:
        assert first_key in expected_first
    else:
        assert first_scheme is Scheme.URL
        assert not expected.arxiv
        assert not expected.doi_keys
        assert not expected.acl
        assert not expected.openreview


def test_fixture_arxiv_page_og_url_keeps_version(pages_dir: Path) -> None:
    text = (pages_dir / "arxiv_abs_2106.09608_2021.html").read_text(encoding="utf-8")
    og = [c for c in _page_candidates(text) if "/abs/" in c]
    assert [identify(c).arxiv for c in og] == [ArxivId("2106.09608", 2)]


def test_every_fixture_page_has_an_expectation(pages_dir: Path) -> None:
    on_disk = {p.relative_to(pages_dir).as_posix() for p in pages_dir.rglob("*.html")}
    assert on_disk == set(PAGE_EXPECTATIONS), "add expectations for new fixture pages"


# --------------------------------------------------------------------------------------------
# Properties

_DOI_CORE = st.from_regex(r"10\.[0-9]{4,9}/[-._;()/:A-Za-z0-9<>]{0,30}[A-Za-z0-9]", fullmatch=True)
_DOI_WRAPPED = st.tuples(
    st.sampled_from(["", "doi:", "DOI: ", "https://doi.org/", "http://dx.doi.org/", "info:doi/",
                     "https://www.doi.org/", "(see "]),
    _DOI_CORE,
    st.sampled_from(["", ".", ")", ",", '"', ";", "]"]),
).map("".join)  # fmt: skip


@given(_DOI_WRAPPED)
def test_clean_doi_idempotent(value: str) -> None:
    once = clean_doi(value)
    assert once is not None
    assert clean_doi(once) == once


@given(_DOI_WRAPPED)
def test_doi_key_ignores_case(value: str) -> None:
    lower, upper = clean_doi(value), clean_doi(value.upper())
    assert lower is not None
    assert upper is not None
    assert doi_key(upper) == doi_key(lower)


@given(_DOI_CORE)
def test_doi_url_round_trips(core: str) -> None:
    doi = clean_doi(core)
    assert doi is not None
    assert clean_doi(doi_url(doi)) == doi
    assert clean_doi("https://doi.org/" + quote(doi, safe="")) == doi


_OLD_ARCHIVES = ["hep-th", "math", "cond-mat", "astro-ph", "quant-ph", "cs", "gr-qc", "q-bio"]


@st.composite
def _arxiv_ids(draw: st.DrawFn) -> ArxivId:
    version = draw(st.none() | st.integers(min_value=1, max_value=30))
    if draw(st.booleans()):
        yy = draw(st.integers(min_value=7, max_value=99))
        mm = draw(st.integers(min_value=4 if yy == 7 else 1, max_value=12))
        digits = 4 if yy < 15 else 5
        num = draw(st.integers(min_value=1, max_value=10**digits - 1))
        return ArxivId(f"{yy:02d}{mm:02d}.{num:0{digits}d}", version)
    archive = draw(st.sampled_from(_OLD_ARCHIVES))
    yymm = draw(st.sampled_from(["9108", "9501", "9912", "0001", "0309", "0703"]))
    num = draw(st.integers(min_value=1, max_value=999))
    return ArxivId(f"{archive}/{yymm}{num:03d}", version)


@given(_arxiv_ids())
def test_arxiv_canonical_forms_round_trip(a: ArxivId) -> None:
    assert parse_arxiv(canonical_arxiv_url(a)) == a
    assert parse_arxiv(a.id + (f"v{a.version}" if a.version else "")) == a
    assert parse_arxiv(arxiv_doi(a.id)) == ArxivId(a.id, None)
    assert identify(doi_url(arxiv_doi(a.id))).lookup_keys()[0] == (Scheme.ARXIV, a.id)


@given(
    st.text()
    | st.sampled_from(["https://", "http://[", "doi:10.", "arXiv:"]).flatmap(
        lambda prefix: st.text().map(lambda rest: prefix + rest)
    )
)
def test_identify_never_raises(value: str) -> None:
    keys = identify(value).lookup_keys()
    for _scheme, key in keys:
        assert key
        assert key == key.strip()


_URLS = st.from_regex(
    r"(?i:https?)://[A-Za-z0-9.-]{1,15}(:[0-9]{1,5})?(/[A-Za-z0-9%._~ é-]{0,8}){0,3}"
    r"(\?[a-z_]{1,6}=[a-z0-9%+]{0,5}(&[a-z_]{1,6}=[a-z0-9%+]{0,5}){0,3})?(#[a-z]*)?",
    fullmatch=True,
)


@given(_URLS)
def test_canonicalize_url_idempotent(url: str) -> None:
    once = canonicalize_url(url)
    if once is not None:
        assert canonicalize_url(once) == once
