"""save_paper: one Paper per work, one Entry per library, whatever form the URL takes."""

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from readinglist.access import LibraryNotWritable
from readinglist.metadata import PageMetadata, Source
from readinglist.models import (
    Entry,
    Lab,
    Library,
    Membership,
    Note,
    Paper,
    PaperIdentifier,
    ReadingState,
    Tag,
    Tombstone,
    User,
)
from readinglist.services.accounts import personal_library
from readinglist.services.entries import delete_entry, save_paper
from readinglist.services.labs import add_member
from readinglist.services.papers import UnidentifiablePaper
from tests.factories import UserFactory

ARXIV_FORMS = [
    "https://arxiv.org/abs/2106.09608v2",
    "https://arxiv.org/pdf/2106.09608",
    "https://arxiv.org/pdf/2106.09608v1.pdf",
    "https://huggingface.co/papers/2106.09608",
    "doi:10.48550/arXiv.2106.09608",
    "https://doi.org/10.48550/ARXIV.2106.09608",
    "arXiv:2106.09608",
]


@pytest.mark.django_db
def test_every_arxiv_form_resolves_to_one_paper_and_one_entry(alice: User) -> None:
    results = [save_paper(user=alice, url=url) for url in ARXIV_FORMS]

    assert Paper.objects.count() == 1
    assert Entry.objects.count() == 1
    assert [r.created for r in results] == [True] + [False] * (len(ARXIV_FORMS) - 1)
    paper = Paper.objects.get()
    assert Entry.objects.get().arxiv_version == 2  # the newest version this library saved
    assert paper.arxiv_version is None  # the newest that exists: only arXiv's API says
    assert paper.url == "https://arxiv.org/abs/2106.09608"
    assert set(paper.identifiers.values_list("scheme", "value")) == {("arxiv", "2106.09608")}


@pytest.mark.django_db
def test_doi_in_any_case_or_form_is_one_paper(alice: User) -> None:
    first = save_paper(user=alice, url="https://doi.org/10.1007/S10924-010-0192-1")
    for url in ["doi:10.1007/s10924-010-0192-1.", "https://www.doi.org/10.1007/s10924-010-0192-1"]:
        assert save_paper(user=alice, url=url).paper == first.paper
    identifier = PaperIdentifier.objects.get(scheme="doi")
    assert (identifier.value, identifier.display) == (
        "10.1007/s10924-010-0192-1",
        "10.1007/S10924-010-0192-1",
    )


@pytest.mark.django_db
def test_publisher_page_is_found_by_its_url_and_by_the_doi_in_its_metadata(alice: User) -> None:
    url = "https://link.springer.com/article/10.1007/s10924-010-0192-1?utm_source=feed"
    meta = PageMetadata.from_dict(
        {"title": "In Vitro Cytotoxicity", "identifiers": {"doi": "10.1007/s10924-010-0192-1"}},
        source=Source.CITATION,
    )
    first = save_paper(user=alice, url=url, metadata=meta)

    by_doi = save_paper(user=alice, url="https://doi.org/10.1007/s10924-010-0192-1")
    by_url = save_paper(user=alice, url=url.split("?")[0])

    assert by_doi.paper == first.paper == by_url.paper
    # The article URL names its DOI; the URL itself is no key of the shared paper.
    assert set(first.paper.identifiers.values_list("scheme", flat=True)) == {"doi"}
    assert first.entry.title == "In Vitro Cytotoxicity"


@pytest.mark.django_db
def test_a_page_found_by_its_stated_doi_keeps_its_url_in_its_own_library(
    alice: User, bob: User
) -> None:
    url = "https://www.sciencedirect.com/science/article/pii/S0893608014002135"
    meta = PageMetadata.from_dict(
        {
            "title": "Deep learning in neural networks",
            "identifiers": {"doi": "10.1016/j.neunet.2014.09.003"},
        },
        source=Source.CITATION,
    )
    first = save_paper(user=alice, url=url, metadata=meta)

    # The stated DOI named the new paper; the page's URL stays with Alice's library.
    assert set(first.paper.identifiers.values_list("scheme", "value")) == {
        ("doi", "10.1016/j.neunet.2014.09.003")
    }
    assert save_paper(user=alice, url=url).entry == first.entry
    # Bob's save of the bare URL is not sent to the paper Alice's statement named.
    assert save_paper(user=bob, url=url).paper != first.paper


@pytest.mark.django_db
def test_metadata_keeps_the_best_value_per_field(alice: User) -> None:
    url = "https://arxiv.org/abs/2106.09608"
    full = "Learning Knowledge Graph-based World Models of Textual Environments"
    og = PageMetadata.from_dict(
        {"title": full[:25] + "…", "abstract": "og text"}, source=Source.OPEN_GRAPH
    )
    citation = PageMetadata.from_dict(
        {"title": full, "authors": ["Ammanabrolu, Prithviraj"]}, source=Source.CITATION
    )
    later_og = PageMetadata.from_dict({"title": "Something else"}, source=Source.OPEN_GRAPH)

    save_paper(user=alice, url=url, metadata=og)
    save_paper(user=alice, url=url, metadata=citation)
    save_paper(user=alice, url=url, metadata=later_og)

    entry = Entry.objects.get()
    assert entry.title == full
    assert entry.authors == ["Ammanabrolu, Prithviraj"]
    assert entry.abstract == "og text"
    assert entry.contribution.sources["title"] == "citation"
    # All of it is this library's contribution: the shared paper holds none of it.
    paper = Paper.objects.get()
    assert (paper.title, paper.authors, paper.abstract) == ("", [], "")


