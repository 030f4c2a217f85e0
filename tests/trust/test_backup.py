"""`headway backup` and `headway restore`: exact round trips, one snapshot, all or nothing.

The functions run here on the test database; the commands run in-process (CliRunner) and as real
subprocesses on databases of their own (SQLite files, or PostgreSQL databases when the run is on
PostgreSQL), including a move from SQLite to PostgreSQL and back.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.apps import apps
from typer.testing import CliRunner, Result

from headway.cli.main import app
from headway.errors import ValidationFailed
from headway.exchange import dumps, export_organization
from headway.exchange.backup import (
    FORMAT,
    LEFT_OUT,
    VERSION,
    BadBackup,
    collect,
    create_backup,
    decode,
    encode,
    restore,
    restore_backup,
)
from headway.okrs import services as okr_services
from headway.okrs.models import KeyResult
from headway.orgs import services as org_services
from headway.orgs.choices import Role
from headway.orgs.models import Membership, Organization, User
from tests.factories import PASSWORD, World, make_kr, make_objective
from tests.test_exchange import build_rich
from tests.trust.dedicated_db import Place, place, run_vendor
from tests.trust.second_org import second_organization

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
HEADWAY_APPS = ("orgs", "okrs", "kpis", "strategy", "audit")


def frozen_backup(slugs: list[str] | None = None) -> bytes:
    with time_machine.travel(NOW, tick=False):
        return create_backup(slugs)


def row_counts() -> dict[str, int]:
    return {
        m._meta.label_lower: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in HEADWAY_APPS
    }


def wipe() -> None:
    """Make the database empty: every organization and every user gone."""
    for org in Organization.objects.all():
        org_services.delete_organization(org)
    User.objects.all().delete()
    assert not any(row_counts().values())


class Everything:
    """Acme with every kind of row, Globex sharing alice, and an operator in no organization."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.acme = build_rich(world)
        self.globex = world.other_org
        Membership.objects.create(organization=self.globex, user=world.alice.user, role=Role.LEAD)
        kr = make_kr(make_objective(world.other_cycle, team=world.other_team), owner=world.oscar)
        okr_services.record_checkin(actor=world.oscar, key_result=kr, value="40", confidence=6)
        _, self.token_secret = org_services.create_token(membership=world.oscar, name="sync")
        User.objects.create_user("ops", password="ops-password", is_staff=True)


@pytest.fixture
def everything(world: World) -> Everything:
    return Everything(world)


def body_and_header(raw: bytes) -> tuple[dict[str, Any], bytes]:
    text = gzip.decompress(raw)
    header, _, body = text.partition(b"\n")
    return json.loads(header), body


# --- round trips ------------------------------------------------------------------------------


def test_every_organization_round_trips_byte_for_byte(everything: Everything) -> None:
    before = row_counts()
    # The fixture has rows in every table a backup holds, so each is proven to come back.
    assert set(LEFT_OUT) <= set(before)
    empty = sorted(label for label, n in before.items() if n == 0 and label not in LEFT_OUT)
    assert not empty, f"no rows to prove the round trip of {empty}"
    raw = frozen_backup()

    wipe()
    restored = restore_backup(raw)

    assert [o.slug for o in restored.organizations] == ["acme", "globex"]
    assert restored.new_users == User.objects.count() == 7 and not restored.kept_users
    assert row_counts() == before
    assert frozen_backup() == raw
    # People sign in as before: members, the superuser named only in the audit log, the operator
    # who belongs to no organization; API tokens still work.
    assert User.objects.get(username="alice").check_password(PASSWORD)
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff and root.check_password("secret-root-pw")
    ops = User.objects.get(username="ops")
    assert ops.is_staff and not ops.is_superuser and ops.check_password("ops-password")
    token = org_services.authenticate_token(everything.token_secret)
    assert token is not None and token.membership.user.username == "oscar"


def test_header_says_what_the_file_is(everything: Everything) -> None:
    raw = frozen_backup()
    header, body = body_and_header(raw)
    assert header["format"] == FORMAT and header["version"] == VERSION == 1
    assert header["created_at"] == "2026-11-16T09:00:00+00:00"
    assert header["database"] in {"sqlite", "postgresql"}
    assert header["headway_version"] and header["scope"] == "all"
    assert header["organizations"] == ["acme", "globex"]
    data = json.loads(body)
    assert header["users"] == len(data["users"]) == 7
    assert [d["organization"]["slug"] for d in data["organizations"]] == ["acme", "globex"]
    # Each organization is exactly its organization file.
    assert dumps(data["organizations"][0]) == dumps(export_organization(everything.acme))
    assert decode(raw) == {"header": header, "body": data}
    # No wall-clock time or file name in the gzip header: the same content, the same bytes.
    assert raw[4:8] == b"\0\0\0\0" and raw[3] & 0x08 == 0


