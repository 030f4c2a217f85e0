"""Databases of their own for the backup and migration tests, beside the test database.

On SQLite a file in a temporary folder; on PostgreSQL (when this run's DATABASE_URL names one) a
database on the same server called ``<run database>_<name>``, created empty and dropped after.
Subprocesses reach one through ``Place.env``; this process through a connection alias.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from django.db import connections
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]


def run_vendor() -> str:
    """The database this test run uses: "postgresql" or "sqlite"."""
    url = os.environ.get("DATABASE_URL", "")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


def _pg_url(dbname: str) -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def pg_name(name: str) -> str:
    run_db = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") or "headway"
    return f"{run_db}_{name}"


def _pg_admin(statement: sql.Composable) -> None:
    with psycopg.connect(_pg_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def _pg_recreate(dbname: str) -> None:
    _pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
    _pg_admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


def _pg_drop(dbname: str) -> None:
    _pg_admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


@dataclass
class Place:
    """One empty database, as the environment of a ``headway`` subprocess."""

    name: str
    vendor: str
    env: dict[str, str]
    data_dir: Path

    def headway(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "headway", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )

    def python(self, module: str, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", module, *args],
            env=self.env,
            capture_output=True,
            timeout=300,
            check=False,
            cwd=ROOT,
        )


@contextmanager
def place(folder: Path, name: str, vendor: str) -> Iterator[Place]:
    """An empty database (no tables yet) named ``name``, removed afterwards."""
    data_dir = folder / name
    data_dir.mkdir(parents=True)
    env = {**os.environ, "HEADWAY_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("HEADWAY_ORG", None)
    if vendor == "postgresql":
        dbname = pg_name(name)
        _pg_recreate(dbname)
        env["DATABASE_URL"] = _pg_url(dbname)
    try:
        yield Place(name, vendor, env, data_dir)
    finally:
        if vendor == "postgresql":
            _pg_drop(pg_name(name))


@contextmanager
def alias_for(target: Place) -> Iterator[str]:
    """A connection alias of this process on ``target``'s database."""
    assert target.vendor == run_vendor(), "an alias copies the test database's settings"
    alias = f"dedicated_{target.name}"
    settings = copy.deepcopy(connections.settings["default"])
    if target.vendor == "postgresql":
        settings["NAME"] = pg_name(target.name)
    else:
        settings["NAME"] = str(target.data_dir / "headway.sqlite3")  # where settings.py puts it
    connections.settings[alias] = settings
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
