"""save_paper holds its library's lock only for the writes that carry the new version.

Concurrent saves into one library queue on that lock, so whatever needs no version (the
paper, the entry's metadata, the tags' rows, the queued task) happens before it. The tags
read before the lock may be stale by the time it is taken: the save must still attach
exactly the tags the library has by those names then.
"""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readinglist.io.citekeys import with_suffix
from readinglist.metadata import PageMetadata
from readinglist.models import Entry, EntryTag, Tag, Tombstone, User
from readinglist.services import entries
from readinglist.services.accounts import personal_library
from readinglist.services.entries import save_paper
from readinglist.services.tags import delete_tag, update_tag

METADATA = PageMetadata.from_dict(
    {
        "title": "Attention Is All You Need",
        "authors": ["Ashish Vaswani", "Noam Shazeer"],
        "published": "2017",
        "abstract": "The dominant sequence transduction models are based on recurrent networks.",
    }
)


def _after_the_lock(statements: list[dict[str, Any]]) -> list[str]:
    sql = [query["sql"] for query in statements]
    bump = next(i for i, text in enumerate(sql) if text.startswith("UPDATE readinglist_library"))
    return [text for text in sql[bump + 1 :] if not text.startswith("RELEASE SAVEPOINT")]


@pytest.mark.django_db
def test_a_new_paper_with_known_tags_writes_only_versioned_rows_under_the_lock(
    alice: User,
) -> None:
    save_paper(user=alice, url="arXiv:1810.04805", tags=["nlp", "Transformers", "to-read"])

    with CaptureQueriesContext(connection) as captured:
        result = save_paper(
            user=alice,
            url="https://example.org/papers/attention",
            metadata=METADATA,
            tags=["NLP", "transformers", "to-read"],
        )

    locked = _after_the_lock(captured.captured_queries)
    # The citation key (unique in the library), the entry, its contribution, and its tags
    # attached by name in one statement: no paper, no tag read, no task under the lock.
    assert len(locked) == 4, locked
    assert "readinglist_entry" in locked[0]
    assert "LIKE" not in locked[0].upper()  # the key's forms by value, through the unique index
    assert locked[0].startswith("SELECT")
    assert locked[1].startswith('INSERT INTO "readinglist_entry"')
    assert locked[2].startswith('INSERT INTO "readinglist_entrycontribution"')
    assert locked[3].startswith("INSERT INTO readinglist_entrytag")
    assert result.created
    assert result.paper_created
    assert {tag.name for tag in result.tags} == {"nlp", "to-read", "Transformers"}
    assert set(result.entry.tags.values_list("name", flat=True)) == {
        "nlp",
        "to-read",
        "Transformers",
    }
    assert result.entry.version == personal_library(alice).version
    assert result.entry.citekey == "vaswani2017attention"


def _stale_tag_read(monkeypatch: pytest.MonkeyPatch, meanwhile: Any) -> None:
    """The first tag read of the next save runs `meanwhile` right after it, as a write that
    commits between the save's read and its lock would."""
    real = entries.tags_by_folded_name
    calls: list[object] = []

    def read_then_change(**kwargs: Any) -> dict[str, Tag]:
        found = real(**kwargs)
        calls.append(kwargs)
        if len(calls) == 1:
            meanwhile()
        return found

    monkeypatch.setattr(entries, "tags_by_folded_name", read_then_change)


