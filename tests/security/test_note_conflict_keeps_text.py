"""A web note edit that lost a race keeps the person's text on the page, beside the
version that won; nothing they typed is thrown away."""

from http import HTTPStatus

import pytest
from django.test import Client

from readinglist.models import Note, User
from readinglist.services.annotations import create_note, update_note
from readinglist.services.entries import save_paper


@pytest.mark.django_db
def test_a_conflicting_edit_shows_the_typed_text_beside_the_current_note(alice: User) -> None:
    entry = save_paper(user=alice, url="arXiv:1706.03762").entry
    note = create_note(user=alice, entry=entry, body="First thoughts")
    opened_at = note.version
    update_note(user=alice, note=note, body="Edited on my laptop")  # another device wins
    client = Client()
    client.force_login(alice)

    response = client.post(
        f"/notes/{note.pk}/edit",
        {"body": "Typed on my phone, at length", "version": opened_at},
        HTTP_REFERER=f"http://testserver/entries/{entry.pk}/",
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Note.objects.get(pk=note.pk).body == "Edited on my laptop"

    page = client.get(response["Location"]).content.decode()
    assert "Typed on my phone, at length" in page
    assert "Edited on my laptop" in page
    assert "your text was not saved" in page
    # Shown once: a later visit shows the note as it is.
    assert "Typed on my phone" not in client.get(response["Location"]).content.decode()
