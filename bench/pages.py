"""Server render time of each page for the demo organization (the test client, no network)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.signals import request_finished
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.kpis.models import Kpi
from headway.okrs.models import Objective
from headway.orgs.models import Membership, Organization, Team


def page_urls(org: Organization) -> dict[str, str]:
    objective = (
        Objective.objects.filter(organization=org, cycle__state="active")
        .order_by("-progress")
        .first()
    )
    kpi = Kpi.objects.filter(organization=org).order_by("id").first()
    team = Team.objects.filter(organization=org, parent__isnull=False).order_by("id").first()
    person = Membership.objects.filter(organization=org).order_by("id").first()
    assert objective and kpi and team and person
    return {
        "home": "/",
        "board": "/okrs/",
        "alignment": "/okrs/alignment/",
        "objective": f"/objectives/{objective.pk}/",
        "KPI dashboard": "/kpis/",
        "KPI page": f"/kpis/{kpi.pk}/",
        "teams": "/teams/",
        "team": f"/teams/{team.pk}/",
        "people": "/people/",
        "person": f"/people/{person.pk}/",
    }


def page_timings(
    client: Client, org: Organization, timed: Callable[[Callable[[], object]], dict[str, float]]
) -> dict[str, dict[str, float]]:
    # As in production with persistent connections (and as Django's test runner does): the
    # connection is not closed after each request, so its query log can be read.
    request_finished.disconnect(close_old_connections)
    return {f"page {name}": page_timing(client, url, timed) for name, url in page_urls(org).items()}


def page_timing(
    client: Client, url: str, timed: Callable[[Callable[[], object]], dict[str, float]]
) -> dict[str, float]:
    """One URL's timings, its query count and its size (bench.scale calls it too)."""
    render, count, size = prepared_page(client, url)
    return {**timed(render), "queries": count, "bytes": size}


def prepared_page(client: Client, url: str) -> tuple[Callable[[], bytes], int, int]:
    """A request of ``url`` to time, warmed up, with its query count and its size."""

    def render() -> bytes:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    render()  # warm caches (templates, the first query plans)
    with CaptureQueriesContext(connection) as queries:
        size = len(render())
    # Count now: every later request resets the connection's query log.
    return render, len(queries.captured_queries), size
