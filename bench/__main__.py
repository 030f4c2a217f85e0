"""`make bench`: server-side timings on the demo organization, each beside its floor.

Runs twice, each in its own process: on a throwaway SQLite database, then on PostgreSQL (the
database DATABASE_URL names when it is a PostgreSQL URL, else BENCH_PG_URL, default
``postgres://postgres@127.0.0.1:5432/headway_bench``, created when missing), where it creates
and drops its own organization. Each run writes bench/results/<database>.md and .json; both
tables go into latest.md and latest.json. ``BENCH_DATABASES=sqlite`` (or ``postgresql``) runs
one. With BENCH_ORG=<slug> it measures that existing organization instead, in the database
DATABASE_URL names (bench/scale.py), and writes its table there too.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.ingest import ingest_benchmark
from bench.ingest import report_lines as ingest_lines
from bench.lint import lint_benchmark
from bench.xmr import xmr_benchmark

RESULTS = Path(__file__).parent / "results"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/headway_bench")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))


def timed(action: Callable[[], object], rounds: int = ROUNDS) -> dict[str, float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)], 3),
    }


def _postgres_url() -> str | None:
    """The PostgreSQL database to measure, created when missing; None when none answers."""
    import psycopg
    from psycopg import sql

    given = os.environ.get("DATABASE_URL", "")
    url = given if given.startswith("postgres") else PG_URL
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        print(f"PostgreSQL is not reachable ({error}): its run is skipped", file=sys.stderr)
        return None
    return url


def both() -> int:
    """One run per database, each in a fresh process; their tables side by side in latest.*."""
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    runs: dict[str, dict[str, str]] = {}
    if "sqlite" in wanted:
        runs["sqlite"] = env
    if "postgresql" in wanted and (url := _postgres_url()):
        runs["postgresql"] = {**env, "DATABASE_URL": url}
    status = 0
    RESULTS.mkdir(exist_ok=True)
    for stem, run_env in runs.items():
        print(f"== make bench on {stem}", flush=True)
        (RESULTS / f"{stem}.json").unlink(missing_ok=True)
        argv = [sys.executable, "-m", "bench"]
        done = subprocess.run(argv, env={**run_env, "BENCH_STEM": stem}, check=False)  # noqa: S603
        status = status or done.returncode
    measured = [stem for stem in runs if (RESULTS / f"{stem}.json").exists()]
    (RESULTS / "latest.md").write_text(
        "\n".join((RESULTS / f"{stem}.md").read_text() for stem in measured)
    )
    reports = {stem: json.loads((RESULTS / f"{stem}.json").read_text()) for stem in measured}
    (RESULTS / "latest.json").write_text(json.dumps(reports, indent=2) + "\n")
    return status


def main() -> int:
    if not os.environ.get("BENCH_ORG") and not os.environ.get("BENCH_STEM"):
        return both()
    if os.environ.get("BENCH_ORG"):
        # An existing large organization (headway bench-data): measured where it is, no demo.
        from bench import scale

        scale.run(os.environ["BENCH_ORG"])
        for suffix in ("md", "json"):
            text = (RESULTS / f"scale.{suffix}").read_text()
            (RESULTS / f"latest.{suffix}").write_text(text)
        return 0
    if not os.environ.get("DATABASE_URL"):
        os.environ["HEADWAY_DATA_DIR"] = tempfile.mkdtemp(prefix="headway-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    import headway.wsgi  # noqa: F401 - served the way gunicorn serves it (see gc.freeze there)
    from bench.pages import page_timings
    from headway.demo import DEMO_USERNAME, demo_exists, load_demo
    from headway.okrs.models import KeyResult
    from headway.okrs.services import record_checkin
    from headway.orgs.models import Membership
    from headway.orgs.services import create_token

    call_command("migrate", verbosity=0)
    if demo_exists():
        print("a demo organization exists in this database; bench needs its own", file=sys.stderr)
        return 1
    today = timezone.localdate()  # pages read the real clock: the demo must end today too
    started = time.perf_counter()
    org = load_demo(today=today)
    demo_seconds = time.perf_counter() - started
    admin = Membership.objects.get(organization=org, user__username=DEMO_USERNAME)
    _, secret = create_token(membership=admin, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    kr = KeyResult.objects.filter(organization=org, objective__cycle__state="active").first()
    assert kr is not None

    def api_list(path: str) -> Callable[[], object]:
        def call() -> object:
            response = client.get(path)
            assert response.status_code == 200
            return response.content

        return call

    def raw_objectives() -> object:
        # The floor: the same rows in one SQL statement, serialized to JSON.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, cycle_id, title, description, owner_team_id, owner_person_id, kind,"
                " status, weight, progress FROM okrs_objective WHERE organization_id = %s"
                " ORDER BY id LIMIT 100",
                [org.pk],
            )
            rows = cursor.fetchall()
        return json.dumps([list(map(str, row)) for row in rows])

    value = [float(kr.start)]

    def checkin() -> object:
        value[0] += 0.5
        return record_checkin(actor=admin, key_result=kr, value=value[0], confidence=7)

    browser = Client()
    browser.force_login(admin.user)
    results = {
        **page_timings(browser, org, timed),
        "api GET /objectives": timed(api_list("/api/v1/objectives")),
        "floor: raw SQL + JSON for /objectives": timed(raw_objectives),
        "api GET /key-results": timed(api_list("/api/v1/key-results")),
        "api GET /kpis": timed(api_list("/api/v1/kpis")),
        "service record_checkin": timed(checkin),
    }
    lint = lint_benchmark()  # pure Python, no database: the coach over 10,000 objectives
    xmr = xmr_benchmark()  # numpy, no database: ten years of daily values
    ingest = ingest_benchmark(client, org, admin)  # 100,000 measurements through the API
    ratio = results["api GET /objectives"]["p50_ms"] / max(
        results["floor: raw SQL + JSON for /objectives"]["p50_ms"], 1e-6
    )
    report = {
        "database": connection.vendor,
        "rounds": ROUNDS,
        "demo_load_seconds": round(demo_seconds, 3),
        "results": results,
        "objectives_ratio_to_floor_p50": round(ratio, 1),
        "lint 10,000 objectives (s)": lint["seconds"],
        "lint objectives per second": lint["objectives_per_second"],
        "python reference loop (s)": lint["reference_seconds"],
        "xmr 3,650 daily values": xmr,
        "ingest": ingest,
    }
    RESULTS.mkdir(exist_ok=True)
    stem = os.environ["BENCH_STEM"]
    (RESULTS / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        f"# Bench ({connection.vendor}, {ROUNDS} rounds)",
        "",
        f"Demo organization load: {demo_seconds:.2f} s",
        "",
        "| what | p50 ms | p95 ms | queries |",
        "|---|---|---|---|",
        *(
            f"| {name} | {r['p50_ms']} | {r['p95_ms']} | {r.get('queries', '')} |"
            for name, r in results.items()
        ),
        "",
        f"/objectives p50 is {ratio:.1f}x its floor.",
        "",
        f"Coach: lint 10,000 objectives in {lint['seconds']:.3f} s"
        f" ({lint['objectives_per_second']:,.0f} objectives/s, best of 5); the reference"
        f" Python loop took {lint['reference_seconds']:.3f} s.",
        "",
        f"XmR: {xmr['points']:,.0f} daily values in {xmr['xmr_ms']:.2f} ms (median;"
        f" {xmr['xmr_with_points_ms']:.2f} ms with a Point object per value), floor (numpy"
        f" mean, mean |diff| and limits) {xmr['floor_ms']:.3f} ms:"
        f" {xmr['ratio_to_floor']:.0f}x.",
        "",
        *ingest_lines(ingest),
    ]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if connection.vendor != "sqlite":
        from headway.orgs.services import delete_organization

        delete_organization(org)
    return 0


if __name__ == "__main__":
    sys.exit(main())
