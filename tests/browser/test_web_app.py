"""The web app in a real browser: Debian Chromium driven by Playwright against the live server.

Covers what the Django test client cannot see: that the forms work end to end with the
Content-Security-Policy in force, that stored markup stays inert once a browser parses the
page, that pages fit a phone's width, and that keyboard users can skip to the content.

Every hostname except 127.0.0.1 resolves nowhere, so nothing leaves the machine.
Screenshots go to $WEB_SCREENSHOTS when set, else to the test's tmp_path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client

from readinglist.enrichment.records import Registry, RegistryRecord
from readinglist.enrichment.worker import Answers, apply_answers
from readinglist.metadata import PageMetadata, Source
from readinglist.models import (
    Entry,
    Lab,
    Library,
    Membership,
    Note,
    ReadingList,
    ReadingListItem,
    User,
)
from readinglist.services import labs as lab_services
from readinglist.services.annotations import create_note
from readinglist.services.discussion import create_comment
from readinglist.services.entries import save_paper, update_entry
from readinglist.services.lists import add_to_list, create_list
from tests.factories import UserFactory

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# --- Browser plumbing -------------------------------------------------------------------------


@dataclass
class Tab:
    """A page and what the browser reported while it was open."""

    page: Any
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, path: str) -> Any:
        response = self.page.goto(path)
        assert response is not None, path
        assert response.ok, f"{path}: HTTP {response.status}"
        return response

    def main_text(self) -> str:
        return str(self.page.locator("main").inner_text())

    def message(self) -> str:
        return str(self.page.locator(".messages").inner_text())


def _watch(page: Any) -> Tab:
    tab = Tab(page)

    def on_console(msg: Any) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            tab.console_errors.append(f"{msg.text} [{where}] on {page.url}")

    def on_dialog(dialog: Any) -> None:
        tab.dialogs.append(f"{dialog.type}: {dialog.message} on {page.url}")
        dialog.dismiss()

    page.on("console", on_console)
    page.on("pageerror", lambda error: tab.console_errors.append(f"JS error: {error}"))
    page.on("dialog", on_dialog)
    # Also hear CSP violations the page itself sees (the console line is the browser's own).
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI));"
    )
    return tab


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def sign_in_cookie(context: Any, user: User, base_url: str) -> None:
    """Give the browser a session of `user`, as if they had signed in."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


OpenTab = Callable[..., Tab]


@pytest.fixture
def base_url(live_server: Any) -> str:
    """The live server by address: the resolver rules leave only 127.0.0.1 reachable."""
    return "http://127.0.0.1:" + str(live_server.url).rsplit(":", 1)[1]


