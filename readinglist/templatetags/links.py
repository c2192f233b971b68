"""Template filters for links built from stored data."""

from django import template

register = template.Library()


@register.filter
def http_only(url: str) -> str:
    """The URL if it is http(s), else "": a stored `javascript:` or `data:` URL never becomes
    a link, whatever path wrote it."""
    text = (url or "").strip()
    return text if text.lower().startswith(("https://", "http://")) else ""
