"""Bulk ingestion through the API (``POST /api/v1/measurements``), beside its floor.

100,000 measurements of ten daily KPIs are sent with a token in batches of 10,000, one KPI's
series after another (as a sync job sends them): first as new periods, then with every value
changed, then once more unchanged. The request bodies are encoded before the clock starts; the
server's work (JSON, validation, the upsert, the audit entry, what follows a write) is timed.

The floor is the database loading the same rows with nothing else: COPY on PostgreSQL, one
executemany() INSERT on SQLite, each in one transaction, committed (so PostgreSQL's deferred
foreign-key checks count, as they do for the API).

``python -m bench.ingest`` runs it alone (in its own organization); ``python -m bench`` includes
it. ``BENCH_INGEST_ROWS`` and ``BENCH_INGEST_BATCH`` change the sizes.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import sys
import tempfile
import time
from decimal import Decimal
from typing import Any

ROWS = int(os.environ.get("BENCH_INGEST_ROWS", "100000"))
BATCH = int(os.environ.get("BENCH_INGEST_BATCH", "10000"))
KPIS = 10
FIRST_DAY = dt.date(1990, 1, 1)


def _rows(step: float) -> list[dict[str, Any]]:
    per_kpi = ROWS // KPIS
    return [
        {
            "kpi": f"bench-ingest-{i // per_kpi}",
            "period": (FIRST_DAY + dt.timedelta(days=i % per_kpi)).isoformat(),
            "value": round(i * 0.37 + step, 2),
        }
        for i in range(per_kpi * KPIS)
    ]


def _post_all(client: Any, bodies: list[str]) -> tuple[float, dict[str, int]]:
    totals = {"created": 0, "replaced": 0, "unchanged": 0}
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/api/v1/measurements", body, content_type="application/json")
        assert response.status_code == 200, response.content[:500]
        for key, count in response.json().items():
            totals[key] += count
    return time.perf_counter() - started, totals


def _floor(org: Any, kpis: dict[str, Any], recorded_by: Any, rows: list[dict[str, Any]]) -> float:
    """The same rows loaded by the database alone, committed; the rows are left deleted.

    Only the database's work is timed: the rows are turned into COPY's text (or into parameter
    tuples) before the clock starts, as a floor has no client-side cost to beat.
    """
    from django.db import connection, transaction

    from headway.kpis.models import Measurement

    now = dt.datetime.now(dt.UTC)
    Measurement.objects.filter(kpi__in=kpis.values()).delete()
    columns = "organization_id, kpi_id, period, value, source, note, recorded_by_id, recorded_at"
    table = Measurement._meta.db_table
    values = [
        (
            org.pk,
            kpis[row["kpi"]].pk,
            row["period"],
            Decimal(str(row["value"])),
            "api",
            "",
            recorded_by.pk,
            now,
        )
        for row in rows
    ]
    postgres = connection.vendor == "postgresql"
    if postgres:
        data = "".join(
            "\t".join(map(str, value[:7])) + f"\t{now.isoformat()}\n" for value in values
        )
    else:
        stamp = connection.ops.adapt_datetimefield_value(now)
        params = [(*v[:3], str(v[3]), *v[4:7], stamp) for v in values]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(data)
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                params,
            )
    seconds = time.perf_counter() - started
    Measurement.objects.filter(kpi__in=kpis.values()).delete()
    return seconds


def ingest_benchmark(client: Any, org: Any, admin: Any) -> dict[str, Any]:
    """Measurements per second through the API (``client`` sends ``admin``'s token)."""
    from django.db import connection

    from headway.kpis.models import Kpi

    # Run inside a transaction (as on a database that must be left as it was), nothing commits:
    # neither the API's batches nor the floor pay the deferred foreign-key checks and the flush.
    committed = not connection.in_atomic_block
    kpis = {
        f"bench-ingest-{i}": Kpi.objects.create(
            organization=org, key=f"bench-ingest-{i}", name=f"Ingest {i}", cadence="day"
        )
        for i in range(KPIS)
    }
    first, changed = _rows(0), _rows(1)
    batches = range(0, len(first), BATCH)
    new_bodies = [json.dumps({"measurements": first[i : i + BATCH]}) for i in batches]
    changed_bodies = [json.dumps({"measurements": changed[i : i + BATCH]}) for i in batches]
    # Warm up: the first request imports and caches what every later one uses.
    _post_all(client, [json.dumps({"measurements": first[:10]})])
    # A server holds none of the sender's 200,000 row dicts: drop them (the bodies are plain
    # strings, which the garbage collector never walks) and build the floor's rows afterwards.
    count = len(first)
    del first, changed
    gc.collect()
    # What this process set up (migrations, the organization, the warm-up) is, in a server,
    # start-up work that gc.freeze() in headway.wsgi puts out of the collector's way.
    gc.freeze()

    created_s, created = _post_all(client, new_bodies)
    replaced_s, replaced = _post_all(client, changed_bodies)
    unchanged_s, unchanged = _post_all(client, changed_bodies)
    assert created["created"] == count - 10, created
    assert replaced["replaced"] == count, replaced
    assert unchanged["unchanged"] == count, unchanged
    floor_s = _floor(org, kpis, admin, _rows(0))
    for kpi in kpis.values():
        kpi.delete()
    return {
        "rows": count,
        "batch": BATCH,
        "kpis": KPIS,
        "created_per_s": round(count / created_s),
        "replaced_per_s": round(count / replaced_s),
        "unchanged_per_s": round(count / unchanged_s),
        "floor_per_s": round(count / floor_s),
        "floor": "COPY" if _vendor() == "postgresql" else "executemany INSERT",
        "committed": committed,
        "created_ratio_to_floor": round(created_s / floor_s, 2),
    }


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def report_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"Ingestion through POST /api/v1/measurements ({result['rows']:,} rows of"
        f" {result['kpis']} daily KPIs, batches of {result['batch']:,}):"
        f" {result['created_per_s']:,} new/s, {result['replaced_per_s']:,} replaced/s,"
        f" {result['unchanged_per_s']:,} unchanged/s; floor ({result['floor']},"
        f" {'committed' if result.get('committed', True) else 'rolled back, nothing committed'})"
        f" {result['floor_per_s']:,}/s: new rows take"
        f" {result['created_ratio_to_floor']}x the floor's time.",
    ]


def main() -> int:
    if not os.environ.get("DATABASE_URL"):
        os.environ["HEADWAY_DATA_DIR"] = tempfile.mkdtemp(prefix="headway-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    import headway.wsgi  # noqa: F401 - served the way gunicorn serves it (see gc.freeze there)
    from headway.orgs.choices import Role
    from headway.orgs.models import Membership, Organization, User
    from headway.orgs.services import create_token, delete_organization

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench ingest", slug=f"bench-ingest-{os.getpid()}")
    user = User.objects.create_user(username=f"bench-ingest-{os.getpid()}")
    admin = Membership.objects.create(organization=org, user=user, role=Role.ADMIN)
    _, secret = create_token(membership=admin, name="bench")
    try:
        result = ingest_benchmark(Client(HTTP_AUTHORIZATION=f"Bearer {secret}"), org, admin)
    finally:
        delete_organization(org)
        user.delete()
    print(f"# Ingestion ({_vendor()})\n")
    print("\n".join(report_lines(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