@pytest.fixture
def open_tab(chromium: Any, base_url: str) -> Iterator[OpenTab]:
    """`open_tab(user=None, viewport=DESKTOP)`: a new browser context (own cookies), one tab."""
    contexts: list[Any] = []

    def open_(user: User | None = None, viewport: dict[str, int] = DESKTOP) -> Tab:
        context = chromium.new_context(viewport=viewport, base_url=base_url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            sign_in_cookie(context, user, base_url)
        return _watch(context.new_page())

    yield open_
    for context in contexts:
        context.close()


def reader(email: str, name: str) -> User:
    user = UserFactory(email=email, name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


FAVICON_404 = re.compile(r"status of 404 .*\[https?://[^/]+/favicon\.ico\]")


def assert_quiet(tab: Tab) -> None:
    """No dialog and no console error; the missing /favicon.ico is checked on its own."""
    assert not tab.dialogs, tab.dialogs
    assert not [e for e in tab.console_errors if not FAVICON_404.search(e)], tab.console_errors


# --- 1. Sign up, confirm, sign out, sign in ---------------------------------------------------


def test_sign_up_confirm_sign_out_and_sign_in(open_tab: OpenTab, base_url: str) -> None:
    from playwright.sync_api import expect

    tab = open_tab()
    page = tab.page
    tab.goto("/")
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/$"))
    # allauth's own form markup: located by field name, whatever layout wraps it.
    page.locator("input[name=email]").fill("newcomer@example.org")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    user = User.objects.get(email="newcomer@example.org")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["newcomer@example.org"]
    found = re.search(r"http://\S+/accounts/confirm-email/\S+/", str(mail.outbox[0].body))
    assert found, mail.outbox[0].body
    link = found.group(0)
    assert link.startswith(base_url), link

    # Unconfirmed, the library stays out of reach.
    page.goto("/library/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/library/$"))

    tab.goto(link)
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(re.compile(r"/library/$"))
    expect(page.locator(".site-header .who")).to_have_text("newcomer@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("newcomer's library")
    assert EmailAddress.objects.get(user=user).verified
    assert Library.objects.filter(owner=user, kind=Library.Kind.PERSONAL).exists()

    page.locator(".site-header").get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Create an account")).to_be_visible()
    page.goto("/library/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/library/$"))

    page.locator("input[name=login]").fill("newcomer@example.org")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/library/$"))
    expect(page.locator(".site-header .who")).to_have_text("newcomer@example.org")
    assert_quiet(tab)


# --- 2. Save, search, tag, note, list, reorder ------------------------------------------------


def _catalogue_papers() -> None:
    """Papers the registries already answered for (as the worker records them), so the
    catalogue knows their titles without network. What someone else's save sent would not
    do: that stays in their library."""
    carol = reader("carol@example.org", "Carol")
    for arxiv, title, authors in (
        ("1706.03762", "Attention Is All You Need", ("Ashish Vaswani", "Noam Shazeer")),
        (
            "1810.04805",
            "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
            ("Jacob Devlin", "Ming-Wei Chang"),
        ),
    ):
        paper = save_paper(user=carol, url=f"https://arxiv.org/abs/{arxiv}").paper
        record = RegistryRecord(Registry.ARXIV, title=title, authors=authors)
        with transaction.atomic():
            apply_answers(paper.pk, Answers(records=[record]))


def _list_titles(tab: Tab) -> list[str]:
    return [t.strip() for t in tab.page.locator("ol.entries li .grow > a").all_inner_texts()]


def test_save_search_tag_note_list_and_reorder(open_tab: OpenTab, transactional_db: None) -> None:
    from playwright.sync_api import expect

    _catalogue_papers()
    alice = reader("alice@example.org", "Alice")
    tab = open_tab(alice)
    page = tab.page

    for arxiv_id, title in (
        ("arXiv:1706.03762", "Attention Is All You Need"),
        ("arXiv:1810.04805", "BERT: Pre-training"),
    ):
        tab.goto("/library/")
        save_form = page.get_by_role("form", name="Save a paper")
        save_form.get_by_label("Save a paper").fill(arxiv_id)
        save_form.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/entries/\d+/$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(title)
        expect(page.locator(".messages")).to_contain_text(f"Saved: {title}")
    mine = Entry.objects.filter(library__owner=alice)
    assert mine.count() == 2

    tab.goto("/library/")
    expect(page.locator("ul.entries > li.entry-row")).to_have_count(2)
    page.get_by_role("search").get_by_label("Search").fill("attention")
    page.get_by_role("search").get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"[?&]q=attention"))
    rows = page.locator("ul.entries > li.entry-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Attention Is All You Need")
    expect(page.get_by_text("1 entry match")).to_be_visible()

    rows.first.get_by_role("link", name="Attention Is All You Need").click()
    expect(page).to_have_url(re.compile(r"/entries/\d+/$"))
    attention = mine.get(paper__title="Attention Is All You Need")
    assert page.url.endswith(f"/entries/{attention.pk}/")

    page.get_by_label("Add tags").fill("transformers, to-present")
    page.get_by_label("Add tags").press("Enter")
    expect(page.locator("aside ul.tags")).to_contain_text("transformers")
    assert sorted(attention.tags.values_list("name", flat=True)) == ["to-present", "transformers"]
    page.get_by_role("button", name="Remove tag to-present").click()
    expect(page.locator("aside ul.tags")).not_to_contain_text("to-present")
    assert list(attention.tags.values_list("name", flat=True)) == ["transformers"]

    page.get_by_label("New note (Markdown)").fill(
        "**Key idea**: attention only.\n\n- scaled dot-product\n- multi-head\n\n<b>raw</b>"
    )
    page.get_by_role("button", name="Add note").click()
    expect(page).to_have_url(re.compile(r"#notes$"))
    rendered = page.locator("#notes .note .rendered")
    expect(rendered.locator("strong")).to_have_text("Key idea")
    expect(rendered.locator("li")).to_have_text(["scaled dot-product", "multi-head"])
    expect(rendered.locator("b")).to_have_count(0)  # raw HTML in a note is text, not markup
    assert Note.objects.get(entry=attention).body.startswith("**Key idea**")

    page.get_by_role("link", name="Create a list").click()
    expect(page).to_have_url(re.compile(r"/lists/$"))
    page.get_by_label("Name").fill("Reading group")
    page.get_by_label("Description (Markdown, optional)").fill("Tuesdays, *room 4*")
    page.get_by_role("button", name="Create list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reading group")
    expect(page.locator("main .rendered em")).to_have_text("room 4")
    reading_list = ReadingList.objects.get(name="Reading group")

    bert = mine.get(paper__title__startswith="BERT")
    for entry in (attention, bert):
        tab.goto(f"/entries/{entry.pk}/")
        page.get_by_label("Add to list").select_option(label="Reading group")
        page.locator("form", has=page.get_by_label("Add to list")).get_by_role(
            "button", name="Add"
        ).click()
        expect(page.locator(".messages")).to_contain_text("Added to “Reading group”")
        expect(page.locator("aside").get_by_role("link", name="Reading group")).to_be_visible()

    tab.goto(f"/lists/{reading_list.pk}/")
    assert _list_titles(tab)[0] == "Attention Is All You Need"
    page.get_by_role("button", name=re.compile(r"^Move “BERT.*” up$")).click()
    expect(page.locator("ol.entries li").first).to_contain_text("BERT")
    assert _list_titles(tab)[1] == "Attention Is All You Need"
    order = ReadingListItem.objects.filter(reading_list=reading_list).order_by("position", "id")
    assert [item.entry_id for item in order] == [bert.pk, attention.pk]

    assert_quiet(tab)

    # Dragging works too: dropping Attention on the top half of BERT puts it first again.
    items = page.locator("ol.entries li.sortable-item")
    with page.expect_navigation():
        items.nth(1).drag_to(items.nth(0), target_position={"x": 20, "y": 2})
    assert not page.locator(".messages .message-error").all_inner_texts()
    expect(page.locator("ol.entries li").first).to_contain_text("Attention Is All You Need")
    assert [item.entry_id for item in order.all()] == [attention.pk, bert.pk]
    assert_quiet(tab)


