"""The extension's in-page buttons live in closed shadow roots, which Playwright's locators do
not enter (that is the point: page scripts cannot either). The tests read and press them
through the Chrome DevTools Protocol, which sees closed roots (`DOM.getDocument` with
`pierce`), and click them with real (trusted) mouse and keyboard input."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

READ = """function () {
  const live = this.parentNode.querySelector('[aria-live]');
  const r = this.getBoundingClientRect();
  return {text: this.textContent, state: this.dataset.state,
          label: this.getAttribute('aria-label'),
          live: live ? live.textContent : null,
          liveMode: live ? live.getAttribute('aria-live') : null,
          x: r.x + r.width / 2, y: r.y + r.height / 2,
          focused: this.getRootNode().activeElement === this};
}"""


def _attrs(node: dict[str, Any]) -> dict[str, str]:
    values = node.get("attributes", [])
    return dict(zip(values[::2], values[1::2], strict=False))


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []) + node.get("shadowRoots", []):
        yield from _walk(child)
    if "contentDocument" in node:
        yield from _walk(node["contentDocument"])


class ShadowButtons:
    """The `kind` ("page" or "item") buttons of one page, in document order."""

    def __init__(self, page: Any, kind: str = "page") -> None:
        self.page = page
        self.kind = kind
        self.cdp = page.context.new_cdp_session(page)

    def _buttons(self) -> list[dict[str, Any]]:
        root = self.cdp.send("DOM.getDocument", {"depth": -1, "pierce": True})["root"]
        out: list[dict[str, Any]] = []
        for node in _walk(root):
            if _attrs(node).get("data-readinglist") != self.kind:
                continue
            for shadow in node.get("shadowRoots", []):
                assert shadow.get("shadowRootType") == "closed", "the shadow root must be closed"
                out.extend(n for n in _walk(shadow) if n.get("nodeName") == "BUTTON")
        return out

    def count(self) -> int:
        return len(self._buttons())

    def _object(self, index: int) -> str:
        buttons = self._buttons()
        assert len(buttons) > index, f"no {self.kind} button #{index} (found {len(buttons)})"
        node = self.cdp.send("DOM.resolveNode", {"backendNodeId": buttons[index]["backendNodeId"]})
        return str(node["object"]["objectId"])

    def call(self, index: int, function: str) -> Any:
        """Run `function` with `this` = the button, in the page's main world (as a page script)."""
        call = {"objectId": self._object(index), "functionDeclaration": function}
        result = self.cdp.send("Runtime.callFunctionOn", {**call, "returnByValue": True})
        return result["result"].get("value")

    def info(self, index: int = 0) -> dict[str, Any]:
        return dict(self.call(index, READ))

    def wait_for(self, index: int = 0, timeout: float = 15, **wanted: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = self.info(index)
            except Exception:  # not drawn yet, or the DOM moved under us
                info = {}
            if info and all(info.get(k) == v for k, v in wanted.items()):
                return info
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.kind} button #{index}: {info} is not {wanted}")
            time.sleep(0.1)

    def click(self, index: int = 0) -> None:
        """A person's click: real mouse input at the button's centre (trusted)."""
        self.call(index, "function () { this.scrollIntoView({block: 'center'}); }")
        info = self.info(index)
        self.page.mouse.click(info["x"], info["y"])
