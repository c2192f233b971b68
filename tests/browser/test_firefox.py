"""End to end in Firefox: Debian's `firefox-esr` with the extension's Firefox build (an event
page, `background.scripts`) against the live server on 127.0.0.1, driven over WebDriver BiDi
(tests/browser/firefox.py). The same journeys as the Chromium tests: log in from the options
page, save on a paper page (by click and by keyboard), the per-paper buttons of a listing, a
highlight made by selecting text and a colleague's seen by a lab member, the popup on a listing
and a popup save into a lab library, a revoked session, and ACL Anthology event pages.

BiDi may not navigate a tab to a moz-extension:// page, so the tests get to the options page as
a person does before logging in: the page button says "Log in to save" and opens it. The options
page (an extension page, with the `browser` API) then opens the popup page in a tab of its own.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from rest_framework.test import APIClient

from readinglist.models import Entry, Highlight, Library, User
from readinglist.services.annotations import create_highlight
from readinglist.services.entries import save_paper
from readinglist.services.labs import add_member, create_lab
from tests.browser.conftest import EXTENSION, PASSWORD, ROUTES, FlakyProxy
from tests.browser.firefox import FIREFOX, KEYS, Firefox, ShadowButtons, Tab
from tests.browser.selection import ABSTRACT_PHRASE, PHRASE_BOX
from tests.conftest import FIXTURE_PAGES
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADDON_ID = "readinglist@example.org"


@pytest.fixture(scope="session")
def firefox_extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Firefox build of the extension (manifest with `background.scripts` only), made as
    extension/scripts/build.mjs makes dist/firefox."""
    if not FIREFOX.exists():
        pytest.skip(f"{FIREFOX} is absent: install Debian's firefox-esr package to run these")
    if not FIXTURE_PAGES.exists():
        pytest.skip(f"{FIXTURE_PAGES} is absent: the shared fixture pages are not beside the repo")
    out = tmp_path_factory.mktemp("firefox-extension")
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    manifest["background"] = {
        "scripts": manifest["background"]["scripts"],
        "type": manifest["background"]["type"],
    }
    manifest.pop("minimum_chrome_version", None)
    assert manifest["browser_specific_settings"]["gecko"]["id"] == ADDON_ID
    (out / "manifest.json").write_text(json.dumps(manifest))
    for part in ("src", "icons"):
        shutil.copytree(EXTENSION / part, out / part)
    return out.resolve()


OWN_FIXTURES = Path(__file__).parent / "fixtures"
# As test_extension.py's EXTRA_ROUTES: synthetic pages written for these tests, and a real ACL
# Anthology paper page from the shared fixtures.
EXTRA_ROUTES = {
    "https://arxiv.org/list/cs.CL/new": OWN_FIXTURES / "arxiv_list_cs.CL_new.synthetic.html",
    "https://aclanthology.org/events/acl-2023/": OWN_FIXTURES / "acl_event_acl-2023.synthetic.html",
    "https://aclanthology.org/2021.naacl-main.208/": FIXTURE_PAGES / "acl_2021.naacl-main.208.html",
}


def _fixture_page(url: str) -> tuple[int, str, bytes]:
    path = EXTRA_ROUTES.get(url)
    name = ROUTES.get(url)
    if path is None and name is not None:
        path = FIXTURE_PAGES / name
    if path is None:
        return 404, "text/plain", b"not a fixture"
    return 200, "text/html; charset=utf-8", path.read_bytes()


@pytest.fixture(scope="module")
def firefox_browser(
    firefox_extension: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Firefox]:
    """One Firefox for the module (it takes seconds to start); each test gets a fresh install
    of the extension, so nothing the extension stored carries over."""
    browser = Firefox(tmp_path_factory.mktemp("firefox") / "profile")
    try:
        browser.route(["arxiv.org", "huggingface.co", "aclanthology.org"], _fixture_page)
        yield browser
    finally:
        browser.close()


@pytest.fixture
def firefox(firefox_browser: Firefox, firefox_extension: Path) -> Iterator[Firefox]:
    assert firefox_browser.install_extension(firefox_extension) == ADDON_ID
    try:
        yield firefox_browser
    finally:
        firefox_browser.close_tabs()
        # Uninstalling drops the extension's storage (token, server, local index).
        firefox_browser.uninstall_extension(ADDON_ID)


