"""What the isolation tests aim at: organization A's objects, and how to fill a URL with them.

The web patterns and the API operations are read from the URL configuration and the OpenAPI
document; this module only knows, for every path parameter name, which of A's objects it names,
and, for every API write that takes a body, a body A's own admin could send. A new page or
endpoint with a new parameter name, or a new write without a body recipe, fails the tests with a
message pointing here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count
from django.urls import URLPattern, URLResolver, get_resolver

from headway.audit.models import AuditEvent
from headway.demo import load_demo
from headway.exchange import export_organization
from headway.kpis import xmr
from headway.kpis.alert_services import create_channel
from headway.kpis.choices import ChannelKind
from headway.kpis.models import AlertChannel, Benchmark, Kpi, Measurement, XmrBaseline
from headway.kpis.services import create_benchmark, upsert_measurements
from headway.kpis.sources.services import create_source
from headway.okrs.choices import CycleState
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, Organization, Team
from headway.orgs.services import create_organization, create_token
from headway.strategy.choices import Errc
from headway.strategy.models import (
    Assignment,
    CanvasFactor,
    CanvasPlayer,
    Correlation,
    StrategyCanvas,
    XMatrix,
    XMatrixItem,
)
from tests.factories import make_user

# The demo is built "as of" this day; the tests run with the clock stopped at DEMO_NOW.
DEMO_TODAY = dt.date(2026, 11, 22)
DEMO_NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
# A JSON source pointing at a closed local port: running it fails fast, never leaves the machine.
DEAD_URL = "http://127.0.0.1:9/values.json"


@dataclass
class OrgA:
    """One object of every kind a URL names, all in organization A (the demo)."""

    org: Organization
    admin: Membership
    person: Membership
    team: Team
    cycle: Cycle
    next_cycle: Cycle  # planning: where carry-over and duplicate go
    objective: Objective
    kr: KeyResult
    checkin: CheckIn
    kpi: Kpi
    measurement: Measurement
    benchmark: Benchmark
    baseline: XmrBaseline
    source_id: int
    channel: AlertChannel
    token: ApiToken
    matrix: XMatrix
    item: XMatrixItem
    correlation: Correlation
    assignment: Assignment
    canvas: StrategyCanvas
    factor: CanvasFactor
    player: CanvasPlayer
    free_period: dt.date  # a measured period of ``kpi`` with no baseline starting there


@dataclass
class Outsiders:
    """Organization B's admin, and a person who is an admin of both but acting in B."""

    org: Organization
    admin: Membership
    dual_in_b: Membership
    dual_in_a: Membership
    team: Team
    cycle: Cycle
    objective: Objective
    kpi: Kpi
    matrix: XMatrix


