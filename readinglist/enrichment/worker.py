"""Enrichment on the worker: ask the registries about a paper and apply what they say.

The network calls run outside any transaction. What the registries answer is the paper's
authoritative metadata; every library that saved the paper then sees it (their entries are
refreshed and their versions move, so the changes feed carries the update). Identifiers a
registry ties to the paper are attached to it, and a paper that already holds one of them is
the same work: the two are merged. A registry that does not answer leaves everything as it
was and the task is tried again later, with backoff; a save never waits for any of this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import OperationalError, transaction
from django.utils import timezone

from readinglist import identifiers as ids
from readinglist.enrichment import acl, arxiv, crossref, http, openlibrary, openreview, pubmed
from readinglist.enrichment.http import Fetch, FetchError
from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.metadata import (
    DESCRIPTIVE_FIELDS,
    MAX_AUTHOR_LENGTH,
    MAX_AUTHORS,
    MAX_LENGTHS,
    fingerprint,
)
from readinglist.models import EntryIdentifier, Paper, PaperEvent, PaperIdentifier
from readinglist.services.merges import merge_papers, refresh_entries_of
from readinglist.services.notifications import notify_paper_news
from readinglist.services.queue import REGISTRY_SCHEMES, mark_enrichment_pending, queue_enrichment

logger = logging.getLogger(__name__)

# After a registry failed to answer: wait this long before attempt n+1; then give up (FAILED,
# until the next save of the paper asks again).
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
)
# Which registry's value a field takes when several answer: the published record first, the
# preprint server last; but the open PDF of a preprint server first. Open Library is a
# catalogue anyone may edit, so a book's publisher-registered DOI record outranks it.
FIELD_PRECEDENCE = (
    Registry.CROSSREF,
    Registry.PUBMED,
    Registry.ACL,
    Registry.OPENREVIEW,
    Registry.DATACITE,
    Registry.OPEN_LIBRARY,
    Registry.ARXIV,
)
PDF_PRECEDENCE = (
    Registry.ARXIV,
    Registry.OPENREVIEW,
    Registry.ACL,
    Registry.PUBMED,
    Registry.CROSSREF,
    Registry.DATACITE,
    Registry.OPEN_LIBRARY,
)
_ARXIV_DOI_PREFIX = "10.48550/arxiv."


@dataclass
class Answers:
    records: list[RegistryRecord] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # registries that did not answer
    asked: set[str] = field(default_factory=set)  # the schemes whose registry was asked


@dataclass(frozen=True)
class EnrichmentResult:
    changed: list[str]  # the paper's fields that changed
    attached: list[tuple[str, str]]  # identifiers the registries confirmed and the paper got
    merged: list[int]  # papers found to be the same work, merged into this one
    new_version: int | None = None
    published_doi: str | None = None
    failures: tuple[str, ...] = ()


def ask_registries(identifiers: dict[str, str], *, get: Fetch) -> Answers:
    """What every registry owning one of the paper's identifiers says (network only)."""
    answers = Answers()

    def ask(
        name: str, scheme: str, lookup: Callable[[], RegistryRecord | None]
    ) -> RegistryRecord | None:
        answers.asked.add(scheme)
        try:
            record = lookup()
        except FetchError as error:
            answers.failures.append(f"{name}: {error}"[:200])
            return None
        if record is not None:
            answers.records.append(record)
        return record

    from_arxiv = None
    if "arxiv" in identifiers:
        from_arxiv = ask("arXiv", "arxiv", lambda: arxiv.lookup(identifiers["arxiv"], get=get))
    doi = identifiers.get("doi") or (from_arxiv.identifiers.get("doi") if from_arxiv else None)
    if doi and not doi.lower().startswith(_ARXIV_DOI_PREFIX):
        ask("Crossref", "doi", lambda: crossref.lookup(doi, get=get))
    if "openreview" in identifiers:
        ask(
            "OpenReview",
            "openreview",
            lambda: openreview.lookup(identifiers["openreview"], get=get),
        )
    if "acl" in identifiers:
        ask("ACL Anthology", "acl", lambda: acl.lookup(identifiers["acl"], get=get))
    if "pmid" in identifiers:
        ask("PubMed", "pmid", lambda: pubmed.lookup(identifiers["pmid"], get=get))
    elif "pmcid" in identifiers:
        ask("PubMed", "pmcid", lambda: pubmed.lookup_pmcid(identifiers["pmcid"], get=get))
    if "isbn" in identifiers:
        ask("Open Library", "isbn", lambda: openlibrary.lookup(identifiers["isbn"], get=get))
    return answers