# --- 3. Labs: create, invite by link, accept ---------------------------------------------------


def test_lab_invitation_by_link(open_tab: OpenTab, transactional_db: None) -> None:
    from playwright.sync_api import expect

    alice = reader("alice@example.org", "Alice")
    bob = reader("bob@example.org", "Bob")
    alice_tab, bob_tab = open_tab(alice), open_tab(bob)
    page = alice_tab.page

    alice_tab.goto("/labs/")
    expect(page.get_by_text("You are not in any lab yet.")).to_be_visible()
    page.get_by_label("Lab name").fill("Vision Lab")
    page.get_by_role("button", name="Create lab").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vision Lab")
    lab = Lab.objects.get(name="Vision Lab")
    assert page.url.endswith(f"/labs/{lab.pk}/")

    page.get_by_role("button", name="Create invitation").click()
    expect(page.locator(".messages")).to_contain_text("Invitation link")
    found = re.search(r"https?://\S+/invitations/[^/\s]+/", alice_tab.message())
    assert found, alice_tab.message()
    expect(page.get_by_role("table").filter(has_text="Invited by")).to_contain_text("0 of 1")

    bob_page = bob_tab.page
    bob_tab.goto(found.group(0))
    expect(bob_page.get_by_role("heading", level=1)).to_have_text("Join Vision Lab?")
    expect(bob_page.locator("main")).to_contain_text("Alice invited you")
    bob_page.get_by_role("button", name="Accept and join").click()
    expect(bob_page).to_have_url(re.compile(rf"/labs/{lab.pk}/$"))
    expect(bob_page.locator(".messages")).to_contain_text("Welcome to “Vision Lab”")
    members = bob_page.locator("section[aria-labelledby=members-title] table")
    expect(members.get_by_role("row").filter(has_text="bob@example.org")).to_contain_text("(you)")
    assert Membership.objects.get(lab=lab, user=bob).role == Membership.Role.MEMBER

    alice_tab.goto(f"/labs/{lab.pk}/")
    alice_members = page.locator("section[aria-labelledby=members-title] table")
    expect(alice_members.get_by_role("row").filter(has_text="bob@example.org")).to_contain_text(
        "Member"
    )
    expect(page.get_by_text("No pending invitations.")).to_be_visible()

    # The used-up link tells a third person so, without naming the lab.
    charlie_tab = open_tab(reader("charlie@example.org", "Charlie"))
    charlie_tab.goto(found.group(0))
    expect(charlie_tab.page.locator("main")).to_contain_text("used up")
    expect(charlie_tab.page.locator("main")).not_to_contain_text("Vision Lab")
    for tab in (alice_tab, bob_tab, charlie_tab):
        assert_quiet(tab)


