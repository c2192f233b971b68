"""The entry page's highlights: each one anchored (#highlight-N, where the extension links),
with a link back to the passage on the paper's page and, in a lab, its own discussion."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from readinglist.models import Comment, Entry, Highlight, Lab, User
from readinglist.services.annotations import create_highlight
from readinglist.services.discussion import create_comment
from readinglist.web.entries import text_fragment
from tests.web.conftest import XSS, XSS_ESCAPED, SaveFn, assert_inert

pytestmark = pytest.mark.django_db


def highlight(entry: Entry, author: User, exact: str, comment: str = "") -> Highlight:
    selectors = [{"type": "TextQuoteSelector", "exact": exact}]
    return create_highlight(user=author, entry=entry, selectors=selectors, comment=comment)


def test_text_fragments_escape_the_directive_syntax_and_shorten_long_quotes() -> None:
    assert text_fragment("superior in quality") == "#:~:text=superior%20in%20quality"
    assert text_fragment("self-attention, & more") == "#:~:text=self%2Dattention%2C%20%26%20more"
    assert text_fragment("one two three four five six seven eight nine") == (
        "#:~:text=one%20two%20three%20four,six%20seven%20eight%20nine"
    )
    assert text_fragment("  \n ") == ""


def test_each_highlight_links_back_to_its_passage_on_the_papers_page(
    client: Client, alice: User, saved: SaveFn
) -> None:
    entry = saved(alice, 1)
    made = highlight(entry, alice, "attention is all you need", comment="Key claim")
    client.force_login(alice)

    html = client.get(f"/entries/{entry.pk}/").content.decode()

    assert f'id="highlight-{made.pk}"' in html
    assert (
        'href="https://arxiv.org/abs/2401.00001#:~:text=attention%20is%20all%20you%20need"' in html
    )
    assert "Key claim" in html
    assert "No highlights yet" not in html


def test_a_highlight_is_text_never_markup(client: Client, alice: User, saved: SaveFn) -> None:
    entry = saved(alice, 1)
    highlight(entry, alice, XSS, comment=XSS)
    client.force_login(alice)

    html = client.get(f"/entries/{entry.pk}/").content.decode()

    assert_inert(html)
    assert XSS_ESCAPED in html


def test_a_lab_member_discusses_a_highlight_from_the_entry_page(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    made = highlight(entry, alice, "all you need")
    client.force_login(bob)

    response = client.post(
        f"/entries/{entry.pk}/comments", {"body": "Is it, though?", "highlight": made.pk}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#highlight-{made.pk}")
    comment = Comment.objects.get(entry=entry)
    assert comment.highlight_id == made.pk
    html = client.get(f"/entries/{entry.pk}/").content.decode()
    assert f'<a href="#thread-{comment.pk}">a thread by Bob</a>' in html
    assert f'About <a href="#highlight-{made.pk}">a highlight</a>' in html


def test_a_highlight_of_another_entry_cannot_be_discussed_here(
    client: Client, alice: User, bob: User, lab: Lab, saved: SaveFn
) -> None:
    entry = saved(alice, 1, library=lab.library)
    elsewhere = highlight(saved(alice, 2, library=lab.library), alice, "elsewhere")
    client.force_login(bob)

    response = client.post(
        f"/entries/{entry.pk}/comments", {"body": "Hm", "highlight": elsewhere.pk}
    )

    assert response.status_code == 404
    assert not Comment.objects.exists()


def test_highlights_and_their_threads_cost_no_query_per_highlight(
    client: Client,
    alice: User,
    bob: User,
    lab: Lab,
    saved: SaveFn,
) -> None:
    entry = saved(alice, 1, library=lab.library)
    client.force_login(alice)

    def queries_with(n: int) -> int:
        """Queries for the page after `n` more highlights, each with a thread."""
        for i in range(n):
            made = highlight(entry, bob if i % 2 else alice, f"passage {i}")
            create_comment(user=bob, entry=entry, body=f"On {i}", highlight=made)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/entries/{entry.pk}/").status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(4)
