"""End to end: the extension in Chromium against a live server on 127.0.0.1."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect
from rest_framework.test import APIClient

from readinglist.models import Entry, User
from tests.browser.conftest import FlakyProxy, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    button = page.locator("[data-readinglist=page] button")
    expect(button).to_have_text("Save")
    button.click()
    expect(button).to_have_text("Saved")

    [entry] = entries_of(user)
    paper = entry["paper"]
    assert paper["title"] == "Learning Knowledge Graph-based World Models of Textual Environments"
    assert paper["authors"] == ["Prithviraj Ammanabrolu", "Mark O. Riedl"]
    assert paper["abstract"].startswith("World models improve a learning agent's ability")
    assert paper["identifiers"]["arxiv"].lower().startswith("2106.09608")
    assert paper["published"].startswith("2021-06-17")

    # A reload shows the saved state (local index first, then one lookup).
    page.reload()
    expect(page.locator("[data-readinglist=page] button")).to_have_text("Saved")


def test_listing_page_buttons_and_one_batch_lookup(
    browser: Any, extension_id: str, server: FlakyProxy, user: User
) -> None:
    log_in(browser, extension_id, server.url, user.email)
    page = browser.new_page()
    page.goto("https://huggingface.co/papers/date/2017-06-13")
    buttons = page.locator("[data-readinglist=item] button")
    expect(buttons).to_have_count(2)
    expect(buttons.nth(0)).to_have_text("Save")
    expect(buttons.nth(1)).to_have_text("Save")
    assert server.count_once_settled("POST", "/api/v1/lookup", at_least=1) == 1
    buttons.nth(0).click()
    expect(buttons.nth(0)).to_have_text("Saved")
    buttons.nth(1).click()
    expect(buttons.nth(1)).to_have_text("Saved")

    page.reload()
    buttons = page.locator("[data-readinglist=item] button")
    expect(buttons.nth(0)).to_have_text("Saved")
    expect(buttons.nth(1)).to_have_text("Saved")
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
    button = page.locator("[data-readinglist=page] button")
    expect(button).to_have_text("Save")
    button.click()
    expect(button).to_have_text("Queued (offline)")

    # 2. The server gets the next attempt (the oldest queued save goes first) but its answer
    #    is lost: nothing is marked done, and the new save waits behind it.
    server.mode = "drop"
    hf = browser.new_page()
    hf.goto("https://huggingface.co/papers/1706.03762")
    hf_button = hf.locator("[data-readinglist=page] button")
    expect(hf_button).to_have_text("Save")
    hf_button.click()
    expect(hf_button).to_have_text("Queued (offline)")
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
    button = page.locator("[data-readinglist=page] button")
    expect(button).to_have_text("Save")
    button.click()
    expect(button).to_have_text("Saved")
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
