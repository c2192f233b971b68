"""The demo loader: every paper of the listing, tagged, and nothing twice."""

from pathlib import Path

import pytest
from django.core.management import call_command

from readinglist.demo import parse_listing
from readinglist.models import Entry, Paper, Tag, User
from tests.conftest import shared_path

LISTING = """new
Subscribe
Mar 11
Paper One: Retrieval for LLMs
{abstract1}
Paper Two: A Vision Benchmark
{abstract2}
"""


def small_listing(tmp_path: Path) -> Path:
    path = tmp_path / "listing.txt"
    path.write_text(
        LISTING.format(
            abstract1="We study retrieval with a large language model. " * 10,
            abstract2="An image benchmark for vision models. " * 10,
        )
    )
    return path


def test_parse_listing_skips_page_chrome_and_pairs_titles_with_abstracts(tmp_path: Path) -> None:
    papers = parse_listing(small_listing(tmp_path).read_text())
    assert [p.title for p in papers] == [
        "Paper One: Retrieval for LLMs",
        "Paper Two: A Vision Benchmark",
    ]
    assert papers[0].tags() == ["llm", "retrieval"]
    assert papers[1].tags() == ["vision", "benchmark"]


@pytest.mark.django_db
def test_command_loads_a_listing_once(tmp_path: Path) -> None:
    path = small_listing(tmp_path)
    call_command("load_demo_data", file=path, email="demo@example.org")
    call_command("load_demo_data", file=path, email="demo@example.org")

    user = User.objects.get(email="demo@example.org")
    assert user.check_password("demo-password-change-me")
    assert Entry.objects.filter(library__owner=user).count() == 2
    assert set(Tag.objects.values_list("name", flat=True)) == {
        "llm",
        "retrieval",
        "vision",
        "benchmark",
    }


@pytest.mark.django_db
def test_command_loads_the_shared_hugging_face_listing() -> None:
    path = shared_path("fixtures", "hf-papers-listing.txt")
    call_command("load_demo_data", file=path)
    # The listing holds 113 title/abstract pairs (page chrome aside).
    assert Paper.objects.count() == len(parse_listing(path.read_text())) == 113
    assert Entry.objects.filter(
        title="GFM-RAG: Graph Foundation Model for Retrieval Augmented Generation"
    ).exists()
    assert Entry.objects.filter(tags__isnull=False).distinct().count() > 100
