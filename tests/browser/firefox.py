"""A small WebDriver BiDi client for Debian's `firefox-esr`, enough for the extension tests.

Playwright cannot drive a stock Firefox and geckodriver cannot be installed here, but Firefox
speaks WebDriver BiDi itself (`--remote-debugging-port`). Over one WebSocket this installs the
extension as a temporary add-on, opens tabs, runs scripts, answers the paper sites from fixture
files (network interception, as Playwright routing does for Chromium) and sends trusted mouse
and keyboard input. BiDi serialises closed shadow roots, which is how the tests reach the
extension's buttons without opening them to page scripts.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from websockets.sync.client import ClientConnection, connect

FIREFOX = Path("/usr/bin/firefox-esr")

# Everything stays on this machine: every proxied request goes to a closed port (loopback is
# never proxied), DNS over HTTPS is off, and the background services that phone home are off.
PREFS: dict[str, Any] = {
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.no_proxies_on": "127.0.0.1",
    "network.trr.mode": 5,
    "network.dns.disablePrefetch": True,
    "network.prefetch-next": False,
    "app.update.enabled": False,
    "app.normandy.enabled": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.newtabpage.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.discovery.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "captivedetect.canonicalURL": "",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
}


class BiDiError(RuntimeError):
    pass


class BiDi:
    """One WebDriver BiDi session: commands wait for their answer; events go to subscribers,
    which run on their own thread so they may send commands themselves."""

    def __init__(self, url: str) -> None:
        self.stack = contextlib.ExitStack()
        self.ws: ClientConnection = self.stack.enter_context(
            connect(url, max_size=None, open_timeout=10)
        )
        self.ids = itertools.count(1)
        self.pending: dict[int, queue.Queue[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        self.handlers: dict[str, list[Callable[[dict[str, Any]], None]]] = {}
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.errors: list[BaseException] = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._dispatch, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.ws:
                message = json.loads(raw)
                if "id" in message:
                    with self.lock:
                        waiter = self.pending.pop(message["id"], None)
                    if waiter is not None:
                        waiter.put(message)
                elif message.get("type") == "event":
                    self.events.put(message)
        except Exception:  # the browser went away: waiters time out, close() is in progress
            pass
        finally:
            self.events.put(None)

    def _dispatch(self) -> None:
        while (event := self.events.get()) is not None:
            for handler in self.handlers.get(event["method"], []):
                try:
                    handler(event["params"])
                except Exception as error:  # reported by the next command
                    self.errors.append(error)

    def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 30) -> Any:
        if self.errors:
            raise BiDiError(f"an event handler failed: {self.errors[0]!r}")
        command_id = next(self.ids)
        waiter: queue.Queue[dict[str, Any]] = queue.Queue()
        with self.lock:
            self.pending[command_id] = waiter
        self.ws.send(json.dumps({"id": command_id, "method": method, "params": params or {}}))
        try:
            answer = waiter.get(timeout=timeout)
        except queue.Empty:
            raise BiDiError(f"{method}: no answer in {timeout} s") from None
        if answer.get("type") == "error":
            raise BiDiError(f"{method}: {answer.get('error')}: {answer.get('message')}")
        return answer["result"]

    def on(self, event: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self.handlers.setdefault(event, []).append(handler)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stack.close()


def _value(remote: dict[str, Any]) -> Any:
    """A BiDi RemoteValue as plain Python (what JSON could carry)."""
    kind = remote.get("type")
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "number", "boolean"):
        return remote["value"]
    if kind == "array":
        return [_value(v) for v in remote.get("value", [])]
    if kind == "object":
        return {k if isinstance(k, str) else _value(k): _value(v) for k, v in remote["value"]}
    return remote  # nodes and other references stay as they are


class Tab:
    """One top-level browsing context."""

    def __init__(self, firefox: Firefox, context: str) -> None:
        self.firefox = firefox
        self.bidi = firefox.bidi
        self.context = context

    def goto(self, url: str) -> None:
        self.bidi.send(
            "browsingContext.navigate",
            {"context": self.context, "url": url, "wait": "complete"},
        )

    def reload(self) -> None:
        self.bidi.send("browsingContext.reload", {"context": self.context, "wait": "complete"})

    def activate(self) -> None:
        self.bidi.send("browsingContext.activate", {"context": self.context})

    def close(self) -> None:
        self.bidi.send("browsingContext.close", {"context": self.context})

    def call_raw(self, function: str, *args: dict[str, Any], **options: Any) -> dict[str, Any]:
        result = self.bidi.send(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "arguments": list(args),
                "target": {"context": self.context},
                "awaitPromise": True,
                "userActivation": False,
                **options,
            },
        )
        if result["type"] == "exception":
            details = result["exceptionDetails"]
            raise BiDiError(f"script failed: {details.get('text')}")
        return dict(result["result"])

    def call(self, function: str, *args: dict[str, Any]) -> Any:
        """Run `function` in the page (as a page script would) and return its JSON-like value."""
        return _value(self.call_raw(function, *args))

    def evaluate(self, expression: str) -> Any:
        return self.call(f"async () => ({expression})")

    def wait_for(self, expression: str, expected: Any, timeout: float = 15) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except BiDiError:  # navigating, or the document is being replaced
                value = None
            if value == expected:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{expression!r} is {value!r}, not {expected!r}")
            time.sleep(0.1)

    # Trusted input: these go through the browser's own input handling, as a person's would.

    def click(self, selector: str) -> None:
        """Click the element `selector` finds (in the document, not in a shadow root)."""
        found = json.dumps(selector)
        box = self.call(
            f"""() => {{
              const e = document.querySelector({found});
              e.scrollIntoView({{block: 'center'}});
              const r = e.getBoundingClientRect();
              return {{x: r.x + r.width / 2, y: r.y + r.height / 2}};
            }}"""
        )
        self.click_at(box["x"], box["y"])

    def click_at(self, x: float, y: float) -> None:
        pointer = [
            {"type": "pointerMove", "x": round(x), "y": round(y), "duration": 0},
            {"type": "pointerDown", "button": 0},
            {"type": "pointerUp", "button": 0},
        ]
        self._actions([{"type": "pointer", "id": "mouse", "actions": pointer}])

    def drag(self, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """Press the mouse at `start`, move to `end` in `steps`, release (selects text)."""
        moves = [
            {
                "type": "pointerMove",
                "x": round(start[0] + (end[0] - start[0]) * i / steps),
                "y": round(start[1] + (end[1] - start[1]) * i / steps),
                "duration": 10,
            }
            for i in range(1, steps + 1)
        ]
        pointer = [
            {"type": "pointerMove", "x": round(start[0]), "y": round(start[1]), "duration": 0},
            {"type": "pointerDown", "button": 0},
            *moves,
            {"type": "pointerUp", "button": 0},
        ]
        self._actions([{"type": "pointer", "id": "mouse", "actions": pointer}])

    def press(self, *keys: str) -> None:
        """Press `keys` together (a chord such as Alt+Shift+B), then release them."""
        down = [{"type": "keyDown", "value": k} for k in keys]
        up = [{"type": "keyUp", "value": k} for k in reversed(keys)]
        self._actions([{"type": "key", "id": "keyboard", "actions": down + up}])

    def type_text(self, text: str) -> None:
        actions = []
        for char in text:
            actions += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        self._actions([{"type": "key", "id": "keyboard", "actions": actions}])

    def _actions(self, sources: list[dict[str, Any]]) -> None:
        self.activate()  # input goes to the tab in front
        self.bidi.send("input.performActions", {"context": self.context, "actions": sources})
        self.bidi.send("input.releaseActions", {"context": self.context})


KEYS = {"Alt": "\ue00a", "Shift": "\ue008", "Enter": "\ue007", "Tab": "\ue004"}


class ShadowButtons:
    """The `kind` ("page" or "item") buttons of one tab, in document order, read through BiDi's
    serialisation of closed shadow roots (a page script gets null for `host.shadowRoot`)."""

    READ = """(button) => {
      const live = button.parentNode.querySelector('[aria-live]');
      const r = button.getBoundingClientRect();
      return {text: button.textContent, state: button.dataset.state,
              label: button.getAttribute('aria-label'),
              live: live ? live.textContent : null,
              liveMode: live ? live.getAttribute('aria-live') : null,
              x: r.x + r.width / 2, y: r.y + r.height / 2,
              focused: button.getRootNode().activeElement === button};
    }"""

    def __init__(self, tab: Tab, kind: str = "page") -> None:
        self.tab = tab
        self.kind = kind

    def _buttons(self) -> list[dict[str, Any]]:
        hosts = self.tab.call_raw(
            f"() => [...document.querySelectorAll('[data-readinglist={self.kind}]')]",
            serializationOptions={"maxDomDepth": 0, "includeShadowTree": "all"},
        )
        out: list[dict[str, Any]] = []
        for host in hosts.get("value", []):
            shadow = host.get("value", {}).get("shadowRoot")
            if shadow is None:
                continue
            assert shadow["value"].get("mode") == "closed", "the shadow root must be closed"
            buttons = self.tab.call_raw(
                "(root) => [...root.querySelectorAll('button')]", {"sharedId": shadow["sharedId"]}
            )
            out.extend({"sharedId": b["sharedId"]} for b in buttons.get("value", []))
        return out

    def count(self) -> int:
        return len(self._buttons())

    def _button(self, index: int) -> dict[str, Any]:
        buttons = self._buttons()
        assert len(buttons) > index, f"no {self.kind} button #{index} (found {len(buttons)})"
        return buttons[index]

    def info(self, index: int = 0) -> dict[str, Any]:
        return dict(self.tab.call(self.READ, self._button(index)))

    def call(self, index: int, function: str) -> Any:
        """Run `function(button)` in the page on the button #index (inside its shadow root)."""
        return self.tab.call(function, self._button(index))

    def wait_for(self, index: int = 0, timeout: float = 15, **wanted: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = self.info(index)
            except (AssertionError, BiDiError):  # not drawn yet, or the DOM moved under us
                info = {}
            if info and all(info.get(k) == v for k, v in wanted.items()):
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.kind} button #{index}: {info} is not {wanted}")
            time.sleep(0.1)

    def click(self, index: int = 0) -> None:
        """A person's click: real mouse input at the button's centre."""
        button = self._button(index)
        self.tab.call("(b) => b.scrollIntoView({block: 'center'})", button)
        info = self.tab.call(self.READ, button)
        self.tab.click_at(info["x"], info["y"])