def combine(records: list[RegistryRecord]) -> tuple[dict[str, Any], dict[str, str]]:
    """The authoritative fields from several registries' records, and which gave each."""
    by_registry = {record.registry: record for record in records}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name in DESCRIPTIVE_FIELDS:
        if name == "url":  # a paper's link comes from its identity, not from a registry
            continue
        for registry in PDF_PRECEDENCE if name == "pdf_url" else FIELD_PRECEDENCE:
            record = by_registry.get(registry)
            value = getattr(record, name, None) if record is not None else None
            if value and (fitted := _fitted(name, value)):
                values[name] = fitted
                sources[name] = registry.value
                break
    return values, sources


def _fitted(name: str, value: Any) -> Any:
    """A registry's value cut to what the columns hold (a few records carry whole pages)."""
    if name == "authors":
        return [author[:MAX_AUTHOR_LENGTH] for author in list(value)[:MAX_AUTHORS]]
    limit = MAX_LENGTHS.get(name)
    if limit is None or len(value) <= limit:
        return value
    return "" if name.endswith("url") else value[:limit]


def confirmed_keys(records: list[RegistryRecord]) -> list[tuple[str, str, str]]:
    """(scheme, key, shown) of every identifier the registries tie to the work."""
    found: list[tuple[str, str, str]] = []
    for record in records:
        for scheme, raw in record.identifiers.items():
            parsed = _parse_confirmed(scheme, raw)
            if parsed is not None and parsed not in found:
                found.append(parsed)
    return found


def _parse_confirmed(scheme: str, raw: str) -> tuple[str, str, str] | None:
    if scheme == "url":
        url = ids.canonicalize_url(raw)
        return ("url", url, url) if url else None
    if scheme == "doi":
        doi = ids.clean_doi(raw)
        if doi is None or doi.lower().startswith(_ARXIV_DOI_PREFIX):
            return None  # arXiv's own DOI adds no identity beside the arXiv id
        return ("doi", ids.doi_key(doi), doi)
    if scheme == "arxiv":
        parsed = ids.parse_arxiv(raw)
        return ("arxiv", parsed.id, parsed.id) if parsed else None
    if scheme == "isbn":
        isbn = ids.parse_isbn(f"ISBN {raw}")
        return ("isbn", isbn, isbn) if isbn else None
    if scheme in ("pmid", "pmcid", "openreview", "acl"):
        found = ids.identify({"pmid": "PMID:", "pmcid": ""}.get(scheme, "") + raw)
        keys = [(s.value, v) for s, v in found.lookup_keys() if s.value == scheme]
        return (*keys[0], keys[0][1]) if keys else None
    return None


def run_enrichment(paper_id: int, *, get: Fetch | None = None) -> EnrichmentResult | None:
    """The task: ask, apply, merge what turned out to be the same work, and schedule a retry
    if a registry did not answer. None if the paper is gone or was merged away. `get` is
    `http.fetch` unless given (looked up per call, so tests can record responses)."""
    paper = Paper.objects.filter(pk=paper_id).first()
    if paper is None or paper.merged_into_id is not None:
        return None
    identifiers = {
        scheme: display or value
        for scheme, value, display in paper.identifiers.values_list("scheme", "value", "display")
        if scheme in REGISTRY_SCHEMES
    }
    answers = ask_registries(identifiers, get=get or http.fetch)
    try:
        result = _apply_with_retries(paper_id, answers)
    except Exception as error:  # a bug or a bad value must not requeue the paper forever
        logger.exception("applying registry answers to paper %s failed", paper_id)
        with transaction.atomic():
            paper = Paper.objects.select_for_update(no_key=True).get(pk=paper_id)
            _record_state(paper, Answers(failures=[f"server error: {type(error).__name__}"]))
            paper.save()
        return None
    for other_id in result.merged:
        merge_papers(survivor_id=paper_id, merged_id=other_id)
    # Identifiers that arrived (from a merge, or a registry naming one it was not asked
    # about) may name registries not asked yet.
    unasked = {scheme for scheme, _ in result.attached} & REGISTRY_SCHEMES - answers.asked
    if result.merged or (unasked and not answers.failures):
        with transaction.atomic():
            mark_enrichment_pending(Paper.objects.get(pk=paper_id))
    return result


def _apply_with_retries(paper_id: int, answers: Answers) -> EnrichmentResult:
    for attempt in range(5):
        try:
            with transaction.atomic():
                return apply_answers(paper_id, answers)
        except OperationalError as error:  # a deadlock with a concurrent merge: try again
            if "deadlock" not in str(error).lower() or attempt == 4:
                raise
            logger.warning("enrichment of paper %s hit a deadlock; retrying", paper_id)
    raise AssertionError("unreachable")


