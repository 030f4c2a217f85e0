"""Backing up and restoring the whole installation, or chosen organizations (one gzip file).

What a backup holds and leaves out: :mod:`headway.exchange.backup`.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from headway.cli.common import CliError, err, q, setup_django


def backup(
    orgs: Annotated[
        list[str] | None,
        # No HEADWAY_ORG here: a variable set for everyday commands must not shrink a backup.
        typer.Option(
            "--org",
            metavar="SLUG",
            help="Only this organization (repeat for several); default: all of them.",
        ),
    ] = None,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write; - is stdout. Default: headway-backup-<time>.gz here.",
        ),
    ] = None,
) -> None:
    """Write a consistent backup of all organizations (or --org ones) and their users.

    One gzip file, read from one snapshot of the database while Headway keeps running; restore it
    with `headway restore`.
    """
    stdout = typer.get_binary_stream("stdout")
    if output == "-" and stdout.isatty():
        raise CliError("output: a backup is compressed data; give -o FILE or pipe it")
    setup_django()
    from django.utils import timezone

    from headway.exchange.backup import collect, encode

    status = err().status("Reading the database…")
    with status:
        data = collect(orgs, on_read=lambda slug: status.update(f"Read {slug}…"))
    raw = encode(data)
    if output == "-":
        stdout.write(raw)
        stdout.flush()
        return
    path = Path(output or f"headway-backup-{timezone.now():%Y%m%dT%H%M%SZ}.gz")
    _write_whole(path, raw)
    header = data["header"]
    names = ", ".join(header["organizations"]) or "none"
    err().print(
        f"Backed up {len(header['organizations'])} organization(s) ({q(names)}) and "
        f"{header['users']} user(s) to {q(path)} ({len(raw):,} bytes)."
    )


def _write_whole(path: Path, raw: bytes) -> None:
    """Write ``raw`` to ``path`` so that the file is complete or absent, never half-written."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"{path}: {exc.strerror or exc}") from None


def restore(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="A file made by `headway backup`; - for stdin.")
    ],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Delete organizations of the same slug first (in the same transaction).",
        ),
    ] = False,
) -> None:
    """Restore a backup: its organizations and users, all of them or (on any error) nothing.

    The organizations must not exist in this database, unless --replace is given. User accounts
    that exist already are kept as they are.
    """
    if file == "-":
        raw, name = typer.get_binary_stream("stdin").read(), "<stdin>"
    else:
        try:
            raw, name = Path(file).read_bytes(), file
        except OSError as exc:
            raise CliError(f"{file}: {exc.strerror or exc}") from None
    setup_django()
    from headway.exchange.backup import BadBackup, decode
    from headway.exchange.backup import restore as restore_data

    try:
        data = decode(raw)
    except BadBackup as exc:
        raise CliError(f"{name}: {exc}") from None
    result = restore_data(data, replace=replace)
    header = data["header"]
    made = dt.datetime.fromisoformat(header["created_at"])
    names = ", ".join(o.slug for o in result.organizations) or "none"
    lines = [
        f"Restored {len(result.organizations)} organization(s) ({q(names)}) and "
        f"{result.new_users} user(s) from {q(name)}",
        f"  backup of {made:%Y-%m-%d %H:%M} UTC, Headway {q(header['headway_version'])}, "
        f"{q(header['database'])}",
    ]
    if result.replaced:
        lines.append(f"  replaced: {q(', '.join(result.replaced))}")
    if result.kept_users:
        lines.append(f"  kept as they were: {q(', '.join(result.kept_users))}")
    for line in lines:
        err().print(line)
