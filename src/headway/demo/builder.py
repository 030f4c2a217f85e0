"""Build the demo organization: Northwind Labs, with five quarters of OKRs and KPI history.

Deterministic: the only input is ``today``. "Now" is ``today`` at 09:00 UTC; nothing is dated
after it, and every random number comes from a generator seeded with stable text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import F

from headway.core import alerts as core_alerts
from headway.core import default_score
from headway.core.health import Health, closed_periods
from headway.core.periods import Cadence, add_months, fiscal_quarter, next_period, periods_between
from headway.demo import content
from headway.demo.content import KpiSpec, KRSpec, ObjectiveSpec
from headway.demo.series import kpi_values, kr_decimals, kr_steps, plan_final, seeded
from headway.kpis.alerts import evaluate_kpi, policy
from headway.kpis.choices import ChannelKind
from headway.kpis.health import thresholds
from headway.kpis.models import AlertChannel, Benchmark, HealthChange, Kpi, Measurement
from headway.okrs.choices import CycleKind, CycleState, OriginKind
from headway.okrs.keys import unique_key
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import key_result_progress
from headway.okrs.scores import recompute_scores
from headway.okrs.services import recompute_objective, recompute_rollups
from headway.orgs.models import Membership, Organization, Team, TeamMember, User
from headway.orgs.services import delete_organization
from headway.strategy.models import (
    Assignment,
    CanvasFactor,
    CanvasLevel,
    CanvasPlayer,
    Correlation,
    StrategyCanvas,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
)

DEMO_SLUG = "demo"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "headway-demo"  # noqa: S105 - a published demo password, printed by `make run`

QUARTERS_BACK = 4  # closed quarters before the current one
FISCAL_START_MONTH = 1
CHECKIN_WEEKDAY = 0  # Monday: the weekly check-in
CHECKIN_TIME = dt.time(8, 30, tzinfo=dt.UTC)
GRADED_TIME = dt.time(16, 0, tzinfo=dt.UTC)  # on the last day of a closed quarter
NOW_TIME = dt.time(9, 0, tzinfo=dt.UTC)
EMAIL_DOMAIN = "northwind.example"


class DemoExists(Exception):
    """The demo organization is already there (pass ``reset=True`` to rebuild it)."""


def demo_exists() -> bool:
    return Organization.objects.filter(slug=DEMO_SLUG).exists()


def demo_now(today: dt.date) -> dt.datetime:
    """The moment the demo is built "as of": no row is dated after it."""
    return dt.datetime.combine(today, NOW_TIME)


def checkin_times(start: dt.date, end: dt.date, now: dt.datetime) -> list[dt.datetime]:
    """The weekly check-in moments of a cycle, up to its last day and never after ``now``."""
    day = start + dt.timedelta(days=(CHECKIN_WEEKDAY - start.weekday()) % 7)
    out = []
    while day <= end:
        moment = dt.datetime.combine(day, CHECKIN_TIME)
        if moment > now:
            break
        out.append(moment)
        day += dt.timedelta(days=7)
    return out


@transaction.atomic
def load_demo(*, today: dt.date, reset: bool = False) -> Organization:
    """Create the demo organization as of ``today``.

    If it exists: raise DemoExists, or with ``reset`` delete that organization (and nothing else)
    and build it again.
    """
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        if not reset:
            raise DemoExists(f"the demo organization {DEMO_SLUG!r} already exists")
        delete_organization(existing)
    return _Builder(today).build()


def _take(key: str, taken: set[str]) -> str:
    taken.add(key)
    return key


def _decimal(value: float, decimals: int) -> Decimal:
    return Decimal(f"{value:.{decimals}f}")


def _optional(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0, tzinfo=dt.UTC))


@dataclass
class _KpiSeries:
    kpi: Kpi
    # (recorded at, value) in period order: what a KR following the KPI sees.
    points: list[tuple[dt.datetime, Decimal]]


class _Builder:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.now = demo_now(today)
        _, _, self.quarter_start, _ = fiscal_quarter(today, FISCAL_START_MONTH)
        oldest = add_months(self.quarter_start, -3 * QUARTERS_BACK)
        self.span_start = oldest
        self.setup_at = _at(oldest - dt.timedelta(days=14))
        self.teams: dict[str, Team] = {}
        self.people: dict[str, Membership] = {}
        self.kpis: dict[str, _KpiSeries] = {}
        self.objectives: list[Objective] = []
        self.checkins: list[CheckIn] = []
        # Objectives by spec key: of the annual cycle (None) and of each quarter of the fiscal
        # year (by offset), for the X-Matrix and the canvas to link to.
        self.year_objectives: dict[int | None, dict[str, Objective]] = {}
        self.fiscal_year = 0
        self.year_start = today

    def build(self) -> Organization:
        self.org = Organization.objects.create(
            name=content.ORG_NAME, slug=DEMO_SLUG, fiscal_year_start_month=FISCAL_START_MONTH
        )
        self._teams()
        self._people()
        self._kpis()
        self._okrs()
        self._xmatrix()
        self._canvas()
        self._timestamps()
        self._alerts()
        return self.org

    # --- people and teams ---------------------------------------------------------------------

    def _teams(self) -> None:
        for spec in content.TEAMS:  # parents come first
            self.teams[spec.slug] = Team.objects.create(
                organization=self.org,
                name=spec.name,
                slug=spec.slug,
                parent=self.teams[spec.parent] if spec.parent else None,
                description=spec.description,
            )

    def _people(self) -> None:
        usernames = [p.username for p in content.PEOPLE]
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        # A demo username someone also uses elsewhere keeps its own password and name.
        taken = set(
            Membership.objects.filter(user__in=list(existing.values())).values_list(
                "user__username", flat=True
            )
        )
        digest = make_password(DEMO_PASSWORD)  # hashed once, shared: loading stays fast
        new, refreshed = [], []
        for spec in content.PEOPLE:
            first, _, last = spec.full_name.partition(" ")
            fields = {
                "full_name": spec.full_name,
                "first_name": first,
                "last_name": last,
                "email": f"{spec.key}@{EMAIL_DOMAIN}",
                "password": digest,
                "is_active": True,
            }
            user = existing.get(spec.username)
            if user is None:
                new.append(User(username=spec.username, date_joined=self.setup_at, **fields))
            elif spec.username not in taken and not user.is_superuser:
                for name, value in fields.items():
                    setattr(user, name, value)
                refreshed.append(user)
        User.objects.bulk_create(new)
        if refreshed:
            User.objects.bulk_update(
                refreshed,
                ["full_name", "first_name", "last_name", "email", "password", "is_active"],
            )
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        memberships = Membership.objects.bulk_create(
            Membership(organization=self.org, user=users[p.username], role=p.role, title=p.title)
            for p in content.PEOPLE
        )
        self.people = {p.key: m for p, m in zip(content.PEOPLE, memberships, strict=True)}
        TeamMember.objects.bulk_create(
            TeamMember(
                organization=self.org,
                team=self.teams[slug],
                membership=self.people[p.key],
                is_lead=is_lead,
            )
            for p in content.PEOPLE
            for slug, is_lead in p.teams
        )

    # --- KPIs ---------------------------------------------------------------------------------

    def _kpis(self) -> None:
        kpis = Kpi.objects.bulk_create(self._kpi(spec) for spec in content.KPIS)
        measurements: list[Measurement] = []
        for spec, kpi in zip(content.KPIS, kpis, strict=True):
            rows = self._measurements(spec, kpi)
            measurements.extend(rows)
            self.kpis[spec.key] = _KpiSeries(kpi, [(m.recorded_at, m.value) for m in rows])
        Measurement.objects.bulk_create(measurements, batch_size=500)
        name, value, source = content.NPS_BENCHMARK
        Benchmark.objects.create(
            organization=self.org,
            kpi=self.kpis["nps"].kpi,
            name=name,
            value=Decimal(value),
            source=source,
            observed_on=add_months(self.quarter_start, -1),
        )

    def _kpi(self, spec: KpiSpec) -> Kpi:
        return Kpi(
            organization=self.org,
            key=spec.key,
            name=spec.name,
            description=spec.description,
            unit=spec.unit,
            direction=spec.direction,
            cadence=spec.cadence,
            aggregation=spec.aggregation,
            owner_team=self.teams[spec.owner_team] if spec.owner_team else None,
            owner=self.people[spec.owner] if spec.owner else None,
            target=_optional(spec.target),
            warning_threshold=_optional(spec.warning),
            critical_threshold=_optional(spec.critical),
            warning_recovery=_optional(spec.warning_recovery),
            critical_recovery=_optional(spec.critical_recovery),
            range_low=_optional(spec.range_low),
            range_high=_optional(spec.range_high),
        )

    def _measurements(self, spec: KpiSpec, kpi: Kpi) -> list[Measurement]:
        cadence = Cadence(spec.cadence)
        periods = periods_between(self.span_start, self.today, cadence)
        total_days = max(1, (self.today - self.span_start).days)
        times = [min(1.0, max(0.0, (p - self.span_start).days / total_days)) for p in periods]
        pinned: dict[int, float] = {}
        anchors = list(spec.path)
        if spec.baseline is not None:
            before = [
                i for i, p in enumerate(periods) if next_period(p, cadence) <= self.quarter_start
            ]
            if before:
                pinned[before[-1]] = spec.baseline
                anchors.append((times[before[-1]], spec.baseline))
                anchors.sort()
        for age, value, _ in spec.pins:
            if age < len(periods):
                pinned[len(periods) - 1 - age] = value
        notes = {len(periods) - 1 - age: note for age, _, note in spec.pins if note}
        values = kpi_values(
            seeded("kpi", spec.key),
            times=times,
            anchors=anchors,
            noise=spec.noise,
            decimals=spec.decimals,
            low=spec.low,
            high=spec.high,
            pinned=pinned,
        )
        manual = spec.source == "manual"
        return [
            Measurement(
                organization=self.org,
                kpi=kpi,
                period=period,
                value=_decimal(value, spec.decimals),
                source=spec.source,
                note=notes.get(index, ""),
                recorded_by=kpi.owner if manual else None,
                recorded_at=min(_at(next_period(period, cadence), 0), self.now),
            )
            for index, (period, value) in enumerate(zip(periods, values, strict=True))
        ]

    # --- OKRs ---------------------------------------------------------------------------------

    def _okrs(self) -> None:
        fiscal_year, quarter, _, _ = fiscal_quarter(self.today, FISCAL_START_MONTH)
        year_start = add_months(self.quarter_start, -3 * (quarter - 1))
        annual = Cycle(
            organization=self.org,
            name=str(fiscal_year),
            kind=CycleKind.YEAR,
            start=year_start,
            end=add_months(year_start, 12) - dt.timedelta(days=1),
            state=CycleState.ACTIVE,
        )
        quarters: list[tuple[int, Cycle]] = []
        for offset in range(QUARTERS_BACK, -1, -1):
            year, number, first, last = fiscal_quarter(
                add_months(self.quarter_start, -3 * offset), FISCAL_START_MONTH
            )
            quarters.append(
                (
                    offset,
                    Cycle(
                        organization=self.org,
                        name=f"{year}-Q{number}",
                        kind=CycleKind.QUARTER,
                        start=first,
                        end=last,
                        state=CycleState.ACTIVE if offset == 0 else CycleState.CLOSED,
                    ),
                )
            )
        Cycle.objects.bulk_create([annual, *(c for _, c in quarters)])
        annual_objectives = self._cycle(annual, content.ANNUAL, {})
        self.fiscal_year, self.year_start = fiscal_year, year_start
        self.year_objectives[None] = annual_objectives
        previous: dict[str, Objective] = {}
        for offset, cycle in quarters:
            in_year = annual.start <= cycle.start <= annual.end
            previous = self._cycle(
                cycle, content.QUARTERS[offset], annual_objectives if in_year else {}, previous
            )
            if in_year:
                self.year_objectives[offset] = previous
        CheckIn.objects.bulk_create(self.checkins, batch_size=500)
        for objective in self.objectives:
            recompute_objective(objective)
        for cycle in [annual, *(c for _, c in quarters)]:
            team_ids = {
                o.owner_team_id
                for o in self.objectives
                if o.cycle_id == cycle.pk and o.owner_team_id is not None
            }
            recompute_rollups(cycle, team_ids)
            if cycle.state == CycleState.CLOSED:
                recompute_scores(cycle)  # the key results were graded as they were made

    def _cycle(
        self,
        cycle: Cycle,
        specs: Sequence[ObjectiveSpec],
        outer: dict[str, Objective],
        previous: dict[str, Objective] | None = None,
    ) -> dict[str, Objective]:
        """Objectives, key results and check-ins of one cycle; returns objectives by key.

        ``previous``: the objectives of the quarter before, by key, that specs may be carried
        over from.
        """
        previous = previous or {}
        taken: set[str] = set()
        objectives = Objective.objects.bulk_create(
            Objective(
                organization=self.org,
                cycle=cycle,
                key=_take(unique_key(spec.title, taken), taken),
                title=spec.title,
                description=spec.description,
                owner_team=self.teams[spec.owner_team] if spec.owner_team else None,
                owner_person=self.people[spec.owner_person] if spec.owner_person else None,
                kind=spec.kind,
                retro_worked=spec.retro_worked,
                retro_change=spec.retro_change,
                origin=previous[spec.carried_from] if spec.carried_from else None,
                origin_kind=OriginKind.CARRIED_OVER if spec.carried_from else OriginKind.NONE,
                position=position,
            )
            for position, spec in enumerate(specs)
        )
        self.objectives.extend(objectives)
        by_key = {spec.key: o for spec, o in zip(specs, objectives, strict=True)}
        links = []
        for spec, objective in zip(specs, objectives, strict=True):
            for key in spec.parents:
                parent = by_key.get(key) or outer.get(key)
                if parent is not None:
                    links.append(Alignment(organization=self.org, child=objective, parent=parent))
        Alignment.objects.bulk_create(links)
        moments = checkin_times(cycle.start, cycle.end, self.now)
        krs: list[KeyResult] = []
        histories: list[list[CheckIn]] = []
        for spec, objective in zip(specs, objectives, strict=True):
            kr_keys: set[str] = set()
            for position, kr_spec in enumerate(spec.krs):
                kr, history = self._key_result(cycle, spec, objective, kr_spec, moments)
                kr.position = position
                kr.key = _take(unique_key(kr.title, kr_keys), kr_keys)
                krs.append(kr)
                histories.append(history)
        KeyResult.objects.bulk_create(krs)
        for kr, history in zip(krs, histories, strict=True):
            for checkin in history:
                checkin.key_result = kr
            self.checkins.extend(history)
        return by_key

    def _key_result(
        self,
        cycle: Cycle,
        objective_spec: ObjectiveSpec,
        objective: Objective,
        spec: KRSpec,
        moments: Sequence[dt.datetime],
    ) -> tuple[KeyResult, list[CheckIn]]:
        """An unsaved key result, already showing its latest check-in, and its check-ins."""
        start, target = Decimal(spec.start), Decimal(spec.target)
        milestone = spec.kind == "milestone"
        decimals = spec.decimals
        if decimals is None:
            decimals = 0 if milestone else kr_decimals(float(start), float(target))
        owner = self.people[spec.owner]
        kpi = self.kpis[spec.kpi] if spec.kpi else None
        kr = KeyResult(
            organization=self.org,
            objective=objective,
            title=spec.title,
            kind=spec.kind,
            unit=spec.unit,
            start=start,
            target=target,
            direction=spec.direction,
            owner=owner,
            kpi=kpi.kpi if kpi else None,
            # The seeds' KPI-backed key results follow their KPI: new values move them.
            follows_kpi=kpi is not None,
            result_type=spec.result_type,
        )
        closed = cycle.state == CycleState.CLOSED
        rng = seeded(cycle.name, objective_spec.key, spec.title)
        final = spec.final
        if final is None:
            final = plan_final(
                rng,
                closed=closed,
                committed=objective_spec.kind == "committed",
                milestone=milestone,
            )
        cycle_start = dt.datetime.combine(cycle.start, dt.time.min, tzinfo=dt.UTC)
        length = (cycle.end - cycle.start).days + 1
        times = [(m - cycle_start) / dt.timedelta(days=length) for m in moments]
        span = float(target - start)
        followed: list[Decimal] | None = None
        achieved: list[float] | None = None
        if kpi is not None:
            followed = [self._kpi_value(kpi, m, start) for m in moments]
            achieved = [float(v - start) / span if span else 0.0 for v in followed]
        steps = kr_steps(
            rng,
            times=times,
            final=final,
            closed=closed,
            milestone=milestone,
            personal=objective_spec.owner_person is not None,
            achieved=achieved,
        )
        history = []
        for index, (moment, step) in enumerate(zip(moments, steps, strict=True)):
            if followed is not None:
                value = followed[index]
            else:
                value = _decimal(float(start) + span * step.achieved, decimals)
            history.append(
                CheckIn(
                    organization=self.org,
                    value=value,
                    confidence=step.confidence,
                    note=step.note,
                    author=owner,
                    created_at=moment,
                )
            )
        if history:
            latest = history[-1]
            kr.current = latest.value
            kr.confidence = latest.confidence
            kr.last_checkin_at = latest.created_at
        kr.progress = key_result_progress(kr)
        if closed:
            # Graded by its owner on the quarter's last day: the default from final progress
            # unless the spec overrides it with a reason.
            kr.score = default_score(kr.progress) if spec.score is None else spec.score
            kr.score_reason = spec.score_reason if spec.score is not None else ""
            kr.graded_at = dt.datetime.combine(cycle.end, GRADED_TIME)
            kr.graded_by = owner
        return kr, history

    @staticmethod
    def _kpi_value(series: _KpiSeries, moment: dt.datetime, default: Decimal) -> Decimal:
        """The KPI's latest value recorded by ``moment``: what a KR following it shows."""
        value = default
        for recorded_at, measured in series.points:
            if recorded_at > moment:
                break
            value = measured
        return value

    # --- strategy -----------------------------------------------------------------------------

    def _xmatrix(self) -> None:
        """The X-Matrix of the current fiscal year: every list, corner and responsibility."""
        org = self.org
        matrix = XMatrix.objects.create(
            organization=org, year=self.fiscal_year, title=content.MATRIX_TITLE
        )
        positions: dict[str, int] = {}
        items = []
        for spec in content.MATRIX_ITEMS:
            positions[spec.kind] = position = positions.get(spec.kind, -1) + 1
            items.append(
                XMatrixItem(
                    organization=org,
                    matrix=matrix,
                    kind=spec.kind,
                    title=spec.title,
                    description=spec.description,
                    position=position,
                    kpi=self.kpis[spec.kpi].kpi if spec.kpi else None,
                    baseline=_optional(spec.baseline),
                    target=_optional(spec.target),
                    unit=spec.unit,
                    owner=self.people[spec.owner] if spec.owner else None,
                )
            )
        XMatrixItem.objects.bulk_create(items)
        by_key = {spec.key: item for spec, item in zip(content.MATRIX_ITEMS, items, strict=True)}
        XMatrixItem.objectives.through.objects.bulk_create(
            XMatrixItem.objectives.through(xmatrixitem_id=item.pk, objective_id=objective.pk)
            for spec, item in zip(content.MATRIX_ITEMS, items, strict=True)
            for cycle, key in spec.objectives
            if (objective := self.year_objectives.get(cycle, {}).get(key)) is not None
        )
        resources = XMatrixResource.objects.bulk_create(
            XMatrixResource(
                organization=org,
                matrix=matrix,
                team=self.teams[spec.team] if spec.team else None,
                person=self.people[spec.person] if spec.person else None,
                position=position,
            )
            for position, spec in enumerate(content.MATRIX_RESOURCES)
        )
        resource = {
            spec.key: r for spec, r in zip(content.MATRIX_RESOURCES, resources, strict=True)
        }
        Correlation.objects.bulk_create(
            Correlation(
                organization=org,
                matrix=matrix,
                row=by_key[row],
                column=by_key[column],
                strength=strength,
            )
            for row, column, strength in content.MATRIX_CORRELATIONS
        )
        Assignment.objects.bulk_create(
            Assignment(
                organization=org,
                matrix=matrix,
                priority=by_key[priority],
                resource=resource[key],
                responsibility=responsibility,
            )
            for priority, key, responsibility in content.MATRIX_ASSIGNMENTS
        )

    def _canvas(self) -> None:
        """The Strategy Canvas, with its "raise" factor already made into an objective."""
        org = self.org
        canvas = StrategyCanvas.objects.create(
            organization=org,
            title=content.CANVAS_TITLE,
            tagline=content.CANVAS_TAGLINE,
            description=content.CANVAS_DESCRIPTION,
        )
        current = self.year_objectives.get(0, {})
        factors = CanvasFactor.objects.bulk_create(
            CanvasFactor(
                organization=org,
                canvas=canvas,
                name=spec.name,
                position=position,
                errc=spec.errc,
                rationale=spec.rationale,
                objective=current.get(spec.objective) if spec.objective else None,
            )
            for position, spec in enumerate(content.CANVAS_FACTORS)
        )
        players = CanvasPlayer.objects.bulk_create(
            CanvasPlayer(organization=org, canvas=canvas, name=name, kind=kind, position=position)
            for position, (name, kind) in enumerate(content.CANVAS_PLAYERS)
        )
        CanvasLevel.objects.bulk_create(
            CanvasLevel(organization=org, canvas=canvas, factor=factor, player=player, level=level)
            for spec, factor in zip(content.CANVAS_FACTORS, factors, strict=True)
            for player, level in zip(players, spec.levels, strict=True)
        )

    # --- fixed timestamps ---------------------------------------------------------------------

    def _timestamps(self) -> None:
        """Creation times that tell the story (and do not depend on the clock)."""
        org = self.org
        Organization.objects.filter(pk=org.pk).update(created_at=self.setup_at)
        Team.objects.filter(organization=org).update(created_at=self.setup_at)
        Membership.objects.filter(organization=org).update(created_at=self.setup_at)
        Kpi.objects.filter(organization=org).update(
            created_at=self.setup_at, updated_at=self.setup_at
        )
        for cycle in Cycle.objects.filter(organization=org):
            planned = _at(cycle.start - dt.timedelta(days=7), 10)
            Objective.objects.filter(cycle=cycle).update(created_at=planned, updated_at=planned)
            KeyResult.objects.filter(objective__cycle=cycle).update(
                created_at=planned, updated_at=planned
            )
        KeyResult.objects.filter(organization=org, last_checkin_at__isnull=False).update(
            updated_at=F("last_checkin_at")
        )
        Rollup.objects.filter(organization=org).update(updated_at=self.now)
        # The strategy was drawn up before the fiscal year began, the canvas with it.
        drawn = _at(self.year_start - dt.timedelta(days=21), 10)
        XMatrix.objects.filter(organization=org).update(created_at=drawn, updated_at=drawn)
        StrategyCanvas.objects.filter(organization=org).update(created_at=drawn, updated_at=drawn)
        org.refresh_from_db()

    # --- health history and alerts ------------------------------------------------------------

    def _alerts(self) -> None:
        """The health changes and alert states the worker would have recorded as each period
        closed, then one real evaluation at ``now``, and the channels alerts go to from here on.

        The history is walked in memory (a daily KPI closes hundreds of periods); no channel
        exists during the walk, so the past announces nothing.
        """
        points: dict[int, list[tuple[dt.date, float]]] = {}
        for kpi_id, period, value in Measurement.objects.filter(organization=self.org).values_list(
            "kpi_id", "period", "value"
        ):
            points.setdefault(kpi_id, []).append((period, float(value)))
        changes: list[HealthChange] = []
        kpis = [series.kpi for series in self.kpis.values()]
        for kpi in kpis:
            changes.extend(self._walk(kpi, points.get(kpi.pk, [])))
        HealthChange.objects.bulk_create(changes)
        Kpi.objects.bulk_update(
            kpis,
            ["health", "health_since", "alert_state", "alert_state_since", "alert_notified_at"],
        )
        for kpi in kpis:
            evaluate_kpi(kpi, self.now)
        owners = sorted({f"{spec.owner}@{EMAIL_DOMAIN}" for spec in content.KPIS if spec.owner})
        AlertChannel.objects.create(
            organization=self.org,
            name="KPI owners (e-mail)",
            kind=ChannelKind.EMAIL,
            recipients=", ".join(owners),
        )
        # A Slack channel as people set one up, left off: the URL is an example.
        AlertChannel.objects.create(
            organization=self.org,
            name="Slack #kpi-alerts",
            kind=ChannelKind.WEBHOOK,
            url="https://hooks.slack.com/services/T0000/B0000/XXXXXXXX",
            secret=seeded("slack", "secret").randbytes(24).hex(),
            enabled=False,
        )

    def _walk(self, kpi: Kpi, points: list[tuple[dt.date, float]]) -> list[HealthChange]:
        cadence = Cadence(kpi.cadence)
        judged = closed_periods(
            points, cadence=cadence, thresholds=thresholds(kpi), today=self.today
        )
        alert_policy = policy(kpi)
        status = Health.UNKNOWN
        state, since, notified = core_alerts.AlertState.NORMAL, None, None
        changes = []
        for index, entry in enumerate(judged):
            closed_at = _at(next_period(entry.period, cadence))
            if closed_at > self.now:
                break
            if entry.health is not status:
                changes.append(
                    HealthChange(
                        organization=self.org,
                        kpi=kpi,
                        changed_at=closed_at,
                        before=status.value,
                        after=entry.health.value,
                        period=entry.period,
                        value=_decimal(entry.value, 4),
                    )
                )
                status = entry.health
                kpi.health, kpi.health_since = status.value, closed_at
            observed = core_alerts.observe(entry.health, judged[: index + 1], alert_policy)
            moved = core_alerts.step(state, since, notified, observed, alert_policy, closed_at)
            state, since, notified = moved.state, moved.since, moved.notified_at
        kpi.alert_state, kpi.alert_state_since, kpi.alert_notified_at = state.value, since, notified
        return changes
