"""`sql.insert` writes a new row as `Model.save(force_insert=True)` would."""

import pytest
from django.db.models import F, Value
from django.db.models.functions import Upper
from django.forms.models import model_to_dict

from readinglist import sql
from readinglist.models import Entry, EntryContribution, Library, Paper, User
from readinglist.services.accounts import personal_library


def _entry(user: User, library: Library, paper: Paper) -> Entry:
    return Entry(
        library=library,
        paper=paper,
        added_by=user,
        title="Attention Is All You Need",
        authors=["Ashish Vaswani", "Noam Shazeer"],
        citekey_aliases=["vaswani17"],
    )


@pytest.mark.django_db
def test_a_row_inserted_by_hand_reads_back_as_one_saved_by_the_orm(alice: User) -> None:
    library = personal_library(alice)
    by_hand, by_orm = Paper(url="https://example.org/a"), Paper(url="https://example.org/b")
    sql.insert(by_hand)
    by_orm.save(force_insert=True)
    first, second = _entry(alice, library, by_hand), _entry(alice, library, by_orm)

    sql.insert(first)
    second.save(force_insert=True)

    assert first.pk is not None
    assert not first._state.adding
    stored, expected = Entry.objects.get(pk=first.pk), Entry.objects.get(pk=second.pk)
    assert stored.created_at is not None
    assert stored.updated_at is not None
    skip = {"id", "paper", "key", "added_at"}  # moments of each instantiation
    assert {k: v for k, v in model_to_dict(stored).items() if k not in skip} == {
        k: v for k, v in model_to_dict(expected).items() if k not in skip
    }
    assert stored.key == first.key
    assert stored.authors == ["Ashish Vaswani", "Noam Shazeer"]


@pytest.mark.django_db
def test_a_related_row_saved_after_it_was_assigned_gives_its_key(alice: User) -> None:
    paper = Paper(url="https://example.org/c")
    sql.insert(paper)
    entry = _entry(alice, personal_library(alice), paper)
    contribution = EntryContribution(entry=entry, contributed={"title": "T"})  # entry unsaved
    sql.insert(entry)

    sql.insert(contribution)  # a table keyed by its entry: no RETURNING

    assert EntryContribution.objects.get(entry_id=entry.pk).contributed == {"title": "T"}


@pytest.mark.django_db
def test_an_unsaved_related_row_is_refused(alice: User) -> None:
    entry = _entry(alice, personal_library(alice), Paper(url="https://example.org/d"))

    with pytest.raises(ValueError, match="unsaved related object"):
        sql.insert(entry)

    assert not Entry.objects.exists()


@pytest.mark.django_db
def test_a_row_with_a_key_or_an_expression_is_left_to_save(alice: User) -> None:
    keyed = Paper(id=10_000, url="https://example.org/e")
    with pytest.raises(TypeError, match="primary key"):
        sql.insert(keyed)
    for expression in (Upper(Value("t")), F("url")):
        with pytest.raises(TypeError, match="expression"):
            sql.insert(Paper(url="https://example.org/f", title=expression))
    assert not Paper.objects.exists()
