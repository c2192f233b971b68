"""`manage.py merge_papers SURVIVOR OTHER`: make two papers that are one work one paper.

Each argument is a paper id or any identifier of one (a DOI, an arXiv id, a URL). In every
library that saved both, their entries become one; see `readinglist.services.merges`.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from readinglist import identifiers as ids
from readinglist.models import Paper
from readinglist.services.merges import merge_papers, papers_holding
from readinglist.services.queue import mark_enrichment_pending


def _paper(value: str) -> Paper:
    if value.isascii() and value.isdigit():
        found = Paper.objects.filter(pk=int(value)).first()
    else:
        keys = [
            (s.value, v)
            for s, v in ids.without_derived_arxiv_doi(ids.identify(value)).lookup_keys()
        ]
        holders = papers_holding(keys) if keys else []
        if len(holders) > 1:
            raise CommandError(f"{value!r} names several papers: {holders}")
        found = Paper.objects.filter(pk=holders[0]).first() if holders else None
    if found is None:
        raise CommandError(f"No paper {value!r}")
    return found


class Command(BaseCommand):
    help = "Merge OTHER into SURVIVOR (paper ids or identifiers): one work, one paper."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("survivor")
        parser.add_argument("other")

    def handle(self, *args: Any, **options: Any) -> None:
        survivor, other = _paper(options["survivor"]), _paper(options["other"])
        if survivor.pk == other.pk:
            raise CommandError("Both name the same paper.")
        if other.merged_into_id is not None or survivor.merged_into_id is not None:
            raise CommandError("One of them was already merged into another paper.")
        result = merge_papers(survivor_id=survivor.pk, merged_id=other.pk)
        with transaction.atomic():
            mark_enrichment_pending(Paper.objects.get(pk=survivor.pk))
        self.stdout.write(
            f"Merged paper {other.pk} into {survivor.pk}: {result.libraries} libraries changed, "
            f"{result.entries_merged} entries united."
        )
