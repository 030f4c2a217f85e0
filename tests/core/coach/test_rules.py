"""The coach's rules one by one: what fires, what does not, what it says, and in which order."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headway.core.coach import (
    RULES,
    CycleDraft,
    Finding,
    KeyResultDraft,
    ObjectiveDraft,
    Rule,
    Severity,
    has_errors,
    lint_cycle,
    lint_objective,
)

FAST = settings(max_examples=100, deadline=None, database=None)

GOOD_KRS = (
    KeyResultDraft("Onboarding NPS rises from 32 to 55", start=32, target=55),
    KeyResultDraft(
        "Median time to first value drops from 3 days to 1 day",
        start=3,
        target=1,
        direction="decrease",
    ),
)


def objective(
    title: str = "Our customers love our onboarding", *krs: KeyResultDraft, **kw: object
) -> ObjectiveDraft:
    return ObjectiveDraft(title=title, key_results=krs or GOOD_KRS, **kw)  # type: ignore[arg-type]


def with_kr(kr: KeyResultDraft, title: str = "Our customers love our onboarding") -> ObjectiveDraft:
    """A good objective whose second key result is `kr`."""
    return ObjectiveDraft(title=title, key_results=(GOOD_KRS[0], kr))


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: list[Finding], rule_id: str) -> Finding:
    matching = [f for f in findings if f.rule == rule_id]
    assert len(matching) == 1, findings
    return matching[0]


# --- The rule book --------------------------------------------------------------------------


def test_the_rule_book_lists_every_rule_with_its_severity() -> None:
    assert {rule_id: rule.severity for rule_id, rule in RULES.items()} == {
        "objective-has-number": Severity.WARNING,
        "kpi-in-okr-format": Severity.ERROR,
        "objective-too-long": Severity.INFO,
        "too-few-key-results": Severity.WARNING,
        "too-many-key-results": Severity.WARNING,
        "nothing-to-measure": Severity.ERROR,
        "no-baseline": Severity.WARNING,
        "target-equals-start": Severity.ERROR,
        "output-not-outcome": Severity.WARNING,
        "duplicate-key-results": Severity.WARNING,
        "too-many-objectives": Severity.WARNING,
        "unaligned-team-objective": Severity.INFO,
        "always-perfect-score": Severity.WARNING,
        "overconfident-week-one": Severity.INFO,
    }
    for rule_id, rule in RULES.items():
        assert isinstance(rule, Rule)
        assert rule.id == rule_id
        assert rule.title
        # One sentence: a single full stop, at the end.
        assert rule.why.endswith(".") and rule.why.count(". ") == 0, rule.why


def test_the_rule_book_is_read_only() -> None:
    with pytest.raises(TypeError):
        RULES["new-rule"] = RULES["no-baseline"]  # type: ignore[index]


# --- The seeds' OKRs ------------------------------------------------------------------------


def test_a_well_formed_okr_gets_no_finding() -> None:
    assert lint_objective(objective()) == []


def test_the_kpi_with_extra_steps_is_an_error() -> None:
    demo = ObjectiveDraft(
        "Increase revenue",
        (KeyResultDraft("10% more revenue", start=0, target=10, kind="percentage"),),
        key="o-revenue",
    )
    findings = lint_objective(demo)
    assert {"kpi-in-okr-format", "too-few-key-results"} <= set(rules_of(findings))
    assert has_errors(findings)
    kpi = only(findings, "kpi-in-okr-format")
    assert kpi.severity is Severity.ERROR
    assert "Increase revenue" in kpi.message and "10% more revenue" in kpi.message
    assert "KPI" in kpi.suggestion
    assert kpi.objective == "o-revenue"
    assert kpi.target == "objective"


# --- Objective rules ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "quoted"),
    [
        ("Grow MRR by 20%", "20%"),
        ("Reach 1,000 paying customers", "1,000"),
        ("Make onboarding 5x faster", "5x"),
        ("Add $2M in new bookings", "$2M"),
        ("Put our app in the hands of a million learners", "million"),
    ],
)
def test_objective_has_number(title: str, quoted: str) -> None:
    found = only(lint_objective(objective(title)), "objective-has-number")
    assert found.severity is Severity.WARNING
    assert quoted in found.message and title in found.message
    assert quoted in found.suggestion


@pytest.mark.parametrize(
    "title",
    [
        "Win the SMB market",
        "Be the B2B partner small firms trust",
        "Offer 24/7 support customers rave about",
        "Own the Q4 holiday season",
        "Make our 3D viewer the reason architects choose us",
        "Become the #1 choice for dental clinics",
        "Be carbon neutral by 2030",
        "Ace our SOC 2 audit",
        "Nail our 1st enterprise rollout",
        "Double down on our best channel",
    ],
)
def test_labels_and_dates_are_not_numbers(title: str) -> None:
    assert "objective-has-number" not in rules_of(lint_objective(objective(title)))


@pytest.mark.parametrize(
    ("title", "kr_title"),
    [
        ("Increase revenue", "Grow revenue from $1M to $1.3M"),
        ("Reduce customer churn", "Reduce monthly churn from 3% to 2%"),
        ("Reduce cloud costs", "Reduce the monthly AWS bill from $120k to $90k"),
        ("Grow to 1 million monthly listeners", "Increase monthly listeners from 400k to 1M"),
        ("Improve customer satisfaction", "Raise customer satisfaction score from 7.1 to 8.5"),
    ],
)
def test_kpi_in_okr_format(title: str, kr_title: str) -> None:
    kr = KeyResultDraft(kr_title, start=1, target=2)
    found = only(lint_objective(with_kr(kr, title)), "kpi-in-okr-format")
    assert title in found.message and kr_title in found.message


@pytest.mark.parametrize(
    ("title", "kr_title"),
    [
        # Engagement is a state with several measures; the KR measures one side of it.
        ("Increase user engagement", "Increase the number of sessions from 5 to 10 per user"),
        ("Improve customer satisfaction", "Reduce first response time from 8 to 2 hours"),
        ("Increase churn reduction initiatives", "Reduce monthly churn from 3% to 2%"),
        ("Grow the community", "Raise weekly posts by community members from 50 to 200"),
        ("Win the SMB market", "Grow SMB revenue from $1M to $2M"),
        # The same metric, but the KR is a milestone: nothing is restated as a number.
        ("Increase revenue", "Revenue dashboard live"),
    ],
)
def test_not_a_kpi_in_okr_format(title: str, kr_title: str) -> None:
    kind = "milestone" if "live" in kr_title else "metric"
    kr = KeyResultDraft(kr_title, start=1, target=2, kind=kind)
    assert "kpi-in-okr-format" not in rules_of(lint_objective(with_kr(kr, title)))


def test_objective_too_long() -> None:
    title = (
        "Make sure that every single customer who signs up for a trial has a smooth and"
        " delightful experience during the first week"
    )
    found = only(lint_objective(objective(title)), "objective-too-long")
    assert found.severity is Severity.INFO
    assert "Make sure that every single customer" in found.message
    short = "Make every new engineer productive and confident in their first month"
    assert "objective-too-long" not in rules_of(lint_objective(objective(short)))


def test_too_few_key_results() -> None:
    none = only(lint_objective(ObjectiveDraft("Make hiring fast and fair")), "too-few-key-results")
    assert "no key results" in none.message
    one = ObjectiveDraft("Delight our enterprise customers", (GOOD_KRS[0],))
    found = only(lint_objective(one), "too-few-key-results")
    assert GOOD_KRS[0].title in found.message
    assert "too-few-key-results" not in rules_of(lint_objective(objective()))


def test_too_many_key_results() -> None:
    krs = tuple(
        KeyResultDraft(f"Raise {metric} from 10 to 20", start=10, target=20)
        for metric in ("app rating", "retention", "activation", "referrals", "reviews", "NPS")
    )
    found = only(lint_objective(objective("Our app is a joy", *krs)), "too-many-key-results")
    assert "6 key results" in found.message
    assert "too-many-key-results" not in rules_of(lint_objective(objective("A joy", *krs[:5])))


# --- Key result rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kr", "why"),
    [
        (KeyResultDraft("Raise help-centre deflection to 40%", target=40), "no starting value"),
        (KeyResultDraft("Cut payout time to 2 days", start=5, target=2), "not where it starts"),
        (KeyResultDraft("Reduce payment failures by 30%", start=0, target=30), "a change"),
        (KeyResultDraft("Onboarding NPS", target=55), "no starting value"),
    ],
)
def test_no_baseline(kr: KeyResultDraft, why: str) -> None:
    found = only(lint_objective(with_kr(kr)), "no-baseline")
    assert found.target == "key_results[1]"
    assert kr.title in found.message and why in found.message
    assert "from X to" in found.suggestion


@pytest.mark.parametrize(
    "kr",
    [
        KeyResultDraft("Increase trial signups from 250 to 500", target=500),  # start in title
        KeyResultDraft("Keep uptime at or above 99.9%", target=99.9, direction="at_least"),
        KeyResultDraft("Partner portal live", kind="milestone"),
        KeyResultDraft("Raise NPS from 30 to 45", start=30, target=45),
    ],
)
def test_has_a_baseline(kr: KeyResultDraft) -> None:
    assert "no-baseline" not in rules_of(lint_objective(with_kr(kr)))


def test_target_equals_start() -> None:
    kr = KeyResultDraft("Raise test coverage from 60% to 60%", start=60, target=60)
    found = only(lint_objective(with_kr(kr)), "target-equals-start")
    assert found.severity is Severity.ERROR
    assert "60" in found.message and kr.title in found.message
    holding = KeyResultDraft("Keep NPS at or above 50", start=50, target=50, direction="at_least")
    moving = KeyResultDraft("Raise NPS from 50 to 60", start=50, target=60)
    for fine in (holding, moving):
        assert "target-equals-start" not in rules_of(lint_objective(with_kr(fine)))


@pytest.mark.parametrize(
    ("kr", "quoted"),
    [
        (KeyResultDraft("Improve the API docs"), "Improve the API docs"),
        (KeyResultDraft("Do better at answering tickets"), "Do better at answering tickets"),
        (KeyResultDraft("Improve the onboarding experience", start=3, target=5), "improve"),
    ],
)
def test_nothing_to_measure(kr: KeyResultDraft, quoted: str) -> None:
    found = only(lint_objective(with_kr(kr)), "nothing-to-measure")
    assert found.severity is Severity.ERROR
    assert quoted in found.message


@pytest.mark.parametrize(
    "kr",
    [
        KeyResultDraft("Improve onboarding NPS from 30 to 45", start=30, target=45),
        KeyResultDraft("SOC 2 report signed by the auditor", kind="milestone"),
        KeyResultDraft("Improve onboarding", start=3, target=5, unit="stars"),
    ],
)
def test_something_to_measure(kr: KeyResultDraft) -> None:
    assert "nothing-to-measure" not in rules_of(lint_objective(with_kr(kr)))


@pytest.mark.parametrize(
    ("kr", "quoted"),
    [
        (KeyResultDraft("Ship the new onboarding wizard", kind="milestone"), "ship"),
        (KeyResultDraft("Hold 5 workshops", start=0, target=5), "hold"),
        (KeyResultDraft("Write 10 blog posts", start=0, target=10), "write"),
        (KeyResultDraft("KR3: Roll out the new CRM", kind="milestone"), "roll out"),
        (KeyResultDraft("Run 4 manager workshops", start=0, target=4), "run"),
        (KeyResultDraft("Portal v2 available", kind="milestone", result_type="output"), ""),
    ],
)
def test_output_not_outcome(kr: KeyResultDraft, quoted: str) -> None:
    found = only(lint_objective(with_kr(kr)), "output-not-outcome")
    assert kr.title in found.message and quoted in found.message
    assert "customers" in found.suggestion


@pytest.mark.parametrize(
    "kr",
    [
        KeyResultDraft("Reduce time to deploy from 3 days to 2 hours", start=72, target=2),
        KeyResultDraft("Run 10 km in under 50 minutes, from 58 today", start=58, target=50),
        KeyResultDraft("Launched features reach 30% adoption", result_type="outcome", target=30),
        KeyResultDraft("Move activation from 20% to 35%", start=20, target=35),
    ],
)
def test_outcomes_are_not_outputs(kr: KeyResultDraft) -> None:
    assert "output-not-outcome" not in rules_of(lint_objective(with_kr(kr)))


def test_duplicate_key_results() -> None:
    first = KeyResultDraft("Reduce time to hire from 45 to 30 days", start=45, target=30)
    again = KeyResultDraft("Cut time-to-hire from 45 days to 30 days.", start=45, target=30)
    found = only(
        lint_objective(objective("Hiring runs smoothly", first, again)), "duplicate-key-results"
    )
    assert found.target == "key_results[1]"
    assert first.title in found.message and again.title in found.message
    weekly = KeyResultDraft(
        "Increase weekly active teams from 800 to 2,000", start=800, target=2000
    )
    monthly = KeyResultDraft("Increase monthly active teams from 1,500 to 3,000", target=3000)
    assert "duplicate-key-results" not in rules_of(lint_objective(objective("X", weekly, monthly)))


# --- Switching rules off, order -------------------------------------------------------------


def test_disabled_rules_are_skipped_and_unknown_ids_ignored() -> None:
    demo = ObjectiveDraft("Increase revenue", (KeyResultDraft("10% more revenue", 0, 10),))
    everything = set(rules_of(lint_objective(demo)))
    assert "kpi-in-okr-format" in everything
    fewer = lint_objective(demo, disabled={"kpi-in-okr-format", "no-such-rule"})
    assert set(rules_of(fewer)) == everything - {"kpi-in-okr-format"}
    assert lint_objective(demo, disabled=list(RULES)) == []


def test_findings_come_objective_first_then_key_results_in_order() -> None:
    messy = ObjectiveDraft(
        "Grow MRR by 20%",
        (
            KeyResultDraft("Ship the billing page", kind="milestone"),
            KeyResultDraft("Increase MRR to $60k", target=60000),
            KeyResultDraft("Improve the API docs"),
        ),
    )
    findings = lint_objective(messy)
    assert [(f.target, f.rule) for f in findings] == [
        ("objective", "objective-has-number"),
        ("objective", "kpi-in-okr-format"),
        ("key_results[0]", "output-not-outcome"),
        ("key_results[1]", "no-baseline"),
        ("key_results[2]", "nothing-to-measure"),
    ]
    assert lint_objective(messy) == findings


def test_the_objective_is_named_by_key_else_by_title() -> None:
    untitled = ObjectiveDraft("Grow MRR by 20%", GOOD_KRS)
    assert {f.objective for f in lint_objective(untitled)} == {"Grow MRR by 20%"}
    keyed = ObjectiveDraft("Grow MRR by 20%", GOOD_KRS, key="mrr")
    assert {f.objective for f in lint_objective(keyed)} == {"mrr"}


def test_findings_serialize() -> None:
    found = lint_objective(objective("Grow MRR by 20%"))[0]
    assert found.as_dict()["rule"] == "objective-has-number"
    assert found.as_dict()["severity"] == "warning"


def test_has_errors() -> None:
    assert not has_errors([])
    assert not has_errors(lint_objective(objective("Grow MRR by 20%")))
    assert has_errors(iter(lint_objective(with_kr(KeyResultDraft("Improve the docs")))))


# --- Cycle rules ----------------------------------------------------------------------------


def team_objective(title: str, owner: str = "team:growth", **kw: object) -> ObjectiveDraft:
    return ObjectiveDraft(title, GOOD_KRS, key=title.lower(), owner=owner, **kw)  # type: ignore[arg-type]


def test_too_many_objectives_per_owner() -> None:
    five = tuple(team_objective(f"Aim {n}") for n in "ABCDE")
    others = tuple(team_objective(f"Other {n}", owner="team:ops") for n in "ABC")
    findings = lint_cycle(CycleDraft(five + others))
    found = only(findings, "too-many-objectives")
    assert found.target == "cycle" and found.objective == ""
    assert "team:growth" in found.message and "5 objectives" in found.message
    assert "too-many-objectives" not in rules_of(lint_cycle(CycleDraft(five[:4] + others)))


def test_unaligned_team_objective_only_when_the_company_has_objectives() -> None:
    company = ObjectiveDraft(
        "Customers love us", GOOD_KRS, key="c", owner="team:co", is_company=True
    )
    lonely = team_objective("Our own thing")
    aligned = team_objective("Our part", aligned=True)
    personal = team_objective("My part", owner="person:dana", owner_is_team=False)
    findings = lint_cycle(CycleDraft((company, lonely, aligned, personal)))
    found = only(findings, "unaligned-team-objective")
    assert found.objective == "our own thing" and found.target == "objective"
    assert "Our own thing" in found.message and "Customers love us" in found.message
    assert lint_cycle(CycleDraft((lonely, aligned))) == []


def test_always_perfect_score() -> None:
    history = {"team:growth": (0.5, 0.9, 1.0), "team:ops": (1.0, 0.6), "team:gone": (1.0, 1.0)}
    current = (team_objective("A", score=1.0), team_objective("B", owner="team:ops", score=0.7))
    findings = lint_cycle(CycleDraft(current, history=history))
    perfect = [f for f in findings if f.rule == "always-perfect-score"]
    assert [f.message.split("\u201d")[0] for f in perfect] == [
        "\u201cteam:growth",
        "\u201cteam:gone",
    ]
    assert "0.9, 1, 1" in perfect[0].message
    committed = team_objective("A", score=1.0, kind="committed")
    calm = CycleDraft((committed,), history={"team:growth": (0.4, 1.0)})
    assert "always-perfect-score" not in rules_of(lint_cycle(calm))


def test_overconfident_week_one() -> None:
    sure = tuple(
        KeyResultDraft(f"Raise {m} from 1 to 2", start=1, target=2, confidence=10)
        for m in ("activation", "referrals", "reviews")
    )
    cycle = CycleDraft((objective("Be great", *sure),), name="2026-Q1", week=1)
    found = only(lint_cycle(cycle), "overconfident-week-one")
    assert "2026-Q1" in found.message and "3 key results" in found.message
    later = CycleDraft(cycle.objectives, week=2)
    unsure = KeyResultDraft("Raise reviews from 1 to 2", start=1, target=2, confidence=7)
    doubtful = CycleDraft((objective("Be great", *sure[:2], unsure),), week=1)
    too_few = CycleDraft((objective("Be great", *sure[:2]),), week=1)
    for fine in (later, doubtful, too_few):
        assert "overconfident-week-one" not in rules_of(lint_cycle(fine))


def test_lint_cycle_groups_by_objective_then_the_cycle() -> None:
    first = team_objective("Grow MRR by 20%")
    second = team_objective("Ship 3 features")
    sure = tuple(
        KeyResultDraft(f"Raise {m} from 1 to 2", 1, 2, confidence=10)
        for m in ("activation", "referrals", "reviews")
    )
    third = ObjectiveDraft("Be great", sure, key="g", owner="team:growth")
    extra = tuple(team_objective(f"Aim {n}") for n in "AB")
    cycle = CycleDraft((first, second, third, *extra), week=1)
    findings = lint_cycle(cycle)
    assert [(f.objective, f.rule) for f in findings] == [
        ("grow mrr by 20%", "objective-has-number"),
        ("ship 3 features", "objective-has-number"),
        ("", "too-many-objectives"),
        ("", "overconfident-week-one"),
    ]
    assert lint_cycle(cycle) == findings
    assert lint_cycle(cycle, disabled={"too-many-objectives"}) == [
        f for f in findings if f.rule != "too-many-objectives"
    ]


# --- Never crashes --------------------------------------------------------------------------

numbers = st.none() | st.floats(allow_nan=True, allow_infinity=True)
key_results = st.builds(
    KeyResultDraft,
    title=st.text(max_size=120),
    start=numbers,
    target=numbers,
    kind=st.sampled_from(["metric", "percentage", "currency", "milestone", "other"]) | st.text(),
    direction=st.sampled_from(["increase", "decrease", "at_least", "at_most"]) | st.text(),
    unit=st.text(max_size=5),
    result_type=st.none() | st.sampled_from(["outcome", "output"]) | st.text(max_size=8),
    confidence=st.none() | st.integers(-5, 20),
)
objectives = st.builds(
    ObjectiveDraft,
    title=st.text(max_size=200),
    key_results=st.lists(key_results, max_size=7).map(tuple),
    key=st.text(max_size=10),
)


@FAST
@given(objectives)
def test_lint_objective_never_raises_and_names_only_known_rules(draft: ObjectiveDraft) -> None:
    findings = lint_objective(draft)
    assert {f.rule for f in findings} <= set(RULES)
    for f in findings:
        assert f.message and f.suggestion
        assert f.severity is RULES[f.rule].severity
    assert lint_objective(draft) == findings


# The cycle rules read owners, flags, scores and confidences: vary those, not the text.
cycle_objectives = st.builds(
    ObjectiveDraft,
    title=st.sampled_from(["Win the SMB market", "Grow MRR by 20%", ""]),
    key_results=st.lists(
        st.builds(
            KeyResultDraft,
            title=st.just("Raise NPS from 30 to 45"),
            confidence=st.none() | st.integers(-5, 20),
        ),
        max_size=4,
    ).map(tuple),
    owner=st.sampled_from(["", "team:a", "team:b"]),
    owner_is_team=st.booleans(),
    is_company=st.booleans(),
    aligned=st.booleans(),
    kind=st.sampled_from(["aspirational", "committed", "?"]),
    score=numbers,
)


@FAST
@given(
    st.lists(cycle_objectives, max_size=7),
    st.none() | st.integers(0, 3),
    st.dictionaries(
        st.sampled_from(["", "team:a", "team:c"]),
        st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=4).map(tuple),
    ),
)
def test_lint_cycle_never_raises(
    drafts: list[ObjectiveDraft], week: int | None, history: dict[str, tuple[float, ...]]
) -> None:
    findings = lint_cycle(CycleDraft(tuple(drafts), week=week, history=history))
    assert {f.rule for f in findings} <= set(RULES)
    assert lint_cycle(CycleDraft(tuple(drafts), week=week, history=history)) == findings


@pytest.mark.parametrize(
    ("title", "has_from", "has_to", "relative"),
    [
        ("Raise NPS from 32 to 50", True, True, False),
        ("Raise NPS from a baseline of 32 towards 50", True, True, False),
        ("Cut response time to under 2 hours", False, True, False),
        # "from", "to" and "by" count only as words of their own.
        ("Move the potato 5 metres", False, False, False),
        ("Sign 20 customers onto 3 plans", False, False, False),
        ("Hire 2 people, baby 20% steps", False, False, False),
        ("Cut churn by 20%", False, False, True),
        ("Grow sign-ups 5x more", False, False, True),
        ("Grow sign-ups 5x\tmore", False, False, True),  # any space between, a tab too
        ("+5 points of NPS", False, False, True),
        ("Double the weekly active teams", False, False, True),
    ],
)
def test_how_a_key_result_states_its_levels(
    title: str, has_from: bool, has_to: bool, relative: bool
) -> None:
    from headway.core.coach.text import Phrasing

    words = Phrasing(title)
    assert (words.has_from, words.has_to, words.relative) == (has_from, has_to, relative)
