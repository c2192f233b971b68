"""Recorded registry responses (tests/enrichment/fixtures, described in its README), served
by URL as the registries would answer: the recorded body, or NotFound for anything else."""

from __future__ import annotations

from pathlib import Path

from readinglist.enrichment.http import NotFound

FIXTURES = Path(__file__).parent / "enrichment" / "fixtures"
ARXIV = "https://export.arxiv.org/api/query?id_list="
CROSSREF = "https://api.crossref.org/works/"
DATACITE = "https://api.datacite.org/dois/"
OPENREVIEW_V2 = "https://api2.openreview.net/notes?id="
OPENREVIEW_V1 = "https://api.openreview.net/notes?id="
EFETCH = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/efetch.fcgi?db=pubmed&id={}&retmode=xml"
IDCONV = "https://www.ncbi.nlm.nih.gov/pmc/utils/idconv/v1.0/?ids={}&format=json"
# arXiv search, as `enrichment.arxiv_listing.listing_url` asks it (the lab radar).
ARXIV_SEARCH = (
    "https://export.arxiv.org/api/query?search_query={}"
    "&sortBy=submittedDate&sortOrder=descending&max_results=50"
)

RECORDED = {
    ARXIV + "2108.04010": "arxiv_2108.04010.xml",
    ARXIV + "2204.01249": "arxiv_2204.01249.xml",
    ARXIV + "2501.99999": "arxiv_empty_feed.xml",
    ARXIV + "1412.12345": "arxiv_error_entry.xml",
    CROSSREF + "10.1145/3448016.3452841": "crossref_10.1145_3448016.3452841.json",
    CROSSREF + "10.5506/aphyspolb.56.3-a17": "crossref_10.5506_aphyspolb.56.3-a17.json",
    CROSSREF + "10.1101/2020.12.01.406702": "crossref_10.1101_2020.12.01.406702.json",
    CROSSREF + "10.7554/eLife.01567": "crossref_10.7554_elife.01567.json",
    CROSSREF + "10.1007/978-3-662-46370-3_13": "crossref_10.1007_978-3-662-46370-3_13.json",
    DATACITE + "10.48550/arXiv.1902.02534": "datacite_10.48550_arxiv.1902.02534.json",
    DATACITE + "10.5281/zenodo.48440": "datacite_10.5281_zenodo.48440.json",
    OPENREVIEW_V2 + "KS8mIvetg2": "openreview_v2_KS8mIvetg2.json",
    OPENREVIEW_V2 + "nZeVKeeFYf9": "openreview_v2_no_notes.json",
    OPENREVIEW_V1 + "nZeVKeeFYf9": "openreview_v1_nZeVKeeFYf9.json",
    OPENREVIEW_V2 + "unknownForum": "openreview_v2_no_notes.json",
    OPENREVIEW_V1 + "unknownForum": "openreview_v2_no_notes.json",
    "https://aclanthology.org/2021.naacl-main.208.bib": "acl_2021.naacl-main.208.bib",
    "https://aclanthology.org/N04-1001.bib": "acl_N04-1001.bib",
    "https://aclanthology.org/2020.tacl-1.30.bib": "acl_2020.tacl-1.30.bib",
    EFETCH.format("29963580"): "pubmed_efetch_29963580.xml",
    EFETCH.format("30108519"): "pubmed_efetch_30108519.xml",
    EFETCH.format("99999999"): "pubmed_efetch_empty.xml",
    IDCONV.format("PMC6022861"): "pmc_idconv_PMC6022861.json",
    IDCONV.format("PMC99999999"): "pmc_idconv_not_found.json",
    ARXIV_SEARCH.format("cat:cs.CL"): "radar_cat_cs.CL.xml",
    ARXIV_SEARCH.format("cat:cs.LG"): "radar_cat_cs.LG.xml",
    ARXIV_SEARCH.format("au:%22Mirela%20Kova%C4%8D%22"): "radar_author_kovac.xml",
}


def recorded(url: str) -> bytes:
    if url not in RECORDED:
        raise NotFound(url)
    return (FIXTURES / RECORDED[url]).read_bytes()
