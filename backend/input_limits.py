"""Refuse input no view can handle, once for every view (the API, the pages, allauth).

JSON nested deeper than Python's decoder can recurse, and a NUL character in an address
(PostgreSQL cannot compare text with it), used to be a 500 wherever they reached; here each
is a 400 before any view runs. Text in a body is the fields' to check, with their names
(`readinglist.text.require_storable`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import accumulate

from django.http import HttpRequest, HttpResponse, JsonResponse

# Past this Python's JSON decoder runs out of recursion (a 500 wherever it happened). Less
# deep nesting is the fields' to refuse, with their names (selectors allow 32 levels).
MAX_JSON_DEPTH = 1000

# Unrolled (runs of plain characters, then one escape): ten times faster than (?:a|b)*.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]")


def json_problem(text: str) -> str | None:
    """Why a JSON body's text should not be parsed, or None."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    if len(brackets) > MAX_JSON_DEPTH:
        depth = max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0)
        if depth > MAX_JSON_DEPTH:
            return f"JSON may nest at most {MAX_JSON_DEPTH} levels deep."
    return None


def _is_json(request: HttpRequest) -> bool:
    content_type = request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


class RefuseMalformedInput:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self._problem(request)
        if problem is not None:
            return JsonResponse({"detail": problem}, status=400)
        return self.get_response(request)

    def _problem(self, request: HttpRequest) -> str | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return "The address may not contain the NUL character."
        if request.method in ("POST", "PUT", "PATCH", "DELETE") and _is_json(request):
            try:
                text = request.body.decode("utf-8-sig")
            except UnicodeDecodeError:
                return "The request body must be UTF-8 JSON."
            return json_problem(text)
        return None
