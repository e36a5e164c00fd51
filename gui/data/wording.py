"""Counts in words, for messages the user reads."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``plural(1, "row")`` → ``"1 row"``; ``plural(2_500, "row")`` → ``"2,500 rows"``."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def verb(count: int, one: str, many: str) -> str:
    """The verb agreeing with ``count``: ``verb(1, "matches", "match")``."""
    return one if count == 1 else many