def build_org_a() -> OrgA:
    org = load_demo(today=DEMO_TODAY)
    admin = Membership.objects.filter(organization=org, role=Role.ADMIN).order_by("id").first()
    assert admin is not None, "the demo has no admin"
    cycle = Cycle.objects.get(organization=org, state=CycleState.ACTIVE, name="2026-Q4")
    kr = (
        KeyResult.objects.filter(objective__cycle=cycle, checkins__isnull=False)
        .select_related("objective")
        .order_by("id")
        .first()
    )
    assert kr is not None, "the demo's current quarter has no checked-in key result"
    # The KPI with the longest history: room for baselines and a value in a free period.
    kpi = Kpi.objects.filter(organization=org).annotate(n=Count("measurements")).order_by("-n")[0]
    benchmark = Benchmark.objects.filter(kpi=kpi).first() or create_benchmark(
        actor=admin, kpi=kpi, name="Industry median", value="10"
    )
    periods = list(
        Measurement.objects.filter(kpi=kpi).order_by("period").values_list("period", flat=True)
    )
    assert len(periods) >= 40, "the demo's longest KPI history is too short for baselines"
    baseline = xmr.rebaseline(actor=admin, kpi=kpi, starts_on=periods[10].isoformat())
    source = create_source(actor=admin, kpi=kpi, name="Warehouse feed", kind="json", url=DEAD_URL)
    token, _ = create_token(membership=admin, name="A's laptop")
    # A webhook (it has a secret to rotate) whose test message meets a closed local port.
    channel = create_channel(
        actor=admin, name="Ops webhook", kind=ChannelKind.WEBHOOK, url=DEAD_URL, enabled=False
    )
    next_cycle = Cycle.objects.create(
        organization=org,
        name="2027-Q1",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 3, 31),
        state=CycleState.PLANNING,
    )
    matrix = XMatrix.objects.get(organization=org)
    correlation = Correlation.objects.filter(matrix=matrix).order_by("id").first()
    assignment = Assignment.objects.filter(matrix=matrix).order_by("id").first()
    canvas = StrategyCanvas.objects.get(organization=org)
    assert correlation is not None and assignment is not None
    person = Membership.objects.filter(organization=org).exclude(pk=admin.pk).order_by("id").first()
    assert person is not None
    return OrgA(
        org=org,
        admin=admin,
        person=person,
        team=Team.objects.filter(organization=org, parent__isnull=False).order_by("id")[0],
        cycle=cycle,
        next_cycle=next_cycle,
        objective=kr.objective,
        kr=kr,
        checkin=CheckIn.objects.filter(key_result=kr).order_by("id")[0],
        kpi=kpi,
        measurement=Measurement.objects.filter(kpi=kpi).order_by("-period")[0],
        benchmark=benchmark,
        baseline=baseline,
        source_id=source.pk,
        channel=channel,
        token=token,
        matrix=matrix,
        item=assignment.priority,
        correlation=correlation,
        assignment=assignment,
        canvas=canvas,
        # A factor to raise can become an objective.
        factor=CanvasFactor.objects.filter(canvas=canvas, errc=Errc.RAISE).order_by("id")[0],
        player=CanvasPlayer.objects.filter(canvas=canvas).order_by("position", "id")[0],
        free_period=periods[30],
    )


def build_outsiders(a: OrgA) -> Outsiders:
    boss = make_user("bea")
    org = create_organization(name="Initech", slug="initech", owner=boss)
    admin = Membership.objects.get(organization=org, user=boss)
    both = make_user("dana")
    dual_in_b = Membership.objects.create(organization=org, user=both, role=Role.ADMIN)
    dual_in_a = Membership.objects.create(organization=a.org, user=both, role=Role.ADMIN)
    team = Team.objects.create(organization=org, name="Initech", slug="company")
    cycle = Cycle.objects.create(
        organization=org,
        name="2026-Q4",
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 12, 31),
        state=CycleState.ACTIVE,
    )
    objective = Objective.objects.create(
        organization=org, cycle=cycle, title="Initech ships on time", owner_team=team
    )
    kpi = Kpi.objects.create(organization=org, key="tps-reports", name="TPS reports")
    upsert_measurements(actor=admin, kpi=kpi, rows=[{"period": "2026-10-01", "value": 3}])
    matrix = XMatrix.objects.create(organization=org, year=2026, title="Initech 2026")
    return Outsiders(org, admin, dual_in_b, dual_in_a, team, cycle, objective, kpi, matrix)


# --- path parameters -------------------------------------------------------------------------

# Parameter name -> the value naming one of A's objects. The same name means the same kind of
# object in the web pages and in the API. A new name fails the tests until it is added here.
PARAMS: dict[str, Callable[[OrgA], Any]] = {
    "team_id": lambda a: a.team.pk,
    "membership_id": lambda a: a.person.pk,
    "person_id": lambda a: a.person.pk,
    "cycle_id": lambda a: a.cycle.pk,
    "objective_id": lambda a: a.objective.pk,
    "kr_id": lambda a: a.kr.pk,
    "checkin_id": lambda a: a.checkin.pk,
    "kpi_id": lambda a: a.kpi.pk,
    "measurement_id": lambda a: a.measurement.pk,
    "benchmark_id": lambda a: a.benchmark.pk,
    "baseline_id": lambda a: a.baseline.pk,
    "source_id": lambda a: a.source_id,
    "channel_id": lambda a: a.channel.pk,
    "token_id": lambda a: a.token.pk,
    "pk": lambda a: a.matrix.pk,  # only the X-Matrix editor's patterns use a bare pk
    "matrix_id": lambda a: a.matrix.pk,
    "kind": lambda a: a.item.kind,  # the X-Matrix list an item is added to
    "item_id": lambda a: a.item.pk,
    "row_id": lambda a: a.correlation.row_id,
    "column_id": lambda a: a.correlation.column_id,
    "priority_id": lambda a: a.assignment.priority_id,
    "resource_id": lambda a: a.assignment.resource_id,
    "canvas_id": lambda a: a.canvas.pk,
    "factor_id": lambda a: a.factor.pk,
    "player_id": lambda a: a.player.pk,
}