def test_one_organization_restores_beside_the_others(everything: Everything) -> None:
    raw = frozen_backup(["globex"])
    data = decode(raw)["body"]
    # Its users only: its members (alice is shared with acme) and its audit actors.
    assert [u["username"] for u in data["users"]] == ["alice", "oscar"]
    acme = dumps(export_organization(everything.acme))
    org_services.delete_organization(everything.globex)
    User.objects.filter(username="oscar").delete()

    restored = restore_backup(raw)

    assert restored.new_users == 1 and restored.kept_users == ["alice"]
    assert frozen_backup(["globex"]) == raw
    assert dumps(export_organization(everything.acme)) == acme


def test_an_existing_organization_is_refused_unless_replaced(everything: Everything) -> None:
    raw = frozen_backup()
    kr = KeyResult.objects.filter(organization=everything.acme).first()
    assert kr is not None
    okr_services.record_checkin(actor=everything.world.alice, key_result=kr, value=1, confidence=5)
    after_backup = row_counts()

    with pytest.raises(ValidationFailed) as refused:
        restore_backup(raw)

    assert refused.value.errors == {
        "organizations": "already in this database: acme, globex "
        "(restore with --replace to replace them, or into an empty database)"
    }
    assert row_counts() == after_backup
    replaced = restore_backup(raw, replace=True)
    assert replaced.replaced == ["acme", "globex"] and replaced.new_users == 0
    assert frozen_backup() == raw  # the later check-in went with the replaced organization


# --- bad files: one clear error, nothing written ------------------------------------------------


def _rewrite(change: Callable[[dict[str, Any]], None]) -> Callable[[bytes], bytes]:
    """A valid file (checksum and all) whose decoded data ``change`` altered."""

    def apply(raw: bytes) -> bytes:
        data = decode(raw)
        change(data)
        return encode(data)

    return apply


def _plain(raw: bytes) -> bytes:
    return gzip.decompress(raw)


def _tampered(raw: bytes) -> bytes:
    return _plain(raw).replace(b'"alice"', b'"alicia"', 1)


def _header(**changes: Any) -> Callable[[bytes], bytes]:
    def apply(raw: bytes) -> bytes:
        header, _, body = _plain(raw).partition(b"\n")
        return gzip.compress(json.dumps({**json.loads(header), **changes}).encode() + b"\n" + body)

    return apply


def _flip(raw: bytes) -> bytes:
    middle = len(raw) // 2
    return raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1 :]


def _set_month(data: dict[str, Any]) -> None:
    data["body"]["organizations"][1]["organization"]["fiscal_year_start_month"] = 13


def _user_twice(data: dict[str, Any]) -> None:
    data["body"]["users"].append(dict(data["body"]["users"][0]))
    data["header"]["users"] += 1


def _user_without_password(data: dict[str, Any]) -> None:
    del data["body"]["users"][2]["password"]