Route = Callable[[str], tuple[int, str, bytes] | None]


class Firefox:
    """A headless Firefox with its own profile, driven over WebDriver BiDi."""

    def __init__(self, profile: Path, prefs: dict[str, Any] | None = None) -> None:
        profile.mkdir(parents=True, exist_ok=True)
        lines = [
            f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
            for k, v in {**PREFS, **(prefs or {})}.items()
        ]
        (profile / "user.js").write_text("".join(lines))
        self.process = subprocess.Popen(
            [
                str(FIREFOX),
                "--headless",
                "--no-remote",
                "--remote-debugging-port=0",
                "--profile",
                str(profile),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            self.bidi = BiDi(f"{self._listening_url()}/session")
            self.bidi.send("session.new", {"capabilities": {}})
        except BaseException:
            self.process.kill()
            self.process.wait()
            raise

    def _listening_url(self, timeout: float = 60) -> str:
        """Firefox prints where BiDi listens on stderr (the port was 0: any free one)."""
        found: queue.Queue[str] = queue.Queue()
        seen: list[str] = []

        def read(stderr: IO[str]) -> None:
            # Reads to the end, so Firefox never blocks on a full pipe.
            for line in stderr:
                seen.append(line)
                if "WebDriver BiDi listening on " in line:
                    found.put(line.split("listening on ", 1)[1].strip())

        assert self.process.stderr is not None
        threading.Thread(target=read, args=(self.process.stderr,), daemon=True).start()
        try:
            return found.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(
                "Firefox did not start WebDriver BiDi:\n" + "".join(seen[-20:])
            ) from None

    def install_extension(self, path: Path) -> str:
        result = self.bidi.send(
            "webExtension.install", {"extensionData": {"type": "path", "path": str(path)}}
        )
        return str(result["extension"])

    def uninstall_extension(self, addon_id: str) -> None:
        self.bidi.send("webExtension.uninstall", {"extension": addon_id})

    def close_tabs(self) -> None:
        """Close every tab but a new blank one (a window keeps at least one tab)."""
        keep = self.new_tab()
        for info in self.tabs():
            if info["context"] != keep.context:
                self.bidi.send("browsingContext.close", {"context": info["context"]})

    def route(self, hostnames: list[str], handler: Route) -> None:
        """Answer https requests to `hostnames`: `handler(url)` gives (status, content type,
        body); None lets the request go on (to the closed proxy, so it fails)."""
        patterns = [{"type": "pattern", "protocol": "https", "hostname": h} for h in hostnames]
        self.bidi.send(
            "network.addIntercept", {"phases": ["beforeRequestSent"], "urlPatterns": patterns}
        )
        self.bidi.send("session.subscribe", {"events": ["network.beforeRequestSent"]})

        def answer(params: dict[str, Any]) -> None:
            if not params.get("isBlocked"):
                return
            request = params["request"]
            found = handler(request["url"])
            if found is None:
                self.bidi.send("network.continueRequest", {"request": request["request"]})
                return
            status, content_type, body = found
            self.bidi.send(
                "network.provideResponse",
                {
                    "request": request["request"],
                    "statusCode": status,
                    "reasonPhrase": "OK" if status == 200 else "Not Found",
                    "headers": [
                        {"name": "Content-Type", "value": {"type": "string", "value": content_type}}
                    ],
                    "body": {"type": "base64", "value": base64.b64encode(body).decode()},
                },
            )

        self.bidi.on("network.beforeRequestSent", answer)

    def new_tab(self) -> Tab:
        result = self.bidi.send("browsingContext.create", {"type": "tab"})
        return Tab(self, result["context"])

    def tabs(self) -> list[dict[str, Any]]:
        return list(self.bidi.send("browsingContext.getTree", {"maxDepth": 0})["contexts"])

    def wait_for_tab(self, url_prefix: str, timeout: float = 15) -> Tab:
        deadline = time.monotonic() + timeout
        while True:
            for info in self.tabs():
                if info["url"].startswith(url_prefix):
                    return Tab(self, info["context"])
            if time.monotonic() > deadline:
                raise AssertionError(f"no tab opened {url_prefix}: {self.tabs()}")
            time.sleep(0.1)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.bidi.send("browser.close", timeout=10)
        self.bidi.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
