"""The rows of a large, deterministic benchmark organization, with their stored derived values.

Everything here is plain Python: a seeded ``random.Random`` per part (the tree, each key result,
each KPI), so the same options give the same rows. The stored derived fields are computed with
the pure core while generating, exactly as the services would store them:

- key results: ``progress`` from their latest check-in (``core.kr_progress``), and in closed
  cycles the graded ``score`` (``core.default_score``);
- objectives: ``progress`` and, in closed cycles, ``score``: weighted means of their key results;
- roll-ups: one row per team and cycle plus one for the organization, progress and (closed
  cycles) score, as ``recompute_rollups`` / ``recompute_scores`` make them;
- KPIs: health and alert state as one evaluation at "now" leaves them (``kpis.alerts``), with
  the health change it records.

The two big tables, check-ins and measurements, are streamed: each key result's or KPI's values
come from its own generator, run once to derive the stored fields and again while loading.

Values are backend-neutral: ids and counts as ints, decimals and dates as text, moments as naive
UTC text ("2026-11-30 09:00:00"), booleans as 0/1, floats as floats; both PostgreSQL's COPY and
SQLite take them as they are.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from headway import core
from headway.core import alerts as core_alerts
from headway.core.health import Health, KpiDirection, Thresholds, closed_periods, health
from headway.core.periods import Cadence, add_months, fiscal_quarter

Row = tuple[Any, ...]

DEFAULT_SEED = 8
DEFAULT_PEOPLE = 20_000
QUARTERS = 8  # the current quarter and the seven before it
OBJECTIVES_PER_TEAM = 3
KRS_PER_OBJECTIVE = 4
MAX_CHECKINS = 13  # weekly, Mondays, within the quarter
DAYS_OF_HISTORY = 730  # two years of daily measurements per KPI
HISTORY_WINDOW_DAYS = 400  # the window the alert evaluation judges health on (kpis.selectors)
PASSWORD = "headway-bench"  # noqa: S105 - a published benchmark password
CHECKIN_TIME = dt.time(8, 30)
GRADED_TIME = dt.time(16, 0)
NOW_TIME = dt.time(9, 0)
LEVELS = ("company", "division", "department", "group", "team")
# Shares of the teams at each level below the company (the rest are leaf teams).
LEVEL_SHARES = (0.005, 0.03, 0.17)

FIRST_NAMES = (  # noqa: SIM905
    "Ada Alan Anna Ben Carla Chen Dana Emil Eva Farah Gita Hugo Ines Ivan Jana Kofi Lena Luis "
    "Maya Mina Nils Omar Pia Raj Rosa Sam Sara Tariq Uma Vera Wen Yara Zoe"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Abe Berg Costa Dahl Eze Fox Gray Haas Ito Jain Kim Lund Moreau Nagy Okafor Park Quinn "
    "Rossi Sato Tan Ueda Vogel Walsh Xu Young Zhou"
).split()
THEMES = (
    "Delight customers",
    "Ship faster",
    "Grow revenue",
    "Cut costs",
    "Raise quality",
    "Build the team",
    "Win new markets",
    "Simplify operations",
)
METRICS = (
    ("Weekly active users", "metric", "increase", ""),
    ("Net revenue", "currency", "increase", "EUR"),
    ("Defects per release", "metric", "decrease", ""),
    ("Onboarding completion", "percentage", "increase", "%"),
    ("Lead time", "metric", "decrease", "days"),
    ("Deals closed", "metric", "increase", ""),
    ("Cloud spend", "currency", "decrease", "EUR"),
    ("Test coverage", "percentage", "increase", "%"),
)
KPI_NAMES = (
    ("Orders", "higher", ""),
    ("Sign-ups", "higher", ""),
    ("Support tickets", "lower", ""),
    ("Page load time", "lower", "ms"),
    ("Revenue", "higher", "EUR"),
    ("Churned accounts", "lower", ""),
    ("Uptime", "higher", "%"),
    ("Active sessions", "higher", ""),
)


def stamp(moment: dt.datetime) -> str:
    """A naive UTC moment as both databases read it (Django keeps UTC on both)."""
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time)


@dataclass(frozen=True)
class Options:
    slug: str = "bench"
    people: int = DEFAULT_PEOPLE
    seed: int = DEFAULT_SEED
    today: dt.date = dt.date(2026, 11, 30)

    @property
    def teams(self) -> int:
        return max(1, self.people // 10)

    @property
    def kpis(self) -> int:
        return max(1, self.people // 4)

    @property
    def username_prefix(self) -> str:
        return "" if self.slug == "bench" else f"{self.slug}-"


@dataclass
class Table:
    """One table's rows: ``columns`` are the model's attnames, in the rows' order."""

    name: str  # the model label, e.g. "okrs.CheckIn"
    columns: tuple[str, ...]
    count: int
    rows: Callable[[], Iterator[Row]]