def fill(params: list[str], a: OrgA, where: str) -> dict[str, Any]:
    unknown = [p for p in params if p not in PARAMS]
    assert not unknown, (
        f"{where} has path parameter(s) {unknown} that the isolation tests do not know: add "
        "each to PARAMS in tests/trust/isolation_targets.py, naming one of organization A's "
        "objects (build it in build_org_a if the demo lacks it)"
    )
    return {p: PARAMS[p](a) for p in params}


# --- web patterns ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WebPattern:
    route: str  # "kpis/<int:kpi_id>/edit/"
    name: str  # "kpis:kpi-edit"
    params: tuple[str, ...]

    def url(self, values: dict[str, Any]) -> str:
        return "/" + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), self.route
        ).lstrip("/")


SKIPPED_PREFIXES = ("admin/", "api/", "static/")


def _walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[WebPattern]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
            yield WebPattern(route, f"{namespace}{entry.name or '?'}", params)


def web_patterns() -> tuple[list[WebPattern], list[WebPattern]]:
    """(patterns naming an object, the rest) of the site, admin, API and static files apart.

    The API's own Django patterns are left to the OpenAPI walk.
    """
    every = [p for p in _walk(get_resolver(), "", "") if not p.route.startswith(SKIPPED_PREFIXES)]
    assert not any(re.search(r"\(\?P<", p.route) for p in every), "regex routes need parsing"
    return [p for p in every if p.params], [p for p in every if not p.params]


# --- API operations --------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiOperation:
    method: str  # "post"
    path: str  # "/kpis/{kpi_id}/sources" (under /api/v1)
    operation_id: str  # "events_create_source"
    params: tuple[str, ...]
    has_body: bool

    def url(self, values: dict[str, Any]) -> str:
        return "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), self.path)

    @property
    def writes(self) -> bool:
        return self.method != "get"


def api_operations() -> list[ApiOperation]:
    from headway.api.main import api

    out = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, op in methods.items():
            params = tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "path")
            out.append(
                ApiOperation(
                    method=method,
                    path=path.removeprefix("/api/v1"),
                    operation_id=op["operationId"].removeprefix("headway_api_"),
                    params=params,
                    has_body="requestBody" in op,
                )
            )
    return out