# --- 4. Stored XSS stays inert -----------------------------------------------------------------


@dataclass
class XssWorld:
    alice: User
    entry: Entry
    lab_entry: Entry
    reading_list: ReadingList
    lab: Lab
    invitation_token: str
    bob: User


def _xss_world() -> XssWorld:
    alice = reader("alice@example.org", "Alice")
    bob = reader("bob@example.org", "Bob")
    metadata = PageMetadata(source=Source.SITE, title=XSS, authors=(XSS, "Ada Lovelace"))
    entry = save_paper(
        user=alice, url="https://arxiv.org/abs/2401.00001", metadata=metadata, tags=[XSS]
    ).entry
    create_note(user=alice, entry=entry, body=XSS)
    reading_list = create_list(
        user=alice, library=entry.library, name=XSS, description=f"{XSS}\n\n**bold**"
    )
    add_to_list(user=alice, reading_list=reading_list, entry=entry)

    lab = lab_services.create_lab(owner=alice, name=XSS)
    lab_entry = save_paper(
        user=alice,
        url="https://arxiv.org/abs/2401.00001",
        metadata=metadata,
        library=lab.library,
        tags=[XSS],
    ).entry
    create_comment(user=alice, entry=lab_entry, body=XSS)
    create_note(user=alice, entry=lab_entry, body=XSS)
    update_entry(user=alice, entry=lab_entry, state={"status": "reading"})
    lab_list = create_list(user=alice, library=lab.library, name=f"lab {XSS}")
    add_to_list(user=alice, reading_list=lab_list, entry=lab_entry)
    issued = lab_services.create_invitation(
        user=alice, lab=lab, role=lab_services.Role.MEMBER, email="", max_uses=1
    )
    return XssWorld(
        alice=alice,
        entry=entry,
        lab_entry=lab_entry,
        reading_list=reading_list,
        lab=lab,
        invitation_token=issued.token,
        bob=bob,
    )


