"""/api/v1/notes/ and /api/v1/highlights/: shared annotations on an entry."""

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import pytest
from rest_framework.test import APIClient

from readinglist.models import Entry, Highlight, Lab, Library, Membership, Note, Tombstone, User
from readinglist.services.accounts import personal_library
from readinglist.services.annotations import create_highlight, create_note
from readinglist.services.labs import add_member
from tests.conftest import client_for
from tests.factories import EntryFactory, UserFactory

NumQueries = Callable[[int], AbstractContextManager[object]]
HUGE_ID = 10**30

QUOTE: dict[str, Any] = {
    "type": "TextQuoteSelector",
    "exact": "Attention is all you need",
    "prefix": "Title: ",
    "suffix": ". Abstract",
}
POSITION: dict[str, Any] = {"type": "TextPositionSelector", "start": 7, "end": 32}


@pytest.fixture
def library(alice: User) -> Library:
    return personal_library(alice)


@pytest.fixture
def lab_library(lab: Lab) -> Library:
    return Library.objects.get(lab=lab)


@pytest.fixture
def entry(alice: User, library: Library) -> Entry:
    made: Entry = EntryFactory(added_by=alice, library=library)
    return made


@pytest.fixture
def lab_entry(alice: User, lab_library: Library) -> Entry:
    made: Entry = EntryFactory(added_by=alice, library=lab_library)
    return made


def current_version(library: Library) -> int:
    library.refresh_from_db()
    return library.version


def make_viewer(lab: Lab, user: User) -> None:
    add_member(lab=lab, user=user, role=Membership.Role.VIEWER)


def post_json(client: APIClient, path: str, body: dict[str, Any]) -> Any:
    """Posts JSON escaped to ASCII, so lone surrogates reach the server as `\\udxxx` escapes."""
    return client.post(path, json.dumps(body), content_type="application/json")


def highlight_on(entry: Entry, author: User, comment: str = "") -> Highlight:
    return create_highlight(user=author, entry=entry, selectors=[QUOTE, POSITION], comment=comment)


@dataclass(frozen=True)
class Kind:
    """Notes and highlights share their permission rules: the tests below run for each."""

    url: str
    model: type[Note] | type[Highlight]
    tombstone: str
    change: dict[str, Any]
    creation: Callable[[Entry], dict[str, Any]]
    make: Callable[[Entry, User], Note | Highlight]

    def __str__(self) -> str:
        return self.url


KINDS = [
    Kind(
        url="/api/v1/notes/",
        model=Note,
        tombstone=Tombstone.ObjectType.NOTE,
        change={"body": "Changed."},
        creation=lambda entry: {"entry": entry.pk, "body": "A *note*."},
        make=lambda entry, author: create_note(user=author, entry=entry, body="Hello"),
    ),
    Kind(
        url="/api/v1/highlights/",
        model=Highlight,
        tombstone=Tombstone.ObjectType.HIGHLIGHT,
        change={"comment": "Changed."},
        creation=lambda entry: {"entry": entry.pk, "selectors": [QUOTE]},
        make=lambda entry, author: highlight_on(entry, author),
    ),
]


@pytest.fixture(params=KINDS, ids=str)
def kind(request: pytest.FixtureRequest) -> Kind:
    chosen: Kind = request.param
    return chosen


# Shared rules


@pytest.mark.django_db
def test_create_bumps_the_version_and_returns_the_annotation(
    kind: Kind, alice: User, alice_client: APIClient, entry: Entry, library: Library
) -> None:
    before = current_version(library)

    response = alice_client.post(f"{kind.url}", kind.creation(entry))

    assert response.status_code == HTTPStatus.CREATED
    body = response.json()
    version = current_version(library)
    assert version == before + 1
    assert response["Last-Modified-Version"] == str(version)
    assert (body["version"], body["library"], body["entry"], body["author"]) == (
        version,
        library.pk,
        entry.pk,
        alice.pk,
    )
    assert set(body) >= {"id", "key"}
    assert kind.model.objects.get(pk=body["id"]).version == version


