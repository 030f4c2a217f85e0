"""What the demo organization holds, as plain data built from the seeds' own examples.

Quarters are named by their offset from the quarter containing "today": 0 is the current quarter,
1 the one before it, and so on back to 4. The current quarter holds the seeds' OKRs word for word;
older quarters show how the same teams got there.

The closed quarters are graded. Sales sandbags: its aspirational objectives end at 1.0 every
quarter, which the calibration review flags as not ambitious enough; the other teams land their
aspirational key results around 0.6-0.7. The latest closed quarter has a few retrospectives, and
one of its unfinished objectives is carried over into the current quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ORG_NAME = "Northwind Labs"

# --- people and teams -------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    parent: str | None
    description: str = ""


@dataclass(frozen=True)
class PersonSpec:
    key: str
    username: str
    full_name: str
    role: str
    title: str
    teams: tuple[tuple[str, bool], ...] = ()  # (team slug, is lead)


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec("company", ORG_NAME, None, "Product analytics for small teams."),
    TeamSpec("go-to-market", "Go-to-market", "company", "Marketing, sales and customer success."),
    TeamSpec("product-engineering", "Product & Engineering", "company", "Builds the product."),
    TeamSpec(
        "marketing",
        "Marketing",
        "go-to-market",
        "Brings the right visitors to the website and turns them into trials.",
    ),
    TeamSpec("sales", "Sales", "go-to-market", "Turns trials into paying customers."),
    TeamSpec(
        "customer-success",
        "Customer Success",
        "go-to-market",
        "Onboards new customers and keeps them happy.",
    ),
    TeamSpec("product", "Product", "product-engineering", "Decides what to build and why."),
)

PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("dana", "demo", "Dana Demo", "admin", "CEO", (("company", True),)),
    PersonSpec(
        "maya",
        "demo-maya",
        "Maya Lopez",
        "lead",
        "Head of Marketing",
        (("go-to-market", True), ("marketing", True)),
    ),
    PersonSpec(
        "tom", "demo-tom", "Tom Becker", "member", "Content marketer", (("marketing", False),)
    ),
    PersonSpec(
        "priya",
        "demo-priya",
        "Priya Shah",
        "lead",
        "Head of Product",
        (("product-engineering", True), ("product", True)),
    ),
    PersonSpec(
        "jonas", "demo-jonas", "Jonas Berg", "member", "Product engineer", (("product", False),)
    ),
    PersonSpec(
        "chloe",
        "demo-chloe",
        "Chloe Martin",
        "lead",
        "Head of Customer Success",
        (("customer-success", True),),
    ),
    PersonSpec("omar", "demo-omar", "Omar Haddad", "lead", "Head of Sales", (("sales", True),)),
    PersonSpec(
        "vera", "demo-vera", "Vera Novak", "viewer", "Board observer", (("company", False),)
    ),
)

# --- OKRs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KRSpec:
    title: str
    start: str
    target: str
    owner: str  # a PersonSpec key
    unit: str = ""
    kind: str = "metric"
    direction: str = "increase"
    result_type: str = "outcome"
    kpi: str | None = None  # a KpiSpec key: the KR then follows that KPI's measurements
    final: float | None = None  # planned achievement (share of the way); None draws one
    decimals: int | None = None  # None: chosen from the distance between start and target
    # A grade other than the default from final progress (closed quarters), with the reason.
    score: float | None = None
    score_reason: str = ""


@dataclass(frozen=True)
class ObjectiveSpec:
    key: str  # unique within its cycle; "parents" name these keys
    title: str
    krs: tuple[KRSpec, ...]
    owner_team: str | None = None  # a team slug
    owner_person: str | None = None  # a PersonSpec key
    kind: str = "aspirational"
    description: str = ""
    # Keys of objectives this one supports: first looked up in its own cycle, then in the annual
    # cycle of the same year.
    parents: tuple[str, ...] = ()
    retro_worked: str = ""
    retro_change: str = ""
    # The key of the objective of the previous quarter this one was carried over from.
    carried_from: str | None = None


def _pct(
    title: str,
    start: str,
    target: str,
    owner: str,
    *,
    direction: str = "increase",
    final: float | None = None,
) -> KRSpec:
    """A percentage key result."""
    return KRSpec(
        title, start, target, owner, unit="%", kind="percentage", direction=direction, final=final
    )


SUPPORTS_COMPANY = ("company",)

ANNUAL: tuple[ObjectiveSpec, ...] = (
    ObjectiveSpec(
        "annual",
        "Make Northwind the app small teams open every morning",
        (
            KRSpec("Grow paying customers from 270 to 700", "270", "700", "dana", unit="customers"),
            KRSpec(
                "Grow annual recurring revenue from $1.0M to $1.8M",
                "1000000",
                "1800000",
                "omar",
                unit="$",
                kind="currency",
            ),
            _pct("Raise 1-month retention from 15% to 35%", "15", "35", "priya"),
        ),
        owner_team="company",
        description="The annual target the quarterly company objectives climb towards.",
    ),
)

MARATHON_DESCRIPTION = (
    "Signed up to run a marathon by the end of the year. Heart rate, weight and hydration are the "
    "KPIs I watch along the way."
)


# Made from the Strategy Canvas's "Guided onboarding" factor (raise): see CANVAS below.
FIRST_WEEK_OBJECTIVE = ObjectiveSpec(
    "first-week",
    "Every new team reaches its first insight in week one",
    (
        KRSpec(
            "Cut the time to first insight from 9 to 3 days",
            "9",
            "3",
            "chloe",
            unit="days",
            direction="decrease",
        ),
        _pct("Raise the trials that finish guided setup from 35% to 70%", "35", "70", "priya"),
        KRSpec(
            "Publish 12 OKR and KPI starter templates",
            "0",
            "12",
            "priya",
            unit="templates",
            result_type="output",
            decimals=0,
        ),
    ),
    owner_team="company",
    description=(
        "From the strategy canvas: guided onboarding is the factor we raise furthest above the "
        "suites. Where do we want to stand out? In the first week."
    ),
    parents=("annual",),
)


def _current_quarter() -> tuple[ObjectiveSpec, ...]:
    return (
        ObjectiveSpec(
            "company",
            "Become the app small teams can't work without",
            (
                KRSpec(
                    "Grow paying customers from 480 to 650", "480", "650", "dana", unit="customers"
                ),
                _pct("Raise net revenue retention from 101% to 108%", "101", "108", "dana"),
            ),
            owner_team="company",
            parents=("annual",),
        ),
        ObjectiveSpec(
            "marketing",
            "Bring new inbound leads to the website",
            (
                KRSpec(
                    "Increase the monthly visitors to the website from 3k to 7k",
                    "3000",
                    "7000",
                    "tom",
                    unit="visitors",
                ),
                KRSpec(
                    "Increase the trial sign-ups from 250 to 500",
                    "250",
                    "500",
                    "maya",
                    unit="sign-ups",
                ),
            ),
            owner_team="marketing",
            description=(
                "The landing page delivers the product value and converts visitors into customers; "
                "now we need more people to see it."
            ),
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "product",
            "Increase user engagement",
            (
                _pct("Increase 1-month retention from 20% to 40%", "20", "40", "priya"),
                KRSpec(
                    "Increase average time in the app from 15 to 30 minutes",
                    "15",
                    "30",
                    "jonas",
                    unit="min",
                ),
                KRSpec(
                    "Increase sessions from 5 to 10 per user per day",
                    "5",
                    "10",
                    "priya",
                    unit="sessions/user/day",
                ),
            ),
            owner_team="product",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "customer-success",
            "Our customers love our onboarding",
            (
                KRSpec(
                    "Onboarding NPS rises from 32 to 55",
                    "32",
                    "55",
                    "chloe",
                    unit="NPS",
                    kpi="nps",
                    decimals=0,
                ),
                KRSpec(
                    "Cut the time to first value from 14 to 5 days",
                    "14",
                    "5",
                    "chloe",
                    unit="days",
                    direction="decrease",
                ),
                KRSpec(
                    "Hold 5 onboarding workshops",
                    "0",
                    "5",
                    "chloe",
                    unit="workshops",
                    result_type="output",
                    decimals=0,
                ),
            ),
            owner_team="customer-success",
            description=(
                "Our NPS sits at 32 and competitors are at 50: that gap is worth a quarter."
            ),
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales",
            "Increase revenue",
            (_pct("10% more revenue", "0", "10", "omar"),),
            owner_team="sales",
            kind="committed",
            parents=SUPPORTS_COMPANY,
        ),
        FIRST_WEEK_OBJECTIVE,
        ObjectiveSpec(
            "marathon",
            "Finish my first marathon in good shape",
            (
                KRSpec(
                    "Run 40 km per week by the end of the quarter from 15",
                    "15",
                    "40",
                    "jonas",
                    unit="km/week",
                ),
                KRSpec("Long run from 12 to 30 km", "12", "30", "jonas", unit="km"),
            ),
            owner_person="jonas",
            description=MARATHON_DESCRIPTION,
        ),
    )


def _one_quarter_back() -> tuple[ObjectiveSpec, ...]:
    return (
        ObjectiveSpec(
            "company",
            "Become the app small teams can't work without",
            (
                KRSpec(
                    "Grow paying customers from 400 to 480", "400", "480", "dana", unit="customers"
                ),
                _pct("Raise net revenue retention from 98% to 102%", "98", "102", "dana"),
            ),
            owner_team="company",
            parents=("annual",),
        ),
        ObjectiveSpec(
            "marketing",
            "Bring new inbound leads to the website",
            (
                KRSpec(
                    "Increase the monthly visitors to the website from 2.2k to 3k",
                    "2200",
                    "3000",
                    "tom",
                    unit="visitors",
                ),
                KRSpec(
                    "Increase the trial sign-ups from 190 to 250",
                    "190",
                    "250",
                    "maya",
                    unit="sign-ups",
                    final=0.95,
                    score=0.7,
                    score_reason=(
                        "Counted the partner leads we agreed to exclude; without them we reached "
                        "about 232 sign-ups."
                    ),
                ),
            ),
            owner_team="marketing",
            parents=SUPPORTS_COMPANY,
            retro_worked="Two guest posts on partner blogs brought more visitors than all our ads.",
            retro_change=(
                "Agree on what counts as a sign-up before the quarter starts: we argued about "
                "partner leads at grading time."
            ),
        ),
        ObjectiveSpec(
            "product",
            "Make the first week in the app delightful",
            (
                KRSpec(
                    "Cut the time to the first dashboard from 20 to 5 minutes",
                    "20",
                    "5",
                    "jonas",
                    unit="min",
                    direction="decrease",
                    final=1.0,
                ),
                _pct("Raise week-1 activation from 30% to 45%", "30", "45", "priya", final=0.5),
            ),
            owner_team="product",
            parents=SUPPORTS_COMPANY,
            retro_worked=(
                "Watching five new customers set up their first dashboard showed us the slow "
                "steps; the template gallery cut the time by two thirds."
            ),
            retro_change=(
                "Activation moved late: the onboarding e-mails only shipped in September. "
                "We carry the objective over and review activation with Customer Success weekly."
            ),
        ),
        ObjectiveSpec(
            "customer-success",
            "New customers get value in their first week",
            (
                KRSpec(
                    "Cut the time to first value from 21 to 14 days",
                    "21",
                    "14",
                    "chloe",
                    unit="days",
                    direction="decrease",
                ),
                _pct("Raise onboarding completion from 45% to 70%", "45", "70", "chloe"),
            ),
            owner_team="customer-success",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales",
            "Increase revenue",
            (_pct("8% more revenue", "0", "8", "omar"),),
            owner_team="sales",
            kind="committed",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales-trials",
            "Make every trial a conversation",
            (
                KRSpec(
                    "Call 150 trial teams in their first week",
                    "0",
                    "150",
                    "omar",
                    unit="calls",
                    result_type="output",
                    final=1.0,
                ),
                KRSpec("Book 40 product demos from trials", "0", "40", "omar", final=1.0),
            ),
            owner_team="sales",
            parents=SUPPORTS_COMPANY,
            retro_worked="Calling every new trial team in its first week; people liked it.",
            retro_change=(
                "We hit every target again. Next quarter, set targets we are not sure we can reach."
            ),
        ),
        ObjectiveSpec(
            "marathon",
            "Get ready for a half marathon",
            (
                KRSpec(
                    "Finish a half marathon",
                    "0",
                    "1",
                    "jonas",
                    kind="milestone",
                    final=1.0,
                ),
                KRSpec("Weekly distance from 20 to 30 km", "20", "30", "jonas", unit="km/week"),
            ),
            owner_person="jonas",
            description=MARATHON_DESCRIPTION,
        ),
    )


def _two_quarters_back() -> tuple[ObjectiveSpec, ...]:
    return (
        ObjectiveSpec(
            "company",
            "Turn trial users into loyal customers",
            (
                _pct("Raise trial-to-paid conversion from 8% to 14%", "8", "14", "dana"),
                KRSpec(
                    "Grow paying customers from 330 to 400", "330", "400", "dana", unit="customers"
                ),
            ),
            owner_team="company",
            parents=("annual",),
        ),
        ObjectiveSpec(
            "marketing",
            "Make our website convert",
            (
                _pct("Raise visitor-to-trial conversion from 5% to 8%", "5", "8", "tom"),
                _pct(
                    "Cut the bounce rate from 68% to 58%",
                    "68",
                    "58",
                    "tom",
                    direction="decrease",
                ),
            ),
            owner_team="marketing",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "product",
            "Increase user engagement",
            (
                _pct("Increase 1-month retention from 15% to 20%", "15", "20", "priya"),
                KRSpec(
                    "Increase average time in the app from 11 to 15 minutes",
                    "11",
                    "15",
                    "jonas",
                    unit="min",
                ),
            ),
            owner_team="product",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "customer-success",
            "Customers get answers fast",
            (
                KRSpec(
                    "Cut the first response time from 9 to 2 hours",
                    "9",
                    "2",
                    "chloe",
                    unit="hours",
                    direction="decrease",
                    final=0.45,
                    score=0.6,
                    score_reason=(
                        "Under 2 hours for the last six weeks; the slow start was the holiday "
                        "backlog."
                    ),
                ),
                KRSpec(
                    "Keep the ticket backlog at or below 40",
                    "65",
                    "40",
                    "chloe",
                    unit="tickets",
                    direction="at_most",
                    final=1.1,
                    decimals=0,
                ),
            ),
            owner_team="customer-success",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales",
            "Increase revenue",
            (_pct("10% more revenue", "0", "10", "omar"),),
            owner_team="sales",
            kind="committed",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales-handover",
            "Hand new customers over smoothly",
            (
                KRSpec(
                    "Hand over 30 new accounts to Customer Success with notes",
                    "0",
                    "30",
                    "omar",
                    unit="accounts",
                    final=1.0,
                    decimals=0,
                ),
                _pct(
                    "Raise the share of signed deals with a kick-off call from 40% to 60%",
                    "40",
                    "60",
                    "omar",
                    final=1.0,
                ),
            ),
            owner_team="sales",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "marathon",
            "Improve my endurance",
            (
                KRSpec("Long run from 10 to 18 km", "10", "18", "jonas", unit="km"),
                KRSpec(
                    "Run 10 km in under an hour, from 68 minutes",
                    "68",
                    "60",
                    "jonas",
                    unit="min",
                    direction="decrease",
                ),
            ),
            owner_person="jonas",
            description=MARATHON_DESCRIPTION,
        ),
    )


def _three_quarters_back() -> tuple[ObjectiveSpec, ...]:
    return (
        ObjectiveSpec(
            "company",
            "Turn trial users into loyal customers",
            (
                _pct("Raise trial-to-paid conversion from 6% to 10%", "6", "10", "dana"),
                KRSpec(
                    "Grow paying customers from 270 to 330", "270", "330", "dana", unit="customers"
                ),
            ),
            owner_team="company",
            parents=("annual",),
        ),
        ObjectiveSpec(
            "marketing",
            "Be found by the teams who need us",
            (
                KRSpec(
                    "Increase the monthly visitors to the website from 1.2k to 2.2k",
                    "1200",
                    "2200",
                    "tom",
                    unit="visitors",
                ),
                KRSpec("Raise the domain rating from 24 to 32", "24", "32", "tom", decimals=0),
            ),
            owner_team="marketing",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "product",
            "Be part of our customers' daily routine",
            (
                KRSpec(
                    "Increase weekly active teams from 150 to 260",
                    "150",
                    "260",
                    "priya",
                    unit="teams",
                    final=0.65,
                    score=0.5,
                    score_reason=(
                        "A bulk import created test teams that count as active; without them we "
                        "reached about 205."
                    ),
                ),
                KRSpec(
                    "Launch the mobile app",
                    "0",
                    "1",
                    "jonas",
                    kind="milestone",
                    result_type="output",
                ),
            ),
            owner_team="product",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "customer-success",
            "Customers get answers fast",
            (
                KRSpec(
                    "Cut the first response time from 16 to 9 hours",
                    "16",
                    "9",
                    "chloe",
                    unit="hours",
                    direction="decrease",
                ),
                _pct("Raise CSAT from 78% to 90%", "78", "90", "chloe"),
            ),
            owner_team="customer-success",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales",
            "Increase revenue",
            (_pct("5% more revenue", "0", "5", "omar"),),
            owner_team="sales",
            kind="committed",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales-partners",
            "Open a second sales channel",
            (
                KRSpec("Sign 2 reseller partners", "0", "2", "omar", unit="partners", final=1.0),
                KRSpec(
                    "Train 4 partner sales reps",
                    "0",
                    "4",
                    "omar",
                    unit="reps",
                    result_type="output",
                    final=1.0,
                ),
            ),
            owner_team="sales",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "marathon",
            "Run a steady distance every month",
            (
                KRSpec("Monthly distance from 40 to 80 km", "40", "80", "jonas", unit="km/month"),
                KRSpec("Long run from 5 to 10 km", "5", "10", "jonas", unit="km"),
            ),
            owner_person="jonas",
            description=MARATHON_DESCRIPTION,
        ),
    )


def _four_quarters_back() -> tuple[ObjectiveSpec, ...]:
    return (
        ObjectiveSpec(
            "company",
            "Find a repeatable way to grow",
            (
                KRSpec(
                    "Grow paying customers from 220 to 270", "220", "270", "dana", unit="customers"
                ),
                KRSpec(
                    "Sign 3 reference customers",
                    "0",
                    "3",
                    "dana",
                    unit="customers",
                    decimals=0,
                ),
            ),
            owner_team="company",
            parents=("annual",),
        ),
        ObjectiveSpec(
            "marketing",
            "Put Northwind Labs on the map",
            (
                KRSpec(
                    "Grow the newsletter from 300 to 1,000 subscribers",
                    "300",
                    "1000",
                    "tom",
                    unit="subscribers",
                ),
                KRSpec(
                    "Publish 8 in-depth guides",
                    "0",
                    "8",
                    "tom",
                    unit="guides",
                    result_type="output",
                    decimals=0,
                ),
            ),
            owner_team="marketing",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "product",
            "Make Northwind fast and reliable",
            (
                KRSpec(
                    "Cut the p95 page load from 3.2 to 1.5 seconds",
                    "3.2",
                    "1.5",
                    "jonas",
                    unit="s",
                    direction="decrease",
                ),
                _pct(
                    "Keep uptime at or above 99.9%",
                    "99.5",
                    "99.9",
                    "priya",
                    direction="at_least",
                    final=1.1,
                ),
            ),
            owner_team="product",
            kind="committed",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "customer-success",
            "Every customer knows who to call",
            (
                _pct("Give 100% of accounts a named contact, from 20%", "20", "100", "chloe"),
                KRSpec(
                    "Run quarterly reviews with 30 key accounts",
                    "0",
                    "30",
                    "chloe",
                    unit="accounts",
                    decimals=0,
                ),
            ),
            owner_team="customer-success",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "sales",
            "Build a sales pipeline we can trust",
            (
                KRSpec(
                    "Grow the qualified pipeline from $150k to $300k",
                    "150000",
                    "300000",
                    "omar",
                    unit="$",
                    kind="currency",
                    final=1.0,
                ),
                _pct("Raise the win rate from 15% to 22%", "15", "22", "omar", final=1.0),
            ),
            owner_team="sales",
            parents=SUPPORTS_COMPANY,
        ),
        ObjectiveSpec(
            "marathon",
            "Stick to a regular running schedule",
            (
                KRSpec("Run 3 times a week, from once", "1", "3", "jonas", unit="runs/week"),
                KRSpec("Weekly distance from 5 to 15 km", "5", "15", "jonas", unit="km/week"),
            ),
            owner_person="jonas",
            description=MARATHON_DESCRIPTION,
        ),
    )


def _carry_over(
    current: tuple[ObjectiveSpec, ...], previous: tuple[ObjectiveSpec, ...], key: str
) -> tuple[ObjectiveSpec, ...]:
    """``current`` with a copy of the previous quarter's objective ``key`` before the personal
    objectives: same words, owner, kind and key results, check-ins starting afresh."""
    (origin,) = (spec for spec in previous if spec.key == key)
    copy = replace(
        origin,
        key=f"{key}-carried-over",
        krs=tuple(replace(kr, final=None, score=None, score_reason="") for kr in origin.krs),
        retro_worked="",
        retro_change="",
        carried_from=key,
    )
    teams = [spec for spec in current if spec.owner_person is None]
    people = [spec for spec in current if spec.owner_person is not None]
    return (*teams, copy, *people)


_LAST_QUARTER = _one_quarter_back()

# Offset from the current quarter -> its objectives.
QUARTERS: dict[int, tuple[ObjectiveSpec, ...]] = {
    0: _carry_over(_current_quarter(), _LAST_QUARTER, "product"),
    1: _LAST_QUARTER,
    2: _two_quarters_back(),
    3: _three_quarters_back(),
    4: _four_quarters_back(),
}

# --- KPIs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiSpec:
    key: str
    name: str
    description: str
    unit: str
    direction: str  # higher, lower, range
    cadence: str  # day, week, month, quarter
    aggregation: str
    owner_team: str | None
    owner: str | None  # a PersonSpec key
    target: str | None
    warning: str | None
    critical: str | None
    warning_recovery: str | None
    critical_recovery: str | None
    # The level over the whole history: (t, value) with t = 0 at the oldest period, 1 at today.
    path: tuple[tuple[float, float], ...]
    noise: float
    decimals: int
    source: str = "manual"
    range_low: str | None = None
    range_high: str | None = None
    # Value of the last period that ends before the current quarter: what its KRs start from.
    baseline: float | None = None
    # Exact values of the latest periods: (age, value, note); age 1 is the last closed period.
    pins: tuple[tuple[int, float, str], ...] = ()
    low: float = 0.0
    high: float | None = None


# fmt: off
KPIS: tuple[KpiSpec, ...] = (
    # Marketing: the dashboard the seed lists next to its OKR.
    KpiSpec(
        "dau-mau", "DAU/MAU", "Daily active users as a share of monthly active users.",
        "%", "higher", "week", "mean", "marketing", "maya",
        target="25", warning="15", critical="12", warning_recovery="16", critical_recovery="13",
        path=((0.0, 16.0), (0.5, 19.0), (1.0, 23.5)), noise=0.6, decimals=1, source="api",
        high=100.0,
    ),
    KpiSpec(
        "conversion-rate", "Conversion rate", "Website visitors who start a trial.",
        "%", "higher", "week", "mean", "marketing", "tom",
        target="4", warning="2.5", critical="2", warning_recovery="2.7", critical_recovery="2.2",
        path=((0.0, 2.7), (0.6, 3.4), (1.0, 3.2)), noise=0.1, decimals=2, source="api",
        high=100.0,
    ),
    KpiSpec(
        "cac", "Customer acquisition cost", "Sales and marketing spend per new paying customer.",
        "$", "lower", "month", "last", "marketing", "maya",
        target="180", warning="220", critical="260", warning_recovery="210",
        critical_recovery="250",
        path=((0.0, 206.0), (0.6, 212.0), (0.85, 240.0), (1.0, 275.0)), noise=4.0, decimals=0,
        pins=(
            (2, 264.0, "Paid campaigns for the visitors key result started this month."),
            (1, 272.0, "Still above the critical line: the paid campaigns cost more than planned."),
        ),
    ),
    KpiSpec(
        "domain-rating", "Domain rating", "Strength of the website's backlink profile (0-100).",
        "", "higher", "month", "last", "marketing", "tom",
        target="50", warning="30", critical="25", warning_recovery="32", critical_recovery="27",
        path=((0.0, 22.0), (0.25, 25.0), (0.45, 31.0), (1.0, 41.0)), noise=0.6, decimals=0,
        source="api", high=100.0,
    ),
    KpiSpec(
        "bounce-rate", "Bounce rate", "Visits that leave after a single page.",
        "%", "lower", "week", "mean", "marketing", "tom",
        target="45", warning="55", critical="65", warning_recovery="53", critical_recovery="62",
        path=((0.0, 70.0), (0.45, 67.0), (0.62, 59.0), (1.0, 57.0)), noise=0.8, decimals=1,
        source="api", pins=((1, 57.4, ""),), high=100.0,
    ),
    # Product: the engagement the product team's OKRs move.
    KpiSpec(
        "retention-1m", "1-month retention", "New users still active a month after sign-up.",
        "%", "higher", "month", "last", "product", "priya",
        target="35", warning="15", critical="12", warning_recovery="16", critical_recovery="13",
        path=((0.0, 13.0), (1.0, 24.0)), noise=0.5, decimals=1, source="api", baseline=20.0,
        high=100.0,
    ),
    KpiSpec(
        "time-in-app", "Average time in app", "Minutes per active user per day.",
        "min", "higher", "week", "mean", "product", "jonas",
        target="25", warning="10", critical="8", warning_recovery="11", critical_recovery="9",
        path=((0.0, 10.5), (1.0, 20.0)), noise=0.5, decimals=1, source="api", baseline=15.0,
    ),
    KpiSpec(
        "sessions", "Sessions per user per day", "Sessions per active user per day.",
        "sessions", "higher", "week", "mean", "product", "priya",
        target="8", warning="3", critical="2.5", warning_recovery="3.3",
        critical_recovery="2.8",
        path=((0.0, 3.6), (1.0, 6.8)), noise=0.15, decimals=1, source="api", baseline=5.0,
    ),
    # Customer success: the seed's NPS example, with the competitors' benchmark.
    KpiSpec(
        "nps", "NPS", "Net Promoter Score from the monthly customer survey.",
        "", "higher", "month", "last", "customer-success", "chloe",
        target="45", warning="25", critical="15", warning_recovery="27", critical_recovery="17",
        path=((0.0, 24.0), (1.0, 34.0)), noise=0.8, decimals=0, baseline=32.0, low=-100.0,
        high=100.0,
    ),
    # Sales: revenue is a KPI; the "Increase revenue" OKR rewrites it with extra steps.
    KpiSpec(
        "revenue", "Revenue", "Recognised revenue per month.",
        "$", "higher", "month", "sum", "sales", "omar",
        target="120000", warning="90000", critical="80000", warning_recovery="95000",
        critical_recovery="85000",
        path=((0.0, 82000.0), (1.0, 118000.0)), noise=1500.0, decimals=0, source="api",
    ),
    # The marathon runner's KPIs (the seed's analogy).
    KpiSpec(
        "resting-heart-rate", "Resting heart rate", "Morning resting heart rate from the watch.",
        "bpm", "lower", "day", "last", None, "jonas",
        target="55", warning="65", critical="72", warning_recovery="63", critical_recovery="70",
        path=((0.0, 64.0), (1.0, 54.5)), noise=1.0, decimals=0, source="api",
    ),
    KpiSpec(
        "weight", "Weight", "Weekly weigh-in.",
        "kg", "lower", "week", "last", None, "jonas",
        target="72", warning="78", critical="81", warning_recovery="77", critical_recovery="80",
        path=((0.0, 79.5), (1.0, 73.2)), noise=0.3, decimals=1,
    ),
    KpiSpec(
        "hydration", "Hydration", "Water per day; the thresholds are distances outside the range.",
        "l/day", "range", "day", "sum", None, "jonas",
        target="3", warning="0.2", critical="0.5", warning_recovery="0.1",
        critical_recovery="0.4", range_low="2.5", range_high="3.5",
        path=((0.0, 2.4), (0.4, 2.8), (1.0, 3.0)), noise=0.15, decimals=1,
        pins=((1, 3.1, ""),),
    ),
)
# fmt: on

NPS_BENCHMARK = ("Competitor NPS", "50", "Industry survey")

# --- strategy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixItemSpec:
    key: str  # unique within the matrix; the corners name these keys
    kind: str  # breakthrough, annual, priority, metric
    title: str
    description: str = ""
    # Annual objectives: (quarter offset or None for the annual cycle, objective key) of the
    # company objectives they stand for; those outside the fiscal year are left out.
    objectives: tuple[tuple[int | None, str], ...] = ()
    kpi: str | None = None  # metrics: a KpiSpec key
    baseline: str | None = None
    target: str | None = None
    unit: str = ""
    owner: str | None = None  # metrics: a PersonSpec key


@dataclass(frozen=True)
class ResourceSpec:
    key: str
    team: str | None = None  # a team slug
    person: str | None = None  # a PersonSpec key


# The X-Matrix of the current fiscal year, read south -> west -> north -> east.
MATRIX_TITLE = "Northwind Labs: strategy on one page"
MATRIX_ITEMS: tuple[MatrixItemSpec, ...] = (
    MatrixItemSpec(
        "b-default",
        "breakthrough",
        "Be the default analytics tool for teams under 50 people",
        "By the end of 2029: the tool a small team picks without a procurement process.",
    ),
    MatrixItemSpec(
        "b-self-serve",
        "breakthrough",
        "Half of new revenue comes self-serve, without a sales call",
    ),
    MatrixItemSpec(
        "b-day-one",
        "breakthrough",
        "Every customer sees a useful insight on the day they sign up",
    ),
    MatrixItemSpec(
        "a-growth",
        "annual",
        "Grow to 700 paying customers and $1.8M annual recurring revenue",
        objectives=((None, "annual"),),
    ),
    MatrixItemSpec(
        "a-trials",
        "annual",
        "Turn trials into customers who stay",
        objectives=((3, "company"), (2, "company")),
    ),
    MatrixItemSpec(
        "a-habit",
        "annual",
        "Make Northwind part of every small team's week",
        objectives=((1, "company"), (0, "company")),
    ),
    MatrixItemSpec(
        "a-first-week",
        "annual",
        "Get every new team to its first insight in its first week",
        objectives=((0, "first-week"),),
    ),
    MatrixItemSpec(
        "p-onboarding",
        "priority",
        "Guided onboarding with OKR and KPI starter templates",
    ),
    MatrixItemSpec("p-upgrade", "priority", "A self-serve path from trial to paid"),
    MatrixItemSpec("p-digest", "priority", "Weekly team digest and Slack integration"),
    MatrixItemSpec("p-inbound", "priority", "A content and search engine for inbound leads"),
    MatrixItemSpec("p-health", "priority", "Customer health scores and proactive check-ins"),
    MatrixItemSpec(
        "m-retention",
        "metric",
        "1-month retention",
        kpi="retention-1m",
        baseline="20",
        target="35",
        unit="%",
        owner="priya",
    ),
    MatrixItemSpec("m-nps", "metric", "NPS", kpi="nps", baseline="32", target="55", owner="chloe"),
    MatrixItemSpec(
        "m-conversion",
        "metric",
        "Visitor to trial conversion",
        kpi="conversion-rate",
        baseline="2.7",
        target="4",
        unit="%",
        owner="tom",
    ),
    MatrixItemSpec(
        "m-sessions",
        "metric",
        "Sessions per user per day",
        kpi="sessions",
        baseline="5",
        target="8",
        unit="sessions",
        owner="jonas",
    ),
    MatrixItemSpec(
        "m-revenue",
        "metric",
        "Monthly recognised revenue",
        kpi="revenue",
        baseline="95000",
        target="150000",
        unit="$",
        owner="omar",
    ),
)
MATRIX_RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec("product", team="product"),
    ResourceSpec("customer-success", team="customer-success"),
    ResourceSpec("marketing", team="marketing"),
    ResourceSpec("omar", person="omar"),
)
# (row, column, strength); the row is the first of breakthrough x annual, annual x priority,
# priority x metric, metric x breakthrough.
MATRIX_CORRELATIONS: tuple[tuple[str, str, str], ...] = (
    ("b-default", "a-growth", "strong"),
    ("b-default", "a-habit", "strong"),
    ("b-default", "a-trials", "moderate"),
    ("b-self-serve", "a-trials", "strong"),
    ("b-self-serve", "a-growth", "moderate"),
    ("b-self-serve", "a-first-week", "weak"),
    ("b-day-one", "a-first-week", "strong"),
    ("b-day-one", "a-habit", "moderate"),
    ("a-growth", "p-inbound", "strong"),
    ("a-growth", "p-upgrade", "moderate"),
    ("a-trials", "p-upgrade", "strong"),
    ("a-trials", "p-health", "moderate"),
    ("a-habit", "p-digest", "strong"),
    ("a-habit", "p-health", "weak"),
    ("a-first-week", "p-onboarding", "strong"),
    ("a-first-week", "p-digest", "weak"),
    ("p-onboarding", "m-nps", "strong"),
    ("p-onboarding", "m-retention", "moderate"),
    ("p-upgrade", "m-revenue", "strong"),
    ("p-upgrade", "m-conversion", "moderate"),
    ("p-digest", "m-sessions", "strong"),
    ("p-digest", "m-retention", "moderate"),
    ("p-inbound", "m-conversion", "strong"),
    ("p-health", "m-retention", "moderate"),
    ("p-health", "m-nps", "moderate"),
    ("m-retention", "b-default", "strong"),
    ("m-nps", "b-day-one", "strong"),
    ("m-conversion", "b-self-serve", "moderate"),
    ("m-sessions", "b-default", "moderate"),
    ("m-revenue", "b-self-serve", "strong"),
)
# (priority, resource, responsibility)
MATRIX_ASSIGNMENTS: tuple[tuple[str, str, str], ...] = (
    ("p-onboarding", "customer-success", "primary"),
    ("p-onboarding", "product", "secondary"),
    ("p-upgrade", "omar", "primary"),
    ("p-upgrade", "product", "secondary"),
    ("p-digest", "product", "primary"),
    ("p-digest", "marketing", "secondary"),
    ("p-inbound", "marketing", "primary"),
    ("p-health", "customer-success", "primary"),
    ("p-health", "omar", "secondary"),
)


@dataclass(frozen=True)
class FactorSpec:
    name: str
    errc: str  # "", eliminate, reduce, raise, create
    rationale: str
    levels: tuple[int, ...]  # one per CANVAS_PLAYERS entry, in order
    objective: str | None = None  # key of the current quarter's objective made from it


CANVAS_TITLE = "Northwind against the analytics suites"
CANVAS_TAGLINE = "Analytics a small team runs itself, from day one"
CANVAS_DESCRIPTION = (
    "The suites compete on depth for analysts. Small teams have no analyst: they need an answer "
    "in their first week and a reason to come back every Monday."
)
# (name, kind)
CANVAS_PLAYERS: tuple[tuple[str, str], ...] = (
    ("Northwind today", "us"),
    ("InsightSuite", "competitor"),
    ("Metricly", "competitor"),
    ("Industry average", "industry"),
    ("Northwind next", "new_curve"),
)
CANVAS_FACTORS: tuple[FactorSpec, ...] = (
    FactorSpec(
        "Price",
        "reduce",
        "Suites charge per analyst seat; a small team pays one flat price, well below them.",
        (4, 9, 7, 8, 3),
    ),
    FactorSpec(
        "Implementation services",
        "eliminate",
        "No consultants and no tracking-plan projects: templates and defaults replace them.",
        (3, 9, 6, 7, 0),
    ),
    FactorSpec(
        "Dashboard builder depth",
        "reduce",
        "A few opinionated dashboards answer what small teams ask; an endless builder slows them.",
        (5, 10, 8, 8, 4),
    ),
    FactorSpec(
        "Data governance controls",
        "reduce",
        "Sensible defaults and audit logs are enough below 50 people.",
        (3, 9, 6, 7, 2),
    ),
    FactorSpec(
        "Integrations",
        "raise",
        "Meet teams where they already work: Slack, billing and the CRM.",
        (5, 7, 6, 6, 8),
    ),
    FactorSpec(
        "Guided onboarding",
        "raise",
        "Teams that see a first insight in week one stay; nobody else guides them there.",
        (4, 3, 5, 4, 9),
        objective="first-week",
    ),
    FactorSpec(
        "Goal templates and coaching",
        "create",
        "No competitor ties the numbers to the team's goals: OKR and KPI templates with a coach.",
        (1, 0, 0, 0, 9),
    ),
)
