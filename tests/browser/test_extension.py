"""End to end: the extension in Chromium against a live server on 127.0.0.1."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from playwright.sync_api import expect
from rest_framework.test import APIClient

from readinglist.models import Entry, Highlight, Library, Notification, User
from readinglist.services.annotations import create_highlight
from readinglist.services.entries import save_paper
from readinglist.services.labs import add_member, create_lab
from tests.browser.conftest import FlakyProxy, log_in
from tests.browser.selection import ABSTRACT_PHRASE, PHRASE_BOX
from tests.browser.shadow import ShadowButtons
from tests.conftest import FIXTURE_PAGES
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OWN_FIXTURES = Path(__file__).parent / "fixtures"
# Pages beyond conftest's ROUTES: synthetic ones written for these tests (fixtures/), and a real
# ACL Anthology paper page from the shared fixtures.
EXTRA_ROUTES = {
    "https://arxiv.org/list/cs.CL/new": OWN_FIXTURES / "arxiv_list_cs.CL_new.synthetic.html",
    "https://aclanthology.org/events/acl-2023/": OWN_FIXTURES / "acl_event_acl-2023.synthetic.html",
    "https://aclanthology.org/2021.naacl-main.208/": FIXTURE_PAGES / "acl_2021.naacl-main.208.html",
}


@pytest.fixture(autouse=True)
def extra_routes(request: pytest.FixtureRequest) -> None:
    if "browser" not in request.fixturenames:
        return
    browser = request.getfixturevalue("browser")

    def fulfil(route: Any) -> None:
        path = EXTRA_ROUTES.get(route.request.url)
        if path is None:
            route.fallback()  # conftest's routes answer the rest
            return
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=path.read_bytes())

    # Registered after conftest's route, so it is asked first.
    browser.route(re.compile(r"^https://(arxiv\.org|aclanthology\.org)/"), fulfil)


def entries_of(user: User) -> list[dict[str, Any]]:
    client = APIClient()
    client.force_authenticate(user=user)
    response = client.get("/api/v1/entries/")
    assert response.status_code == 200
    return response.json()["results"]


def queue_states(worker: Any) -> list[str]:
    return worker.evaluate(
        "chrome.storage.local.get('queue').then(r => (r.queue || []).map(i => i.state))"
    )


def read_clipboard(browser: Any, server_url: str) -> str:
    """What the browser's clipboard holds, read from a page of the server: Chromium grants no
    permission to an extension's origin, the loopback one is a secure context that can have it."""
    browser.grant_permissions(["clipboard-read"], origin=server_url)
    reader = browser.new_page()
    try:
        reader.goto(f"{server_url}/accounts/login/")
        reader.bring_to_front()
        return str(reader.evaluate("navigator.clipboard.readText()"))
    finally:
        reader.close()