@dataclass
class _Team:
    id: int
    level: int
    index: int
    parent: _Team | None
    name: str
    slug: str
    people: list[int] = field(default_factory=list)  # membership ids, the lead first


@dataclass
class _Cycle:
    id: int
    name: str
    start: dt.date
    end: dt.date
    closed: bool
    moments: list[dt.datetime]


@dataclass
class _KR:
    id: int
    objective_id: int
    seed: int
    position: int
    title: str
    kind: str
    direction: str
    unit: str
    start: str
    target: str
    decimals: int
    final: float
    weight: Decimal
    owner: int
    cycle: _Cycle
    progress: float = 0.0
    current: str | None = None
    confidence: int | None = None
    last_checkin_at: dt.datetime | None = None
    score: float | None = None


@dataclass
class _Kpi:
    id: int
    seed: int
    base: float
    drift: float
    noise: float
    direction: str


def level_sizes(teams: int) -> list[int]:
    """How many teams sit at each level: one company, then divisions .. leaf teams."""
    sizes = [1]
    rest = teams - 1
    for share in LEVEL_SHARES:
        if rest <= 0:
            break
        n = min(rest, max(1, round(teams * share)))
        sizes.append(n)
        rest -= n
    if rest > 0:
        sizes.append(rest)
    return sizes


def checkin_moments(start: dt.date, end: dt.date, now: dt.datetime) -> list[dt.datetime]:
    """Mondays of the cycle at 08:30 UTC, at most 13, none after ``now``."""
    day = start + dt.timedelta(days=(-start.weekday()) % 7)
    out: list[dt.datetime] = []
    while day <= end and len(out) < MAX_CHECKINS:
        moment = _at(day, CHECKIN_TIME)
        if moment > now:
            break
        out.append(moment)
        day += dt.timedelta(days=7)
    return out


def _weighted(rows: Sequence[tuple[float, Decimal]]) -> float | None:
    # The services' roll-up: floats of the stored weights, core.weighted_mean.
    return core.weighted_mean(core.Weighted(value=v, weight=float(w)) for v, w in rows)


