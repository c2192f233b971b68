"""Demo data: a Hugging Face papers listing (titles and abstracts) as a tagged library."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from urllib.parse import quote

from readinglist.metadata import PageMetadata, Source
from readinglist.models import User
from readinglist.services.entries import save_paper

# A title is a short line followed by its abstract, a long one; the page chrome before the
# first pair ("new", "Subscribe", the date) is short lines with no abstract after them.
_MIN_ABSTRACT_LENGTH = 300

TAG_RULES: dict[str, tuple[str, ...]] = {
    "llm": ("language model", "llm"),
    "retrieval": ("retrieval", "rag", "rerank"),
    "vision": ("vision", "image", "visual", "video"),
    "medical": ("mri", "medical", "clinical", "ct "),
    "benchmark": ("benchmark",),
    "agents": ("agent",),
    "reasoning": ("reasoning", "math"),
    "efficiency": ("efficien", "compression", "distill", "quantiz"),
    "speech": ("speech", "audio"),
    "diffusion": ("diffusion",),
}
STATUSES = ("unread", "unread", "reading", "read")


@dataclass(frozen=True)
class DemoPaper:
    title: str
    abstract: str

    @property
    def url(self) -> str:
        # The listing has no identifiers; example.org (reserved for examples) keeps them apart.
        slug = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:120]
        return f"https://example.org/demo-papers/{quote(slug)}"

    def tags(self) -> list[str]:
        text = f" {self.title} {self.abstract} ".lower()
        return [tag for tag, needles in TAG_RULES.items() if any(n in text for n in needles)]


def parse_listing(text: str) -> list[DemoPaper]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    papers = []
    for title, following in pairwise(lines):
        if len(title) < _MIN_ABSTRACT_LENGTH <= len(following):
            papers.append(DemoPaper(title=title, abstract=following))
    return papers


def load_listing(*, user: User, path: Path) -> tuple[int, int]:
    """Save every paper of the listing into the user's library; `(created, already there)`."""
    created = existing = 0
    for number, paper in enumerate(parse_listing(path.read_text(encoding="utf-8"))):
        result = save_paper(
            user=user,
            url=paper.url,
            metadata=PageMetadata(title=paper.title, abstract=paper.abstract, source=Source.SITE),
            tags=paper.tags(),
            status=STATUSES[number % len(STATUSES)],
        )
        if result.created:
            created += 1
        else:
            existing += 1
    return created, existing