@pytest.mark.django_db
def test_list_gives_an_entrys_annotations_in_three_queries(
    kind: Kind,
    alice: User,
    bob: User,
    alice_client: APIClient,
    lab_entry: Entry,
    django_assert_num_queries: NumQueries,
) -> None:
    made = [kind.make(lab_entry, author) for author in (alice, bob, alice)]
    kind.make(EntryFactory(added_by=alice, library=lab_entry.library), alice)

    # 1: the entry, among those alice can see; 2: the page count; 3: the annotations.
    with django_assert_num_queries(3):
        response = alice_client.get(f"{kind.url}", {"entry": lab_entry.pk})

    assert response.status_code == HTTPStatus.OK
    assert [a["id"] for a in response.json()["results"]] == [a.pk for a in made]
    assert [a["author"] for a in response.json()["results"]] == [alice.pk, bob.pk, alice.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("query", [{}, {"entry": "abc"}, {"entry": HUGE_ID}, {"entry": -3}])
def test_list_needs_an_entry_id(kind: Kind, alice_client: APIClient, query: dict[str, Any]) -> None:
    response = alice_client.get(f"{kind.url}", query)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "entry" in response.json()


@pytest.mark.django_db
def test_outsider_gets_404_for_alices_annotations(
    kind: Kind, alice: User, charlie_client: APIClient, entry: Entry
) -> None:
    annotation = kind.make(entry, alice)
    url = f"{kind.url}{annotation.pk}/"

    assert charlie_client.get(f"{kind.url}", {"entry": entry.pk}).status_code == 404
    assert charlie_client.get(url).status_code == 404
    assert charlie_client.patch(url, kind.change).status_code == 404
    assert charlie_client.delete(url).status_code == 404
    assert kind.model.objects.filter(pk=annotation.pk).exists()


@pytest.mark.django_db
def test_annotating_someone_elses_entry_is_an_unknown_entry(
    kind: Kind, charlie_client: APIClient, entry: Entry
) -> None:
    response = charlie_client.post(f"{kind.url}", kind.creation(entry))

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["entry"] == ["No such entry."]


@pytest.mark.django_db
@pytest.mark.parametrize("entry_id", ["abc", HUGE_ID, None, True, 2.5, [1], {"id": 1}])
def test_garbage_entry_ids_are_400(
    kind: Kind, alice_client: APIClient, entry: Entry, entry_id: object
) -> None:
    body = {**kind.creation(entry), "entry": entry_id}

    response = alice_client.post(f"{kind.url}", body)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "entry" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", ""), ("get", "1/"), ("patch", "1/"), ("delete", "1/")],
)
def test_anonymous_requests_get_401(
    kind: Kind, anon_client: APIClient, method: str, path: str
) -> None:
    response = getattr(anon_client, method)(f"{kind.url}{path}", {})

    assert response.status_code == HTTPStatus.UNAUTHORIZED


@pytest.mark.django_db
@pytest.mark.parametrize("annotation_id", ["abc", str(HUGE_ID), "0"])
def test_garbage_annotation_ids_are_404(
    kind: Kind, alice_client: APIClient, annotation_id: str
) -> None:
    assert alice_client.get(f"{kind.url}{annotation_id}/").status_code == 404


@pytest.mark.django_db
def test_lab_member_annotates_and_changes_their_own(
    kind: Kind, bob_client: APIClient, lab_entry: Entry
) -> None:
    created = bob_client.post(f"{kind.url}", kind.creation(lab_entry))
    url = f"{kind.url}{created.json()['id']}/"

    assert created.status_code == HTTPStatus.CREATED
    assert bob_client.patch(url, kind.change).status_code == HTTPStatus.OK
    assert bob_client.delete(url).status_code == HTTPStatus.NO_CONTENT