class Generator:
    """Plans the organization in memory (all but check-ins and measurements) from ``ids``: the
    first free id of each table whose ids are referenced (by model label)."""

    # Every table the generator writes, with its columns, in load order (set below).
    TABLE_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __init__(self, options: Options, ids: dict[str, int], password_hash: str) -> None:
        self.o = options
        self.ids = dict(ids)
        self.password_hash = password_hash
        self.today = options.today
        self.now = _at(options.today, NOW_TIME)
        _, _, quarter_start, _ = fiscal_quarter(options.today, 1)
        self.quarter_start = quarter_start
        self.oldest = add_months(quarter_start, -3 * (QUARTERS - 1))
        self.setup_at = _at(self.oldest - dt.timedelta(days=14), dt.time(9, 0))
        self.org_id = self._take("orgs.Organization", 1)
        self._plan_tree()
        self._plan_people()
        self._plan_cycles()
        self._plan_okrs()
        self._plan_kpis()

    def _take(self, label: str, n: int) -> int:
        first = self.ids[label]
        self.ids[label] = first + n
        return first

    # --- teams and people ------------------------------------------------------------------

    def _plan_tree(self) -> None:
        sizes = level_sizes(self.o.teams)
        first = self._take("orgs.Team", sum(sizes))
        self.teams: list[_Team] = []
        previous: list[_Team] = []
        for level, size in enumerate(sizes):
            current = []
            for index in range(size):
                # Contiguous blocks under each parent keep the tree balanced.
                parent = previous[index * len(previous) // size] if previous else None
                kind = LEVELS[level]
                team = _Team(
                    id=first + len(self.teams),
                    level=level,
                    index=index,
                    parent=parent,
                    name="Bench Company" if level == 0 else f"{kind.title()} {index + 1}",
                    slug=kind if level == 0 else f"{kind}-{index + 1:04d}",
                )
                self.teams.append(team)
                current.append(team)
            previous = current

    def _plan_people(self) -> None:
        n = self.o.people
        self.first_user = self._take("orgs.User", n)
        self.first_membership = self._take("orgs.Membership", n)
        rng = random.Random(f"{self.o.seed}:people")  # noqa: S311 - seeded on purpose
        self.names = [(rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(n)]
        for j in range(n):
            self.teams[j % len(self.teams)].people.append(self.first_membership + j)

    def username(self, j: int) -> str:
        return f"{self.o.username_prefix}p{j + 1:05d}"

    # --- cycles, objectives, key results -----------------------------------------------------

    def _plan_cycles(self) -> None:
        first = self._take("okrs.Cycle", QUARTERS)
        self.cycles: list[_Cycle] = []
        for offset in range(QUARTERS - 1, -1, -1):
            year, number, start, end = fiscal_quarter(
                add_months(self.quarter_start, -3 * offset), 1
            )
            self.cycles.append(
                _Cycle(
                    id=first + len(self.cycles),
                    name=f"{year}-Q{number}",
                    start=start,
                    end=end,
                    closed=offset > 0,
                    moments=checkin_moments(start, end, self.now),
                )
            )

    def _plan_okrs(self) -> None:
        per_cycle = len(self.teams) * OBJECTIVES_PER_TEAM
        first_objective = self._take("okrs.Objective", per_cycle * len(self.cycles))
        first_kr = self._take("okrs.KeyResult", per_cycle * len(self.cycles) * KRS_PER_OBJECTIVE)
        rng = random.Random(f"{self.o.seed}:okrs")  # noqa: S311 - seeded on purpose
        self.krs: list[_KR] = []
        self.objective_progress: list[float] = []
        self.objective_score: list[float | None] = []
        for c, cycle in enumerate(self.cycles):
            for t, team in enumerate(self.teams):
                for k in range(OBJECTIVES_PER_TEAM):
                    number = (c * len(self.teams) + t) * OBJECTIVES_PER_TEAM + k
                    objective_id = first_objective + number
                    krs = [
                        self._plan_kr(
                            rng,
                            first_kr + number * KRS_PER_OBJECTIVE + p,
                            objective_id,
                            p,
                            team,
                            cycle,
                            committed=k == 0,
                        )
                        for p in range(KRS_PER_OBJECTIVE)
                    ]
                    self.krs.extend(krs)
                    self.objective_progress.append(
                        _weighted([(kr.progress, kr.weight) for kr in krs]) or 0.0
                    )
                    self.objective_score.append(
                        _weighted([(kr.score, kr.weight) for kr in krs if kr.score is not None])
                        if cycle.closed
                        else None
                    )
        self.first_objective = first_objective

    def _plan_kr(
        self,
        rng: random.Random,
        kr_id: int,
        objective_id: int,
        position: int,
        team: _Team,
        cycle: _Cycle,
        *,
        committed: bool,
    ) -> _KR:
        title, kind, direction, unit = METRICS[rng.randrange(len(METRICS))]
        if kind == "percentage":
            start = rng.randint(10, 60)
            target = min(100, start + rng.randint(10, 35))
            if direction == "decrease":
                start, target = target, start
        else:
            start = rng.randint(20, 900)
            factor = rng.uniform(1.2, 2.0) if direction == "increase" else rng.uniform(0.4, 0.8)
            target = max(1, round(start * factor))
        decimals = 1
        # Where the key result ends (closed cycles) or is heading (the current one).
        final = min(1.2, max(0.0, rng.gauss(0.75 if committed else 0.6, 0.25)))
        kr = _KR(
            id=kr_id,
            objective_id=objective_id,
            seed=rng.getrandbits(48),
            position=position,
            title=f"{title}: {start} to {target}{(' ' + unit) if unit else ''}",
            kind=kind,
            direction=direction,
            unit=unit,
            start=str(start),
            target=str(target),
            decimals=decimals,
            final=final,
            weight=Decimal(2 if position == 0 else 1),
            owner=team.people[position % len(team.people)] if team.people else 0,
            cycle=cycle,
        )
        last = None
        for row in self.checkins_of(kr):
            last = row
        if last is not None:
            kr.current, kr.confidence = last[3], last[4]
            kr.last_checkin_at = cycle.moments[len(cycle.moments) - 1]
        kr.progress = core.kr_progress(
            kind=core.KRKind(kind),
            direction=core.Direction(direction),
            start=float(kr.start),
            target=float(kr.target),
            current=None if kr.current is None else float(kr.current),
        )
        if cycle.closed:
            kr.score = core.default_score(kr.progress)
        return kr

    def checkins_of(self, kr: _KR) -> Iterator[Row]:
        """(organization, key result, author, value, confidence, note, kpi period, created at)."""
        rng = random.Random(kr.seed)  # noqa: S311 - seeded on purpose
        start, target = float(kr.start), float(kr.target)
        span = target - start
        weeks = MAX_CHECKINS
        confidence = rng.randint(5, 8)
        for i, moment in enumerate(kr.cycle.moments):
            share = kr.final * (i + 1) / weeks + rng.gauss(0, 0.03)
            value = max(0.0, start + span * max(-0.1, share))
            confidence = min(10, max(0, confidence + rng.choice((-1, 0, 0, 1))))
            yield (
                self.org_id,
                kr.id,
                kr.owner or None,
                f"{value:.{kr.decimals}f}",
                confidence,
                "",
                None,
                stamp(moment),
            )

    # --- KPIs --------------------------------------------------------------------------------

    def _plan_kpis(self) -> None:
        first = self._take("kpis.Kpi", self.o.kpis)
        rng = random.Random(f"{self.o.seed}:kpis")  # noqa: S311 - seeded on purpose
        self.kpis: list[_Kpi] = []
        self.kpi_state: list[tuple[Health, core_alerts.Step, dt.date | None, str | None]] = []
        self.periods = [
            self.today - dt.timedelta(days=DAYS_OF_HISTORY - i) for i in range(DAYS_OF_HISTORY)
        ]
        window_start = self.today - dt.timedelta(days=HISTORY_WINDOW_DAYS)
        for i in range(self.o.kpis):
            _, direction, _ = KPI_NAMES[i % len(KPI_NAMES)]
            kpi = _Kpi(
                id=first + i,
                seed=rng.getrandbits(48),
                base=float(rng.randint(50, 5000)),
                drift=rng.uniform(-0.3, 0.3),
                noise=rng.uniform(0.01, 0.06),
                direction=direction,
            )
            self.kpis.append(kpi)
            points = [
                (period, value)
                for period, value in zip(self.periods, self.series(kpi), strict=True)
                if period >= window_start
            ]
            self.kpi_state.append(self._evaluate(kpi, points))

    def series(self, kpi: _Kpi) -> Iterator[str]:
        """The KPI's daily values as text with two decimals, oldest first."""
        rng = random.Random(kpi.seed)  # noqa: S311 - seeded on purpose
        level = kpi.base
        step = kpi.drift / DAYS_OF_HISTORY
        for _ in range(DAYS_OF_HISTORY):
            level *= 1 + step + rng.gauss(0, kpi.noise) * 0.2
            level = max(kpi.base * 0.3, min(kpi.base * 2.5, level))
            value = level * (1 + rng.gauss(0, kpi.noise))
            yield f"{max(0.0, value):.2f}"

    def thresholds(self, kpi: _Kpi) -> dict[str, str]:
        b = kpi.base
        if kpi.direction == "higher":
            return {
                "target": f"{b * 1.1:.2f}",
                "warning_threshold": f"{b * 0.9:.2f}",
                "critical_threshold": f"{b * 0.75:.2f}",
                "warning_recovery": f"{b * 0.95:.2f}",
                "critical_recovery": f"{b * 0.8:.2f}",
            }
        return {
            "target": f"{b * 0.9:.2f}",
            "warning_threshold": f"{b * 1.1:.2f}",
            "critical_threshold": f"{b * 1.25:.2f}",
            "warning_recovery": f"{b * 1.05:.2f}",
            "critical_recovery": f"{b * 1.2:.2f}",
        }

    def _evaluate(
        self, kpi: _Kpi, points: list[tuple[dt.date, str]]
    ) -> tuple[Health, core_alerts.Step, dt.date | None, str | None]:
        """What ``kpis.alerts.evaluate_kpi`` stores for a new KPI at ``now``."""
        t = self.thresholds(kpi)
        limits = Thresholds(
            direction=KpiDirection(kpi.direction),
            warning=float(t["warning_threshold"]),
            critical=float(t["critical_threshold"]),
            warning_recovery=float(t["warning_recovery"]),
            critical_recovery=float(t["critical_recovery"]),
        )
        floats = [(p, float(v)) for p, v in points]
        status = health(floats, cadence=Cadence.DAY, thresholds=limits, today=self.today)
        closed = closed_periods(floats, cadence=Cadence.DAY, thresholds=limits, today=self.today)
        policy = core_alerts.Policy(
            level=core_alerts.AlertLevel.CRITICAL,
            alert_after=1,
            resolve_after=1,
            repeat_every=dt.timedelta(hours=168),
            notify_no_data=True,
        )
        now = self.now.replace(tzinfo=dt.UTC)
        step = core_alerts.step(
            core_alerts.AlertState.NORMAL,
            None,
            None,
            core_alerts.observe(status, closed, policy),
            policy,
            now,
        )
        period = value = None
        if status not in (Health.STALE, Health.UNKNOWN) and points:
            period = closed[-1].period if closed else max(points)[0]
            value = dict(points)[period]
        return status, step, period, value

    # --- the tables ----------------------------------------------------------------------------

    def tables(self) -> list[Table]:
        """Every table in load order (parents first)."""
        o, org = self.o, self.org_id
        setup = stamp(self.setup_at)
        now = stamp(self.now)
        teams, cycles = self.teams, self.cycles
        n_objectives = len(self.objective_progress)

        def organizations() -> Iterator[Row]:
            yield (org, f"Bench {o.slug}", o.slug, 1, "[]", 0.15, 0.33, 4, setup)

        def users() -> Iterator[Row]:
            for j, (first, last) in enumerate(self.names):
                name = self.username(j)
                yield (
                    self.first_user + j, self.password_hash, None, 0, name, first, last,
                    f"{name}@{o.slug}.bench.example", 0, 1, setup, f"{first} {last}",
                )  # fmt: skip

        def memberships() -> Iterator[Row]:
            leads = {team.people[0] for team in teams if team.people}
            for j in range(o.people):
                pk = self.first_membership + j
                role = "admin" if j == 0 else "lead" if pk in leads else "member"
                title = "Team lead" if pk in leads else "Engineer"
                yield (pk, org, self.first_user + j, role, title, 1, None, setup)

        def team_rows() -> Iterator[Row]:
            for team in teams:
                parent = team.parent.id if team.parent else None
                yield (team.id, org, team.name, team.slug, parent, "", 1, setup)

        def team_members() -> Iterator[Row]:
            for team in teams:
                for i, person in enumerate(team.people):
                    yield (org, team.id, person, 1 if i == 0 else 0)

        def cycle_rows() -> Iterator[Row]:
            for c in cycles:
                state = "closed" if c.closed else "active"
                yield (c.id, org, c.name, "quarter", c.start.isoformat(), c.end.isoformat(), state)

        def objectives() -> Iterator[Row]:
            for number in range(n_objectives):
                c, rest = divmod(number, len(teams) * OBJECTIVES_PER_TEAM)
                t, k = divmod(rest, OBJECTIVES_PER_TEAM)
                cycle, team = cycles[c], teams[t]
                planned = stamp(_at(cycle.start - dt.timedelta(days=7), dt.time(10, 0)))
                theme = THEMES[(t + k + c) % len(THEMES)]
                yield (
                    self.first_objective + number, org, cycle.id, f"{team.slug}-{k + 1}",
                    f"{theme} ({team.name})", "", team.id, None,
                    "committed" if k == 0 else "aspirational", "active", "1.000",
                    self.objective_progress[number], self.objective_score[number], "", "",
                    None, "", k, planned, planned,
                )  # fmt: skip

        def alignments() -> Iterator[Row]:
            per_cycle = len(teams) * OBJECTIVES_PER_TEAM
            for c in range(len(cycles)):
                for t, team in enumerate(teams):
                    if team.parent is None:
                        continue
                    parent_number = t_index[team.parent.id]
                    for k in range(OBJECTIVES_PER_TEAM):
                        child = self.first_objective + c * per_cycle + t * OBJECTIVES_PER_TEAM + k
                        parent = (
                            self.first_objective
                            + c * per_cycle
                            + parent_number * OBJECTIVES_PER_TEAM
                            + k
                        )
                        yield (org, child, parent)

        t_index = {team.id: i for i, team in enumerate(teams)}

        def key_results() -> Iterator[Row]:
            for kr in self.krs:
                planned = stamp(_at(kr.cycle.start - dt.timedelta(days=7), dt.time(10, 0)))
                updated = stamp(kr.last_checkin_at) if kr.last_checkin_at else planned
                graded = stamp(_at(kr.cycle.end, GRADED_TIME)) if kr.cycle.closed else None
                yield (
                    kr.id, org, kr.objective_id, f"kr-{kr.position + 1}", kr.title, kr.kind,
                    kr.unit, kr.start, kr.target, kr.current, kr.direction, str(kr.weight),
                    kr.owner or None, None, 0, "outcome", kr.progress, kr.confidence,
                    stamp(kr.last_checkin_at) if kr.last_checkin_at else None, kr.score, "",
                    graded, (kr.owner or None) if graded else None, kr.position, planned,
                    updated,
                )  # fmt: skip

        def checkins() -> Iterator[Row]:
            for kr in self.krs:
                yield from self.checkins_of(kr)

        def rollups() -> Iterator[Row]:
            per_cycle = len(teams) * OBJECTIVES_PER_TEAM
            one = Decimal(1)
            for c, cycle in enumerate(cycles):
                base = c * per_cycle
                everything: list[int] = []
                for t, team in enumerate(teams):
                    first = base + t * OBJECTIVES_PER_TEAM
                    numbers = range(first, first + OBJECTIVES_PER_TEAM)
                    progress = [(self.objective_progress[n], one) for n in numbers]
                    scores = [
                        (s, one) for n in numbers if (s := self.objective_score[n]) is not None
                    ]
                    everything.extend(numbers)
                    score = _weighted(scores) if cycle.closed else None
                    yield (org, cycle.id, team.id, _weighted(progress), score, now)
                all_progress = [(self.objective_progress[n], one) for n in everything]
                all_scores = [
                    (s, one) for n in everything if (s := self.objective_score[n]) is not None
                ]
                score = _weighted(all_scores) if cycle.closed else None
                yield (org, cycle.id, None, _weighted(all_progress), score, now)

        def kpi_rows() -> Iterator[Row]:
            for i, (kpi, (status, step, _, _)) in enumerate(
                zip(self.kpis, self.kpi_state, strict=True)
            ):
                name, _, unit = KPI_NAMES[i % len(KPI_NAMES)]
                team = teams[i % len(teams)]
                t = self.thresholds(kpi)
                known = status is not Health.UNKNOWN
                yield (
                    kpi.id, org, f"kpi-{i + 1:05d}", f"{name} #{i + 1}", "", unit,
                    kpi.direction, "day", "last", team.id,
                    team.people[0] if team.people else None, t["target"],
                    t["warning_threshold"], t["critical_threshold"], t["warning_recovery"],
                    t["critical_recovery"], None, None, "critical", 1, 1, 168, 1,
                    status.value, now if known else None, step.state.value,
                    stamp(step.since) if step.since else None,
                    stamp(step.notified_at) if step.notified_at else None, now, setup, now,
                )  # fmt: skip

        def measurements() -> Iterator[Row]:
            periods = [p.isoformat() for p in self.periods]
            recorded = [stamp(_at(p + dt.timedelta(days=1), dt.time(0, 0))) for p in self.periods]
            for kpi in self.kpis:
                for period, at, value in zip(periods, recorded, self.series(kpi), strict=True):
                    yield (org, kpi.id, period, value, "api", "", None, at)

        def health_changes() -> Iterator[Row]:
            for kpi, (status, _, period, value) in zip(self.kpis, self.kpi_state, strict=True):
                if status is not Health.UNKNOWN:
                    day = period.isoformat() if period else None
                    yield (org, kpi.id, now, "unknown", status.value, day, value)

        n_kr = len(self.krs)
        n_checkins = n_kr // len(cycles) * sum(len(c.moments) for c in cycles)
        n_aligned = (len(teams) - 1) * OBJECTIVES_PER_TEAM * len(cycles)
        n_changes = sum(1 for s in self.kpi_state if s[0] is not Health.UNKNOWN)
        people = o.people
        return [
            Table("orgs.Organization", ORG_COLUMNS, 1, organizations),
            Table("orgs.User", USER_COLUMNS, people, users),
            Table("orgs.Membership", MEMBERSHIP_COLUMNS, people, memberships),
            Table("orgs.Team", TEAM_COLUMNS, len(teams), team_rows),
            Table("orgs.TeamMember", TEAM_MEMBER_COLUMNS, people, team_members),
            Table("okrs.Cycle", CYCLE_COLUMNS, len(cycles), cycle_rows),
            Table("okrs.Objective", OBJECTIVE_COLUMNS, n_objectives, objectives),
            Table("okrs.Alignment", ALIGNMENT_COLUMNS, n_aligned, alignments),
            Table("okrs.KeyResult", KR_COLUMNS, n_kr, key_results),
            Table("okrs.CheckIn", CHECKIN_COLUMNS, n_checkins, checkins),
            Table("okrs.Rollup", ROLLUP_COLUMNS, (len(teams) + 1) * len(cycles), rollups),
            Table("kpis.Kpi", KPI_COLUMNS, len(self.kpis), kpi_rows),
            Table(
                "kpis.Measurement",
                MEASUREMENT_COLUMNS,
                len(self.kpis) * DAYS_OF_HISTORY,
                measurements,
            ),
            Table("kpis.HealthChange", HEALTH_CHANGE_COLUMNS, n_changes, health_changes),
        ]


# The models whose ids the generator allocates (they are referenced by other rows).
ALLOCATED = (
    "orgs.Organization",
    "orgs.User",
    "orgs.Membership",
    "orgs.Team",
    "okrs.Cycle",
    "okrs.Objective",
    "okrs.KeyResult",
    "kpis.Kpi",
)

ORG_COLUMNS = (
    "id", "name", "slug", "fiscal_year_start_month", "coach_disabled_rules",
    "pace_on_track_margin", "pace_at_risk_margin", "reminder_weekday", "created_at",
)  # fmt: skip
USER_COLUMNS = (
    "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
    "email", "is_staff", "is_active", "date_joined", "full_name",
)  # fmt: skip
MEMBERSHIP_COLUMNS = (
    "id", "organization_id", "user_id", "role", "title", "checkin_reminders",
    "reminder_weekday", "created_at",
)  # fmt: skip
TEAM_COLUMNS = (
    "id", "organization_id", "name", "slug", "parent_id", "description", "okrs_enabled",
    "created_at",
)  # fmt: skip
TEAM_MEMBER_COLUMNS = ("organization_id", "team_id", "membership_id", "is_lead")
CYCLE_COLUMNS = ("id", "organization_id", "name", "kind", "start", "end", "state")
OBJECTIVE_COLUMNS = (
    "id", "organization_id", "cycle_id", "key", "title", "description", "owner_team_id",
    "owner_person_id", "kind", "status", "weight", "progress", "score", "retro_worked",
    "retro_change", "origin_id", "origin_kind", "position", "created_at", "updated_at",
)  # fmt: skip
ALIGNMENT_COLUMNS = ("organization_id", "child_id", "parent_id")
KR_COLUMNS = (
    "id", "organization_id", "objective_id", "key", "title", "kind", "unit", "start", "target",
    "current", "direction", "weight", "owner_id", "kpi_id", "follows_kpi", "result_type",
    "progress", "confidence", "last_checkin_at", "score", "score_reason", "graded_at",
    "graded_by_id", "position", "created_at", "updated_at",
)  # fmt: skip
CHECKIN_COLUMNS = (
    "organization_id", "key_result_id", "author_id", "value", "confidence", "note",
    "kpi_period", "created_at",
)  # fmt: skip
ROLLUP_COLUMNS = ("organization_id", "cycle_id", "team_id", "progress", "score", "updated_at")
KPI_COLUMNS = (
    "id", "organization_id", "key", "name", "description", "unit", "direction", "cadence",
    "aggregation", "owner_team_id", "owner_id", "target", "warning_threshold",
    "critical_threshold", "warning_recovery", "critical_recovery", "range_low", "range_high",
    "alert_level", "alert_after", "resolve_after", "repeat_hours", "notify_no_data", "health",
    "health_since", "alert_state", "alert_state_since", "alert_notified_at", "evaluated_at",
    "created_at", "updated_at",
)  # fmt: skip
MEASUREMENT_COLUMNS = (
    "organization_id", "kpi_id", "period", "value", "source", "note", "recorded_by_id",
    "recorded_at",
)  # fmt: skip
HEALTH_CHANGE_COLUMNS = (
    "organization_id", "kpi_id", "changed_at", "before", "after", "period", "value",
)  # fmt: skip

Generator.TABLE_COLUMNS = (
    ("orgs.Organization", ORG_COLUMNS),
    ("orgs.User", USER_COLUMNS),
    ("orgs.Membership", MEMBERSHIP_COLUMNS),
    ("orgs.Team", TEAM_COLUMNS),
    ("orgs.TeamMember", TEAM_MEMBER_COLUMNS),
    ("okrs.Cycle", CYCLE_COLUMNS),
    ("okrs.Objective", OBJECTIVE_COLUMNS),
    ("okrs.Alignment", ALIGNMENT_COLUMNS),
    ("okrs.KeyResult", KR_COLUMNS),
    ("okrs.CheckIn", CHECKIN_COLUMNS),
    ("okrs.Rollup", ROLLUP_COLUMNS),
    ("kpis.Kpi", KPI_COLUMNS),
    ("kpis.Measurement", MEASUREMENT_COLUMNS),
    ("kpis.HealthChange", HEALTH_CHANGE_COLUMNS),
)