INJECTED = """() => ({
  imgs: document.querySelectorAll('img[src="x"], img[onerror]').length,
  scripts: [...document.scripts].filter(s => s.textContent.includes('alert(')).length,
  handlers: [...document.querySelectorAll('*')].filter(
      el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
})"""


def _assert_inert(tab: Tab, path: str, *, expect_text: bool = True) -> None:
    tab.goto(path)
    tab.page.wait_for_load_state("load")
    assert tab.page.evaluate(INJECTED) == {"imgs": 0, "scripts": 0, "handlers": 0}, path
    if expect_text:
        assert XSS in tab.main_text(), f"{path}: the payload is not shown as text"
    assert not tab.dialogs, f"{path}: {tab.dialogs}"


def test_stored_markup_is_inert_everywhere(open_tab: OpenTab, transactional_db: None) -> None:
    world = _xss_world()
    tab = open_tab(world.alice)
    lab_library = world.lab.library.pk
    for path in (
        "/library/",
        f"/library/?library={lab_library}",
        f"/library/?library={lab_library}&q=alert",
        f"/entries/{world.entry.pk}/",
        f"/entries/{world.lab_entry.pk}/",
        "/lists/",
        f"/lists/{world.reading_list.pk}/",
        "/labs/",
        f"/labs/{world.lab.pk}/",
        "/settings/data",
    ):
        _assert_inert(tab, path)
    # The note and comment are Markdown: the payload is text inside the rendered block.
    tab.goto(f"/entries/{world.lab_entry.pk}/")
    assert XSS in tab.page.locator("#notes .rendered").first.inner_text()
    assert XSS in tab.page.locator("#discussion .rendered").first.inner_text()
    assert XSS in tab.page.title()

    bob_tab = open_tab(world.bob)
    _assert_inert(bob_tab, f"/invitations/{world.invitation_token}/")
    assert_quiet(tab)
    assert_quiet(bob_tab)


# --- 5. Screenshots, layout, CSP ----------------------------------------------------------------


LONG_TITLE = (
    "Scaling Laws for Neural Language Models Revisited: Compute-Optimal Training of "
    "Extraordinarily-Long-Context Transformers"
)


def _layout_world() -> dict[str, str]:
    alice = reader("alice@example.org", "Alice Example")
    bob = reader("bob@example.org", "Bob Example")
    entry = save_paper(
        user=alice,
        url="https://arxiv.org/abs/2001.08361",
        metadata=PageMetadata(
            source=Source.SITE,
            title=LONG_TITLE,
            authors=tuple(f"Author Number{n} Surname" for n in range(12)),
            abstract="We study scaling. Code: https://github.com/example/scaling-laws-revisited",
        ),
        tags=["language-models", "scaling", "to-present-at-the-reading-group"],
    ).entry
    create_note(
        user=alice,
        entry=entry,
        body="Compare with https://example.org/a/very/long/link/that/does/not/break/anywhere/"
        "at/all/in/the/middle/of/a/note\n\n`a_long_inline_code_identifier_without_breaks()`",
    )
    reading_list = create_list(user=alice, library=entry.library, name="Reading group")
    add_to_list(user=alice, reading_list=reading_list, entry=entry)
    save_paper(user=alice, url="https://arxiv.org/abs/1706.03762")
    lab = lab_services.create_lab(owner=alice, name="Natural Language Processing Group")
    charlie = reader("charlie@example.org", "Charlie Example")
    pending = lab_services.create_invitation(
        user=alice, lab=lab, role=lab_services.Role.MEMBER, email=charlie.email, max_uses=1
    )
    issued = lab_services.create_invitation(
        user=alice, lab=lab, role=lab_services.Role.MEMBER, email="", max_uses=1
    )
    lab_services.accept_invitation(user=bob, token=issued.token)
    lab_entry = save_paper(
        user=alice,
        url="https://arxiv.org/abs/2001.08361",
        library=lab.library,
    ).entry
    update_entry(user=alice, entry=lab_entry, state={"status": "reading"})
    create_comment(user=alice, entry=lab_entry, body="@bob can you present this one?")
    return {
        "entry": f"/entries/{entry.pk}/",
        "lab-entry": f"/entries/{lab_entry.pk}/",
        "list": f"/lists/{reading_list.pk}/",
        "lab": f"/labs/{lab.pk}/",
        "invitation": f"/invitations/{pending.token}/",
    }


