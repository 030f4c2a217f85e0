"""The load test: locust against gunicorn + PostgreSQL, beside the framework floor.

``python -m bench.load`` signs in a pool of real people of the big organization (team leads and
members who own key results of the current cycle: a session and a write token each, made here),
starts gunicorn as ``headway serve`` does (sync workers, ``2 * cores + 1`` of them) on a free
port of 127.0.0.1 with ``bench.settings`` (Headway plus ``/bench/floor``), and runs locust
headless twice, each against a fresh server: the real mix (80% reads, 20% check-ins, see
``bench/locustfile.py``), then the floor mix (every user on ``/bench/floor``, a trivial
authenticated view). It writes ``bench/results/load.md`` and ``load.json``: throughput,
p50/p95/p99 and failures of each, and the real mix's throughput as a share of the floor's.

The check-ins and the tokens are writes, so it runs against a copy of the big organization's
database, never the original: ``createdb -h 127.0.0.1 -U postgres -T benchdata benchload``
(or ``pg_dump benchdata | psql benchload``). ``DATABASE_URL`` (default that copy) chooses it.

    uv run python -m bench.load                      # 50 users, 2 minutes each
    uv run python -m bench.load --duration 20s       # a quick run
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/benchload"
TOKEN_LABEL = "load test"  # noqa: S105 - the name shown in the token list
KRS_PER_PERSON = 20


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def make_pool(org_slug: str, size: int) -> dict[str, Any]:
    """Sign in ``size`` leads and members who own key results of the current cycle."""
    from django.conf import settings
    from django.db.models import Count, Q
    from django.test import Client
    from django.utils import timezone

    from headway.kpis.models import Kpi
    from headway.okrs.models import KeyResult
    from headway.okrs.selectors import current_cycle
    from headway.orgs.choices import Role
    from headway.orgs.models import ApiToken, Membership, Organization, TeamMember
    from headway.orgs.services import create_token

    org = Organization.objects.get(slug=org_slug)
    cycle = current_cycle(org.pk, timezone.localdate())
    if cycle is None:
        raise SystemExit(f"{org_slug}: no cycle")
    own = Q(
        key_results__objective__cycle=cycle,
        key_results__objective__status="active",
        key_results__follows_kpi=False,
    )
    owners = (
        Membership.objects.filter(organization=org, user__is_active=True)
        .annotate(owned=Count("key_results", filter=own))
        .filter(owned__gt=0)
        .select_related("user")
        .order_by("pk")
    )
    # Half team leads, half members (spread over the organization); either fills in for the other.
    leads = list(owners.filter(role=Role.LEAD)[: size * 4 : 4])
    members = list(owners.filter(role=Role.MEMBER)[: size * 4 : 4])
    half = max((size + 1) // 2, size - len(members))
    people = leads[:half] + members[: size - len(leads[:half])]
    if not people:
        raise SystemExit(f"{org_slug}: nobody owns a key result of {cycle.name}")
    # Tokens of an earlier run are revoked, so each run starts from the same state.
    ApiToken.objects.filter(organization=org, name=TOKEN_LABEL, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    kpis = list(Kpi.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))
    pool = []
    for person in people:
        krs = list(
            KeyResult.objects.filter(
                owner=person, objective__cycle=cycle, objective__status="active", follows_kpi=False
            )
            .order_by("pk")
            .values("pk", "start", "target", "objective_id", "objective__owner_team_id")[
                :KRS_PER_PERSON
            ]
        )
        team = next(
            (kr["objective__owner_team_id"] for kr in krs if kr["objective__owner_team_id"]), None
        )
        if team is None:
            link = TeamMember.objects.filter(membership=person).order_by("pk").first()
            team = link.team_id if link else None
        _token, secret = create_token(membership=person, name=TOKEN_LABEL)
        client = Client()
        client.force_login(person.user)
        pool.append(
            {
                "username": person.user.username,
                "role": person.role,
                "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "token": secret,
                "team": team,
                "objectives": sorted({kr["objective_id"] for kr in krs}),
                "key_results": [
                    {"id": kr["pk"], "start": float(kr["start"]), "target": float(kr["target"])}
                    for kr in krs
                ],
            }
        )
    return {
        "org": org_slug,
        "cycle": cycle.pk,
        "cycle_name": cycle.name,
        "kpis": kpis[:: max(1, len(kpis) // 200)],
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "people": pool,
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited ({server.returncode}); see its log")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own server
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")


def start_server(
    env: dict[str, str], workers: int, log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn as ``headway serve`` starts it (sync workers), on a free port of 127.0.0.1."""
    port = _free_port()
    argv = [
        sys.executable, "-m", "gunicorn", "headway.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--access-logfile", "-",
        "--pythonpath", str(ROOT),
    ]  # fmt: skip
    with log.open("wb") as sink:
        server = subprocess.Popen(argv, env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)  # noqa: S603
    host = f"http://127.0.0.1:{port}"
    _wait_for(f"{host}/health", server)
    return server, host


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_locust(
    env: dict[str, str], host: str, mix: str, users: int, rate: int, duration: str, prefix: Path
) -> None:
    argv = [
        sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
        "-u", str(users), "-r", str(rate), "-t", duration, "--host", host,
        "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
    ]  # fmt: skip
    # locust exits 1 when a request failed; the failures are in its CSV files, read below.
    subprocess.run(argv, env={**env, "HEADWAY_LOAD_MIX": mix}, check=False, cwd=ROOT)  # noqa: S603


