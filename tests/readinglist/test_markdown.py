"""The comment/note Markdown renderer: useful formatting, and nothing a user writes runs."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from readinglist.markdown import mentioned_handles, render

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    '[x](https://example.org/" onmouseover="alert(1))',
    'https://example.org/"><script>alert(1)</script>',
    "**<svg onload=alert(1)>**",
    "`<b>` and ```\n<iframe src=//evil>\n```",
    "<a href='javascript:alert(1)'>x</a>",
    "> <style>body{display:none}</style>",
]
ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "h4",
    "h5",
    "h6",
    "span",
}


def tags_and_attributes(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)([^>]*)>", html)


def assert_inert(html: str) -> None:
    for tag, attributes in tags_and_attributes(html):
        assert tag.lower() in ALLOWED_TAGS, html
        names = re.findall(r'\s([a-zA-Z-]+)="', attributes)
        assert set(names) <= {"href", "rel", "class"}, html
        for href in re.findall(r'href="([^"]*)"', attributes):
            assert href.startswith(("http://", "https://", "mailto:")), html


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_render_inert(payload: str) -> None:
    html = render(payload)
    assert_inert(html)
    assert "<script" not in html
    assert "<img" not in html
    assert "<iframe" not in html


def test_script_tag_is_shown_as_text() -> None:
    assert render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_javascript_link_stays_literal_text() -> None:
    assert "<a" not in render("[click](javascript:alert(1))")


def test_quote_cannot_break_out_of_href() -> None:
    html = render('[x](https://example.org/"onmouseover=alert(1))')
    assert 'href="https://example.org/&quot;onmouseover=alert(1"' in html


def test_formatting() -> None:
    html = render(
        "# Title\n\nSome **bold**, *em*, _em_ and `code <b>`.\n\n- one\n- two\n\n1. first\n\n"
        "> quoted\n\n```\nx < y\n```\n\nSee [paper](https://arxiv.org/abs/2106.09608) or "
        "https://example.org/a."
    )
    assert "<h4>Title</h4>" in html
    assert "<strong>bold</strong>" in html
    assert html.count("<em>em</em>") == 2
    assert "<code>code &lt;b&gt;</code>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<ol><li>first</li></ol>" in html
    assert "<blockquote><p>quoted</p></blockquote>" in html
    assert "<pre><code>x &lt; y</code></pre>" in html
    rel = 'rel="nofollow noopener noreferrer ugc"'
    assert f'<a href="https://arxiv.org/abs/2106.09608" {rel}>paper</a>' in html
    assert '<a href="https://example.org/a" ' in html
    assert_inert(html)


def test_mentions_are_marked_only_when_known() -> None:
    html = render(
        "Thanks @bob and @nobody, cc @carol@example.org.", mentions={"bob", "carol@example.org"}
    )
    assert '<span class="mention">@bob</span>' in html
    assert "@nobody" in html
    assert '<span class="mention">@nobody' not in html
    assert '<span class="mention">@carol@example.org</span>.' in html


def test_mentioned_handles_skip_code_and_emails() -> None:
    source = "hi @Bob, see `@notme` and mail x@example.org\n```\n@alsonot\n```\n@bob again"
    assert mentioned_handles(source) == ["bob"]


@given(st.text(max_size=300))
def test_any_input_renders_inert(source: str) -> None:
    assert_inert(render(source))


@given(st.text(alphabet="<>\"'&[]()*_`#>-: \njavascript", max_size=200))
def test_markup_heavy_input_renders_inert(source: str) -> None:
    assert_inert(render(source))
