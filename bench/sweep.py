"""Every page and every GET endpoint of the API, timed at size: nothing left unmeasured.

The main table of ``bench.scale`` measures the pages people use most beside their floors. This
sweep walks Headway's URL patterns (every GET view) and the OpenAPI schema (every GET
operation), fills each path parameter with an object of the organization, and times a few warm
requests of each: a page added later is measured without anyone remembering to list it. A route
whose parameter has no object in the organization (an X-Matrix, say) is named as not measured.

``python -m bench.sweep --org bench`` runs it alone; ``python -m bench.scale`` includes it.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

ROUNDS = int(os.environ.get("BENCH_SWEEP_ROUNDS", "5"))
BUDGET_SECONDS = float(os.environ.get("BENCH_SWEEP_BUDGET", "3"))
P95_LIMIT_MS = 300.0
# Routes that are not pages to time: signing out ends the session; the admin is Django's.
SKIPPED = ("sign-out/", "admin/")
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")


def ids_of(s: dict[str, Any], membership: Any) -> dict[str, int]:
    """An object of the organization for each path parameter name the routes use."""
    from headway.kpis.models import AlertChannel, Measurement
    from headway.okrs.models import CheckIn
    from headway.strategy.models import StrategyCanvas, XMatrix

    org = s["org"]
    found = {
        "cycle_id": s["cycle"].pk,
        "team_id": s["department"].pk,
        "objective_id": s["objective"].pk,
        "kr_id": s["key_result"].pk,
        "kpi_id": s["kpi"].pk,
        "membership_id": membership.pk,
        "person_id": membership.pk,
    }
    optional = {
        "channel_id": AlertChannel.objects.filter(organization=org),
        "checkin_id": CheckIn.objects.filter(key_result=s["key_result"]),
        "measurement_id": Measurement.objects.filter(kpi=s["kpi"]),
        "matrix_id": XMatrix.objects.filter(organization=org),
        "canvas_id": StrategyCanvas.objects.filter(organization=org),
    }
    for name, queryset in optional.items():
        pk = queryset.order_by("pk").values_list("pk", flat=True).first()
        if pk is not None:
            found[name] = pk
    return found


def _page_routes() -> Iterator[str]:
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            route = prefix + str(p.pattern)
            if route.startswith(SKIPPED) or route.startswith("api/"):
                continue
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield "/" + route

    yield from walk(get_resolver().url_patterns, "")


def _api_routes() -> Iterator[str]:
    from headway.api.main import api

    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" in operations:
            yield path


def routes(ids: dict[str, int]) -> tuple[list[tuple[str, str]], list[str]]:
    """(kind, URL) of every GET route with its parameters filled, and the routes left out."""
    filled, missing = [], []
    for kind, found in (("page", _page_routes()), ("api", _api_routes())):
        for route in found:
            names = [a or b for a, b in _PARAM.findall(route)]
            if any(n not in ids for n in names):
                missing.append(route)
                continue
            filled.append((kind, _PARAM.sub(lambda m: str(ids[m.group(1) or m.group(2)]), route)))
    return filled, missing


def _timed(action: Callable[[], object]) -> dict[str, float]:
    samples: list[float] = []
    spent = 0.0
    while len(samples) < ROUNDS and (len(samples) < 2 or spent < BUDGET_SECONDS):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
        spent += samples[-1] / 1000
    samples.sort()
    middle = samples[len(samples) // 2]
    return {"p50_ms": round(middle, 1), "p95_ms": round(samples[-1], 1), "n": len(samples)}


def sweep(s: dict[str, Any], who: str, membership: Any) -> dict[str, Any]:
    """Every GET route timed as ``membership`` (a page through its session, the API with a
    token made for it and deleted after)."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from headway.orgs.models import ApiToken
    from headway.orgs.services import create_token

    page_client = Client()
    page_client.force_login(membership.user)
    token, secret = create_token(membership=membership, name="bench sweep")
    api_client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    rows = []
    # The token made for the API names the token routes too (the revoke page only asks).
    found, missing = routes({**ids_of(s, membership), "token_id": token.pk})
    try:
        for kind, url in found:
            client = api_client if kind == "api" else page_client
            response = client.get(url)  # warm; its status decides whether the route is a page
            if response.status_code == 405:
                continue  # a POST-only view
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            size = len(response.content) if not response.streaming else 0
            count = len(queries.captured_queries)
            rows.append(
                {
                    "as": who,
                    "url": url,
                    "status": response.status_code,
                    "queries": count,
                    "bytes": size,
                    **_timed(lambda c=client, u=url: c.get(u)),
                }
            )
            if url.endswith(".pdf"):
                # A drawn PDF is kept under a digest of its content: the rounds above are the
                # same report asked again; these draw it afresh each time.
                rows.append(
                    {
                        **rows[-1],
                        "url": f"{url} (drawn afresh)",
                        **_timed(lambda c=client, u=url: (cache.clear(), c.get(u))),
                    }
                )
    finally:
        ApiToken.objects.filter(pk=token.pk).delete()
    return {"rows": rows, "not_measured": missing}


def report_lines(results: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Every page and GET endpoint (bench.sweep)",
        "",
        f"Up to {ROUNDS} warm requests each ({BUDGET_SECONDS:.0f} s budget, at least 2); p95 is"
        " the slowest of them. A miss: p95 over 300 ms, or an answer other than 200 (403, a"
        " page the person may not open, is marked as such).",
        "",
        "| url | as | status | p50 ms | p95 ms | queries | bytes | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        for r in sorted(result["rows"], key=lambda r: -r["p95_ms"]):
            if r["status"] == 403:
                flag = "not theirs"  # a lead on an admin's page: refused, as it should be
            elif r["status"] != 200 or r["p95_ms"] > P95_LIMIT_MS:
                flag = "**miss**"
            else:
                flag = ""
            lines.append(
                f"| {r['url']} | {r['as']} | {r['status']} | {r['p50_ms']} | {r['p95_ms']}"
                f" | {r['queries']} | {r['bytes']:,} | {flag} |"
            )
    missing = sorted({m for result in results for m in result["not_measured"]})
    if missing:
        lines += ["", "Not measured (no such object in the organization): " + ", ".join(missing)]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="bench", help="the organization's slug")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
    import django

    django.setup()
    from django.core.signals import request_finished
    from django.db import close_old_connections

    import headway.wsgi  # noqa: F401 - served the way gunicorn serves it (gc.freeze)
    from bench.scale import _subjects

    request_finished.disconnect(close_old_connections)  # keep the query log
    s = _subjects(args.org)
    results = [sweep(s, "admin", s["admin"]), sweep(s, "lead", s["lead"])]
    print("\n".join(report_lines(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