# Operation -> a valid body, the one A's admin would send (the positive control proves it valid).
BODIES: dict[str, Callable[[OrgA], Any]] = {
    "objectives_update_objective": lambda a: {"title": "Renamed by an outsider"},
    "key_results_update_key_result": lambda a: {"title": "Renamed by an outsider"},
    "key_results_check_in": lambda a: {
        "value": str(a.kr.current if a.kr.current is not None else a.kr.start),
        "confidence": 6,
        "note": "written by an outsider",
    },
    "kpis_update_kpi": lambda a: {"name": "Renamed by an outsider"},
    "kpis_upsert_measurements": lambda a: {
        "measurements": [{"period": a.free_period.isoformat(), "value": 1}]
    },
    "kpis_create_benchmark": lambda a: {"name": "Outsider's peer", "value": 1},
    "kpi_okrs_make_key_result": lambda a: {"objective_id": a.objective.pk, "target": 1},
    "kpi_okrs_make_objective": lambda a: {
        "title": "An outsider's objective",
        "cycle_id": a.cycle.pk,
        "owner_team_id": a.team.pk,
        "key_result": {"target": 1},
    },
    "alerts_update_channel": lambda a: {"name": "Renamed by an outsider"},
    "xmr_rebaseline": lambda a: {"starts_on": a.free_period.isoformat()},
    "events_post_events": lambda a: {
        "events": [{"at": f"{a.free_period.isoformat()}T10:00:00+00:00", "value": 1}]
    },
    "events_update_source": lambda a: {"name": "Renamed by an outsider"},
    "events_create_source": lambda a: {"name": "Outsider feed", "kind": "json", "url": DEAD_URL},
    "grading_transition_cycle": lambda a: {"to": CycleState.GRADING},
    "grading_reopen_cycle": lambda a: {"reason": "an outsider wants it open"},
    "grading_grade_key_result": lambda a: {"score": 0.7, "reason": "outsider's grade"},
    "carry_save_retrospective": lambda a: {"worked": "nothing", "change": "everything"},
    "carry_carry_over": lambda a: {"cycle_id": a.next_cycle.pk},
    "carry_duplicate": lambda a: {"cycle_id": a.next_cycle.pk},
    "xmatrix_update_xmatrix": lambda a: {"title": "Renamed by an outsider"},
    "xmatrix_add_item": lambda a: {"kind": "priority", "title": "An outsider's priority"},
    "xmatrix_update_item": lambda a: {"title": "Renamed by an outsider"},
    "xmatrix_add_resource": lambda a: {"label": "Outsiders"},
    "xmatrix_set_correlation": lambda a: {
        "row_id": a.correlation.row_id,
        "column_id": a.correlation.column_id,
        "strength": None,
    },
    "xmatrix_set_assignment": lambda a: {
        "priority_id": a.assignment.priority_id,
        "resource_id": a.assignment.resource_id,
        "responsibility": None,
    },
    "canvas_update_canvas": lambda a: {"title": "Renamed by an outsider"},
    "canvas_add_factor": lambda a: {"name": "Outsider factor"},
    "canvas_update_factor": lambda a: {"name": "Renamed by an outsider"},
    "canvas_make_objective": lambda a: {"cycle_id": a.cycle.pk, "owner_team_id": a.team.pk},
    "canvas_add_player": lambda a: {"name": "Outsider Inc", "kind": "competitor"},
    "canvas_update_player": lambda a: {"name": "Renamed by an outsider"},
    "canvas_set_level": lambda a: {"factor_id": a.factor.pk, "player_id": a.player.pk, "level": 2},
}


def body_for(op: ApiOperation, a: OrgA) -> Any:
    if not op.has_body:
        return None
    assert op.operation_id in BODIES, (
        f"{op.method.upper()} {op.path} ({op.operation_id}) takes a body and has no recipe: add "
        "a valid body to BODIES in tests/trust/isolation_targets.py (a 422 for a bad body "
        "would prove nothing about isolation)"
    )
    return BODIES[op.operation_id](a)


# --- A's state -------------------------------------------------------------------------------


def snapshot(org: Organization) -> dict[str, Any]:
    """Everything of A an outsider could change: the full export, row counts and the audit log."""
    counts = {}
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if "organization" in names:
            counts[model._meta.label] = model._default_manager.filter(organization=org).count()
    return {
        "export": export_organization(org),
        "counts": counts,
        "audit": list(
            AuditEvent.objects.filter(organization_id=org.pk).values_list("id", "action")
        ),
        "organization": {
            f.attname: getattr(Organization.objects.get(pk=org.pk), f.attname)
            for f in Organization._meta.concrete_fields
        },
    }


def changes(before: Any, after: Any, path: str = "") -> list[str]:
    """Where two snapshots differ, as readable paths (the first few are enough to find a leak)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            if key not in before or key not in after:
                out.append(f"{path}/{key}: only {'before' if key in before else 'after'}")
            else:
                out += changes(before[key], after[key], f"{path}/{key}")
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (x, y) in pairs for d in changes(x, y, f"{path}[{i}]")]
    if before != after:
        return [f"{path}: {before!r:.160} -> {after!r:.160}"]
    return []
