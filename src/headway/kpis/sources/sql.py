"""Values from a SQL query against a read-only database named in ``HEADWAY_SQL_SOURCES``.

The query returns rows of two columns, ``(period, value)``, or one row of one column: the value
of the period containing now. Sources name a connection, never a URL, so people who may edit a
KPI cannot point Headway at a database an administrator did not configure.

Read-only is enforced three ways: PostgreSQL runs the query in a READ ONLY transaction on a
session whose default is read-only, SQLite opens the file with ``mode=ro`` and ``query_only``,
and both run exactly one statement (a prepared statement in PostgreSQL, the sqlite3 module's
rule in SQLite), so nothing can end the read-only transaction and write after it.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any
from urllib.parse import quote, urlparse

from django.conf import settings

from headway.kpis.sources.base import MAX_ROWS, Fetched, SourceError, first_line


def connection_names() -> list[str]:
    return sorted(settings.HEADWAY_SQL_SOURCES)


def fetch(name: str, query: str, *, timeout: float) -> Fetched:
    url = settings.HEADWAY_SQL_SOURCES.get(name)
    if url is None:
        raise SourceError(f"no SQL connection named {name!r} is configured (HEADWAY_SQL_SOURCES)")
    scheme = urlparse(url).scheme.lower()
    if scheme in {"postgres", "postgresql"}:
        columns, rows = _postgresql(url, query, timeout)
    elif scheme == "sqlite":
        columns, rows = _sqlite(url, query, timeout)
    else:
        raise SourceError(f"connection {name!r}: {scheme!r} databases are not supported")
    return _shape(columns, rows)


def _shape(columns: int, rows: list[tuple[Any, ...]]) -> Fetched:
    if len(rows) > MAX_ROWS:
        raise SourceError(f"the query returned more than {MAX_ROWS:,} rows")
    if columns == 1:
        if len(rows) != 1:
            raise SourceError(
                "a query with one column must return one row (the value for the current "
                f"period); it returned {len(rows)}"
            )
        return Fetched([(None, rows[0][0])], single=True)
    if columns == 2:
        return Fetched([(row[0], row[1]) for row in rows])
    raise SourceError(
        f"the query must return (period, value) rows or a single value, not {columns} columns"
    )


def _postgresql(url: str, query: str, timeout: float) -> tuple[int, list[tuple[Any, ...]]]:
    import psycopg

    milliseconds = max(1, int(timeout * 1000))
    try:
        with psycopg.connect(
            url,
            connect_timeout=max(1, round(timeout)),
            options=f"-c default_transaction_read_only=on -c statement_timeout={milliseconds}",
        ) as connection:
            connection.read_only = True
            with connection.cursor() as cursor:
                # Prepared: PostgreSQL refuses several statements in one prepared statement.
                cursor.execute(query.encode(), prepare=True)
                if cursor.description is None:
                    raise SourceError("the query returned no rows; a source runs a SELECT")
                columns = len(cursor.description)
                rows = cursor.fetchmany(MAX_ROWS + 1)
            connection.rollback()
    except psycopg.Error as exc:
        raise SourceError(first_line(exc)) from None
    return columns, rows


def _sqlite(url: str, query: str, timeout: float) -> tuple[int, list[tuple[Any, ...]]]:
    # sqlite:////absolute/path.db, as DATABASE_URL reads it (three slashes: a relative path).
    path = urlparse(url).path[1:]
    if not path:
        raise SourceError("the SQLite URL names no file (sqlite:////path/to/file.db)")
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=timeout)
    except sqlite3.Error as exc:
        raise SourceError(f"cannot open {path}: {exc}") from None
    deadline = time.monotonic() + timeout
    # SQLite has no statement timeout; the progress handler interrupts a query that runs long.
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        connection.execute("PRAGMA query_only = ON")
        cursor = connection.execute(query)
        if cursor.description is None:
            raise SourceError("the query returned no rows; a source runs a SELECT")
        return len(cursor.description), cursor.fetchmany(MAX_ROWS + 1)
    except sqlite3.OperationalError as exc:
        if str(exc) == "interrupted":
            raise SourceError(f"the query took longer than {timeout:g} s") from None
        raise SourceError(first_line(exc)) from None
    except (sqlite3.Error, sqlite3.Warning) as exc:
        raise SourceError(first_line(exc)) from None
    finally:
        connection.close()