@pytest.mark.django_db
def test_a_tag_deleted_between_the_read_and_the_lock_is_made_again(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = save_paper(user=alice, url="arXiv:1810.04805", tags=["graphs", "keep"])
    doomed = Tag.objects.get(folded="graphs")
    _stale_tag_read(monkeypatch, lambda: delete_tag(user=alice, tag=doomed))

    result = save_paper(user=alice, url="https://example.org/p/1", tags=["graphs", "keep"])

    remade = Tag.objects.get(folded="graphs")
    assert remade.pk != doomed.pk
    assert remade.version == result.entry.version == personal_library(alice).version
    assert {tag.pk for tag in result.tags} == {remade.pk, Tag.objects.get(folded="keep").pk}
    assert set(EntryTag.objects.filter(entry=result.entry).values_list("tag__name", flat=True)) == {
        "graphs",
        "keep",
    }
    assert Tombstone.objects.filter(key=doomed.key).exists()
    assert not first.entry.tags.filter(folded="graphs").exists()


@pytest.mark.django_db
def test_a_tag_renamed_between_the_read_and_the_lock_is_not_attached_by_its_old_name(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_paper(user=alice, url="arXiv:1810.04805", tags=["graphs"])
    renamed = Tag.objects.get(folded="graphs")
    _stale_tag_read(monkeypatch, lambda: update_tag(user=alice, tag=renamed, name="networks"))

    result = save_paper(user=alice, url="https://example.org/p/2", tags=["graphs"])

    assert [tag.name for tag in result.tags] == ["graphs"]
    assert list(result.entry.tags.values_list("name", flat=True)) == ["graphs"]
    assert Tag.objects.get(pk=renamed.pk).name == "networks"
    assert Entry.objects.get(pk=result.entry.pk).tags.get().pk != renamed.pk


@pytest.mark.django_db
def test_a_key_whose_first_forms_are_all_taken_still_gets_the_next_free_one(alice: User) -> None:
    for n in range(36):
        save_paper(user=alice, url=f"https://example.org/attention/{n}", metadata=METADATA)

    keys = list(Entry.objects.order_by("id").values_list("citekey", flat=True))
    assert keys == [with_suffix("vaswani2017attention", n) for n in range(36)]


def _entry_keyed(user: User, key: str) -> None:
    result = save_paper(user=user, url=f"https://k.org/{key}")
    Entry.objects.filter(pk=result.entry.pk).update(citekey=key)


@pytest.mark.django_db
def test_past_the_first_forms_a_key_follows_the_highest_taken_form_in_a_bounded_read(
    alice: User,
) -> None:
    """Hundreds of entries can share a key (untitled saves): the key after the highest form
    is found from one row of the index, not by reading every key that shares the prefix."""
    base = "vaswani2017attention"
    for n in [*range(40), 300]:  # a gap from 40 to 299: the key goes after the highest
        _entry_keyed(alice, with_suffix(base, n).upper() if n % 7 == 0 else with_suffix(base, n))
    # Keys sharing the prefix that are no form of it (a digit, a different letter case of a
    # longer word is still a form and counts) do not count as the highest.
    _entry_keyed(alice, base + "2")
    _entry_keyed(alice, base + "_zzzz")

    with CaptureQueriesContext(connection) as queries:
        result = save_paper(user=alice, url="https://example.org/attention/new", metadata=METADATA)

    assert result.entry.citekey == with_suffix(base, 301)
    key_reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "lower(citekey)" in q["sql"].lower()
    ]
    assert not any("LIKE" in sql for sql in key_reads)  # no read of every such key
    # The first forms with the highest form, then the forms after the highest.
    assert len(key_reads) == 2


@pytest.mark.django_db
def test_a_form_taken_after_the_highest_is_skipped(alice: User) -> None:
    base = "vaswani2017attention"
    for n in [*range(32), 33]:  # 32 is free but below the highest: the key is 34
        _entry_keyed(alice, with_suffix(base, n))

    result = save_paper(user=alice, url="https://example.org/attention/new", metadata=METADATA)

    assert result.entry.citekey == with_suffix(base, 34)


class FakeDeadlock(Exception):
    sqlstate = "40P01"


def test_a_save_ended_by_a_deadlock_runs_again_once_and_leaves_one_entry(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    real = entries.begin_library_write
    calls: list[int] = []

    def deadlocked_once(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:  # the new paper and its identifiers are written by now
            raise OperationalError("deadlock detected") from FakeDeadlock()
        return real(**kwargs)

    monkeypatch.setattr(entries, "begin_library_write", deadlocked_once)
    result = save_paper(user=alice, url="arXiv:2301.00001", tags=["x"])
    assert len(calls) == 2
    assert Entry.objects.filter(library=personal_library(alice)).count() == 1
    assert result.entry.paper.identifiers.count() == 1

    def always_lost(**kwargs: Any) -> Any:
        raise OperationalError("server closed the connection") from Exception()

    monkeypatch.setattr(entries, "begin_library_write", always_lost)
    with pytest.raises(OperationalError):
        save_paper(user=alice, url="arXiv:2301.00002")


@pytest.mark.django_db
def test_when_the_highest_form_is_hidden_every_key_of_the_prefix_is_read(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A collation sorting keys unlike C could hide the highest form from the index range:
    the forms after the one found are checked by value, then all keys are read."""
    from readinglist.services import citekeys

    base = "vaswani2017attention"
    for n in range(70):
        _entry_keyed(alice, with_suffix(base, n))
    monkeypatch.setattr(citekeys, "suffix_number", lambda letters: 0)

    result = save_paper(user=alice, url="https://example.org/attention/new", metadata=METADATA)

    assert result.entry.citekey == with_suffix(base, 70)