def apply_answers(paper_id: int, answers: Answers) -> EnrichmentResult:
    """Apply registry answers to the paper and to every library's view of it (in the
    caller's transaction). Takes the paper's lock, then its libraries' in id order, as
    merges do, so the two never wait on each other in a cycle."""
    paper = Paper.objects.select_for_update(no_key=True).get(pk=paper_id)
    values, sources = combine(answers.records)
    changed = [name for name, value in values.items() if getattr(paper, name) != value]
    for name in changed:
        setattr(paper, name, values[name])
    if changed:
        paper.field_sources = {**paper.field_sources, **{n: sources[n] for n in changed}}
    new_version = _record_new_version(paper, answers.records)
    category = next((r.arxiv_category for r in answers.records if r.arxiv_category), "")
    if category:
        paper.arxiv_category = category
    attached, merged = _confirm_identifiers(paper, answers.records, values)
    published_doi = _record_publication(paper, attached)
    notify_paper_news(paper=paper, new_version=new_version, published_doi=published_doi)
    _record_state(paper, answers)
    paper.save()
    if changed:
        refresh_entries_of(paper)
    return EnrichmentResult(
        changed=changed,
        attached=attached,
        merged=merged,
        new_version=new_version,
        published_doi=published_doi,
        failures=tuple(answers.failures),
    )


def _record_new_version(paper: Paper, records: list[RegistryRecord]) -> int | None:
    latest = max((r.latest_arxiv_version or 0 for r in records), default=0)
    if not latest or (paper.arxiv_version is not None and latest <= paper.arxiv_version):
        return None
    known = paper.arxiv_version
    paper.arxiv_version = latest
    if known is None:
        return None  # the first answer: nothing is "new" to anyone yet
    PaperEvent.objects.get_or_create(
        paper=paper, kind=PaperEvent.Kind.NEW_VERSION, detail=str(latest)
    )
    return latest


def _confirm_identifiers(
    paper: Paper, records: list[RegistryRecord], values: dict[str, Any]
) -> tuple[list[tuple[str, str]], list[int]]:
    """Attach what the registries confirm; the ids of other papers holding one of them."""
    keys = confirmed_keys(records)
    work_print = fingerprint(
        title=values.get("title", ""),
        authors=values.get("authors", []),
        published=values.get("published", ""),
    )
    if work_print and work_print.count("|") == 2 and all(work_print.split("|")):
        keys.append(("fingerprint", work_print, work_print))
    if not keys:
        return [], []
    holders = {
        (row.scheme, row.value): row.paper_id
        for row in PaperIdentifier.objects.filter(
            scheme__in={scheme for scheme, _, _ in keys},
            value__in={value for _, value, _ in keys},
        )
    }
    attached: list[tuple[str, str]] = []
    merged: list[int] = []
    for scheme, value, shown in keys:
        holder = holders.get((scheme, value))
        if holder == paper.pk:
            continue
        if holder is None:
            PaperIdentifier.objects.create(paper=paper, scheme=scheme, value=value, display=shown)
            attached.append((scheme, shown))
            # Libraries that stated it for this paper now find it through the paper.
            EntryIdentifier.objects.filter(scheme=scheme, value=value, entry__paper=paper).delete()
        elif scheme != "fingerprint" or _only_fingerprinted(holder):
            merged.append(holder)
    return attached, sorted(set(merged))


def _only_fingerprinted(paper_id: int) -> bool:
    """True for a paper known by nothing but its fingerprint (a reference-list entry): a
    registry's work with the same title, first author and year is that work. Two papers with
    identifiers of their own are never merged on a fingerprint."""
    return (
        not PaperIdentifier.objects.filter(paper_id=paper_id).exclude(scheme="fingerprint").exists()
    )


def _record_publication(paper: Paper, attached: list[tuple[str, str]]) -> str | None:
    doi = next((shown for scheme, shown in attached if scheme == "doi"), None)
    if doi is None or not paper.identifiers.filter(scheme="arxiv").exists():
        return None
    PaperEvent.objects.get_or_create(paper=paper, kind=PaperEvent.Kind.PUBLISHED, detail=doi)
    return doi


def _record_state(paper: Paper, answers: Answers) -> None:
    now = timezone.now()
    if answers.failures:
        paper.enrichment_attempts += 1
        paper.enrichment_error = "; ".join(answers.failures)[:500]
        if paper.enrichment_attempts > len(RETRY_DELAYS):
            paper.enrichment, paper.enrichment_retry_at = Paper.Enrichment.FAILED, None
        else:
            delay = RETRY_DELAYS[paper.enrichment_attempts - 1]
            paper.enrichment, paper.enrichment_retry_at = Paper.Enrichment.PENDING, now + delay
            queue_enrichment(paper, delay=delay)
        return
    paper.enrichment_attempts, paper.enrichment_error, paper.enrichment_retry_at = 0, "", None
    paper.enriched_at = now
    paper.enrichment = Paper.Enrichment.DONE if answers.records else Paper.Enrichment.NOT_FOUND