def fill(tab: Tab, selector: str, text: str) -> None:
    """Click into the field and type, as a person does (typing replaces what was there)."""
    tab.click(selector)
    tab.call(f"() => document.querySelector({json.dumps(selector)}).select()")
    tab.type_text(text)
    tab.wait_for(f"document.querySelector({json.dumps(selector)}).value", text)


def text_of(selector: str) -> str:
    return f"document.querySelector({json.dumps(selector)}).textContent"


def log_in_from(
    firefox: Firefox, page: Tab, buttons: ShadowButtons, server: str, email: str
) -> Tab:
    """Logged out, the button on `page` says so and opens the options page; log in there."""
    buttons.wait_for(state="login")
    buttons.click()
    # Each install gets its own random moz-extension:// host.
    options = firefox.wait_for_tab("moz-extension://")
    assert options.evaluate("location.pathname") == "/src/options/options.html"
    options.wait_for("document.readyState", "complete")
    options.wait_for("browser.storage.local.get('installedAt').then(r => !!r.installedAt)", True)
    # The page fills in the stored server once the worker answers (type after that): none yet.
    status = options.evaluate("browser.runtime.sendMessage({type: 'status'})")
    assert not status["settings"].get("server"), "the extension kept a previous test's settings"

    fill(options, "#server", server)
    options.click("#save-server")
    options.wait_for(text_of("#server-status"), f"Server set to {server}.")
    fill(options, "#email", email)
    fill(options, "#password", PASSWORD)
    options.click("#login")
    options.wait_for(text_of("#account"), f"Logged in as {email}.")
    page.activate()
    return options


def entries_of(user: User) -> list[dict[str, Any]]:
    client = APIClient()
    client.force_authenticate(user=user)
    response = client.get("/api/v1/entries/")
    assert response.status_code == 200
    return list(response.json()["results"])


