"""Values from a JSON document at a URL, found with a small path expression.

Paths, read left to right from the document:

==================  ===========================================================
(empty) or ``$``    the whole document
``total``           the key ``total`` of an object
``data.total``      keys one inside the other
``items[0]``        an item of a list by position (``[-1]``: the last one)
``data.series[*]``  every item of a list
==================  ===========================================================

The path ends either at one number (a JSON number or a numeric string), the value of the period
containing now, or at a list (``[*]`` or a list value): each item is an object whose
``period_field`` and ``value_field`` hold its period and value, or a ``[period, value]`` pair.
Keys containing dots or brackets cannot be named.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlparse

from headway import outbound
from headway.kpis.sources.base import MAX_ROWS, Fetched, SourceError

# Answers larger than this are refused before they are parsed.
MAX_BYTES = 5 * 1024 * 1024

_KEY = r"[^.\[\]]+"
_INDEX = r"\[\s*(?:\*|-?\d+)\s*\]"
_PATH = re.compile(rf"(?:{_KEY}|{_INDEX})(?:\.{_KEY}|{_INDEX})*")
_STEP = re.compile(rf"({_KEY})|\[\s*(\*|-?\d+)\s*\]")


class _Item:
    """The step ``[*]``: every item of a list (a class, so that no key can be mistaken for it)."""


# A key, a position in a list, or every item.
Step = str | int | _Item


def parse_path(path: str) -> list[Step]:
    """The steps of ``path``, or ValueError saying what is wrong with it."""
    text = path.strip()
    text = text.removeprefix("$").removeprefix(".") if text.startswith("$") else text
    if not text:
        return []
    if not _PATH.fullmatch(text):
        raise ValueError(
            f"{path!r} is not a path like data.series[*] or items[0].total "
            "(keys separated by dots, [n] or [*] for lists)"
        )
    steps: list[Step] = []
    for key, index in _STEP.findall(text):
        if key:
            steps.append(key)
        elif index == "*":
            steps.append(_Item())
        else:
            steps.append(int(index))
    return steps


def _describe(steps: list[Step]) -> str:
    text = ""
    for step in steps:
        if isinstance(step, _Item):
            text += "[*]"
        elif isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else step
    return text or "the document"


def resolve(document: Any, steps: list[Step]) -> tuple[list[Any], bool]:
    """What ``steps`` lead to in ``document``, and whether a ``[*]`` made it several things."""
    found, many = [document], False
    for depth, step in enumerate(steps):
        where = _describe(steps[:depth])
        following: list[Any] = []
        for node in found:
            if isinstance(step, _Item | int):
                if not isinstance(node, list):
                    raise SourceError(f"{where} is not a list")
                if isinstance(step, _Item):
                    following.extend(node)
                    many = True
                elif -len(node) <= step < len(node):
                    following.append(node[step])
                else:
                    raise SourceError(f"{where} has no item [{step}] (it has {len(node)})")
            else:
                if not isinstance(node, dict):
                    raise SourceError(f"{where} is not an object, so it has no key {step!r}")
                if step not in node:
                    raise SourceError(f"{where} has no key {step!r}")
                following.append(node[step])
        found = following
    return found, many


def rows_from(found: list[Any], many: bool, period_field: str, value_field: str) -> Fetched:
    """Rows from what a path found: one value, or items with a period and a value."""
    if not many and len(found) == 1 and isinstance(found[0], list):
        found, many = found[0], True
    if not many:
        value = found[0]
        if isinstance(value, dict):
            raise SourceError("the path leads to an object; give the path to a number or a list")
        return Fetched([(None, value)], single=True)
    if len(found) > MAX_ROWS:
        raise SourceError(f"the path found more than {MAX_ROWS:,} items")
    rows: list[tuple[Any, Any]] = []
    for number, item in enumerate(found, start=1):
        if isinstance(item, dict):
            for name in (period_field, value_field):
                if name not in item:
                    raise SourceError(f"item {number} has no {name!r}")
            rows.append((item[period_field], item[value_field]))
        elif isinstance(item, list) and len(item) == 2:
            rows.append((item[0], item[1]))
        else:
            raise SourceError(
                f"item {number} is neither an object with {period_field!r} and {value_field!r} "
                "nor a [period, value] pair"
            )
    return Fetched(rows)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) only; urllib would also follow one to ftp."""

    def redirect_request(  # type: ignore[no-untyped-def]
        self, req, fp, code, msg, headers, newurl
    ):
        if urlparse(newurl).scheme not in {"http", "https"}:
            raise SourceError(f"the URL redirects to {newurl!r}, which is not http(s)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# Which hosts a source may reach: HEADWAY_SOURCE_HOSTS, checked by headway.outbound.
SETTING = "HEADWAY_SOURCE_HOSTS"


def _shown(url: str) -> str:
    parts = urlparse(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number: urllib says so in the message
        port = ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def download(url: str, *, timeout: float, hosts: list[str] | None = None) -> Any:
    """The JSON document at ``url``, from a host ``hosts`` allows (HEADWAY_SOURCE_HOSTS)."""
    if urlparse(url).scheme not in {"http", "https"}:
        raise SourceError(f"{url!r} is not an http(s) URL")
    if hosts is None:
        from django.conf import settings

        hosts = list(settings.HEADWAY_SOURCE_HOSTS)
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above)
        url, headers={"Accept": "application/json", "User-Agent": "Headway data source"}
    )
    opener = outbound.opener(
        hosts, what="data sources", setting=SETTING, handlers=[_HttpOnlyRedirects]
    )
    # Messages become the source's status, shown to everyone who sees the KPI: no query string
    # (it may hold a key) and no user name or password.
    shown = _shown(url)
    try:
        with opener.open(request, timeout=timeout) as answer:
            body = answer.read(MAX_BYTES + 1)
    except outbound.HostRefused as exc:
        raise SourceError(str(exc)) from None
    except urllib.error.HTTPError as exc:
        raise SourceError(f"HTTP {exc.code} {exc.reason} from {shown}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise SourceError(f"no answer from {shown} within {timeout:g} s") from None
        raise SourceError(f"cannot reach {shown}: {exc.reason}") from None
    except TimeoutError:
        raise SourceError(f"no answer from {shown} within {timeout:g} s") from None
    except OSError as exc:
        raise SourceError(f"cannot read {shown}: {exc}") from None
    if len(body) > MAX_BYTES:
        raise SourceError(f"the answer from {shown} is larger than {MAX_BYTES // 2**20} MB")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise SourceError(f"the answer from {shown} is not JSON ({exc})") from None


def fetch(url: str, path: str, period_field: str, value_field: str, *, timeout: float) -> Fetched:
    try:
        steps = parse_path(path)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    found, many = resolve(download(url, timeout=timeout), steps)
    return rows_from(found, many, period_field, value_field)
