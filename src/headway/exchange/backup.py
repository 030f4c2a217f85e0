"""Backups: every organization (or chosen ones) and the user accounts they use, in one file.

A backup is the organization file of :mod:`headway.exchange` for each organization, plus the
full rows of the user accounts those organizations name, read from one snapshot of the database
and written as one gzip file::

    line 1   header   {"format": "headway-backup", "version": 1, "created_at", "headway_version",
                       "database", "scope": "all" | "selected", "organizations": [slug],
                       "users": count, "sha256": of the body}
    rest     body     {"users": [...], "organizations": [organization file, ...]}   by slug

The header is one line so a reader can check format and version before parsing the rest; the
body is stable JSON (sorted keys, no database ids), so a backup of a restored database equals the
original apart from ``created_at`` (and ``database`` when it moved between SQLite and PostgreSQL).

In a backup, beyond the organization file:
  users         every account the organizations name (members and audit actors), with
                password hash, staff and superuser flags, so people sign in after a restore;
                a backup of all organizations holds every account, members of none included.
Left out, on purpose:
  job queue     huey's tasks and schedule: derived work that the worker plans again; the
                pending alert messages themselves are the notification outbox, which is in.
  sessions      people sign in again after a restore.
  admin log     Django admin's own history (by content-type id); Headway's audit log is in.
  groups and    Headway's access is by membership role; Django groups and model permissions
  permissions   are not used (permissions and content types are rebuilt by ``migrate``).
  migrations    the schema comes from ``headway migrate`` of the restoring Headway.
  and the Headway tables in ``LEFT_OUT`` below.

Restoring writes everything in one transaction: all organizations and users, or nothing.
Organizations must not exist in the database unless ``replace`` is given (they are deleted
first then, in the same transaction). A user account that already exists is kept as it is.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import importlib.metadata
import io
import json
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from headway.errors import ValidationFailed
from headway.exchange import _read as r
from headway.exchange._common import dt_out, max_length
from headway.exchange._export import export_organization
from headway.exchange._import import import_organization
from headway.orgs.models import Organization, User
from headway.orgs.services import delete_organization

FORMAT = "headway-backup"
VERSION = 1
HEADER_KEYS = (
    "format",
    "version",
    "created_at",
    "headway_version",
    "database",
    "scope",
    "organizations",
    "users",
    "sha256",
)
USER_TEXT = ("username", "email", "full_name", "first_name", "last_name", "password")
USER_FLAGS = ("is_active", "is_staff", "is_superuser")
USER_KEYS = (*USER_TEXT, *USER_FLAGS, "date_joined", "last_login")
GZIP_MAGIC = b"\x1f\x8b"

# Headway tables a backup leaves out, and why; every other Headway table is in it.
LEFT_OUT = {
    "orgs.signinfailure": "recent refused sign-ins, counted for minutes to slow down guessing",
    "okrs.coachtally": "the coach report's kept counts of large cycles, counted again when missing",
}


class BadBackup(Exception):
    """The file is not a backup this Headway can restore (corrupt, truncated, other version)."""


@dataclass
class Restored:
    organizations: list[Organization]
    new_users: int
    kept_users: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)


# --- backup ----------------------------------------------------------------------------------


def collect(
    slugs: Sequence[str] | None = None, *, on_read: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """The backup of ``slugs`` (all organizations when None) as data: header and body.

    Everything is read in one snapshot, so writes made meanwhile are either wholly in or wholly
    out. ``on_read`` is told each organization's slug once it has been read.
    """
    with _snapshot():
        orgs = Organization.objects.order_by("slug")
        if slugs is not None:
            wanted = sorted(set(slugs))
            orgs = orgs.filter(slug__in=wanted)
            missing = sorted(set(wanted) - {o.slug for o in orgs})
            if missing:
                raise ValidationFailed({"org": f"no organization {missing[0]!r}"})
        documents = []
        for org in orgs:
            documents.append(export_organization(org))
            if on_read is not None:
                on_read(org.slug)
        users = User.objects.order_by("username")
        if slugs is not None:
            named = {u["username"] for doc in documents for u in doc["users"]}
            users = users.filter(username__in=named)
        body = {"users": [_user_out(u) for u in users], "organizations": documents}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": dt_out(timezone.now()),
        "headway_version": importlib.metadata.version("headway"),
        "database": connection.vendor,
        "scope": "all" if slugs is None else "selected",
        "organizations": [doc["organization"]["slug"] for doc in documents],
        "users": len(body["users"]),
    }
    return {"header": header, "body": body}


def encode(backup: dict[str, Any]) -> bytes:
    """The backup file: header line and body, gzip-compressed (the same data, the same bytes)."""
    body = _dumps(backup["body"]).encode()
    header = {**backup["header"], "sha256": hashlib.sha256(body).hexdigest()}
    text = json.dumps(header, sort_keys=True, ensure_ascii=False).encode() + b"\n" + body
    buffer = io.BytesIO()
    # No name and a zero time in the gzip header: equal content gives an equal file.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz:
        gz.write(text)
    return buffer.getvalue()


def create_backup(
    slugs: Sequence[str] | None = None, *, on_read: Callable[[str], None] | None = None
) -> bytes:
    return encode(collect(slugs, on_read=on_read))


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _user_out(u: User) -> dict[str, Any]:
    return {
        **{key: getattr(u, key) for key in (*USER_TEXT, *USER_FLAGS)},
        "date_joined": dt_out(u.date_joined),
        "last_login": dt_out(u.last_login),
    }


@contextmanager
def _snapshot() -> Iterator[None]:
    """Every read inside sees the database as of one instant."""
    if connection.in_atomic_block:
        # Inside the caller's transaction, which is then the snapshot (and its isolation level).
        yield
        return
    if connection.vendor == "sqlite":
        # transaction.atomic() would BEGIN IMMEDIATE (see settings) and hold the write lock for
        # the whole backup. A deferred transaction only reads: in WAL mode its first read fixes
        # the snapshot and writers carry on meanwhile.
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    if connection.vendor == "postgresql":
        # SET TRANSACTION must come before any query of the transaction: the connection health
        # check (a SELECT) is done first, outside it.
        connection.close_if_health_check_failed()
        connection.ensure_connection()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    with transaction.atomic():
        yield


# --- restore ---------------------------------------------------------------------------------


def decode(raw: bytes) -> dict[str, Any]:
    """Header and body of a backup file (gzip, or its uncompressed text); BadBackup if it is not
    one this Headway reads, intact."""
    if raw[:2] == GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except EOFError:
            raise BadBackup("the file is truncated (the compressed data ends early)") from None
        except (OSError, zlib.error) as exc:
            raise BadBackup(f"the file is corrupt ({exc})") from None
    header_line, newline, body = raw.partition(b"\n")
    try:
        header = json.loads(header_line.decode("utf-8"))
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError, deep nesting
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BadBackup(f"not a Headway backup (its first line is no {FORMAT!r} header)")
    version = header.get("version")
    if type(version) is not int or version != VERSION:
        raise BadBackup(
            f"unsupported backup version {str(version)[:20]!r}: "
            f"this Headway reads version {VERSION}"
        )
    _check_header(header)
    if not newline or hashlib.sha256(body).hexdigest() != header.get("sha256"):
        raise BadBackup("the file is corrupt or truncated (its content does not match its sha256)")
    data = _json(body, "body")
    if not isinstance(data, dict) or set(data) != {"users", "organizations"}:
        raise BadBackup("body: must be an object with users and organizations")
    documents = data["organizations"]
    if not isinstance(documents, list) or [_slug(doc) for doc in documents] != header.get(
        "organizations"
    ):
        raise BadBackup("header: organizations do not match the body")
    if not isinstance(data["users"], list) or len(data["users"]) != header["users"]:
        raise BadBackup("header: users does not match the body")
    return {"header": header, "body": data}


def _check_header(header: dict[str, Any]) -> None:
    for key in HEADER_KEYS:
        if key not in header:
            raise BadBackup(f"header: {key} is missing")
    unknown = sorted(set(header) - set(HEADER_KEYS))
    if unknown:
        raise BadBackup(f"header: unknown key {unknown[0][:40]!r}")
    for key in ("created_at", "headway_version", "database", "sha256"):
        if not isinstance(header[key], str):
            raise BadBackup(f"header: {key} must be a string")
    try:
        dt.datetime.fromisoformat(header["created_at"])
    except ValueError:
        raise BadBackup("header: created_at must be an ISO 8601 date and time") from None
    if header["scope"] not in ("all", "selected"):
        raise BadBackup("header: scope must be all or selected")
    slugs = header["organizations"]
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise BadBackup("header: organizations must be a list of slugs")
    if len(set(slugs)) != len(slugs):
        raise BadBackup("header: an organization is listed twice")
    if type(header["users"]) is not int:
        raise BadBackup("header: users must be a whole number")


def _slug(doc: Any) -> Any:
    org = doc.get("organization") if isinstance(doc, dict) else None
    return org.get("slug") if isinstance(org, dict) else None


def _json(raw: bytes, part: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadBackup(f"{part}: is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadBackup(f"{part}: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise BadBackup(f"{part}: nested too deeply") from None


def restore(backup: dict[str, Any], *, replace: bool = False) -> Restored:
    """Write a decoded backup into this database, all of it or (on any error) nothing.

    Raises ValidationFailed naming the first problem: an organization that exists (unless
    ``replace``), or bad data, by its path in the body.
    """
    body = backup["body"]
    users = _read_users(body["users"])
    documents = body["organizations"]
    slugs = backup["header"]["organizations"]
    try:
        with transaction.atomic():
            existing = list(Organization.objects.filter(slug__in=slugs).order_by("slug"))
            if existing and not replace:
                names = ", ".join(o.slug for o in existing)
                raise ValidationFailed(
                    {
                        "organizations": f"already in this database: {names} "
                        "(restore with --replace to replace them, or into an empty database)"
                    }
                )
            for org in existing:
                delete_organization(org)
            kept = set(
                User.objects.filter(username__in=[u.username for u in users]).values_list(
                    "username", flat=True
                )
            )
            new_users = [u for u in users if u.username not in kept]
            User.objects.bulk_create(new_users, batch_size=500)
            restored = []
            for i, doc in enumerate(documents):
                try:
                    restored.append(import_organization(doc))
                except ValidationFailed as exc:
                    slug = slugs[i]
                    raise ValidationFailed(
                        {f"organizations[{i}] ({slug}).{k}": v for k, v in exc.errors.items()}
                    ) from exc
    except (IntegrityError, DataError) as exc:
        raise ValidationFailed({"users": f"the database refused the data: {exc}"}) from exc
    return Restored(
        organizations=restored,
        new_users=len(new_users),
        kept_users=sorted(kept),
        replaced=[o.slug for o in existing],
    )


def restore_backup(raw: bytes, *, replace: bool = False) -> Restored:
    return restore(decode(raw), replace=replace)


def _read_users(value: Any) -> list[User]:
    if not isinstance(value, list):
        r.fail("users", "must be a list")
    users: dict[str, User] = {}
    for i, item in enumerate(value):
        p = r.join("users", i)
        d = r.obj(item, p, USER_KEYS)
        user = User()
        for key in USER_TEXT:
            limit = max_length(User, key)
            text = r.text(d, p, key, max_length=limit, default=r.REQUIRED, blank=key != "username")
            setattr(user, key, text)
        for key in USER_FLAGS:
            setattr(user, key, r.boolean(d, p, key, default=r.REQUIRED))
        user.date_joined = r.datetime(d, p, "date_joined", default=r.REQUIRED)
        user.last_login = r.datetime(d, p, "last_login", default=None)
        if user.username in users:
            r.fail(r.join(p, "username"), f"{user.username!r} is listed twice")
        users[user.username] = user
    return list(users.values())