NOT_A_BACKUP = "not a Headway backup (its first line is no 'headway-backup' header)"
BAD_FILES: list[tuple[str, Callable[[bytes], bytes], type[Exception], str]] = [
    ("empty", lambda raw: b"", BadBackup, NOT_A_BACKUP),
    (
        "truncated",
        lambda raw: raw[: len(raw) // 2],
        BadBackup,
        "the file is truncated (the compressed data ends early)",
    ),
    ("corrupt", _flip, BadBackup, "the file is corrupt"),
    ("binary", lambda raw: b"\x00\xff" * 50, BadBackup, NOT_A_BACKUP),
    ("a header nested too deeply", lambda raw: b"[" * 200_000 + b"\n", BadBackup, NOT_A_BACKUP),
    (
        "an organization file",
        lambda raw: dumps({"format": "headway-organization", "version": 1}).encode(),
        BadBackup,
        NOT_A_BACKUP,
    ),
    (
        "a newer version",
        _header(version=2),
        BadBackup,
        "unsupported backup version '2': this Headway reads version 1",
    ),
    ("no header time", _header(created_at=None), BadBackup, "header: created_at must be a string"),
    (
        "edited after it was made",
        _tampered,
        BadBackup,
        "the file is corrupt or truncated (its content does not match its sha256)",
    ),
    (
        "cut in the body",
        lambda raw: _plain(raw)[:-200],
        BadBackup,
        "the file is corrupt or truncated (its content does not match its sha256)",
    ),
    (
        "header naming other organizations",
        _header(organizations=["acme", "initech"]),
        BadBackup,
        "header: organizations do not match the body",
    ),
    (
        "bad data in the second organization",
        _rewrite(_set_month),
        ValidationFailed,
        "organizations[1] (globex).organization.fiscal_year_start_month: "
        "must be between 1 and 12, got 13",
    ),
    ("a user twice", _rewrite(_user_twice), ValidationFailed, "is listed twice"),
    (
        "a user without password",
        _rewrite(_user_without_password),
        ValidationFailed,
        "users[2].password: is required",
    ),
]


@pytest.mark.parametrize(
    ("case", "spoil", "error", "message"), BAD_FILES, ids=[case for case, *_ in BAD_FILES]
)
def test_a_bad_file_is_refused_and_nothing_is_written(
    everything: Everything,
    case: str,
    spoil: Callable[[bytes], bytes],
    error: type[Exception],
    message: str,
) -> None:
    raw = spoil(frozen_backup())
    wipe()

    with pytest.raises(error) as refused:
        restore_backup(raw)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not any(row_counts().values())


def test_uncompressed_text_of_a_backup_restores(everything: Everything) -> None:
    raw = frozen_backup()
    wipe()
    restore_backup(gzip.decompress(raw))
    assert frozen_backup() == raw


def test_collect_then_restore_without_a_file(everything: Everything) -> None:
    with time_machine.travel(NOW, tick=False):
        data = collect()
    wipe()
    restore(data)
    assert frozen_backup() == encode(data)


# --- the commands, in-process -------------------------------------------------------------------


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    monkeypatch.delenv("HEADWAY_ORG", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: bytes | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env=env)

    return invoke


def error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_backup_and_restore_commands(
    everything: Everything, run: Callable[..., Result], tmp_path: Path
) -> None:
    file = tmp_path / "all.gz"
    # HEADWAY_ORG, set for everyday commands, does not shrink a backup.
    made = run("backup", "-o", str(file), env={"HEADWAY_ORG": "acme"})
    assert made.exit_code == 0, made.output
    assert made.stderr.startswith(
        f"Backed up 2 organization(s) (acme, globex) and 7 user(s) to {file} ("
    )
    assert not list(tmp_path.glob(".*partial"))
    before = row_counts()
    wipe()

    restored = run("restore", str(file))

    assert restored.exit_code == 0, restored.output
    assert restored.stderr.splitlines()[0] == (
        f"Restored 2 organization(s) (acme, globex) and 7 user(s) from {file}"
    )
    assert row_counts() == before
    again = run("restore", str(file))
    assert error_line(again) == (
        "error: organizations: already in this database: acme, globex "
        "(restore with --replace to replace them, or into an empty database)"
    )
    replaced = run("restore", "--replace", str(file))
    assert replaced.exit_code == 0, replaced.output
    assert "replaced: acme, globex" in replaced.stderr
    assert "kept as they were: alice, lena, mo, ops, oscar, root, vic" in replaced.stderr


def test_backup_to_stdout_and_restore_from_stdin(
    everything: Everything, run: Callable[..., Result]
) -> None:
    made = run("backup", "--org", "globex", "-o", "-")
    assert made.exit_code == 0, made.stderr
    assert decode(made.stdout_bytes)["header"]["organizations"] == ["globex"]
    org_services.delete_organization(everything.globex)

    restored = run("restore", "-", input=made.stdout_bytes)

    assert restored.exit_code == 0, restored.output
    assert "Restored 1 organization(s) (globex) and 0 user(s) from <stdin>" in restored.stderr
    assert Organization.objects.filter(slug="globex").exists()


def test_command_errors_are_one_line(
    everything: Everything, run: Callable[..., Result], tmp_path: Path
) -> None:
    assert error_line(run("backup", "--org", "initech", "-o", str(tmp_path / "x.gz"))) == (
        "error: org: no organization 'initech'"
    )
    assert not (tmp_path / "x.gz").exists()
    missing = tmp_path / "missing.gz"
    assert error_line(run("restore", str(missing))) == (
        f"error: {missing}: No such file or directory"
    )
    cut = tmp_path / "cut.gz"
    cut.write_bytes(frozen_backup()[:5000])
    wipe()
    assert error_line(run("restore", str(cut))) == (
        f"error: {cut}: the file is truncated (the compressed data ends early)"
    )
    assert not any(row_counts().values())
    assert error_line(run("backup", "-o", str(tmp_path / "no" / "dir.gz"))) == (
        f"error: {tmp_path / 'no' / 'dir.gz'}: No such file or directory"
    )


# --- one snapshot: writes made during a backup are wholly in or wholly out ----------------------


@pytest.mark.slow
def test_writes_during_a_backup_do_not_tear_it(tmp_path: Path) -> None:
    with place(tmp_path, "snap", run_vendor()) as db:
        assert db.headway("migrate").returncode == 0
        probe = db.python("tests.trust.backup_probe")
        assert probe.returncode == 0, probe.stderr.decode()
    seen = json.loads(probe.stdout)
    # The other connection's check-in and sign-up were committed during the backup...
    assert seen["database"]["checkins"] == seen["database"]["checkin_events"] == 1
    assert "late" in seen["database"]["users"]
    # ...after the backup's snapshot was taken: none of it is in the backup.
    assert seen["backup"] == {
        "checkins": 0,
        "checkin_events": 0,
        "users": [u for u in seen["database"]["users"] if u != "late"],
    }


# --- the real commands, in processes of their own -------------------------------------------------


def same_apart_from_time(first: bytes, second: bytes, *, moved: bool = False) -> None:
    """Equal files apart from the header's time (and database, when the backup ``moved``)."""
    header1, body1 = body_and_header(first)
    header2, body2 = body_and_header(second)
    ignored = {"created_at", "database"} if moved else {"created_at"}
    assert {k: v for k, v in header1.items() if k not in ignored} == {
        k: v for k, v in header2.items() if k not in ignored
    }
    assert body1 == body2


def ok(result: Any) -> Any:
    assert result.returncode == 0, result.stderr.decode()
    return result


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], bytes]]:
    """The backup of a database with the demo and a second organization, per database kind."""
    made: dict[str, bytes] = {}
    folder = tmp_path_factory.mktemp("backup-sources")
    cleanups: list[Any] = []

    def source(vendor: str) -> bytes:
        if vendor not in made:
            cm = place(folder, f"src_{vendor[:2]}", vendor)
            db = cm.__enter__()
            cleanups.append(cm)
            ok(db.headway("migrate"))
            ok(db.headway("demo", "--today", "2026-11-22"))
            second = db.data_dir / "second.json"
            second.write_text(json.dumps(second_organization()))
            ok(db.headway("import", str(second)))
            made[vendor] = ok(db.headway("backup", "-o", "-")).stdout
        return made[vendor]

    yield source
    for cm in cleanups:
        cm.__exit__(None, None, None)