# Whole words (letters only, between spaces) broken across lines, e.g. "Rol|e" or "ag|o".
# Long URLs and hyphenated titles may wrap anywhere; ordinary words should not need to.
SPLIT_WORDS = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.parentElement.checkVisibility()) continue;
    for (const match of node.textContent.matchAll(/(?<![^\\s(])[A-Za-z]{2,}(?![^\\s.,;:!?)])/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
      if (lines.size > 1) found.push(match[0]);
    }
  }
  return [...new Set(found)].slice(0, 10);
}"""


def _screenshot_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("WEB_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_pages_fit_the_screen_and_obey_the_csp(
    open_tab: OpenTab, transactional_db: None, tmp_path: Path, size: str
) -> None:
    paths = _layout_world()
    alice = User.objects.get(email="alice@example.org")
    viewport = DESKTOP if size == "desktop" else PHONE
    out = _screenshot_dir(tmp_path)
    anonymous, signed_in = open_tab(viewport=viewport), open_tab(alice, viewport=viewport)
    invited = open_tab(User.objects.get(email="charlie@example.org"), viewport=viewport)
    pages = [
        (anonymous, "landing", "/"),
        (anonymous, "login", "/accounts/login/"),
        (anonymous, "signup", "/accounts/signup/"),
        (signed_in, "library", "/library/"),
        (signed_in, "queue", "/library/?view=queue"),
        (signed_in, "entry", paths["entry"]),
        (signed_in, "lab-entry", paths["lab-entry"]),
        (signed_in, "lists", "/lists/"),
        (signed_in, "list", paths["list"]),
        (signed_in, "labs", "/labs/"),
        (signed_in, "lab", paths["lab"]),
        (signed_in, "settings", "/settings/"),
        (signed_in, "tokens", "/settings/tokens"),
        (signed_in, "data", "/settings/data"),
        (invited, "invitation", paths["invitation"]),
    ]
    overflowing: dict[str, list[str]] = {}
    outside_layout: list[str] = []
    split_words: dict[str, list[str]] = {}
    for tab, name, path in pages:
        response = tab.goto(path)
        tab.page.wait_for_load_state("load")
        csp = response.headers.get("content-security-policy", "")
        assert "script-src" in csp, f"{name}: CSP {csp!r}"
        assert "'unsafe-inline'" not in csp, f"{name}: CSP {csp!r}"
        tab.page.screenshot(path=str(out / f"{name}-{size}.png"), full_page=True)
        wide = tab.page.evaluate(
            """() => {
              const limit = window.innerWidth + 1;
              if (document.documentElement.scrollWidth <= limit) return [];
              return [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > limit)
                .filter(el => !el.closest('.table-scroll'))
                .slice(0, 8)
                .map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                     + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
                     + ' right=' + Math.round(el.getBoundingClientRect().right));
            }"""
        )
        if wide:
            overflowing[f"{name} ({path})"] = wide
        has_layout = tab.page.evaluate(
            """() => !!document.querySelector('a.skip-link[href="#main"]')
                 && !!document.querySelector('main#main')
                 && !!document.querySelector('link[rel=stylesheet][href*="web/app.css"]')"""
        )
        if not has_layout:
            outside_layout.append(path)
        if broken := tab.page.evaluate(SPLIT_WORDS):
            split_words[name] = broken
    assert not overflowing, f"horizontal overflow at {viewport}: {overflowing}"
    tabs = (anonymous, signed_in, invited)
    for tab in tabs:
        assert not [e for e in tab.console_errors if "Content Security Policy" in e]
        assert not [e for e in tab.console_errors if "CSP violation" in e]
        assert_quiet(tab)

    # allauth's pages must render in the app's layout (readinglist precedes allauth).
    assert not outside_layout, f"{outside_layout} render outside the app's layout"
    # Browsers ask for /favicon.ico unless a page names its icon; a 404 is a console error.
    assert anonymous.page.evaluate("!!document.querySelector('link[rel~=icon]')")
    assert not split_words, f"words broken mid-word: {split_words}"


# --- 6. Keyboard --------------------------------------------------------------------------------


def test_first_tab_reaches_the_skip_link_which_focuses_main(
    open_tab: OpenTab, transactional_db: None
) -> None:
    from playwright.sync_api import expect

    tab = open_tab(reader("alice@example.org", "Alice"))
    page = tab.page
    tab.goto("/library/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Skip to content")
    assert skip.is_visible(), "the skip link must show when it has focus"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the content, not back at the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert_quiet(tab)


# --- Citations ----------------------------------------------------------------------------------


def test_copy_citation_puts_the_reference_on_the_clipboard(
    chromium: Any, base_url: str, transactional_db: None
) -> None:
    from playwright.sync_api import expect

    alice = reader("alice@example.org", "Alice")
    saved = save_paper(
        user=alice,
        url="https://doi.org/10.1162/neco.1997.9.8.1735",
        metadata=PageMetadata(
            title="Long Short-Term Memory",
            authors=("Hochreiter, Sepp", "Schmidhuber, Jürgen"),
            published="1997",
            venue="Neural Computation",
            volume="9",
            issue="8",
            pages="1735\u20131780",
            item_type="article",
            source=Source.CITATION,
        ),
    )
    context = chromium.new_context(viewport=DESKTOP, base_url=base_url)
    context.set_default_timeout(10_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    sign_in_cookie(context, alice, base_url)
    tab = _watch(context.new_page())
    page = tab.page
    try:
        tab.goto(f"/entries/{saved.entry.pk}/")
        apa = (
            "Hochreiter, S., & Schmidhuber, J. (1997). Long Short-Term Memory. "
            "Neural Computation, 9(8), 1735\u20131780. https://doi.org/10.1162/neco.1997.9.8.1735"
        )
        expect(page.locator("#citation-text")).to_have_text(apa)

        page.get_by_role("button", name="Copy citation").click()
        expect(page.locator("#copy-status")).to_have_text("Copied the APA (7th edition) citation.")
        assert page.evaluate("navigator.clipboard.readText()") == apa

        page.get_by_label("Style").select_option("ieee")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("#citation-text")).to_contain_text(
            "S. Hochreiter and J. Schmidhuber, “Long Short-Term Memory”"
        )
        page.get_by_role("button", name="Copy BibTeX").click()
        bibtex = page.evaluate("navigator.clipboard.readText()")
        assert bibtex.startswith("@article{hochreiter1997long,\n")
        assert "pages = {1735--1780}" in bibtex
        assert_quiet(tab)
    finally:
        context.close()


# --- Personal controls and the "to read" queue -------------------------------------------------


def test_priority_rating_note_and_the_queue(open_tab: OpenTab, transactional_db: None) -> None:
    from playwright.sync_api import expect

    alice = reader("alice@example.org", "Alice")
    entries = {}
    for n, letter in enumerate("ABC", start=1):
        metadata = PageMetadata(title=f"Paper {letter}", source=Source.SITE)
        entries[letter] = save_paper(
            user=alice, url=f"https://arxiv.org/abs/2401.0000{n}", metadata=metadata
        ).entry
    tab = open_tab(alice)
    page = tab.page

    tab.goto(f"/entries/{entries['B'].pk}/")
    personal = page.locator("#personal")
    personal.get_by_label("Priority").select_option(label="High")
    personal.get_by_label("Rating").select_option(label="4 of 5")
    personal.get_by_label("Private note").fill("Read before the group meeting.\nSection 3 first.")
    personal.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved your priority, rating and note.")
    expect(personal.get_by_label("Priority")).to_have_value("3")
    expect(personal.get_by_label("Rating")).to_have_value("4")
    expect(personal.get_by_label("Private note")).to_have_value(
        "Read before the group meeting.\nSection 3 first."
    )
    state = entries["B"].states.get(user=alice)
    assert (state.priority, state.rating) == (3, 4)
    assert state.private_note == "Read before the group meeting.\nSection 3 first."

    tab.goto(f"/entries/{entries['C'].pk}/")
    personal.get_by_label("Priority").select_option(label="Low")
    personal.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved your priority")

    page.locator(".site-nav").get_by_role("link", name="To read").click()
    expect(page).to_have_url(re.compile(r"/library/\?view=queue$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("To read")
    titles = page.locator("ul.entries > li.entry-row h3")
    expect(titles).to_have_text(["Paper B", "Paper C", "Paper A"])
    expect(page.locator("ul.entries > li.entry-row").first).to_contain_text("High priority")

    # A bulk priority reorders the queue; reading a paper takes it off.
    page.get_by_label("Select “Paper A”").check()
    bulk = page.get_by_role("form", name="Act on selected entries")
    bulk.get_by_label("With selected").select_option(label="Set priority")
    bulk.get_by_label("Priority").select_option(label="Medium")
    bulk.get_by_role("button", name="Apply to selected").click()
    expect(page.locator(".messages")).to_contain_text("Set priority: 1 entry.")
    expect(titles).to_have_text(["Paper B", "Paper A", "Paper C"])
    update_entry(user=alice, entry=entries["B"], state={"status": "read"})
    tab.goto("/library/?view=queue")
    expect(titles).to_have_text(["Paper A", "Paper C"])
    assert_quiet(tab)


# --- Notifications --------------------------------------------------------------------------


def test_a_mention_reaches_the_other_persons_inbox_and_header(
    open_tab: OpenTab, transactional_db: None
) -> None:
    from playwright.sync_api import expect

    alice = reader("alice@example.org", "Alice")
    bob = reader("bob@example.org", "")  # no name: shown by the email's local part
    lab: Lab = lab_services.create_lab(owner=alice, name="Vision group")
    lab_services.add_member(lab=lab, user=bob, role=Membership.Role.MEMBER)
    entry = save_paper(user=alice, url="https://example.org/papers/attention", library=lab.library)
    writer, other = open_tab(alice), open_tab(bob)

    other.goto("/library/")
    expect(other.page.locator("#unread-count")).to_have_count(0)

    writer.goto(f"/entries/{entry.entry.pk}/")
    writer.page.get_by_label("Comment (Markdown, @mentions)").fill(
        "@bob could you present this on Friday?"
    )
    writer.page.get_by_role("button", name="Post comment").click()
    expect(writer.page.locator(".messages")).to_be_visible()

    other.goto("/library/")
    expect(other.page.locator("#unread-count")).to_have_text("1")
    other.page.get_by_role("link", name=re.compile("Notifications")).click()
    item = other.page.locator("li.notification.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Alice mentioned you on")
    item.get_by_role("link").click()
    expect(other.page).to_have_url(re.compile(rf"/entries/{entry.entry.pk}/"))

    other.goto("/notifications/")
    other.page.get_by_role("button", name="Mark all read").click()
    expect(other.page.locator("#unread-count")).to_have_count(0)
    expect(other.page.locator("li.notification.unread")).to_have_count(0)
    assert_quiet(writer)
    assert_quiet(other)