@pytest.mark.django_db
def test_member_cannot_change_anothers_annotation(
    kind: Kind, alice: User, bob_client: APIClient, lab_entry: Entry
) -> None:
    annotation = kind.make(lab_entry, alice)
    url = f"{kind.url}{annotation.pk}/"
    before = current_version(lab_entry.library)

    assert bob_client.get(url).status_code == HTTPStatus.OK
    assert bob_client.patch(url, kind.change).status_code == HTTPStatus.FORBIDDEN
    assert bob_client.delete(url).status_code == HTTPStatus.FORBIDDEN
    assert kind.model.objects.get(pk=annotation.pk).version == annotation.version
    assert current_version(lab_entry.library) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Membership.Role.OWNER, Membership.Role.ADMIN])
def test_lab_owner_or_admin_may_change_a_members_annotation(
    kind: Kind, bob: User, lab: Lab, lab_entry: Entry, role: Membership.Role
) -> None:
    annotation = kind.make(lab_entry, bob)
    moderator = UserFactory(email="mod@example.org")
    add_member(lab=lab, user=moderator, role=role)
    client = client_for(moderator)
    url = f"{kind.url}{annotation.pk}/"

    assert client.patch(url, kind.change).status_code == HTTPStatus.OK
    assert client.delete(url).status_code == HTTPStatus.NO_CONTENT


@pytest.mark.django_db
def test_viewer_reads_but_cannot_write_even_their_own(
    kind: Kind, bob: User, bob_client: APIClient, lab: Lab, lab_entry: Entry
) -> None:
    own = kind.make(lab_entry, bob)
    make_viewer(lab, bob)
    url = f"{kind.url}{own.pk}/"

    assert bob_client.get(f"{kind.url}", {"entry": lab_entry.pk}).status_code == 200
    assert bob_client.get(url).status_code == HTTPStatus.OK
    create = kind.creation(lab_entry)
    assert bob_client.post(f"{kind.url}", create).status_code == HTTPStatus.FORBIDDEN
    assert bob_client.patch(url, kind.change).status_code == HTTPStatus.FORBIDDEN
    assert bob_client.delete(url).status_code == HTTPStatus.FORBIDDEN


@pytest.mark.django_db
def test_delete_leaves_a_tombstone(
    kind: Kind, alice: User, alice_client: APIClient, entry: Entry, library: Library
) -> None:
    annotation = kind.make(entry, alice)

    response = alice_client.delete(f"{kind.url}{annotation.pk}/")

    assert response.status_code == HTTPStatus.NO_CONTENT
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version)
    assert not kind.model.objects.exists()
    tombstone = Tombstone.objects.get()
    assert (tombstone.object_type, tombstone.key, tombstone.version, tombstone.deleted_by) == (
        kind.tombstone,
        annotation.key,
        version,
        alice,
    )


@pytest.mark.django_db
def test_patch_stamps_the_annotation(
    kind: Kind, alice: User, alice_client: APIClient, entry: Entry, library: Library
) -> None:
    annotation = kind.make(entry, alice)

    response = alice_client.patch(f"{kind.url}{annotation.pk}/", kind.change)

    assert response.status_code == HTTPStatus.OK
    version = current_version(library)
    assert response["Last-Modified-Version"] == str(version) == str(response.json()["version"])
    assert kind.model.objects.get(pk=annotation.pk).version == version


@pytest.mark.django_db
def test_empty_patch_is_400(kind: Kind, alice: User, alice_client: APIClient, entry: Entry) -> None:
    annotation = kind.make(entry, alice)

    assert alice_client.patch(f"{kind.url}{annotation.pk}/", {}).status_code == 400


# Notes


@pytest.mark.django_db
def test_note_markdown_is_kept_as_written(alice_client: APIClient, entry: Entry) -> None:
    body = "    indented code\n\n* item  \n* ünïcode 🙂\n"

    response = alice_client.post("/api/v1/notes/", {"entry": entry.pk, "body": body})

    assert response.status_code == HTTPStatus.CREATED
    assert response.json()["body"] == body
    assert Note.objects.get().body == body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": ""},
        {"body": "  \n\t "},
        {"body": None},
        {"body": ["a"]},
        {"body": {"a": "b"}},
        {"body": "x" * 100_001},
        {"body": "nul \x00 byte"},
        {"body": "lone \ud800 surrogate"},
    ],
)
def test_bad_note_body_is_400_and_writes_nothing(
    alice_client: APIClient, entry: Entry, library: Library, body: dict[str, Any]
) -> None:
    before = current_version(library)

    response = post_json(alice_client, "/api/v1/notes/", {"entry": entry.pk, **body})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "body" in response.json()
    assert not Note.objects.exists()
    assert current_version(library) == before