def _number(value: str) -> float:
    return float(value) if value not in {"", "N/A"} else 0.0


def read_stats(prefix: Path) -> dict[str, Any]:
    """locust's ``*_stats.csv``: each request name and the aggregate; ``*_failures.csv``."""
    rows = {}
    with Path(f"{prefix}_stats.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": round(_number(row["Requests/s"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "p99_ms": _number(row["99%"]),
                "max_ms": round(_number(row["Max Response Time"])),
                "bytes": round(_number(row["Average Content Size"])),
            }
    failures = []
    with Path(f"{prefix}_failures.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            failures.append(
                {"name": row["Name"], "error": row["Error"], "count": int(row["Occurrences"])}
            )
    total = rows.pop("Aggregated")
    return {"total": total, "endpoints": rows, "failures": failures}


def _line(name: str, s: dict[str, Any]) -> str:
    return (
        f"| {name} | {s['requests']} | {s['failures']} | {s['rps']} | {s['p50_ms']:.0f} "
        f"| {s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['max_ms']} | {s['bytes']} |"
    )


def write_report(result: dict[str, Any]) -> str:
    head = "| | requests | failures | req/s | p50 ms | p95 ms | p99 ms | max ms | bytes |"
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    real, floor = result["real"], result["floor"]
    lines = [
        "# Load test: locust against gunicorn + PostgreSQL",
        "",
        f"{result['when']}; {result['users']} users (no wait), {result['duration']} per mix; "
        f"gunicorn {result['workers']} sync workers on {result['cores']} cores; "
        f"organization `{result['org']}` ({result['pool']} people signed in), "
        f"cycle {result['cycle']}.",
        "",
        head,
        rule,
        _line("real mix (80% reads, 20% check-ins)", real["total"]),
        _line("floor (`/bench/floor`)", floor["total"]),
        "",
        f"Throughput of the real mix: **{result['ratio']:.1%} of the floor's** "
        f"(goal: at least 50%, zero failures: **{'met' if result['met'] else 'not met'}**).",
        "",
        "## The real mix, by request",
        "",
        head,
        rule,
        *(_line(f"{s['method']} {name}", s) for name, s in real["endpoints"].items()),
    ]
    for mix in ("real", "floor"):
        if result[mix]["failures"]:
            lines += [
                "",
                f"## Failures ({mix})",
                "",
                "| request | error | count |",
                "|---|---|---:|",
            ]
            lines += [
                f"| {f['name']} | {f['error'][:160]} | {f['count']} |"
                for f in result[mix]["failures"]
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", default="2m", help="each mix's run time (locust -t): 2m, 20s")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--org", default="bench", help="organization slug")
    parser.add_argument("--only", choices=["real", "floor"], help="run one mix only")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    if database_url.rstrip("/").rsplit("/", 1)[-1] == "benchdata":
        raise SystemExit("refusing to write check-ins into benchdata: use a copy (see --help)")
    _setup(database_url)
    from django.core.management import call_command
    from django.db import connections

    call_command("collectstatic", interactive=False, verbosity=0)
    pool = make_pool(args.org, args.users)
    connections.close_all()

    RESULTS.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": args.users,
        "duration": args.duration,
        "workers": args.workers,
        "cores": os.cpu_count(),
        "org": args.org,
        "pool": len(pool["people"]),
        "cycle": pool["cycle_name"],
    }
    with tempfile.TemporaryDirectory() as tmp:
        pool_file = Path(tmp) / "pool.json"
        pool_file.write_text(json.dumps(pool))
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "HEADWAY_LOAD_POOL": str(pool_file),
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
        }
        for mix in ("real", "floor"):
            if args.only and mix != args.only:
                continue
            log = RESULTS / f"load-server-{mix}.log"
            server, host = start_server(env, args.workers, log)
            try:
                print(f"{mix}: {args.users} users for {args.duration} against {host}", flush=True)
                prefix = Path(tmp) / mix
                run_locust(env, host, mix, args.users, args.spawn_rate, args.duration, prefix)
            finally:
                stop_server(server)
            result[mix] = read_stats(prefix)
            result[mix]["server_log"] = str(log.relative_to(ROOT))
    if "real" in result and "floor" in result:
        floor_rps = result["floor"]["total"]["rps"]
        result["ratio"] = result["real"]["total"]["rps"] / floor_rps if floor_rps else 0.0
        result["met"] = (
            result["real"]["total"]["failures"] == 0
            and result["floor"]["total"]["failures"] == 0
            and result["ratio"] >= 0.5
        )
        (RESULTS / "load.md").write_text(write_report(result))
        print(write_report(result))
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