@pytest.mark.django_db
def test_tags_note_and_status_are_applied_without_duplicates(alice: User) -> None:
    url = "https://arxiv.org/abs/1706.03762"
    save_paper(user=alice, url=url, tags=["NLP", "transformers"], note="Read §3", status="reading")
    result = save_paper(
        user=alice, url=url, tags=["nlp", "Attention"], note="Read §3", status="read"
    )

    assert sorted(t.name for t in result.entry.tags.all()) == ["Attention", "NLP", "transformers"]
    assert Tag.objects.count() == 3
    assert Note.objects.filter(entry=result.entry).count() == 1
    state = ReadingState.objects.get(entry=result.entry, user=alice)
    assert state.status == "read"
    assert state.read_at is not None


@pytest.mark.django_db
def test_each_save_bumps_the_library_version_once_and_stamps_what_it_wrote(alice: User) -> None:
    library = personal_library(alice)
    start = library.version

    result = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762", tags=["a"], note="n")

    library.refresh_from_db()
    assert library.version == start + 1
    assert result.entry.version == library.version
    assert Tag.objects.get(name="a").version == library.version
    assert Note.objects.get().version == library.version


@pytest.mark.django_db
def test_lab_member_saves_into_the_lab_library(alice: User, bob: User, lab: Lab) -> None:
    result = save_paper(user=bob, url="https://arxiv.org/abs/1706.03762", library=lab.library)
    assert result.entry.library == lab.library
    assert result.entry.added_by == bob


@pytest.mark.django_db
def test_viewer_and_outsider_cannot_save_into_a_lab(
    alice: User, bob: User, charlie: User, lab: Lab
) -> None:
    add_member(lab=lab, user=bob, role=Membership.Role.VIEWER)
    for user in (bob, charlie):
        with pytest.raises(LibraryNotWritable):
            save_paper(user=user, url="https://arxiv.org/abs/1706.03762", library=lab.library)
    assert not Entry.objects.exists()
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_outsider_cannot_save_into_someone_elses_personal_library(
    alice: User, charlie: User
) -> None:
    with pytest.raises(LibraryNotWritable):
        save_paper(
            user=charlie, url="https://arxiv.org/abs/1706.03762", library=personal_library(alice)
        )


@pytest.mark.django_db
def test_unidentifiable_input_is_refused_and_writes_nothing(alice: User) -> None:
    with pytest.raises(UnidentifiablePaper):
        save_paper(user=alice, url="not a url at all")
    assert not Paper.objects.exists()
    assert personal_library(alice).version == 0


@pytest.mark.django_db
def test_delete_entry_leaves_tombstones_at_a_new_version(alice: User) -> None:
    result = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762", note="x", status="read")
    entry = result.entry
    keys = {entry.key, Note.objects.get().key, ReadingState.objects.get().key}

    delete_entry(user=alice, entry=entry)

    library = Library.objects.get(pk=entry.library_id)
    tombstones = Tombstone.objects.filter(library=library)
    assert {t.key for t in tombstones} == keys
    assert {t.version for t in tombstones} == {library.version}
    assert not Entry.objects.exists()
    assert Paper.objects.count() == 1  # the paper is global and stays


@pytest.mark.django_db
def test_outsider_cannot_delete_an_entry(alice: User, charlie: User) -> None:
    entry = save_paper(user=alice, url="https://arxiv.org/abs/1706.03762").entry
    with pytest.raises(LibraryNotWritable):
        delete_entry(user=charlie, entry=entry)
    assert Entry.objects.filter(pk=entry.pk).exists()


def run_concurrently(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads released at once; each thread has its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_concurrent_saves_of_one_paper_yield_one_paper_and_one_entry() -> None:
    user = UserFactory(email="racer@example.org")
    lab_owner = user

    results = run_concurrently(
        8,
        lambda i: save_paper(user=lab_owner, url=ARXIV_FORMS[i % len(ARXIV_FORMS)], tags=["race"]),
    )

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert Paper.objects.count() == 1
    assert Entry.objects.count() == 1
    assert Tag.objects.count() == 1
    assert sum(1 for r in results if getattr(r, "created", False)) == 1
    assert personal_library(user).version == 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres_only")
def test_concurrent_saves_by_different_users_share_one_paper() -> None:
    users = [UserFactory(email=f"u{i}@example.org") for i in range(6)]

    results = run_concurrently(6, lambda i: save_paper(user=users[i], url=ARXIV_FORMS[i]))

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert Paper.objects.count() == 1
    assert Entry.objects.count() == 6


@pytest.mark.django_db
def test_tags_match_case_insensitively_beyond_ascii(alice: User) -> None:
    save_paper(user=alice, url="arXiv:1706.03762", tags=["Über", "Ā"])
    result = save_paper(user=alice, url="arXiv:1810.04805", tags=["über", "ā"])
    assert {t.name for t in result.entry.tags.all()} == {"Ā", "Über"}
    assert Tag.objects.count() == 2


def test_a_lost_identifier_race_leaves_no_orphan_paper(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from readinglist.services import papers

    winner = save_paper(user=alice, url="https://arxiv.org/abs/2106.09608").paper
    real_lookup = papers._existing_paper
    calls = []

    def blind_once(keys: object, library_id: object) -> tuple[Paper | None, set[object]]:
        # The first look happens "before the other transaction committed": it sees nothing.
        calls.append(keys)
        if len(calls) == 1:
            return None, set()
        return real_lookup(keys, library_id)  # type: ignore[arg-type]

    monkeypatch.setattr(papers, "_existing_paper", blind_once)
    before = Paper.objects.count()
    result = save_paper(user=alice, url="arXiv:2106.09608")
    assert result.paper == winner
    assert not result.paper_created
    assert Paper.objects.count() == before
    assert len(calls) == 2