@pytest.mark.django_db
def test_longest_note_is_accepted(alice_client: APIClient, entry: Entry) -> None:
    response = alice_client.post("/api/v1/notes/", {"entry": entry.pk, "body": "x" * 100_000})

    assert response.status_code == HTTPStatus.CREATED


@pytest.mark.django_db
def test_note_patch_with_a_blank_body_is_400(
    alice: User, alice_client: APIClient, entry: Entry
) -> None:
    note = create_note(user=alice, entry=entry, body="Keep me")

    assert alice_client.patch(f"/api/v1/notes/{note.pk}/", {"body": " "}).status_code == 400
    assert Note.objects.get().body == "Keep me"


# Highlights


VERBATIM_SELECTORS: list[dict[str, Any]] = [
    {
        "type": "TextQuoteSelector",
        "exact": "ünïcode — “quoted” 🙂",
        "prefix": "",
        "suffix": " and more",
        "x-client": {"nested": [1, 2.5, None, True, {"deep": "value"}]},
    },
    {"type": "TextPositionSelector", "start": 0, "end": 0},
    {
        "type": "RangeSelector",
        "startSelector": {"type": "XPathSelector", "value": "/html/body/p[2]"},
        "endSelector": {"type": "XPathSelector", "value": "/html/body/p[3]"},
    },
    {"type": "CssSelector", "value": "#abstract > p", "refinedBy": POSITION},
    {
        "type": "FragmentSelector",
        "value": "page=3",
        "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
    },
]


@pytest.mark.django_db
def test_selectors_round_trip_verbatim(alice_client: APIClient, entry: Entry) -> None:
    sent = json.loads(json.dumps(VERBATIM_SELECTORS))

    created = alice_client.post(
        "/api/v1/highlights/",
        {
            "entry": entry.pk,
            "selectors": sent,
            "offset_unit": "codepoint",
            "color": "#FFee00",
            "comment": "  why this matters ",
        },
    )
    fetched = alice_client.get(f"/api/v1/highlights/{created.json()['id']}/")

    assert created.status_code == HTTPStatus.CREATED
    for body in (created.json(), fetched.json()):
        assert body["selectors"] == VERBATIM_SELECTORS
        assert body["exact"] == "ünïcode — “quoted” 🙂"
        assert body["offset_unit"] == "codepoint"
        assert body["color"] == "#ffee00"
        assert body["comment"] == "  why this matters "
    stored = Highlight.objects.get()
    assert stored.selectors == VERBATIM_SELECTORS
    assert stored.exact == "ünïcode — “quoted” 🙂"


@pytest.mark.django_db
def test_highlight_without_a_quote_has_empty_exact_and_defaults(
    alice_client: APIClient, entry: Entry
) -> None:
    response = alice_client.post(
        "/api/v1/highlights/", {"entry": entry.pk, "selectors": [POSITION]}
    )

    assert response.status_code == HTTPStatus.CREATED
    assert (response.json()["exact"], response.json()["offset_unit"]) == ("", "utf16")
    assert (response.json()["color"], response.json()["comment"]) == ("", "")


@pytest.mark.django_db
def test_patching_selectors_recomputes_exact(
    alice: User, alice_client: APIClient, entry: Entry
) -> None:
    highlight = highlight_on(entry, alice)
    new_quote = {**QUOTE, "exact": "something else"}

    response = alice_client.patch(
        f"/api/v1/highlights/{highlight.pk}/", {"selectors": [POSITION, new_quote]}
    )

    assert response.status_code == HTTPStatus.OK
    assert response.json()["selectors"] == [POSITION, new_quote]
    assert Highlight.objects.get().exact == "something else"


def _quote(**fields: Any) -> dict[str, Any]:
    return {"type": "TextQuoteSelector", **fields}


