"""What every kind of data source answers with, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SourceError(Exception):
    """A source could not be read; the message is shown as the source's last status."""


@dataclass(frozen=True, slots=True)
class Fetched:
    """Values as a source gave them, not yet checked.

    ``rows`` are ``(period, value)`` pairs; when ``single`` is true there is one row whose
    period is None: the value of the period containing the moment of the run.
    """

    rows: list[tuple[Any, Any]]
    single: bool = False


# More rows than this is a query or a path that was not meant (a raw table, not a series).
MAX_ROWS = 50_000


def first_line(exc: BaseException) -> str:
    """A driver's error as one line of a source's status (its detail lines are for the log)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
