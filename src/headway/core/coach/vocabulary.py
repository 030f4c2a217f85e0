"""The coach's word lists: how it tells a metric from an aim, and work from its outcome.

Lists are plain space-separated words so they read like prose and diff one word at a time.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Numbers --------------------------------------------------------------------------------

# Words after which a number is a label ("phase 2", "SOC 2", "number 1"), not an amount.
LABEL_WORDS = _words(
    "phase stage tier level step version release gen generation web wave sprint season chapter"
    " series round part day week soc iso pci hipaa ios android python number no no. # top-level"
    " grade class type category"
)
# Words after which a four-digit year is a date ("by 2027"), not an amount.
TIME_WORDS = _words(
    "by in for of before until till through since during from to end early late mid the our this"
    " and fy year h1 h2 q1 q2 q3 q4"
)

# --- Metrics --------------------------------------------------------------------------------

# Names for one metric that should meet: "availability" is "uptime", a "bill" is a "cost".
SYNONYMS = {
    "availability": "uptime",
    "registration": "signup",
    "earning": "revenue",
    "bill": "cost",
    "spend": "cost",
    "spending": "cost",
    "expense": "cost",
}
# Words that ask a number to move, whatever it is.
CHANGE_WORDS = _words(
    "increase grow raise boost improve reduce cut decrease lower lift drive double triple halve"
    " maximize maximise minimize minimise expand hit reach achieve more higher less fewer growth"
    " reduction decline drop accelerate scale rise shorten"
)
# Business metrics a KPI dashboard would show, as stems (after SYNONYMS).
METRIC_NOUNS = _words(
    "revenue sale profit profitability margin mrr arr gmv income turnover booking pipeline churn"
    " retention conversion nps csat signup lead mql sql traffic visitor visit pageview download"
    " install user dau mau wau customer subscriber subscription follower cost cac ltv arpu arpa"
    " aov order transaction ticket uptime latency downtime incident bug defect headcount"
    " attrition click ctr impression share ebitda cashflow cash"
)
# Metric nouns that are also ordinary words; when the objective names a sharper metric too, a key
# result must share that one.
GENERIC_METRICS = _words("user customer order share cash")
# Words that qualify a metric without adding a qualitative aim: "monthly recurring revenue".
METRIC_FILLERS = _words(
    "our the a an of in on by to from for and this next total overall monthly weekly daily annual"
    " annually yearly quarterly recurring net gross average avg median new active paying paid"
    " organic inbound outbound online web website app mobile rate count number volume amount"
    " level market operating per yoy mom qoq q h fy quarter year month week percent x k m bn"
    " usd eur dollar euro at least million billion thousand acquisition value"
)
# Words that say what a number is of, so "Improve onboarding NPS" is measurable.
MEASURE_WORDS = METRIC_NOUNS | _words(
    "rate score time ratio percentage count number average median p50 p90 p95 p99 minute hour"
    " day second ms millisecond session star rating"
)

# --- Work and outcomes ----------------------------------------------------------------------

# Work to be done, not a change it brings: the first verb of an output key result.
OUTPUT_VERBS = _words(
    "ship ships shipped launch launches launched release releases released build builds built"
    " implement implements implemented deploy deploys deployed migrate migrates migrated create"
    " creates created develop develops developed design designs designed redesign redesigned"
    " write writes wrote written publish publishes published hold holds held host hosts hosted"
    " organize organise organizes organised organized conduct conducts conducted complete"
    " completes completed finish finishes finished deliver delivers delivered introduce"
    " introduces introduced refactor refactored rewrite rewrote integrate integrated document"
    " documented train trained attend attended send sent post posted produce produced draft"
    " drafted prepare prepared configure configured upgrade upgraded automate automated"
    " interview interviewed present presented record recorded translate translated"
)
# Verbs that are work when they move things ("Move all accounts to v2") but a measure when they
# move a number ("Move activation from 20% to 35%").
MOVE_VERBS = _words("move moved switch switched convert converted")
OUTPUT_PHRASES = frozenset(
    ["roll out", "rolled out", "set up", "kick off", "carry out", "put in", "go live"]
)
# "Run 5 workshops" is an activity; "Run a marathon in under 4 hours" is not.
RUN_VERBS = _words("run runs ran running")
ACTIVITY_NOUNS = _words(
    "workshop webinar event meetup campaign experiment test interview training survey hackathon"
    " retro retrospective demo meeting session pilot program programme"
)
# Openings that promise effort, not a result: "Improve X", "Do better at Y", "Focus on Z".
VAGUE_OPENINGS = frozenset(
    [
        *[
            "improve",
            "enhance",
            "optimize",
            "optimise",
            "strengthen",
            "continue",
            "explore",
            "better",
            "more",
        ],
        *["do better", "be better", "get better", "become better", "work on", "work toward"],
        *["work towards", "focus on", "try to", "keep improving", "keep working", "keep going"],
        *["keep on improving", "make progress", "look into", "think about", "be more"],
        *["get more", "engage more"],
    ]
)

# --- Comparing key results ------------------------------------------------------------------

# Verbs that move a metric the same way count as one word for "is this the same KR?".
UP_WORDS = _words("increase raise grow boost lift improve rise rises expand double triple")
DOWN_WORDS = _words("reduce cut decrease lower drop shrink halve minimize minimise")
STOP_WORDS = _words(
    "a an the of to from in on at by for per and or with our we will be is are its their than"
)