def restore_and_back_up(db: Place, raw: bytes) -> bytes:
    ok(db.headway("migrate"))
    restored = ok(db.headway("restore", "-", stdin=raw))
    assert b"Restored 2 organization(s) (demo, second) and 9 user(s)" in restored.stderr
    return bytes(ok(db.headway("backup", "-o", "-")).stdout)


@pytest.mark.slow
def test_command_round_trip_into_an_empty_database(
    sources: Callable[[str], bytes], tmp_path: Path
) -> None:
    vendor = run_vendor()
    original = sources(vendor)
    header, body = body_and_header(original)
    assert header["organizations"] == ["demo", "second"] and header["database"] == vendor
    data = json.loads(body)
    demo, second = data["organizations"]
    assert sum(len(k["checkins"]) for o in demo["objectives"] for k in o["key_results"]) > 500
    assert [m["user"] for m in second["memberships"]] == ["demo", "zoe"]  # "demo" is shared
    assert Decimal(second["kpis"][0]["measurements"][0]["value"]) == Decimal("12.5")

    with place(tmp_path, "dst", vendor) as target:
        again = restore_and_back_up(target, original)
        # Restoring the same file twice is refused; the database keeps what it has.
        refused = target.headway("restore", "-", stdin=original)
        assert refused.returncode == 1
        assert refused.stderr.decode().startswith("error: organizations: already in this")
        same_apart_from_time(again, ok(target.headway("backup", "-o", "-")).stdout)

    same_apart_from_time(original, again)


@pytest.mark.slow
@pytest.mark.postgres
def test_backup_moves_from_sqlite_to_postgresql_and_back(
    sources: Callable[[str], bytes], tmp_path: Path
) -> None:
    if run_vendor() != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    from_sqlite = sources("sqlite")

    with place(tmp_path, "to_pg", "postgresql") as pg:
        on_postgresql = restore_and_back_up(pg, from_sqlite)
    with place(tmp_path, "back_sq", "sqlite") as sqlite:
        back_on_sqlite = restore_and_back_up(sqlite, on_postgresql)

    assert body_and_header(on_postgresql)[0]["database"] == "postgresql"
    same_apart_from_time(from_sqlite, on_postgresql, moved=True)
    same_apart_from_time(from_sqlite, back_on_sqlite)
