"""Reading numbers out of text that came from outside (headers, URLs, files, registries).

`str.isdigit` is true for "²" and "١٢", which `int` then refuses or reads as 12: every check
that text is a number goes through here, which accepts ASCII digits only.
"""

from __future__ import annotations


def ascii_digits(text: str) -> bool:
    """Whether `text` is one or more of 0-9 and nothing else."""
    return text.isascii() and text.isdigit()


def ascii_int(text: str, *, max_digits: int = 18) -> int | None:
    """The non-negative integer `text` spells in at most `max_digits` ASCII digits, else
    None."""
    return int(text) if ascii_digits(text) and len(text) <= max_digits else None
