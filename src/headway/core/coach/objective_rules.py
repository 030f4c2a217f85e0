"""Rules about an objective as a whole: its title and how many key results measure it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from headway.core.coach.model import Finding
from headway.core.coach.rules import finding
from headway.core.coach.subject import Subject, kr_label
from headway.core.coach.text import (
    extra_words,
    objective_shape,
    quantities,
    quote,
    stem,
)
from headway.core.coach.vocabulary import GENERIC_METRICS

MAX_TITLE_CHARS = 70
MAX_TITLE_WORDS = 12
MIN_KEY_RESULTS = 2
MAX_KEY_RESULTS = 5


def objective_has_number(s: Subject) -> Iterator[Finding]:
    amounts = quantities(s.objective.title, s.title_lower)
    if not amounts:
        return
    listed = ", ".join(quote(a) for a in amounts)
    yield finding(
        "objective-has-number",
        objective=s.ref,
        message=(
            f"The objective {quote(s.objective.title)} contains {listed}. An objective should"
            " describe the state you want to be in, in plain words; a number turns it into a"
            " target to hit and leaves the key results nothing to add."
        ),
        suggestion=(
            f"Move {listed} into a key result written as \u201cfrom X to Y\u201d, and let the"
            " objective say what will be true, and for whom, once you get there."
        ),
    )


def _restating(s: Subject) -> tuple[int, frozenset[str]] | None:
    """The first key result that moves the very thing a "move this" objective names."""
    shape = objective_shape(s.title_tokens)
    if not shape.changes:
        return None
    metrics = shape.bare_metric
    wanted = (metrics - GENERIC_METRICS) or metrics
    subject = shape.subject
    for index, (kr, words) in enumerate(s.key_results):
        if not ((kr.target is not None and kr.kind != "milestone") or words.quantities):
            continue
        if wanted and words.stems & wanted:
            return index, words.stems & wanted
        # The key result restates the objective's subject and hardly anything else.
        if subject and subject <= words.stems and len(extra_words(words.stems, subject)) <= 1:
            return index, subject
    return None


def kpi_in_okr_format(s: Subject) -> Iterator[Finding]:
    restating = _restating(s)
    if restating is None:
        return
    index, shared = restating
    kr = s.key_results[index][0]
    named = " ".join(t for t in s.title_tokens if stem(t) in shared) or " ".join(sorted(shared))
    yield finding(
        "kpi-in-okr-format",
        objective=s.ref,
        message=(
            f"The objective {quote(s.objective.title)} only asks a number to move, and"
            f" {kr_label(index).lower()} {quote(kr.title)} measures that same {quote(named)}."
            " Objective and key result say the same thing twice: this is a KPI dressed up as an"
            " OKR, with more ceremony and no direction."
        ),
        suggestion=(
            f"Keep {named} as a KPI and watch it there. Rewrite the objective as the"
            " qualitative state you want (which customers, doing what, and why it matters),"
            " then measure it by what changes for those customers, each \u201cfrom X to"
            " Y\u201d."
        ),
    )


def objective_too_long(s: Subject) -> Iterator[Finding]:
    title = s.objective.title.strip()
    words = len(title.split())
    if len(title) <= MAX_TITLE_CHARS and words <= MAX_TITLE_WORDS:
        return
    yield finding(
        "objective-too-long",
        objective=s.ref,
        message=(
            f"The objective {quote(title, 60)} runs to {words} words and {len(title)}"
            " characters. An objective is meant to be short and memorable; a long one is"
            " usually a plan, a justification or several goals in one."
        ),
        suggestion=(
            f"Say it in at most {MAX_TITLE_WORDS} words: keep the state you want to reach, move"
            " the how and the why into the description and the numbers into key results."
        ),
    )


def too_few_key_results(s: Subject) -> Iterator[Finding]:
    count = len(s.key_results)
    if count >= MIN_KEY_RESULTS:
        return
    if count == 0:
        said = f"The objective {quote(s.objective.title)} has no key results"
    else:
        said = (
            f"The objective {quote(s.objective.title)} has a single key result,"
            f" {quote(s.key_results[0][0].title)}"
        )
    yield finding(
        "too-few-key-results",
        objective=s.ref,
        message=(
            f"{said}. One number rarely captures an ambition, and a lone measure is easy to hit"
            " while the objective itself is missed."
        ),
        suggestion=(
            "Add key results that look at the objective from another side (quality as well as"
            " volume, customers as well as the team) until you have 2 to 5, each \u201cfrom X"
            " to Y\u201d."
        ),
    )


def too_many_key_results(s: Subject) -> Iterator[Finding]:
    count = len(s.key_results)
    if count <= MAX_KEY_RESULTS:
        return
    yield finding(
        "too-many-key-results",
        objective=s.ref,
        message=(
            f"The objective {quote(s.objective.title)} has {count} key results. With that many,"
            " nobody can tell which ones really matter, and the objective stops focusing the"
            " team."
        ),
        suggestion=(
            f"Keep the {MAX_KEY_RESULTS} (or fewer) that best show the objective is met; track"
            " the others as KPIs, or split the objective in two if they measure different aims."
        ),
    )


CHECKS: dict[str, Callable[[Subject], Iterator[Finding]]] = {
    "objective-has-number": objective_has_number,
    "kpi-in-okr-format": kpi_in_okr_format,
    "objective-too-long": objective_too_long,
    "too-few-key-results": too_few_key_results,
    "too-many-key-results": too_many_key_results,
}
