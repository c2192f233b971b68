"""Browser tests: Debian Chromium with the extension loaded, driven by Playwright.

Recipe from DESIGN.md: a persistent context (extensions need one), `--headless=new`, and host
resolver rules that send every hostname nowhere except 127.0.0.1, so nothing leaves the machine.
Paper sites (arxiv.org, huggingface.co) are answered by Playwright routing from the shared
fixture pages, so the content scripts' match patterns fire on the real URLs. The extension talks
to pytest-django's live server through a small TCP proxy the tests can take down.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress

from readinglist.models import User
from tests.conftest import FIXTURE_PAGES
from tests.factories import UserFactory

CHROMIUM = Path("/usr/bin/chromium")
EXTENSION = Path(__file__).resolve().parents[2] / "extension"
PASSWORD = "correct horse battery staple"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROUTES = {
    "https://arxiv.org/abs/2106.09608v2": "arxiv_abs_2106.09608_2021.html",
    "https://arxiv.org/abs/1902.02534": "arxiv_abs_1902.02534_head_2023.html",
    "https://huggingface.co/papers/date/2017-06-13": "synthetic/hf_daily_papers.synthetic.html",
    "https://huggingface.co/papers/1706.03762": "synthetic/hf_paper_1706.03762.synthetic.html",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def extension_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Chromium build of the extension (manifest with the service worker only)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium package to run browser tests")
    if not FIXTURE_PAGES.exists():
        pytest.skip(f"{FIXTURE_PAGES} is absent: the shared fixture pages are not beside the repo")
    out = tmp_path_factory.mktemp("extension")
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    manifest["background"] = {
        "service_worker": manifest["background"]["service_worker"],
        "type": "module",
    }
    manifest.pop("browser_specific_settings", None)
    (out / "manifest.json").write_text(json.dumps(manifest))
    for part in ("src", "icons"):
        shutil.copytree(EXTENSION / part, out / part)
    return out.resolve()


class FlakyProxy:
    """A TCP forwarder in front of the live server: "up", "down" (refuses), or "drop" (forwards
    the request, lets the server answer, then cuts the connection before the client sees it)."""

    REQUEST_LINE = re.compile(rb"(?m)^(GET|POST|PUT|PATCH|DELETE|OPTIONS) (\S+) HTTP/1\.[01]\r$")

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.mode = "up"
        self.requests: list[tuple[str, str]] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        if self.mode == "down":
            client.close()
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
        except OSError:
            client.close()
            return
        drop = {"now": False}

        def pump(src: socket.socket, dst: socket.socket, upward: bool) -> None:
            try:
                while data := src.recv(65536):
                    if upward:
                        # Modes apply per request, also on kept-alive connections.
                        if self.mode == "down":
                            break
                        drop["now"] = self.mode == "drop"
                        for method, path in self.REQUEST_LINE.findall(data):
                            self.requests.append((method.decode(), path.decode()))
                    elif drop["now"]:
                        break  # the server answered: the client never hears it
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        threading.Thread(target=pump, args=(client, upstream, True), daemon=True).start()
        threading.Thread(target=pump, args=(upstream, client, False), daemon=True).start()

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.startswith(path))

    def count_once_settled(self, method: str, path: str, at_least: int) -> int:
        """The count once it reaches `at_least` (or after 10 s): a page can show what the
        extension knew locally before its request to the server has gone out."""
        deadline = time.monotonic() + 10
        while self.count(method, path) < at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.count(method, path)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def server(live_server: Any) -> Iterator[FlakyProxy]:
    port = int(live_server.url.rsplit(":", 1)[1])
    proxy = FlakyProxy(port)
    yield proxy
    proxy.close()


@pytest.fixture
def user(transactional_db: None) -> User:
    user = UserFactory(email="reader@example.org", name="Reader")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _fulfil(route: Any) -> None:
    url = route.request.url
    name = ROUTES.get(url)
    if name is None:
        route.fulfill(status=404, content_type="text/plain", body="not a fixture")
        return
    route.fulfill(
        status=200,
        content_type="text/html; charset=utf-8",
        body=(FIXTURE_PAGES / name).read_bytes(),
    )


@pytest.fixture
def browser(extension_dir: Path, tmp_path: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=False,
            args=[
                "--headless=new",
                f"--disable-extensions-except={extension_dir}",
                f"--load-extension={extension_dir}",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ],
        )
        context.set_default_timeout(15_000)
        context.route(re.compile(r"^https://(arxiv\.org|huggingface\.co)/"), _fulfil)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def worker(browser: Any) -> Any:
    sw = browser.service_workers[0] if browser.service_workers else None
    if sw is None:
        sw = browser.wait_for_event("serviceworker")
    deadline = time.monotonic() + 10
    while not sw.evaluate("chrome.storage.local.get('installedAt').then(r => !!r.installedAt)"):
        if time.monotonic() > deadline:
            raise AssertionError("the extension never finished onInstalled")
        time.sleep(0.05)
    return sw


@pytest.fixture
def extension_id(worker: Any) -> str:
    return worker.url.split("/")[2]


def log_in(browser: Any, extension_id: str, server_url: str, email: str) -> None:
    """Set the server and log in from the options page, as a person would."""
    from playwright.sync_api import expect

    page = browser.new_page()
    page.goto(f"chrome-extension://{extension_id}/src/options/options.html")
    page.fill("#server", server_url)
    page.click("#save-server")
    expect(page.locator("#server-status")).to_have_text(f"Server set to {server_url}.")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#login")
    expect(page.locator("#account")).to_have_text(f"Logged in as {email}.")
    page.close()
