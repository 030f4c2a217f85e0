"""`make bench`: server-side timings on the demo organization, each beside its floor.

Runs on a throwaway SQLite database (or the one DATABASE_URL names, where it creates and drops
its own organization). Writes bench/results/latest.md and latest.json. With BENCH_ORG=<slug> it
measures that existing organization instead (bench/scale.py) and writes its table there too.
"""

from __future__ import annotations

import json
import os
import statistics
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


def main() -> int:
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
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
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
    (RESULTS / "latest.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if connection.vendor != "sqlite":
        from headway.orgs.services import delete_organization

        delete_organization(org)
    return 0


if __name__ == "__main__":
    sys.exit(main())