def test_firefox_log_in_and_save_paper_pages_by_click_and_by_keyboard(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    page = firefox.new_tab()
    page.goto("https://arxiv.org/abs/2106.09608v2")
    button = ShadowButtons(page)
    log_in_from(firefox, page, button, server.url, user.email)

    # The login reaches the open page at once: its button now says where it saves.
    button.wait_for(state="idle", text="Save to Reader's library")
    assert page.evaluate("document.querySelector('[data-readinglist=page]').shadowRoot") is None
    button.click()
    info = button.wait_for(state="saved", text="Saved to Reader's library")
    assert info["live"] == "Saved to Reader's library"

    [entry] = entries_of(user)
    paper = entry["paper"]
    assert paper["title"] == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert paper["authors"] == ["Prithviraj Ammanabrolu", "Mark O. Riedl"]
    assert paper["identifiers"]["arxiv"].lower().startswith("2106.09608")
    assert server.count("POST", "/api/v1/save") == 1

    page.reload()
    ShadowButtons(page).wait_for(state="saved", text="Saved to Reader's library")

    # By keyboard on another paper: the first Tab press reaches the button, Enter saves.
    # (Not Alt+Shift+B: BiDi's key input goes to the page, never to Firefox's command shortcuts.)
    other = firefox.new_tab()
    other.goto("https://arxiv.org/abs/1902.02534")
    other_button = ShadowButtons(other)
    other_button.wait_for(state="idle", text="Save to Reader's library")
    other.press(KEYS["Tab"])
    assert other.evaluate("document.activeElement.dataset.readinglist") == "page"
    other_button.wait_for(focused=True)
    other.press(KEYS["Enter"])
    other_button.wait_for(state="saved", text="Saved to Reader's library")
    saved = sorted(e["paper"]["identifiers"]["arxiv"].lower()[:10] for e in entries_of(user))
    assert saved == ["1902.02534", "2106.09608"]
    assert server.count("POST", "/api/v1/save") == 2


def test_firefox_listing_buttons_and_one_batch_lookup(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    page = firefox.new_tab()
    page.goto("https://huggingface.co/papers/date/2017-06-13")
    buttons = ShadowButtons(page, "item")
    log_in_from(firefox, page, buttons, server.url, user.email)

    buttons.wait_for(0, text="Save", label="Save to Reader's library")
    buttons.wait_for(1, text="Save")
    assert buttons.count() == 2
    # Logged out the page asked nothing of the server; the login's refresh is one batch lookup.
    assert server.count_once_settled("POST", "/api/v1/lookup", at_least=1) == 1
    buttons.click(0)
    buttons.wait_for(0, text="Saved", label="Saved to Reader's library")
    buttons.click(1)
    buttons.wait_for(1, text="Saved")

    page.reload()
    buttons = ShadowButtons(page, "item")
    buttons.wait_for(0, text="Saved")
    buttons.wait_for(1, text="Saved")
    assert server.count_once_settled("POST", "/api/v1/lookup", at_least=2) == 2

    titles = sorted(e["paper"]["title"] for e in entries_of(user))
    assert titles == [
        "Attention Is All You Need",
        "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
    ]


def drag_select(tab: Tab, phrase: str) -> str:
    """Select `phrase` with the mouse, as a person does; returns what the page then has selected."""
    box = tab.call(
        PHRASE_BOX,
        {"type": "string", "value": phrase},
    )
    assert box, f"{phrase!r} is not on the page"
    tab.drag((box["x0"], box["y0"]), (box["x1"], box["y1"]))
    return str(tab.evaluate("getSelection().toString()"))


MARKS = "[...document.querySelectorAll('mark[data-rl-highlight]')].map(m => m.textContent).join('')"


def test_firefox_highlight_a_selection_and_see_it_after_reload(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    page = firefox.new_tab()
    page.goto("https://arxiv.org/abs/2106.09608v2")
    button = ShadowButtons(page)
    log_in_from(firefox, page, button, server.url, user.email)
    button.wait_for(state="idle", text="Save to Reader's library")

    selected = drag_select(page, ABSTRACT_PHRASE)
    assert ABSTRACT_PHRASE[3:-3] in selected
    control = ShadowButtons(page, "highlight-control")
    control.wait_for(text="Highlight")
    control.click()
    page.wait_for(MARKS, selected)

    # The page was not saved: it went to the default (personal) library first.
    [entry] = Entry.objects.filter(library__owner=user)
    [highlight] = Highlight.objects.filter(entry=entry)
    assert (highlight.exact, highlight.author_id) == (selected, user.pk)
    quote, position = highlight.selectors
    assert quote["type"] == "TextQuoteSelector"
    assert position["end"] - position["start"] == len(selected)
    assert page.evaluate("getSelection().isCollapsed") is True

    page.reload()
    page.wait_for(MARKS, selected)
    ShadowButtons(page).wait_for(state="saved", text="Saved to Reader's library")


# ---- issue 21 in Firefox: the popup, the default library, the session, ACL pages, lab highlights


def extension_url(options: Tab, path: str) -> str:
    """`path` inside the extension (each install has its own random moz-extension:// host)."""
    return str(options.evaluate(f"browser.runtime.getURL({json.dumps(path)})"))


def popup_for(firefox: Firefox, options: Tab, page: Tab) -> Tab:
    """The popup over `page`'s tab, as test_extension.py opens it: popup.html?tab=<id> in a tab
    of its own, told which tab (a real popup opens over the active one). BiDi may not navigate
    to a moz-extension:// page, so the extension's own options page opens it, and BiDi attaches
    to the tab that made."""
    page.activate()
    tab_id = options.evaluate(
        "browser.tabs.query({active: true, lastFocusedWindow: true}).then(tabs => tabs[0].id)"
    )
    assert tab_id != options.evaluate("browser.tabs.getCurrent().then(tab => tab.id)")
    url = extension_url(options, f"src/popup/popup.html?tab={tab_id}")
    options.evaluate(f"browser.tabs.create({{url: {json.dumps(url)}}}).then(() => true)")
    popup = firefox.wait_for_tab(url)
    popup.wait_for("document.readyState", "complete")
    return popup


def shown_text(selector: str) -> str:
    """What `selector` says, whitespace collapsed (as Playwright's to_have_text compares)."""
    return (
        f"document.querySelector({json.dumps(selector)}).textContent.replace(/\\s+/g, ' ').trim()"
    )


def visible(selector: str) -> str:
    found = f"document.querySelector({json.dumps(selector)})"
    return f"!!({found} && {found}.getClientRects().length)"


def choose(tab: Tab, selector: str, value: str) -> None:
    """Pick an option of a <select>, as Playwright's select_option does (input and change)."""
    tab.call(
        f"""() => {{
          const select = document.querySelector({json.dumps(selector)});
          select.value = {json.dumps(value)};
          select.dispatchEvent(new Event('input', {{bubbles: true}}));
          select.dispatchEvent(new Event('change', {{bubbles: true}}));
        }}"""
    )
    assert tab.evaluate(f"document.querySelector({json.dumps(selector)}).value") == value


def stored(options: Tab, key: str, empty: str = "null") -> Any:
    return options.evaluate(f"browser.storage.local.get('{key}').then(r => r.{key} ?? {empty})")


def queue_states(options: Tab) -> list[str]:
    return list(
        options.evaluate(
            "browser.storage.local.get('queue').then(r => (r.queue || []).map(i => i.state))"
        )
    )


def user_library(user: User) -> Library:
    return Library.objects.get(owner=user, kind=Library.Kind.PERSONAL)


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
def test_firefox_the_popup_on_a_listing_offers_its_papers(
    firefox: Firefox, server: FlakyProxy, user: User, url: str, titles: list[str]
) -> None:
    page = firefox.new_tab()
    page.goto(url)
    buttons = ShadowButtons(page, "item")
    options = log_in_from(firefox, page, buttons, server.url, user.email)
    buttons.wait_for(0, text="Save")
    popup = popup_for(firefox, options, page)

    # The page is named for what it is; the page itself has no Save, each paper has its own.
    popup.wait_for(visible("#listing"), True)
    assert popup.evaluate(shown_text("#listing-heading")) == "This page is a list of papers"
    popup.wait_for(shown_text("#page-title"), "A list of 2 papers.")
    assert popup.evaluate(visible("#save")) is False
    popup.wait_for("document.querySelectorAll('#listing-items li').length", 2)
    for n, title in enumerate(titles, start=1):
        assert title in popup.evaluate(shown_text(f"#listing-items li:nth-child({n})"))

    second = "#listing-items li:nth-child(2) button"
    popup.click(second)
    popup.wait_for(shown_text(second), "Saved")
    popup.wait_for(shown_text("#result"), f"{titles[1]}: Saved to Reader's library.")

    [entry] = entries_of(user)
    assert entry["paper"]["title"] == titles[1]
    assert url not in str(entry["paper"].get("url", ""))
    # Nothing failed, nothing was queued for the listing's own address.
    assert queue_states(options) == ["done"]
    queued_urls = options.evaluate(
        "browser.storage.local.get('queue').then(r => (r.queue || []).map(i => i.body.url))"
    )
    assert url not in queued_urls


def test_firefox_the_default_library_stays_put_after_a_popup_save_elsewhere(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    lab = create_lab(owner=user, name="Vision group")
    lab_library = Library.objects.get(lab=lab)
    personal = user_library(user)

    # One paper saved from the popup into the lab library ("make default" not ticked).
    first = firefox.new_tab()
    first.goto("https://arxiv.org/abs/2106.09608v2")
    first_button = ShadowButtons(first)
    options = log_in_from(firefox, first, first_button, server.url, user.email)
    first_button.wait_for(state="idle", text="Save to Reader's library")
    popup = popup_for(firefox, options, first)
    popup.wait_for("document.querySelectorAll('#library option').length", 2)
    popup.wait_for(shown_text("#one-click"), "One-click saves go to Reader's library.")
    choose(popup, "#library", str(lab_library.pk))
    assert popup.evaluate("document.querySelector('#make-default').checked") is False
    popup.click("#save")
    popup.wait_for(shown_text("#result"), "Saved to Vision group.")
    assert stored(options, "settings", "{}").get("defaultLibrary") is None
    popup.close()

    # The in-page button on another page still saves to the personal library, and says so.
    second = firefox.new_tab()
    second.goto("https://arxiv.org/abs/1902.02534")
    button = ShadowButtons(second)
    button.wait_for(state="idle", text="Save to Reader's library")
    button.click()
    button.wait_for(state="saved", text="Saved to Reader's library")
    libraries = {e["paper"]["identifiers"]["arxiv"][:10]: e["library"] for e in entries_of(user)}
    assert libraries == {"2106.09608": lab_library.pk, "1902.02534": personal.pk}
    # The first paper's page says where it is.
    first.reload()
    ShadowButtons(first).wait_for(state="lab", text="Saved in Vision group")

    # The options page (loaded afresh) picks the default; "make default" in the popup does too.
    # A marker on the old document tells it from the reloaded one.
    options.call("() => { window.beforeReload = true; location.reload(); }")
    options.wait_for("!window.beforeReload && document.readyState", "complete")
    options.wait_for("document.querySelectorAll('#default-library option').length", 2)
    options.wait_for("document.querySelector('#default-library').value", str(personal.pk))
    choose(options, "#default-library", str(lab_library.pk))
    options.wait_for(shown_text("#default-status"), "One-click saves go to Vision group.")
    assert stored(options, "settings", "{}")["defaultLibrary"] == lab_library.pk
    third = firefox.new_tab()
    third.goto("https://huggingface.co/papers/1706.03762")
    ShadowButtons(third).wait_for(state="idle", text="Save to Vision group")

    popup = popup_for(firefox, options, third)
    popup.wait_for("document.querySelector('#library').value", str(lab_library.pk))
    choose(popup, "#library", str(personal.pk))
    popup.click("#make-default")
    assert popup.evaluate("document.querySelector('#make-default').checked") is True
    popup.click("#save")
    popup.wait_for(shown_text("#result"), "Saved to Reader's library.")
    assert stored(options, "settings", "{}")["defaultLibrary"] == personal.pk


def test_firefox_a_revoked_session_shows_log_in_to_save_at_once_and_on_load(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    open_page = firefox.new_tab()
    open_page.goto("https://arxiv.org/abs/2106.09608v2")
    open_button = ShadowButtons(open_page)
    options = log_in_from(firefox, open_page, open_button, server.url, user.email)
    open_button.wait_for(state="idle", text="Save to Reader's library")
    options_url = extension_url(options, "src/options/options.html")

    # The session is revoked on the server (as "log out everywhere" in the web app does).
    Session.objects.all().delete()

    # On load: the page's one lookup gets a 401 and the button says so before any click...
    page = firefox.new_tab()
    page.goto("https://arxiv.org/abs/1902.02534")
    info = ShadowButtons(page).wait_for(state="login", text="Log in to save")
    assert info["label"] == "Log in to save"
    # ...and the worker tells every other page at once, with no reload.
    open_info = open_button.wait_for(state="login", text="Log in to save")
    assert open_info["live"] == "Log in to save"  # announced
    assert stored(options, "token", "''") == ""
    assert server.count("POST", "/api/v1/save") == 0

    # A fresh page after that: no token, so "Log in to save" straight away.
    later = firefox.new_tab()
    later.goto("https://huggingface.co/papers/1706.03762")
    later_button = ShadowButtons(later)
    later_button.wait_for(state="login", text="Log in to save")

    # Clicking it opens the options page to log in again (closed first: Firefox would only
    # bring an open one to the front).
    options.close()
    assert not [t for t in firefox.tabs() if t["url"].startswith(options_url)]
    later_button.click()
    reopened = firefox.wait_for_tab(options_url)
    reopened.wait_for(shown_text("#account"), "Not logged in.")


def test_firefox_acl_event_pages_get_no_save_button_paper_pages_do(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    paper = firefox.new_tab()
    paper.goto("https://aclanthology.org/2021.naacl-main.208/")
    paper_button = ShadowButtons(paper)
    options = log_in_from(firefox, paper, paper_button, server.url, user.email)
    paper_button.wait_for(state="idle")

    event = firefox.new_tab()
    event.goto("https://aclanthology.org/events/acl-2023/")
    popup = popup_for(firefox, options, event)
    # The content script answered the popup (so it has run): the page is not a paper...
    popup.wait_for(shown_text("#page-title"), "Nothing to save on this page: it is not a paper.")
    assert popup.evaluate("document.querySelector('#save').disabled") is True
    # ...and it drew no button.
    assert ShadowButtons(event, "page").count() == 0
    assert event.evaluate("document.querySelectorAll('[data-readinglist]').length") == 0
    assert queue_states(options) == []


ARXIV_ABS = "https://arxiv.org/abs/2106.09608v2"


def test_firefox_a_lab_member_sees_a_colleagues_highlight_with_their_name(
    firefox: Firefox, server: FlakyProxy, user: User
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

    # The colleague logs in (from another paper's button), then opens the paper.
    elsewhere = firefox.new_tab()
    elsewhere.goto("https://arxiv.org/abs/1902.02534")
    log_in_from(firefox, elsewhere, ShadowButtons(elsewhere), server.url, colleague.email)
    page = firefox.new_tab()
    page.goto(ARXIV_ABS)
    page.wait_for(MARKS, ABSTRACT_PHRASE)
    first_mark = "document.querySelector('mark[data-rl-highlight]')"
    assert page.evaluate(f"{first_mark}.dataset.rlMine") == "false"
    # The author's name is not in the page's DOM, where page scripts could read it.
    assert page.evaluate(f"{first_mark}.hasAttribute('title')") is False
    assert page.evaluate(f"{first_mark}.hasAttribute('name')") is False
    marked = page.evaluate(
        "[...document.querySelectorAll('mark[data-rl-highlight]')].map((m) => m.outerHTML)"
    )
    assert marked
    assert not any("Reader" in html for html in marked)

    # A person's click on the mark (a few pixels into its first line).
    box = page.call(
        f"""() => {{
          const mark = {first_mark};
          mark.scrollIntoView({{block: 'center'}});
          const r = mark.getClientRects()[0];
          return {{x: r.left + Math.min(8, r.width / 2), y: r.top + r.height / 2}};
        }}"""
    )
    page.click_at(box["x"], box["y"])
    card = ShadowButtons(page, "highlight-card")
    card.wait_for(text="Close")
    text = card.call(0, "(button) => button.getRootNode().textContent")
    for words in ("Highlighted by Reader", "The key claim", "Vision group"):
        assert words in text
    link = card.call(0, "(b) => b.getRootNode().querySelector('a.rl-discussion').href")
    assert link == f"{server.url}/entries/{entry.pk}/#highlight-{highlight.pk}"
    # Someone else's highlight: no note to edit, nothing to delete.
    assert card.count() == 1


def test_firefox_keyboard_path_to_the_button_on_an_acl_paper(
    firefox: Firefox, server: FlakyProxy, user: User
) -> None:
    # Logged in from another page first: clicking that button put the focus on it.
    elsewhere = firefox.new_tab()
    elsewhere.goto("https://arxiv.org/abs/1902.02534")
    options = log_in_from(firefox, elsewhere, ShadowButtons(elsewhere), server.url, user.email)
    page = firefox.new_tab()
    page.goto("https://aclanthology.org/2021.naacl-main.208/")
    button = ShadowButtons(page)
    button.wait_for(state="idle", text="Save to Reader's library")

    # The first Tab press on the page reaches the button (it comes first in the tab order).
    page.press(KEYS["Tab"])
    assert page.evaluate("document.activeElement.dataset.readinglist") == "page"
    button.wait_for(focused=True)
    page.press(KEYS["Enter"])  # trusted key input
    info = button.wait_for(state="saved", text="Saved to Reader's library")
    assert (info["live"], info["liveMode"]) == ("Saved to Reader's library", "polite")
    [entry] = entries_of(user)
    assert entry["paper"]["identifiers"]["acl"] == "2021.naacl-main.208"

    # The `focus-button` command (Alt+Shift+B) focuses it from anywhere on the page. BiDi's keys
    # never reach Firefox's command shortcuts, so the command's message is sent as the worker
    # sends it when the shortcut fires.
    page.click_at(5, 400)
    assert page.evaluate("document.activeElement.dataset.readinglist || ''") == ""
    commands = options.evaluate("browser.runtime.getManifest().commands")
    assert commands["focus-button"]["suggested_key"]["default"] == "Alt+Shift+B"
    page.activate()
    tab_id = options.evaluate(
        "browser.tabs.query({active: true, lastFocusedWindow: true}).then(tabs => tabs[0].id)"
    )
    answer = options.evaluate(f"browser.tabs.sendMessage({tab_id}, {{type: 'focus-button'}})")
    assert answer == {"focused": True}
    assert page.evaluate("document.activeElement.dataset.readinglist") == "page"
    assert button.info()["focused"] is True