def _position(start: Any, end: Any) -> dict[str, Any]:
    return {"type": "TextPositionSelector", "start": start, "end": end}


BAD_SELECTORS: dict[str, Any] = {
    "not a list": QUOTE,
    "a string": "TextQuoteSelector",
    "null": None,
    "empty list": [],
    "too many": [QUOTE] * 21,
    "too big": [_quote(exact="x" * 70_000)],
    "too big in multibyte": [_quote(exact="é" * 33_000)],
    "not an object": ["TextQuoteSelector"],
    "nested list": [[QUOTE]],
    "no type": [{"exact": "x"}],
    "unknown type": [{"type": "SvgSelector", "value": "<svg/>"}],
    "type not a string": [{"type": 3}],
    "quote without exact": [_quote()],
    "quote with empty exact": [_quote(exact="")],
    "quote exact not a string": [_quote(exact=["x"])],
    "quote prefix not a string": [_quote(exact="x", prefix=3)],
    "position start after end": [_position(5, 4)],
    "position negative": [_position(-1, 4)],
    "position as strings": [_position("1", "4")],
    "position as floats": [_position(1.5, 4)],
    "position as booleans": [_position(False, True)],
    "position missing end": [{"type": "TextPositionSelector", "start": 1}],
    "css without value": [{"type": "CssSelector"}],
    "nul in text": [_quote(exact="a\x00b")],
    "nul in a key": [{**QUOTE, "k\x00": 1}],
    "lone surrogate": [_quote(exact="\ud83d")],
    "nested too deep": [{**QUOTE, "x": json.loads("[" * 40 + "]" * 40)}],
    "nested deeper than python recurses": [{**QUOTE, "x": json.loads("[" * 900 + "]" * 900)}],
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_SELECTORS))
def test_bad_selectors_are_400_on_selectors(
    alice_client: APIClient, entry: Entry, library: Library, case: str
) -> None:
    before = current_version(library)

    response = post_json(
        alice_client, "/api/v1/highlights/", {"entry": entry.pk, "selectors": BAD_SELECTORS[case]}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST, response.content[:300]
    assert "selectors" in response.json()
    assert not Highlight.objects.exists()
    assert current_version(library) == before


@pytest.mark.django_db
def test_twenty_selectors_are_allowed(alice_client: APIClient, entry: Entry) -> None:
    response = alice_client.post(
        "/api/v1/highlights/", {"entry": entry.pk, "selectors": [QUOTE] * 20}
    )

    assert response.status_code == HTTPStatus.CREATED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"offset_unit": "bytes"}, "offset_unit"),
        ({"offset_unit": 16}, "offset_unit"),
        ({"color": "yellow"}, "color"),
        ({"color": ["#ffffff"]}, "color"),
        ({"comment": "x" * 100_001}, "comment"),
        ({"comment": {"text": "x"}}, "comment"),
    ],
)
def test_bad_highlight_fields_are_400(
    alice: User, alice_client: APIClient, entry: Entry, fields: dict[str, Any], field: str
) -> None:
    created = alice_client.post(
        "/api/v1/highlights/", {"entry": entry.pk, "selectors": [QUOTE], **fields}
    )
    highlight = highlight_on(entry, alice, comment="kept")
    patched = alice_client.patch(f"/api/v1/highlights/{highlight.pk}/", fields)

    assert created.status_code == patched.status_code == HTTPStatus.BAD_REQUEST
    assert field in created.json()
    assert field in patched.json()
    assert Highlight.objects.get().comment == "kept"


@pytest.mark.django_db
def test_invalid_selectors_in_a_patch_change_nothing(
    alice: User, alice_client: APIClient, entry: Entry, library: Library
) -> None:
    highlight = highlight_on(entry, alice)
    before = current_version(library)

    response = alice_client.patch(
        f"/api/v1/highlights/{highlight.pk}/", {"selectors": [_position(3, 1)], "color": "#000000"}
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    stored = Highlight.objects.get()
    assert (stored.selectors, stored.color) == ([QUOTE, POSITION], "")
    assert current_version(library) == before
