"""A labelled corpus of OKRs for the coach: each objective and the rules it should trigger.

Written for Headway from the two seed articles and from common public OKR guidance, in our own
words. Good OKRs come from varied teams (engineering, sales, HR, support, marketing, finance,
personal) and expect nothing; the others make one or more classic mistakes, and many sit right
next to a mistake without making it ("Win the SMB market", "Be carbon neutral by 2030").
Labels cover every rule `lint_objective` runs; the cycle-level rules are tested in test_rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from headway.core.coach import KeyResultDraft, ObjectiveDraft


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    objective: ObjectiveDraft
    expected: frozenset[str]
    seed: bool = False  # one of the seed articles' own examples


def kr(
    title: str,
    start: float | None = None,
    target: float | None = None,
    *,
    kind: str = "metric",
    direction: str | None = None,
    unit: str = "",
    result_type: str | None = None,
) -> KeyResultDraft:
    if direction is None:
        # The way most authors fill a form: a lower target means "decrease".
        lower = start is not None and target is not None and target < start
        direction = "decrease" if lower else "increase"
    return KeyResultDraft(
        title=title,
        start=start,
        target=target,
        kind=kind,
        direction=direction,
        unit=unit,
        result_type=result_type,
    )


def case(
    name: str,
    title: str,
    *key_results: KeyResultDraft,
    expect: tuple[str, ...] = (),
    seed: bool = False,
) -> Case:
    return Case(
        name=name,
        objective=ObjectiveDraft(title=title, key_results=key_results, key=name),
        expected=frozenset(expect),
        seed=seed,
    )


SEEDS = [
    case(
        "seed-onboarding",
        "Our customers love our onboarding",
        kr("Onboarding NPS rises from 32 to 55", 32, 55),
        kr("Median time to first value drops from 3 days to 1 day", 3, 1, unit="days"),
        seed=True,
    ),
    case(
        "seed-engagement",
        "Increase user engagement",
        kr("Increase 1-month retention from 20% to 40%", 20, 40, kind="percentage"),
        kr("Increase average time in the app from 15 mins to 30 mins", 15, 30, unit="min"),
        kr("Increase the number of sessions from 5 to 10 sessions per user per day", 5, 10),
        seed=True,
    ),
    case(
        "seed-inbound-leads",
        "Bring new inbound leads to the website",
        kr("Increase the monthly visitors to the website from 3k to 7k", 3000, 7000),
        kr("Increase the trial signups from 250 to 500", 250, 500),
        seed=True,
    ),
]

GOOD = [
    case(
        "eng-boring-deploys",
        "Make deployments boring and safe",
        kr("Cut change failure rate from 18% to 8%", 18, 8, kind="percentage"),
        kr("Raise deploys per week from 3 to 15", 3, 15),
        kr("Reduce mean time to restore from 4 hours to 45 minutes", 240, 45, unit="min"),
    ),
    case(
        "eng-instant-app",
        "Our app feels instant on every phone",
        kr("Lower p95 screen load time from 2.4 s to 0.8 s", 2.4, 0.8, unit="s"),
        kr("Raise the share of sessions without a crash from 97.1% to 99.5%", 97.1, 99.5),
        kr("Reduce time to deploy a fix from 3 days to 2 hours", 72, 2, unit="h"),
    ),
    case(
        "sales-smb",
        "Win the SMB market",
        kr("Grow SMB customers from 120 to 300", 120, 300),
        kr("Raise SMB win rate from 18% to 30%", 18, 30, kind="percentage"),
        kr("Shorten the SMB sales cycle from 45 to 21 days", 45, 21, unit="days"),
    ),
    case(
        "sales-hospitals",
        "Become the trusted partner of mid-size hospitals",
        kr("Increase renewals among hospital accounts from 70% to 90%", 70, 90),
        kr("Lift the number of hospital reference customers from 4 to 12", 4, 12),
    ),
    case(
        "hr-career-growth",
        "Make this the best place to grow an engineering career",
        kr("Raise the engagement survey growth score from 6.1 to 7.5", 6.1, 7.5),
        kr("Reduce regretted attrition from 12% to 6%", 12, 6, kind="percentage"),
        kr("Increase internal promotions into senior roles from 2 to 6", 2, 6),
    ),
    case(
        "hr-new-hires",
        "New hires feel at home in their first month",
        kr("Raise 30-day new-hire satisfaction from 3.6 to 4.5", 3.6, 4.5),
        kr("Cut time to first merged pull request from 12 to 4 days", 12, 4, unit="days"),
    ),
    case(
        "support-first-contact",
        "Customers get unstuck on their first contact",
        kr("Increase first-contact resolution from 58% to 80%", 58, 80, kind="percentage"),
        kr("Reduce median first response time from 9 hours to 1 hour", 9, 1, unit="h"),
        kr("Raise support CSAT from 82 to 92", 82, 92),
    ),
    case(
        "support-self-service",
        "Self-service answers most questions",
        kr("Raise help-centre deflection rate from 20% to 45%", 20, 45, kind="percentage"),
        kr("Reduce tickets per 100 active customers from 14 to 8", 14, 8),
    ),
    case(
        "marketing-remote-rituals",
        "Become the go-to voice on remote team rituals",
        kr("Grow newsletter subscribers from 4k to 12k", 4000, 12000),
        kr("Increase organic search visits from 20k to 50k per month", 20000, 50000),
    ),
    case(
        "marketing-word-of-mouth",
        "Developers recommend us to each other",
        kr("Increase referral sign-ups from 150 to 400 per month", 150, 400),
        kr("Raise developer NPS from 21 to 40", 21, 40),
    ),
    case(
        "personal-marathon",
        "Run my first marathon strong and injury-free",
        kr("Increase my longest run from 21 km to 35 km", 21, 35, unit="km"),
        kr("Lower resting heart rate from 62 to 55 bpm", 62, 55, unit="bpm"),
        kr("Run 10 km in under 50 minutes, from 58 today", 58, 50, unit="min"),
    ),
    case(
        "personal-spanish",
        "Get fluent enough in Spanish to enjoy a conversation",
        kr("Raise my mock-exam score from 45 to 70", 45, 70),
        kr("Increase unassisted conversation time from 5 to 30 minutes", 5, 30, unit="min"),
    ),
    case(
        "finance-close",
        "Close the books without drama",
        kr("Reduce month-end close from 12 to 5 working days", 12, 5, unit="days"),
        kr("Cut manual journal entries from 400 to 100 per month", 400, 100),
    ),
    case(
        "product-planning",
        "Teams pick us for their planning",
        kr("Increase weekly active teams from 800 to 2,000", 800, 2000),
        kr("Increase monthly active teams from 1,500 to 3,000", 1500, 3000),
        kr("Raise the share of teams planning a second cycle from 35% to 60%", 35, 60),
    ),
    case(
        "data-trust",
        "Everyone trusts the numbers on our dashboards",
        kr("Reduce data incidents reaching users from 9 to 2 per quarter", 9, 2),
        kr("Raise the share of dashboards with a named owner from 40% to 95%", 40, 95),
    ),
    case(
        "security-data",
        "Customers never have to worry about their data",
        kr("Reduce critical vulnerabilities open longer than 7 days from 14 to 0", 14, 0),
        kr("Increase employees passing the phishing drill from 71% to 95%", 71, 95),
    ),
    case(
        "ops-always-there",
        "Our platform is always there when customers need it",
        kr("Keep monthly availability at or above 99.95%", None, 99.95, direction="at_least"),
        kr("Reduce pages per on-call week from 11 to 3", 11, 3),
    ),
    case(
        "cs-week-one-value",
        "Every new customer sees value in week one",
        kr("Raise the share of accounts activated within 7 days from 30% to 60%", 30, 60),
        kr("Cut onboarding calls needed per account from 3 to 1", 3, 1),
    ),
    case(
        "mobile-checkout",
        "Shoppers check out without friction",
        kr("Increase mobile checkout completion from 54% to 70%", 54, 70, kind="percentage"),
        kr("Reduce payment errors from 2.1% to 0.5%", 2.1, 0.5, kind="percentage"),
    ),
    case(
        "expansion-germany",
        "Be ready to sell in Germany",
        kr("German VAT registration approved", 0, 1, kind="milestone", result_type="outcome"),
        kr("Increase German trial sign-ups from 0 to 300", 0, 300),
    ),
    case(
        "education-real-apps",
        "Students leave the course able to build real apps",
        kr("Raise the share of graduates with a live portfolio app from 40% to 75%", 40, 75),
        kr("Increase course completion from 52% to 70%", 52, 70, kind="percentage"),
    ),
    case(
        "nonprofit-meals",
        "Families in our district never go hungry on weekends",
        kr("Increase weekend meal packs delivered from 300 to 900 per week", 300, 900),
        kr("Reduce families on the waiting list from 120 to 20", 120, 20),
    ),
    case(
        "legal-contracts",
        "Contracts stop slowing down our deals",
        kr("Cut median contract turnaround from 10 to 3 days", 10, 3, unit="days"),
        kr("Raise the share of deals on standard terms from 45% to 80%", 45, 80),
    ),
    case(
        "infra-cloud-spend",
        "Keep cloud spending healthy while we grow",
        kr("Keep cloud cost per active user at or below $0.40", None, 0.4, direction="at_most"),
        kr("Raise reserved-instance coverage from 30% to 70%", 30, 70, kind="percentage"),
        kr("Keep NPS at or above 50", 50, 50, direction="at_least"),
    ),
    case(
        "product-feature-adoption",
        "New features actually get used",
        kr(
            "Launched features reach 30% of weekly active users within a month, from 5% today",
            5,
            30,
            result_type="outcome",
        ),
        kr("Increase the sign up to first report rate from 20% to 45%", 20, 45),
    ),
    case(
        # The baseline lives in the title only; the form's start field was left empty.
        "marketing-baseline-in-title",
        "Small agencies discover us before our rivals",
        kr("Increase agency trial signups from 250 to 500", None, 500),
        kr("Raise branded search volume from 1.2k to 3k per month", None, 3000),
    ),
]

NEAR_MISSES = [
    case(
        "number-b2b",
        "Be the B2B payments partner small firms trust",
        kr("Grow B2B payment volume from $3M to $8M per month", 3e6, 8e6, kind="currency"),
        kr("Raise the share of customers paying on time from 81% to 93%", 81, 93),
    ),
    case(
        "number-24-7",
        "Offer 24/7 support our customers rave about",
        kr("Raise weekend CSAT from 71 to 88", 71, 88),
        kr("Cut night-time first response from 6 hours to 30 minutes", 360, 30, unit="min"),
    ),
    case(
        "number-q4",
        "Own the Q4 holiday season",
        kr("Increase holiday-season orders from 12k to 20k", 12000, 20000),
        kr("Raise gift-card sales from $80k to $150k", 80000, 150000, kind="currency"),
    ),
    case(
        "number-3d",
        "Make our 3D viewer the reason architects choose us",
        kr("Raise the share of trials that open the 3D viewer from 20% to 50%", 20, 50),
        kr("Increase deals citing the viewer as a reason from 5% to 25%", 5, 25),
    ),
    case(
        "number-hash-one",
        "Become the #1 choice for dental clinics",
        kr("Grow dental clinic customers from 150 to 400", 150, 400),
        kr("Raise our share of wins against the market leader from 25% to 45%", 25, 45),
    ),
    case(
        "number-year",
        "Be carbon neutral by 2030",
        kr("Reduce office emissions from 120 t to 60 t CO2e", 120, 60, unit="t"),
        kr("Raise the share of renewable electricity from 35% to 80%", 35, 80),
    ),
    case(
        "number-soc2",
        "Ace our SOC 2 audit",
        kr("SOC 2 Type II report signed by the auditor", kind="milestone", result_type="outcome"),
        kr("Close open audit findings from 23 to 0", 23, 0),
        kr("Raise controls with automated evidence from 40% to 90%", 40, 90),
    ),
    case(
        "number-ordinal-word",
        "Nail our first enterprise rollout",
        kr("Raise weekly active seats at the pilot customer from 50 to 400", 50, 400),
        kr("Reduce escalations from the pilot customer from 10 to 2 per month", 10, 2),
    ),
    case(
        "kpi-satisfaction-not-restated",
        "Improve customer satisfaction",
        kr("Reduce first response time from 8 hours to 2 hours", 8, 2, unit="h"),
        kr("Raise the share of tickets solved in one reply from 40% to 65%", 40, 65),
    ),
    case(
        "kpi-loyal-base",
        "Grow a loyal customer base in Brazil",
        kr("Increase repeat purchase rate in Brazil from 18% to 30%", 18, 30),
        kr("Raise Brazilian NPS from 25 to 45", 25, 45),
    ),
    case(
        "kpi-churn-initiatives",
        "Increase churn reduction initiatives",
        kr("Launch 3 win-back campaigns", 0, 3),
        kr("Reduce monthly churn from 3% to 2%", 3, 2, kind="percentage"),
        expect=("output-not-outcome",),
    ),
    case(
        "length-just-short-enough",
        "Make every new engineer productive and confident in their first month",
        kr("Cut days to first production deploy from 20 to 5", 20, 5),
        kr("Raise new-engineer confidence survey score from 3.1 to 4.2", 3.1, 4.2),
    ),
    case(
        "five-key-results",
        "Our help centre answers questions before they are asked",
        kr("Raise article helpfulness votes from 60% to 80%", 60, 80),
        kr("Reduce how-to tickets from 900 to 400 per month", 900, 400),
        kr("Increase help-centre visits per active user from 0.4 to 1.0", 0.4, 1.0),
        kr("Raise search success in the help centre from 45% to 70%", 45, 70),
        kr("Cut the share of articles older than a year from 50% to 10%", 50, 10),
    ),
    case(
        "kpi-head-is-not-a-metric",
        "Improve developer experience",
        kr("Raise developer satisfaction from 6 to 8", 6, 8),
        kr("Cut CI time from 20 to 8 minutes", 20, 8, unit="min"),
    ),
    case(
        "kpi-trust-not-a-metric",
        "Increase trust in our releases",
        kr("Reduce customer-reported regressions from 12 to 3 per quarter", 12, 3),
        kr("Raise the share of releases with a rollback plan from 50% to 100%", 50, 100),
    ),
    case(
        "number-double-down",
        "Double down on our best channel",
        kr("Raise partner-sourced pipeline share from 30% to 50%", 30, 50),
        kr("Cut spend on the three weakest channels from $40k to $10k", 40000, 10000),
    ),
    case(
        "measured-vague-verb",
        "Onboarding that sells the product for us",
        kr("Improve onboarding NPS from 30 to 45", 30, 45),
        kr("Increase trial-to-paid conversion from 6% to 9%", 6, 9, kind="percentage"),
    ),
]

MISTAKES = [
    # --- A KPI rewritten as an OKR -------------------------------------------------------------
    case(
        "demo-kpi-extra-steps",
        "Increase revenue",
        kr("10% more revenue", 0, 10, kind="percentage"),
        expect=("kpi-in-okr-format", "too-few-key-results", "no-baseline"),
    ),
    case(
        "kpi-churn",
        "Reduce customer churn",
        kr("Reduce monthly churn from 3% to 2%", 3, 2, kind="percentage"),
        kr("Raise 90-day retention from 70% to 80%", 70, 80, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-mrr-number",
        "Grow MRR by 20%",
        kr("Increase MRR from $50k to $60k", 50000, 60000, kind="currency"),
        kr("Raise net revenue retention from 98% to 105%", 98, 105, kind="percentage"),
        expect=("kpi-in-okr-format", "objective-has-number"),
    ),
    case(
        "kpi-sales",
        "Increase sales",
        kr("Increase sales by 15%", 0, 15, kind="percentage"),
        kr("Sign 20 new dealers", None, 20),
        expect=("kpi-in-okr-format", "no-baseline"),
    ),
    case(
        "kpi-conversion",
        "Improve conversion rate",
        kr("Raise trial-to-paid conversion rate from 4% to 6%", 4, 6, kind="percentage"),
        kr("Raise checkout conversion from 50% to 60%", 50, 60, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-uptime",
        "Hit 99.9% uptime",
        kr("Keep monthly availability at or above 99.9%", None, 99.9, direction="at_least"),
        kr("Reduce incidents with customer impact from 8 to 2 per quarter", 8, 2),
        expect=("kpi-in-okr-format", "objective-has-number"),
    ),
    case(
        "kpi-listeners",
        "Grow to 1 million monthly listeners",
        kr("Increase monthly listeners from 400k to 1M", 400000, 1000000),
        kr("Raise the share of listeners returning weekly from 25% to 40%", 25, 40),
        expect=("kpi-in-okr-format", "objective-has-number"),
    ),
    case(
        "kpi-traffic",
        "More website traffic",
        kr("Increase monthly website visits from 40k to 80k", 40000, 80000),
        kr("Raise organic traffic share from 30% to 45%", 30, 45, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-cac",
        "Lower customer acquisition cost",
        kr("Reduce blended CAC from $420 to $300", 420, 300, kind="currency"),
        kr("Cut paid-search cost per lead from $80 to $50", 80, 50, kind="currency"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-nps",
        "Increase NPS",
        kr("Raise NPS from 30 to 45", 30, 45),
        kr("Reduce the share of detractors from 25% to 15%", 25, 15, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-aov",
        "Boost average order value",
        kr("Increase average order value from $38 to $45", 38, 45, kind="currency"),
        kr("Raise the accessory attach rate from 12% to 20%", 12, 20, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-csat-restated",
        "Improve customer satisfaction",
        kr("Raise customer satisfaction score from 7.1 to 8.5", 7.1, 8.5),
        kr("Increase CSAT from 80% to 90%", 80, 90, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "kpi-retention-number",
        "Achieve 95% customer retention",
        kr("Raise annual logo retention from 88% to 95%", 88, 95, kind="percentage"),
        kr("Reduce accounts at risk from 40 to 15", 40, 15),
        expect=("kpi-in-okr-format", "objective-has-number"),
    ),
    case(
        "kpi-profit",
        "Increase profit",
        kr("Grow gross profit from $1.2M to $1.5M", 1.2e6, 1.5e6, kind="currency"),
        kr("Cut discounting on renewals from 15% to 5%", 15, 5, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    # --- Numbers in the objective ---------------------------------------------------------------
    case(
        "number-reach-customers",
        "Reach 10,000 paying customers in Europe",
        kr("Increase paying customers in Europe from 6,200 to 10,000", 6200, 10000),
        kr("Raise European trial-to-paid conversion from 8% to 12%", 8, 12),
        # The objective is its own first key result: a KPI target, not a direction.
        expect=("objective-has-number", "kpi-in-okr-format"),
    ),
    case(
        "number-features",
        "Ship 3 major features that enterprise buyers ask for",
        kr("Raise enterprise win rate from 20% to 30%", 20, 30, kind="percentage"),
        kr("Cut security-review objections from 40% of deals to 15%", 40, 15),
        expect=("objective-has-number",),
    ),
    case(
        "number-support-costs",
        "Cut support costs by $2M this year",
        kr("Reduce cost per ticket from $14 to $9", 14, 9, kind="currency"),
        kr("Raise self-service resolution from 30% to 55%", 30, 55, kind="percentage"),
        # First labelled as a number only; on review it is also a cost KPI restated as a KR.
        expect=("objective-has-number", "kpi-in-okr-format"),
    ),
    case(
        "number-2x",
        "Make onboarding 2x faster",
        kr("Cut median time to first project from 6 days to 3 days", 6, 3, unit="days"),
        kr("Increase setup completion without help from 40% to 65%", 40, 65),
        expect=("objective-has-number",),
    ),
    case(
        "number-countries",
        "Launch in 5 new countries",
        kr("Reach 500 paying customers across the new markets", 0, 500),
        kr("Raise localized-site conversion from 1% to 2.5%", 1, 2.5, kind="percentage"),
        expect=("objective-has-number",),
    ),
    case(
        "number-hours",
        "Save 500 hours of manual work per quarter",
        kr("Cut manual invoice handling from 300 to 80 hours per quarter", 300, 80),
        kr("Reduce manual data-entry errors from 120 to 20 per month", 120, 20),
        expect=("objective-has-number",),
    ),
    case(
        "number-spelled",
        "Put our app in the hands of a million learners",
        kr("Grow monthly active learners from 300k to 1M", 300000, 1000000),
        kr("Raise 30-day learner retention from 22% to 35%", 22, 35, kind="percentage"),
        expect=("objective-has-number",),
    ),
    # --- How many key results -------------------------------------------------------------------
    case(
        "few-single",
        "Delight our enterprise customers",
        kr("Raise enterprise NPS from 20 to 40", 20, 40),
        expect=("too-few-key-results",),
    ),
    case(
        "few-none",
        "Make hiring fast and fair",
        expect=("too-few-key-results",),
    ),
    case(
        "few-single-personal",
        "Sleep like I mean it",
        kr("Raise average sleep from 6.1 to 7.5 hours a night", 6.1, 7.5, unit="h"),
        expect=("too-few-key-results",),
    ),
    case(
        "many-six",
        "Make our mobile app a joy to use",
        kr("Raise app store rating from 3.9 to 4.6", 3.9, 4.6),
        kr("Reduce crash rate from 1.2% to 0.2%", 1.2, 0.2, kind="percentage"),
        kr("Cut cold start time from 3.1 s to 1.2 s", 3.1, 1.2, unit="s"),
        kr("Increase 7-day retention from 28% to 40%", 28, 40, kind="percentage"),
        kr("Reduce support tickets about the app from 300 to 120 per month", 300, 120),
        kr("Increase daily reminders acted on from 12% to 25%", 12, 25),
        expect=("too-many-key-results",),
    ),
    case(
        "many-seven",
        "Partners bring us our best customers",
        kr("Increase partner-sourced pipeline from $1M to $3M", 1e6, 3e6, kind="currency"),
        kr("Grow active partners from 12 to 30", 12, 30),
        kr("Raise partner deal win rate from 22% to 35%", 22, 35),
        kr("Reduce partner onboarding time from 60 to 20 days", 60, 20),
        kr("Raise partner satisfaction from 6.5 to 8", 6.5, 8),
        kr("Increase co-marketing leads from 100 to 400", 100, 400),
        kr("Cut channel conflict escalations from 9 to 2", 9, 2),
        expect=("too-many-key-results",),
    ),
    case(
        "many-outputs",
        "Get the platform ready for scale",
        kr("Reduce p99 API latency from 900 ms to 300 ms", 900, 300, unit="ms"),
        kr("Raise load-test ceiling from 2k to 10k requests per second", 2000, 10000),
        kr("Cut the cost per million requests from $4 to $2", 4, 2, kind="currency"),
        kr("Migrate the job queue to the new cluster", kind="milestone"),
        kr("Reduce paging incidents from 14 to 4 per month", 14, 4),
        kr("Raise the share of services with SLOs from 30% to 100%", 30, 100),
        expect=("too-many-key-results", "output-not-outcome"),
    ),
    # --- Baselines ------------------------------------------------------------------------------
    case(
        "baseline-missing-start",
        "Customers find answers on their own",
        kr("Raise help-centre deflection to 40%", None, 40, kind="percentage"),
        kr("Reduce password tickets from 300 to 50 per month", 300, 50),
        expect=("no-baseline",),
    ),
    case(
        "baseline-to-only",
        "Sellers get paid without waiting",
        kr("Cut payout time to 2 days", 5, 2, unit="days"),
        kr("Raise seller satisfaction with payouts from 6.8 to 8.5", 6.8, 8.5),
        expect=("no-baseline",),
    ),
    case(
        "baseline-relative",
        "Our checkout just works",
        kr("Reduce payment failures by 30%", None, 30),
        kr("Raise checkout success from 92% to 97%", 92, 97, kind="percentage"),
        expect=("no-baseline",),
    ),
    case(
        "baseline-arr",
        "Investors see a business they believe in",
        kr("Reach $1.5M ARR", None, 1.5e6, kind="currency"),
        kr("Keep monthly burn at or below $200k", None, 200000, direction="at_most"),
        expect=("no-baseline",),
    ),
    case(
        "baseline-blog",
        "Make the blog our best source of leads",
        kr("Grow blog-sourced leads to 300 per month", None, 300),
        kr("Raise blog visitor-to-lead conversion from 0.5% to 1.5%", 0.5, 1.5),
        expect=("no-baseline",),
    ),
    case(
        "baseline-hiring",
        "Hire great people without the wait",
        kr("Reduce time to hire to 30 days", None, 30, unit="days"),
        kr("Increase offer acceptance rate to 85%", None, 85, kind="percentage"),
        expect=("no-baseline",),
    ),
    # --- Target equals start --------------------------------------------------------------------
    case(
        "flat-coverage",
        "Every release goes out calmly",
        kr("Raise automated test coverage from 60% to 60%", 60, 60, kind="percentage"),
        kr("Cut rollback rate from 10% to 3%", 10, 3, kind="percentage"),
        expect=("target-equals-start",),
    ),
    case(
        "flat-seller-churn",
        "Our sellers stay with us",
        kr("Reduce seller churn", 4, 4, kind="percentage", direction="decrease"),
        kr("Increase seller NPS from 15 to 35", 15, 35),
        expect=("target-equals-start",),
    ),
    case(
        "flat-community",
        "A community that helps itself",
        kr("Increase weekly forum answers by members", 120, 120),
        kr("Raise the share of questions answered by members from 30% to 60%", 30, 60),
        expect=("target-equals-start",),
    ),
    case(
        "flat-nps-and-number",
        "Become a top 3 vendor for logistics firms",
        kr("Raise logistics NPS from 40 to 40", 40, 40),
        kr("Grow logistics customers from 30 to 80", 30, 80),
        expect=("target-equals-start", "objective-has-number"),
    ),
    # --- Nothing to measure ---------------------------------------------------------------------
    case(
        "measure-improve-docs",
        "Be known for great documentation",
        kr("Improve the API docs"),
        kr("Raise docs satisfaction from 3.2 to 4.3", 3.2, 4.3),
        expect=("nothing-to-measure",),
    ),
    case(
        "measure-do-better",
        "Customers love our support",
        kr("Do better at answering tickets"),
        kr("Raise support CSAT from 78 to 90", 78, 90),
        expect=("nothing-to-measure",),
    ),
    case(
        "measure-vague-with-target",
        "New users get going on their own",
        kr("Improve the onboarding experience", 3, 5),
        kr("Raise self-serve activation from 25% to 45%", 25, 45, kind="percentage"),
        expect=("nothing-to-measure",),
    ),
    case(
        "measure-engage",
        "Grow our developer community",
        kr("Engage more with developers"),
        kr("Increase forum members from 2k to 5k", 2000, 5000),
        expect=("nothing-to-measure",),
    ),
    case(
        "measure-focus",
        "Managers grow their people",
        kr("Focus on coaching"),
        kr("Raise the share of reports with a growth plan from 30% to 90%", 30, 90),
        kr("Work on feedback culture"),
        expect=("nothing-to-measure",),
    ),
    # --- Outputs --------------------------------------------------------------------------------
    case(
        "output-ship",
        "Make our product easy to start with",
        kr("Ship the new onboarding wizard", kind="milestone"),
        kr("Raise week-1 activation from 25% to 40%", 25, 40, kind="percentage"),
        expect=("output-not-outcome",),
    ),
    case(
        "output-content",
        "HR leaders know our name",
        kr("Write 10 blog posts", 0, 10),
        kr("Hold 5 webinars", 0, 5),
        kr("Increase HR-leader newsletter subscribers from 1k to 4k", 1000, 4000),
        expect=("output-not-outcome",),
    ),
    case(
        "output-workshops",
        "Managers lead great one-on-ones",
        kr("Run 4 manager workshops", 0, 4),
        kr("Raise 1:1 quality score from 3.4 to 4.2", 3.4, 4.2),
        expect=("output-not-outcome",),
    ),
    case(
        "output-migrate",
        "Modernize our data platform",
        kr("Migrate all pipelines to the new orchestrator", kind="milestone"),
        kr("Reduce failed nightly jobs from 12 to 2 per week", 12, 2),
        expect=("output-not-outcome",),
    ),
    case(
        "output-build",
        "Search that finds what people mean",
        kr("Implement semantic search", kind="milestone"),
        kr("Build a relevance test set", kind="milestone"),
        expect=("output-not-outcome",),
    ),
    case(
        "output-marked",
        "Partners sell for us",
        kr("Partner portal v2 available", kind="milestone", result_type="output"),
        kr("Increase partner-sourced revenue from $200k to $500k", 2e5, 5e5, kind="currency"),
        expect=("output-not-outcome",),
    ),
    case(
        "output-roll-out",
        "Sales reps spend their time selling",
        kr("Roll out the new CRM to all reps", kind="milestone"),
        kr("Raise selling time from 35% to 55% of the week", 35, 55),
        expect=("output-not-outcome",),
    ),
    case(
        "output-launch-no-target",
        "Win back customers we lost last year",
        kr("Launch a win-back campaign"),
        kr("Reactivate lapsed accounts from 0 to 150", 0, 150),
        expect=("output-not-outcome", "nothing-to-measure"),
    ),
    # --- Duplicates -----------------------------------------------------------------------------
    case(
        "dup-conversion",
        "Trial users become fans",
        kr("Increase trial-to-paid conversion from 8% to 12%", 8, 12, kind="percentage"),
        kr("Raise trial-to-paid conversion from 8% to 12%.", 8, 12, kind="percentage"),
        kr("Raise day-7 retention from 30% to 45%", 30, 45, kind="percentage"),
        expect=("duplicate-key-results",),
    ),
    case(
        "dup-time-to-hire",
        "Recruiting runs like clockwork",
        kr("Reduce time to hire from 45 to 30 days", 45, 30, unit="days"),
        kr("Cut time-to-hire from 45 days to 30 days", 45, 30, unit="days"),
        kr("Raise offer acceptance from 70% to 85%", 70, 85),
        expect=("duplicate-key-results",),
    ),
    case(
        "dup-same-metric-target",
        "Payments never get in the way",
        kr("Lower payment failure rate from 2% to 0.8%", 2, 0.8, unit="%"),
        kr("Lower card payment failures from 2% to 0.8%", 2, 0.8, unit="%"),
        kr("Raise one-click checkout use from 10% to 30%", 10, 30),
        expect=("duplicate-key-results",),
    ),
    # --- Long objectives ------------------------------------------------------------------------
    case(
        "long-trial",
        "Make sure that every single customer who signs up for a trial has a smooth and"
        " delightful experience during the first week",
        kr("Raise day-7 activation from 30% to 50%", 30, 50, kind="percentage"),
        kr("Cut trial support tickets from 200 to 80 per month", 200, 80),
        expect=("objective-too-long",),
    ),
    case(
        "long-handoffs",
        "Improve collaboration between the sales, marketing and customer success teams so that"
        " hand-offs stop losing leads",
        kr("Reduce leads without follow-up after 48 hours from 22% to 5%", 22, 5),
        kr("Raise marketing-qualified lead acceptance by sales from 40% to 70%", 40, 70),
        expect=("objective-too-long",),
    ),
    case(
        "long-words",
        "Be the team that other teams ask when they want to know how to do it right",
        kr("Raise internal consults per month from 4 to 15", 4, 15),
        kr("Increase teams adopting our playbook from 2 to 10", 2, 10),
        expect=("objective-too-long",),
    ),
]

# Written after the rules first passed the cases above, in the phrasing common in public OKR
# examples, to see how the rules fare on wording they were not shaped around.
SECOND_BATCH = [
    case(
        "b2-inequalities",
        "Delight our customers",
        kr("NPS > 50", None, 50),
        kr("Churn < 2%", None, 2, direction="decrease", kind="percentage"),
        expect=("no-baseline",),
    ),
    case(
        "b2-app-launch",
        "Launch our mobile app",
        kr("Get 10,000 downloads in the first month", 0, 10000),
        kr("Achieve a 4.5-star rating in the App Store", None, 4.5),
        kr("Fewer than 1% of sessions crash", None, 1, direction="at_most"),
        expect=("no-baseline",),
    ),
    case(
        "b2-market-share",
        "Increase market share in the Nordics",
        kr("Grow Nordic market share from 8% to 12%", 8, 12, kind="percentage"),
        kr("Sign 3 new distribution partners in Norway", 0, 3),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "b2-bugs",
        "Decrease bugs",
        kr("Reduce open P1 bugs from 25 to 5", 25, 5),
        kr("Raise unit test coverage from 40% to 70%", 40, 70, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "b2-adoption",
        "Drive adoption of the analytics module",
        kr("Increase weekly users of analytics from 300 to 1,200", 300, 1200),
        kr("Raise the share of accounts with a saved report from 10% to 35%", 10, 35),
    ),
    case(
        "b2-expansion",
        "Expand revenue from existing customers",
        kr("Increase revenue from existing customers by 25%", None, 25, kind="percentage"),
        kr("Upsell 40 accounts to the premium plan", 0, 40),
        expect=("kpi-in-okr-format", "no-baseline"),
    ),
    case(
        "b2-world-class-team",
        "Build a world-class engineering team",
        kr("Hire 3 senior engineers", 0, 3),
        kr("Raise engineering eNPS from 10 to 35", 10, 35),
    ),
    case(
        "b2-page-speed",
        "Make our website fast",
        kr("Improve page speed"),
        kr("Reduce largest contentful paint from 4.1 s to 2.0 s", 4.1, 2.0, unit="s"),
        expect=("nothing-to-measure",),
    ),
    case(
        "b2-key-accounts",
        "Strengthen relationships with key accounts",
        kr("Conduct quarterly business reviews with the top 20 customers", 0, 20),
        kr("Raise key-account NPS from 35 to 55", 35, 55),
        expect=("output-not-outcome",),
    ),
    case(
        "b2-eu-ready",
        "Get ready for the EU market",
        kr("Translate the product into German and French", kind="milestone"),
        kr("Publish localized pricing pages", kind="milestone"),
        expect=("output-not-outcome",),
    ),
    case(
        "b2-support-growth",
        "Turn support into a growth engine",
        kr("Close 15 upsell deals sourced by support", 0, 15),
        kr("Increase support-sourced pipeline from $20k to $120k", 20000, 120000),
    ),
    case(
        "b2-coverage",
        "Achieve 80% test coverage",
        kr("Increase test coverage from 55% to 80%", 55, 80, kind="percentage"),
        kr("Reduce flaky tests from 40 to 5", 40, 5),
        expect=("objective-has-number", "kpi-in-okr-format"),
    ),
    case(
        "b2-onboard-50",
        "Onboard 50 new customers",
        kr("Sign 50 new customers", 0, 50),
        kr("Reduce time from contract to go-live from 30 to 10 days", 30, 10),
        expect=("objective-has-number",),
    ),
    case(
        "b2-migrate-v2",
        "Migrate 100% of users to v2",
        kr("Move all accounts to v2", kind="milestone"),
        kr("Reduce v1 support tickets from 80 to 0 per week", 80, 0),
        expect=("objective-has-number", "output-not-outcome"),
    ),
    case(
        "b2-health-score",
        "Make our customers successful",
        kr("Increase customer health score"),
        kr("Reduce monthly churn from 4% to 2.5%", 4, 2.5, kind="percentage"),
        expect=("nothing-to-measure",),
    ),
    case(
        "b2-easiest-crm",
        "Be the easiest CRM to set up",
        kr("Cut median setup time from 2 hours to 15 minutes", 120, 15, unit="min"),
        kr("Raise self-serve signups completing setup from 45% to 75%", 45, 75),
    ),
    case(
        "b2-cloud-costs",
        "Reduce cloud costs",
        kr("Reduce the monthly AWS bill from $120k to $90k", 120000, 90000, kind="currency"),
        kr("Raise reserved-instance coverage from 40% to 70%", 40, 70, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "b2-grow-business",
        "Grow the business",
        kr("Increase ARR from $4M to $6M", 4e6, 6e6, kind="currency"),
        kr("Raise net revenue retention from 100% to 110%", 100, 110, kind="percentage"),
        kr("Sign 5 enterprise logos", 0, 5),
    ),
    case(
        "b2-wellbeing",
        "Improve employee wellbeing",
        kr("Raise the wellbeing pulse score from 6.2 to 7.5", 6.2, 7.5),
        kr("Reduce average overtime from 6 to 2 hours a week", 6, 2, unit="h"),
    ),
    case(
        "b2-ticket-volume",
        "Reduce support ticket volume",
        kr("Reduce tickets per customer from 0.8 to 0.5 per month", 0.8, 0.5),
        kr("Raise help-centre deflection from 20% to 40%", 20, 40, kind="percentage"),
        expect=("kpi-in-okr-format",),
    ),
    case(
        "b2-offsite",
        "Hold a great offsite",
        kr("Hold the offsite in May", kind="milestone"),
        kr("Raise post-offsite alignment score from 3.1 to 4.0", 3.1, 4.0),
        expect=("output-not-outcome",),
    ),
    case(
        "b2-signups",
        "Increase signups",
        kr("Increase signups by 50% this quarter", 0, 50, kind="percentage"),
        kr("Publish 8 SEO articles", 0, 8),
        expect=("kpi-in-okr-format", "no-baseline", "output-not-outcome"),
    ),
    case(
        "b2-day-one",
        "Customers get value from day one",
        kr("Time to first value under 10 minutes", None, 10, direction="decrease"),
        kr("Activation rate from 30% to 50%", 30, 50, kind="percentage"),
        expect=("no-baseline",),
    ),
    case(
        "b2-data-driven",
        "Become a data-driven company",
        kr("Create 20 dashboards", 0, 20),
        kr("Train 100 employees on SQL", 0, 100),
        kr("Raise the share of decisions citing data from 20% to 60%", 20, 60),
        expect=("output-not-outcome",),
    ),
    case(
        "b2-pipeline-health",
        "Have a healthier pipeline",
        kr("Increase pipeline coverage from 2x to 3x", 2, 3),
        kr("Reduce deals older than 90 days from 35% to 15%", 35, 15),
    ),
    case(
        "b2-profitable",
        "Be profitable",
        kr("Reach break-even EBITDA by Q3", kind="milestone"),
        kr("Cut operating costs from $2M to $1.6M per quarter", 2e6, 1.6e6, kind="currency"),
    ),
    case(
        "b2-fix-onboarding",
        "Fix onboarding",
        kr("Improve onboarding", 0, 100),
        kr("Reduce onboarding drop-off from 60% to 35%", 60, 35, kind="percentage"),
        expect=("nothing-to-measure",),
    ),
    case(
        "b2-community",
        "Grow the community",
        kr("Grow Discord members from 3k to 10k", 3000, 10000),
        kr("Raise weekly posts by community members from 50 to 200", 50, 200),
    ),
    case(
        "b2-sprint-demo",
        "Make every sprint demo worth attending",
        kr("Raise stakeholder attendance from 5 to 15 per demo", 5, 15),
        kr("Increase demo feedback score from 3.0 to 4.2", 3.0, 4.2),
    ),
    case(
        "b2-iso",
        "Keep our customers' data safe",
        kr("Zero critical security incidents", None, 0, direction="at_most"),
        kr("Pass the ISO 27001 audit with no major findings", kind="milestone"),
    ),
    case(
        "b2-arr-number",
        "Hit $10M ARR",
        kr("Grow ARR from $7M to $10M", 7e6, 10e6, kind="currency"),
        kr("Raise expansion revenue from $1M to $2M", 1e6, 2e6, kind="currency"),
        expect=("objective-has-number", "kpi-in-okr-format"),
    ),
    case(
        "b2-in-half",
        "Cut customer wait times in half",
        kr("Reduce median wait from 12 to 6 minutes", 12, 6, unit="min"),
        kr("Raise CSAT for phone support from 60 to 80", 60, 80),
        expect=("objective-has-number",),
    ),
    case(
        "b2-go-from-to",
        "Go from 3 to 10 enterprise customers",
        kr("Sign 7 new enterprise customers", 3, 10),
        kr("Raise enterprise pipeline from $500k to $2M", 5e5, 2e6, kind="currency"),
        expect=("objective-has-number",),
    ),
    case(
        "b2-vp-q1",
        "Hire a VP of Sales in Q1",
        kr("VP of Sales signed", kind="milestone", result_type="outcome"),
        kr("Reduce founder time in sales calls from 60% to 20%", 60, 20),
    ),
    case(
        "b2-seven-days",
        "Support customers 7 days a week",
        kr("Raise weekend coverage from 0 to 16 hours a day", 0, 16, unit="h"),
        kr("Raise weekend CSAT from 70 to 85", 70, 85),
        expect=("objective-has-number",),
    ),
]

CORPUS: list[Case] = [*SEEDS, *GOOD, *NEAR_MISSES, *MISTAKES, *SECOND_BATCH]
