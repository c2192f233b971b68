"""save_paper holds its library's lock only for the writes that carry the new version.

Concurrent saves into one library queue on that lock, so whatever needs no version (the
paper, a new paper's entry with its metadata and contribution, the tags' rows, the queued
task) happens before it; under it a new entry only gets its version and key. The tags
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
    # The citation key (unique in the library), the entry's version and key in one UPDATE,
    # and its tags attached by name in one statement: the entry's insert (with its search
    # document), its contribution, the paper, the tag read and the task all come before.
    assert len(locked) == 3, locked
    assert "readinglist_entry" in locked[0]
    assert "LIKE" not in locked[0].upper()  # the key's forms by value, through the unique index
    assert locked[0].startswith("SELECT")
    assert locked[1].startswith("UPDATE readinglist_entry SET version")
    assert locked[2].startswith("INSERT INTO readinglist_entrytag")
    before = [query["sql"] for query in captured.captured_queries][: -len(locked)]
    assert any(text.startswith("INSERT INTO readinglist_entry (") for text in before)
    assert any(text.startswith("INSERT INTO readinglist_entrycontribution") for text in before)
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


def _key_reads(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and "lower(citekey)" in q["sql"].lower()
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("taken", [40, 300])
def test_past_the_first_forms_the_first_free_one_is_found_in_a_few_bounded_reads(
    alice: User, taken: int
) -> None:
    """Hundreds of entries can share a key (untitled saves): the first free form is found by
    asking for a few dozen forms at a time, never by reading every key sharing the base."""
    base = "vaswani2017attention"
    for n in range(taken):  # mixed case: keys are unique without regard to case
        _entry_keyed(alice, with_suffix(base, n).upper() if n % 7 == 0 else with_suffix(base, n))
    # Keys sharing the base that are no suffixed form of it, or a far one, change nothing.
    for key in (base + "2", base + "_zzzz", base + "introduction"):
        _entry_keyed(alice, key)

    with CaptureQueriesContext(connection) as queries:
        result = save_paper(user=alice, url="https://example.org/attention/new", metadata=METADATA)

    assert result.entry.citekey == with_suffix(base, taken)
    reads = _key_reads(queries)
    assert 2 <= len(reads) <= 3
    assert not any("like" in sql.lower() for sql in reads)


@pytest.mark.django_db
def test_a_form_freed_by_a_deleted_entry_is_used_again(alice: User) -> None:
    base = "vaswani2017attention"
    for n in [*range(32), 33, 34]:  # 32 is free (its entry was deleted): it is the first free
        _entry_keyed(alice, with_suffix(base, n))

    result = save_paper(user=alice, url="https://example.org/attention/new", metadata=METADATA)

    assert result.entry.citekey == with_suffix(base, 32)


@pytest.mark.django_db
def test_the_next_key_of_a_busy_base_is_found_in_one_read(alice: User) -> None:
    """Once a save went past the first forms, the next one of that base asks near the form
    it got in the same read, and still takes the first free one after a taken one."""
    base = "vaswani2017attention"
    for n in range(300):
        _entry_keyed(alice, with_suffix(base, n))
    first = save_paper(user=alice, url="https://example.org/attention/a", metadata=METADATA)
    _entry_keyed(alice, with_suffix(base, 301))  # taken meanwhile (another process's save)

    with CaptureQueriesContext(connection) as queries:
        second = save_paper(user=alice, url="https://example.org/attention/b", metadata=METADATA)

    assert first.entry.citekey == with_suffix(base, 300)
    assert second.entry.citekey == with_suffix(base, 302)
    assert len(_key_reads(queries)) == 1


@pytest.mark.django_db
def test_a_stale_hint_falls_back_to_the_narrowing(alice: User) -> None:
    base = "vaswani2017attention"
    for n in range(300):
        _entry_keyed(alice, with_suffix(base, n))
    save_paper(user=alice, url="https://example.org/attention/a", metadata=METADATA)  # 300
    Entry.objects.filter(citekey__in=[with_suffix(base, n) for n in range(100, 301)]).delete()

    result = save_paper(user=alice, url="https://example.org/attention/b", metadata=METADATA)

    # The form before the hint is free now: the narrowing finds the gap from the start.
    assert result.entry.citekey == with_suffix(base, 100)


@pytest.mark.django_db
def test_a_new_entry_is_stamped_when_it_gets_its_version(alice: User) -> None:
    """Written before the lock, a new entry's `updated_at` is set again with its version, in
    the form the ORM writes (so filters on it still match on SQLite)."""
    result = save_paper(user=alice, url="https://example.org/stamped", metadata=METADATA)

    stored = Entry.objects.get(pk=result.entry.pk)
    assert stored.updated_at == result.entry.updated_at
    assert stored.updated_at >= stored.created_at
    assert Entry.objects.filter(pk=stored.pk, updated_at__lte=result.entry.updated_at).exists()
    assert Entry.objects.filter(pk=stored.pk, updated_at__gte=result.entry.updated_at).exists()