def test_log_in_and_save_an_arxiv_page(
    browser: Any, extension_id: str, server: FlakyProxy, user: User
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto("https://arxiv.org/abs/2106.09608v2")
    button = ShadowButtons(page)
    # The button says where it saves: the personal library until the options pick another.
    button.wait_for(state="idle", text="Save to Reader's library")
    button.click()
    button.wait_for(state="saved", text="Saved to Reader's library")

    [entry] = entries_of(user)
    paper = entry["paper"]
    assert paper["title"] == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert paper["authors"] == ["Prithviraj Ammanabrolu", "Mark O. Riedl"]
    assert paper["abstract"].startswith("World models improve a learning agent's ability")
    assert paper["identifiers"]["arxiv"].lower().startswith("2106.09608")
    assert paper["published"].startswith("2021-06-17")

    # A reload shows the saved state (local index first, then one lookup).
    page.reload()
    ShadowButtons(page).wait_for(state="saved", text="Saved to Reader's library")


def test_listing_page_buttons_and_one_batch_lookup(
    browser: Any, extension_id: str, server: FlakyProxy, user: User
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto("https://huggingface.co/papers/date/2017-06-13")
    buttons = ShadowButtons(page, "item")
    buttons.wait_for(0, text="Save", label="Save to Reader's library")
    buttons.wait_for(1, text="Save")
    assert buttons.count() == 2
    assert server.count_once_settled("POST", "/api/v1/lookup", at_least=1) == 1
    buttons.click(0)
    buttons.wait_for(0, text="Saved", label="Saved to Reader's library")
    buttons.click(1)
    buttons.wait_for(1, text="Saved")

    page.reload()
    buttons = ShadowButtons(page, "item")
    buttons.wait_for(0, text="Saved")
    buttons.wait_for(1, text="Saved")
    # One per page view, not one per paper. The buttons already show the local index's
    # "Saved" while that lookup may still be on its way.
    assert server.count_once_settled("POST", "/api/v1/lookup", at_least=2) == 2

    titles = sorted(e["paper"]["title"] for e in entries_of(user))
    assert titles == [
        "Attention Is All You Need",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    ]


def test_offline_saves_wait_in_the_queue_and_drain_once(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)

    # 1. The server is unreachable: the save is queued.
    server.mode = "down"
    page = browser.new_page()
    page.goto("https://arxiv.org/abs/1902.02534")
    button = ShadowButtons(page)
    button.wait_for(state="idle")
    button.click()
    button.wait_for(text="Queued (offline)")

    # 2. The server gets the next attempt (the oldest queued save goes first) but its answer
    #    is lost: nothing is marked done, and the new save waits behind it.
    server.mode = "drop"
    hf = browser.new_page()
    hf.goto("https://huggingface.co/papers/1706.03762")
    hf_button = ShadowButtons(hf)
    hf_button.wait_for(state="idle")
    hf_button.click()
    hf_button.wait_for(text="Queued (offline)")
    assert Entry.objects.filter(library__owner=user).count() == 1  # the server did save it
    assert queue_states(worker) == ["waiting", "pending"]

    # 3. Back up: the popup shows the queue; "Retry now" drains it with the same keys.
    server.mode = "up"
    popup = browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/src/popup/popup.html")
    expect(popup.locator("#queue li")).to_have_count(2)
    expect(popup.locator("#queue li").first).to_contain_text("waiting")
    popup.click("#retry")
    expect(popup.locator("#queue li[data-state=done]")).to_have_count(2)
    assert queue_states(worker) == ["done", "done"]

    entries = entries_of(user)
    assert len(entries) == 2
    ids = sorted(e["paper"]["identifiers"]["arxiv"].lower()[:10] for e in entries)
    assert ids == ["1706.03762", "1902.02534"]
    # The attempt whose answer was lost, its replay (same Idempotency-Key) and the second save.
    assert server.count("POST", "/api/v1/save") == 3


def test_copy_citation_and_bibtex_from_the_popup(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto("https://arxiv.org/abs/2106.09608v2")
    button = ShadowButtons(page)
    button.wait_for(state="idle")
    button.click()
    button.wait_for(state="saved")
    [saved] = entries_of(user)
    client = APIClient()
    client.force_authenticate(user=user)
    entry = client.get(f"/api/v1/entries/{saved['id']}").json()
    title = "Learning Knowledge Graph-based World Models of Textual Environments"

    # The popup for that tab: a real popup opens over the active tab; this one is told which
    # (the extension may not read tab URLs, so the tab is the active one when the page is).
    page.bring_to_front()
    tab_id = worker.evaluate(
        "chrome.tabs.query({active: true, lastFocusedWindow: true}).then(tabs => tabs[0].id)"
    )
    popup = browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/src/popup/popup.html?tab={tab_id}")
    expect(popup.locator("#already")).to_have_text("Already saved by you.")
    expect(popup.locator("#cite")).to_be_visible()
    expect(popup.locator("#cite-style")).to_have_value("apa")

    popup.click("#copy-citation")
    expect(popup.locator("#cite-result")).to_have_text("Copied APA citation")
    apa = read_clipboard(browser, server.url)
    assert title in apa
    assert "Ammanabrolu" in apa

    popup.click("#copy-bibtex")
    expect(popup.locator("#cite-result")).to_have_text("Copied BibTeX")
    bibtex = read_clipboard(browser, server.url)
    assert bibtex.lstrip().startswith("@")
    assert "{" + entry["citekey"] + "," in bibtex
    assert title in bibtex

    # The chosen style sticks for the next popup.
    popup.select_option("#cite-style", "mla")
    deadline = time.monotonic() + 10
    while worker.evaluate("chrome.storage.local.get('citationStyle')") != {"citationStyle": "mla"}:
        assert time.monotonic() < deadline, "the popup never stored the chosen style"
        time.sleep(0.05)
    popup.reload()
    expect(popup.locator("#cite")).to_be_visible()
    expect(popup.locator("#cite-style")).to_have_value("mla")
    popup.click("#copy-citation")
    expect(popup.locator("#cite-result")).to_have_text("Copied MLA citation")
    assert title in read_clipboard(browser, server.url)

    # A session the server no longer knows: a clear message, and the way to log in again.
    worker.evaluate("chrome.storage.local.set({token: 'expired'})")
    popup.click("#copy-bibtex")
    expect(popup.locator("#cite-result")).to_have_text("Log in to copy citations")
    expect(popup.locator("#login-needed")).to_be_visible()
    assert server.count("GET", f"/api/v1/entries/{saved['id']}/cite?style=") == 4


def badge_of(worker: Any, tab_id: int | None = None) -> str:
    details = "{}" if tab_id is None else f"{{tabId: {int(tab_id)}}}"
    return str(worker.evaluate(f"chrome.action.getBadgeText({details})"))


def wait_for_badge(worker: Any, expected: str, tab_id: int | None = None) -> None:
    deadline = time.monotonic() + 10
    while (shown := badge_of(worker, tab_id)) != expected:
        assert time.monotonic() < deadline, f"the badge shows {shown!r}, not {expected!r}"
        time.sleep(0.05)


def active_tab_id(worker: Any) -> int:
    return int(
        worker.evaluate(
            "chrome.tabs.query({active: true, lastFocusedWindow: true}).then(tabs => tabs[0].id)"
        )
    )


def test_unread_notifications_on_the_badge_and_in_the_popup(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    # A saved paper's tab keeps its mark; an unsaved one's shows the count with every other tab.
    saved = browser.new_page()
    saved.goto("https://arxiv.org/abs/2106.09608v2")
    button = ShadowButtons(saved)
    button.wait_for(state="idle")
    button.click()
    button.wait_for(state="saved")
    saved.bring_to_front()
    saved_tab = active_tab_id(worker)
    unsaved = browser.new_page()
    unsaved.goto("https://arxiv.org/abs/1902.02534")
    ShadowButtons(unsaved).wait_for(state="idle")
    unsaved.bring_to_front()
    unsaved_tab = active_tab_id(worker)
    wait_for_badge(worker, "✓", saved_tab)
    assert badge_of(worker) == ""

    Notification.objects.create(recipient=user, kind=Notification.Kind.MENTION)

    # Opening the popup refreshes the count.
    popup = browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/src/popup/popup.html")
    link = popup.locator("#unread-link")
    expect(link).to_have_text("1 unread notification")
    expect(link).to_have_attribute("href", f"{server.url}/notifications/")
    wait_for_badge(worker, "1")
    assert badge_of(worker, unsaved_tab) == "1"
    assert badge_of(worker, saved_tab) == "✓"
    assert worker.evaluate("chrome.action.getTitle({})") == (
        "Save to reading list: 1 unread notification"
    )

    # The link opens the web app's inbox in a new tab.
    with browser.expect_page() as opened:
        link.click()
    opened.value.wait_for_load_state()
    assert server.count("GET", "/notifications/") == 1

    client = APIClient()
    client.force_authenticate(user=user)
    response = client.post("/api/v1/notifications/read", {"all": True}, format="json")
    assert response.status_code == 200
    assert response.json()["unread_count"] == 0

    popup.reload()
    wait_for_badge(worker, "")
    expect(popup.locator("#unread")).to_be_hidden()
    assert badge_of(worker, unsaved_tab) == ""
    assert badge_of(worker, saved_tab) == "✓"
    assert worker.evaluate("chrome.action.getTitle({})") == "Save to reading list"
    # One request at login, one per popup opening; none from the content scripts' pages.
    assert server.count("GET", "/api/v1/notifications/") == 3


# ---- issue 21: listings, the default library, the session, ACL pages, the button's safety ----


def open_popup_for(browser: Any, worker: Any, extension_id: str, page: Any) -> Any:
    """The popup over `page`'s tab (told which tab, as a real popup opens over the active one)."""
    page.bring_to_front()
    tab_id = active_tab_id(worker)
    popup = browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/src/popup/popup.html?tab={tab_id}")
    return popup


def stored_settings(worker: Any) -> dict[str, Any]:
    return dict(worker.evaluate("chrome.storage.local.get('settings').then(r => r.settings || {})"))


@pytest.mark.parametrize(
    ("url", "titles"),
    [
        (
            "https://huggingface.co/papers/date/2017-06-13",
            [
                "Attention Is All You Need",
                "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
            ],
        ),
        (
            "https://arxiv.org/list/cs.CL/new",
            [
                "Learning Knowledge Graph-based World Models of Textual Environments",
                "A second listed paper",
            ],
        ),
    ],
)
def test_the_popup_on_a_listing_offers_its_papers(
    browser: Any,
    extension_id: str,
    server: FlakyProxy,
    user: User,
    worker: Any,
    url: str,
    titles: list[str],
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto(url)
    ShadowButtons(page, "item").wait_for(0, text="Save")
    popup = open_popup_for(browser, worker, extension_id, page)

    # The page is named for what it is; the page itself has no Save, each paper has its own.
    expect(popup.locator("#listing")).to_be_visible()
    expect(popup.locator("#listing-heading")).to_have_text("This page is a list of papers")
    expect(popup.locator("#page-title")).to_have_text("A list of 2 papers.")
    expect(popup.locator("#save")).to_be_hidden()
    items = popup.locator("#listing-items li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(titles[0])
    expect(items.nth(1)).to_contain_text(titles[1])

    items.nth(1).get_by_role("button").click()
    expect(items.nth(1).get_by_role("button")).to_have_text("Saved")
    expect(popup.locator("#result")).to_have_text(f"{titles[1]}: Saved to Reader's library.")

    [entry] = entries_of(user)
    assert entry["paper"]["title"] == titles[1]
    assert url not in str(entry["paper"].get("url", ""))
    # Nothing failed, nothing was queued for the listing's own address.
    assert queue_states(worker) == ["done"]
    queued_urls = worker.evaluate(
        "chrome.storage.local.get('queue').then(r => (r.queue || []).map(i => i.body.url))"
    )
    assert url not in queued_urls


def test_a_failed_queue_item_can_be_removed_from_the_popup(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    # What an older version left behind: a save the server refused, which no retry can fix.
    worker.evaluate(
        """chrome.storage.local.set({queue: [{key: 'k1', body: {url: ''}, lists: [],
            state: 'failed', attempts: 1, error: 'url: This field is required.', created: 1}]})"""
    )
    popup = browser.new_page()
    popup.goto(f"chrome-extension://{extension_id}/src/popup/popup.html")
    failed = popup.locator("#queue li[data-state=failed]")
    expect(failed).to_contain_text("url: This field is required.")
    failed.get_by_role("button", name=re.compile("^Remove")).click()
    expect(popup.locator("#queue li[data-state=failed]")).to_have_count(0)
    expect(popup.locator("#queue li")).to_have_text("Empty.")
    assert queue_states(worker) == []


def test_the_default_library_stays_put_after_a_popup_save_elsewhere(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    lab = create_lab(owner=user, name="Vision group")
    lab_library = Library.objects.get(lab=lab)
    log_in(browser, extension_id, server.url, user.email)

    # One paper saved from the popup into the lab library ("make default" not ticked).
    first = browser.new_page()
    first.goto("https://arxiv.org/abs/2106.09608v2")
    ShadowButtons(first).wait_for(state="idle", text="Save to Reader's library")
    popup = open_popup_for(browser, worker, extension_id, first)
    expect(popup.locator("#library option")).to_have_count(2)
    expect(popup.locator("#one-click")).to_have_text("One-click saves go to Reader's library.")
    popup.select_option("#library", str(lab_library.pk))
    expect(popup.locator("#make-default")).not_to_be_checked()
    popup.click("#save")
    expect(popup.locator("#result")).to_have_text("Saved to Vision group.")
    assert stored_settings(worker).get("defaultLibrary") is None

    # The in-page button on another page still saves to the personal library, and says so.
    second = browser.new_page()
    second.goto("https://arxiv.org/abs/1902.02534")
    button = ShadowButtons(second)
    button.wait_for(state="idle", text="Save to Reader's library")
    button.click()
    button.wait_for(state="saved", text="Saved to Reader's library")
    libraries = {e["paper"]["identifiers"]["arxiv"][:10]: e["library"] for e in entries_of(user)}
    assert libraries == {"2106.09608": lab_library.pk, "1902.02534": user_library(user).pk}
    # The first paper's page says where it is.
    first.reload()
    ShadowButtons(first).wait_for(state="lab", text="Saved in Vision group")

    # The options page picks the default; "make default" in the popup does too.
    options = browser.new_page()
    options.goto(f"chrome-extension://{extension_id}/src/options/options.html")
    expect(options.locator("#default-library")).to_have_value(str(user_library(user).pk))
    options.select_option("#default-library", str(lab_library.pk))
    expect(options.locator("#default-status")).to_have_text("One-click saves go to Vision group.")
    assert stored_settings(worker)["defaultLibrary"] == lab_library.pk
    third = browser.new_page()
    third.goto("https://huggingface.co/papers/1706.03762")
    ShadowButtons(third).wait_for(state="idle", text="Save to Vision group")

    popup = open_popup_for(browser, worker, extension_id, third)
    expect(popup.locator("#library")).to_have_value(str(lab_library.pk))
    popup.select_option("#library", str(user_library(user).pk))
    popup.check("#make-default")
    popup.click("#save")
    expect(popup.locator("#result")).to_have_text("Saved to Reader's library.")
    assert stored_settings(worker)["defaultLibrary"] == user_library(user).pk


def user_library(user: User) -> Library:
    return Library.objects.get(owner=user, kind=Library.Kind.PERSONAL)


def test_a_revoked_session_shows_log_in_to_save_at_once_and_on_load(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    open_page = browser.new_page()
    open_page.goto("https://arxiv.org/abs/2106.09608v2")
    open_button = ShadowButtons(open_page)
    open_button.wait_for(state="idle", text="Save to Reader's library")

    # The session is revoked on the server (as "log out everywhere" in the web app does).
    Session.objects.all().delete()

    # On load: the page's one lookup gets a 401 and the button says so before any click...
    page = browser.new_page()
    page.goto("https://arxiv.org/abs/1902.02534")
    button = ShadowButtons(page)
    info = button.wait_for(state="login", text="Log in to save")
    assert info["label"] == "Log in to save"
    # ...and the worker tells every other page at once, with no reload.
    open_info = open_button.wait_for(state="login", text="Log in to save")
    assert open_info["live"] == "Log in to save"  # announced
    assert worker.evaluate("chrome.storage.local.get('token').then(r => r.token || '')") == ""
    assert server.count("POST", "/api/v1/save") == 0

    # A fresh page after that: no token, so "Log in to save" straight away.
    later = browser.new_page()
    later.goto("https://huggingface.co/papers/1706.03762")
    ShadowButtons(later).wait_for(state="login", text="Log in to save")

    # Clicking it opens the options page to log in again.
    with browser.expect_page() as opened:
        ShadowButtons(later).click()
    assert opened.value.url.endswith("/src/options/options.html")


def test_acl_event_pages_get_no_save_button_paper_pages_do(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    paper = browser.new_page()
    paper.goto("https://aclanthology.org/2021.naacl-main.208/")
    ShadowButtons(paper).wait_for(state="idle")

    event = browser.new_page()
    event.goto("https://aclanthology.org/events/acl-2023/")
    popup = open_popup_for(browser, worker, extension_id, event)
    # The content script answered the popup (so it has run): the page is not a paper...
    expect(popup.locator("#page-title")).to_have_text(
        "Nothing to save on this page: it is not a paper."
    )
    expect(popup.locator("#save")).to_be_disabled()
    # ...and it drew no button.
    assert ShadowButtons(event, "page").count() == 0
    assert event.locator("[data-readinglist]").count() == 0
    assert queue_states(worker) == []


def test_keyboard_path_to_the_button(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto("https://aclanthology.org/2021.naacl-main.208/")
    button = ShadowButtons(page)
    button.wait_for(state="idle", text="Save to Reader's library")
    page.bring_to_front()

    # The first Tab press on the page reaches the button (it comes first in the tab order).
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.readinglist") == "page"
    assert button.info()["focused"] is True
    page.keyboard.press("Enter")  # a person's key press: trusted
    info = button.wait_for(state="saved", text="Saved to Reader's library")
    assert info["live"] == "Saved to Reader's library"  # announced through aria-live
    assert info["liveMode"] == "polite"
    [entry] = entries_of(user)
    assert entry["paper"]["identifiers"]["acl"] == "2021.naacl-main.208"

    # The `focus-button` command (Alt+Shift+B) focuses it from anywhere on the page.
    page.locator("body").click(position={"x": 5, "y": 400})
    assert page.evaluate("document.activeElement.dataset.readinglist || ''") == ""
    manifest = worker.evaluate("chrome.runtime.getManifest().commands")
    assert manifest["focus-button"]["suggested_key"]["default"] == "Alt+Shift+B"
    tab_id = active_tab_id(worker)
    answer = worker.evaluate(f"chrome.tabs.sendMessage({tab_id}, {{type: 'focus-button'}})")
    assert answer == {"focused": True}
    assert page.evaluate("document.activeElement.dataset.readinglist") == "page"
    assert button.info()["focused"] is True


def test_a_page_script_cannot_click_the_button(
    browser: Any, extension_id: str, server: FlakyProxy, user: User, worker: Any
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto("https://arxiv.org/abs/2106.09608v2")
    button = ShadowButtons(page)
    button.wait_for(state="idle")

    # The shadow root is closed: the page sees only the host.
    assert page.evaluate("document.querySelector('[data-readinglist=page]').shadowRoot") is None
    page.evaluate("document.querySelector('[data-readinglist=page]').click()")
    # Even holding the button itself (a page script with DevTools' reach), a synthetic click,
    # a dispatched event and a keyboard event do nothing.
    button.call(0, "function () { this.click(); }")
    click = "new MouseEvent('click', {bubbles: true, composed: true})"
    button.call(0, f"function () {{ this.dispatchEvent({click}); }}")
    button.call(
        0, "function () { this.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); }"
    )
    time.sleep(1)
    assert button.info()["state"] == "idle"
    assert server.count("POST", "/api/v1/save") == 0
    assert entries_of(user) == []

    # A person's click works.
    button.click()
    button.wait_for(state="saved")
    assert server.count("POST", "/api/v1/save") == 1


# ---- highlights ---------------------------------------------------------------------------

ARXIV_ABS = "https://arxiv.org/abs/2106.09608v2"


def drag_select(page: Any, phrase: str) -> str:
    """Select `phrase` with the mouse, as a person does; returns what the page then has selected."""
    box = page.evaluate(
        PHRASE_BOX,
        phrase,
    )
    assert box, f"{phrase!r} is not on the page"
    page.mouse.move(box["x0"], box["y0"])
    page.mouse.down()
    page.mouse.move(box["x1"], box["y1"], steps=8)
    page.mouse.up()
    return str(page.evaluate("getSelection().toString()"))


def marks_text(page: Any) -> str:
    return str(
        page.evaluate(
            "[...document.querySelectorAll('mark[data-rl-highlight]')]"
            ".map(m => m.textContent).join('')"
        )
    )


def wait_for_marks(page: Any, expected: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while marks_text(page) != expected:
        if time.monotonic() > deadline:
            raise AssertionError(f"highlighted {marks_text(page)!r}, not {expected!r}")
        time.sleep(0.1)


def click_mark(page: Any) -> None:
    mark = page.locator("mark[data-rl-highlight]").first
    mark.scroll_into_view_if_needed()
    box = mark.bounding_box()
    page.mouse.click(box["x"] + min(8, box["width"] / 2), box["y"] + box["height"] / 2)


def shadow_text(page: Any, kind: str) -> str:
    """The text of the closed shadow root of the `data-readinglist=kind` host (via CDP)."""
    buttons = ShadowButtons(page, kind)
    return str(buttons.call(0, "function () { return this.getRootNode().textContent; }"))


def test_highlight_a_selection_on_an_unsaved_page_and_see_it_after_reload(
    browser: Any, extension_id: str, server: FlakyProxy, user: User
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto(ARXIV_ABS)
    ShadowButtons(page).wait_for(state="idle")

    selected = drag_select(page, ABSTRACT_PHRASE)
    assert ABSTRACT_PHRASE[3:-3] in selected
    control = ShadowButtons(page, "highlight-control")
    control.wait_for(text="Highlight")
    control.click()
    wait_for_marks(page, selected)
    # The page was not saved: it went to the default (personal) library first, and its save
    # button says so.
    ShadowButtons(page).wait_for(state="saved", text="Saved to Reader's library")

    [entry] = Entry.objects.filter(library__owner=user)
    [highlight] = Highlight.objects.filter(entry=entry)
    quote, position = highlight.selectors
    assert (highlight.exact, highlight.author_id, highlight.offset_unit) == (
        selected,
        user.pk,
        "utf16",
    )
    assert quote["type"] == "TextQuoteSelector"
    assert quote["prefix"]
    assert quote["suffix"]
    assert position["type"] == "TextPositionSelector"
    assert position["end"] - position["start"] == len(selected)
    assert page.evaluate("getSelection().isCollapsed")

    page.reload()
    wait_for_marks(page, selected)
    assert page.locator("mark[data-rl-highlight][data-rl-mine=true]").count() >= 1


def test_a_lab_member_sees_a_colleagues_highlight_with_their_name(
    browser: Any, extension_id: str, server: FlakyProxy, user: User
) -> None:
    colleague = UserFactory(email="colleague@example.org", name="Colleague")
    EmailAddress.objects.create(user=colleague, email=colleague.email, verified=True, primary=True)
    lab = create_lab(owner=user, name="Vision group")
    add_member(lab=lab, user=colleague)
    lab_library = Library.objects.get(lab=lab)
    entry = save_paper(user=user, url=ARXIV_ABS, library=lab_library).entry
    # Only the quote: the extension finds it by its words.
    highlight = create_highlight(
        user=user,
        entry=entry,
        selectors=[{"type": "TextQuoteSelector", "exact": ABSTRACT_PHRASE}],
        comment="The key claim",
    )

    log_in(browser, extension_id, server.url, colleague.email)
    page = browser.new_page()
    page.goto(ARXIV_ABS)
    wait_for_marks(page, ABSTRACT_PHRASE)
    mark = page.locator("mark[data-rl-highlight]").first
    expect(mark).to_have_attribute("data-rl-mine", "false")
    # The author's name is not in the page's DOM, where page scripts could read it.
    assert mark.get_attribute("title") is None
    assert mark.get_attribute("name") is None
    marked = page.evaluate(
        "() => [...document.querySelectorAll('mark[data-rl-highlight]')].map((m) => m.outerHTML)"
    )
    assert marked
    assert not any("Reader" in html for html in marked)

    click_mark(page)
    card = ShadowButtons(page, "highlight-card")
    card.wait_for(text="Close")
    text = shadow_text(page, "highlight-card")
    for words in ("Highlighted by Reader", "The key claim", "Vision group"):
        assert words in text
    link = card.call(
        0, "function () { return this.getRootNode().querySelector('a.rl-discussion').href; }"
    )
    assert link == f"{server.url}/entries/{entry.pk}/#highlight-{highlight.pk}"
    # Someone else's highlight: no note to edit, nothing to delete.
    assert card.count() == 1


def test_a_note_on_ones_own_highlight_is_saved(
    browser: Any, extension_id: str, server: FlakyProxy, user: User
) -> None:
    entry = save_paper(user=user, url=ARXIV_ABS).entry
    highlight = create_highlight(
        user=user, entry=entry, selectors=[{"type": "TextQuoteSelector", "exact": ABSTRACT_PHRASE}]
    )
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto(ARXIV_ABS)
    wait_for_marks(page, ABSTRACT_PHRASE)

    click_mark(page)
    card = ShadowButtons(page, "highlight-card")
    card.wait_for(text="Save note")
    card.call(0, "function () { this.getRootNode().querySelector('input.rl-note').focus(); }")
    page.keyboard.type("Compare with Dreamer")
    card.click(0)  # Save note
    deadline = time.monotonic() + 15
    while Highlight.objects.get(pk=highlight.pk).comment != "Compare with Dreamer":
        assert time.monotonic() < deadline, "the note never reached the server"
        time.sleep(0.1)
    assert "Note saved." in shadow_text(page, "highlight-card")

    card.click(1)  # Delete
    wait_for_marks(page, "")
    assert not Highlight.objects.filter(pk=highlight.pk).exists()
