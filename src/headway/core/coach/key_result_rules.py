"""Rules about each key result: is there something to measure, from where, and is it an outcome."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from headway.core.coach.model import Finding, KeyResultDraft
from headway.core.coach.rules import finding
from headway.core.coach.subject import Subject, kr_label, kr_target
from headway.core.coach.text import Phrasing, jaccard, number, quote

SAME_TITLE = 0.9  # token-set similarity from which two titles say the same thing
SAME_METRIC = 0.5  # looser, when unit and target are equal too
_MOVING = ("increase", "decrease")  # the directions where start and target must differ
_HOLDING = ("at_least", "at_most")  # "stay above/below": the target alone is the measure


def nothing_to_measure(s: Subject) -> Iterator[Finding]:
    for index, (kr, words) in enumerate(s.key_results):
        if kr.kind == "milestone":
            continue
        if kr.target is None and not words.quantities:
            why = "has no target and no number"
        elif (vague := words.vague_opening) and not (
            words.quantities or kr.unit.strip() or words.measures_something
        ):
            why = f"opens with {quote(vague)} and never says what is counted"
        else:
            continue
        why = f"{kr_label(index)} {quote(kr.title)} {why}"
        yield finding(
            "nothing-to-measure",
            objective=s.ref,
            target=kr_target(index),
            message=(
                f"{why}: at the end of the cycle nobody could say whether it was achieved, so"
                " it cannot show progress towards the objective."
            ),
            suggestion=(
                "Name the metric that would prove it and write it as \u201cIncrease <metric>"
                " from X to Y\u201d; if it is really a one-off deliverable, make it a milestone"
                " (and ask what outcome it serves)."
            ),
        )


def _baseline_gap(kr: KeyResultDraft, words: Phrasing) -> str:
    # In this order, so that most titles ("from X to Y") are read no further.
    if words.has_from:
        return ""
    if kr.start is None:
        return "gives no starting value"
    if words.has_to:
        return "says where it should end but not where it starts"
    if words.relative:
        return "states a change without the level it starts from"
    return ""


def no_baseline(s: Subject) -> Iterator[Finding]:
    for index, (kr, words) in enumerate(s.key_results):
        if kr.kind == "milestone" or kr.direction in _HOLDING:
            continue
        if kr.target is None and not words.quantities:
            continue  # nothing to measure at all: another rule says so
        gap = _baseline_gap(kr, words)
        if not gap:
            continue
        target = "Y" if kr.target is None or words.relative else number(kr.target)
        yield finding(
            "no-baseline",
            objective=s.ref,
            target=kr_target(index),
            message=(
                f"{kr_label(index)} {quote(kr.title)} {gap}. Without a baseline nobody can tell"
                " whether the target is a stretch or a number you have already reached, and"
                " progress cannot be computed."
            ),
            suggestion=(
                "Look up today's value and write it in: \u201c<metric> from X to"
                f" {target}\u201d (and set the start field to X)."
            ),
        )


def target_equals_start(s: Subject) -> Iterator[Finding]:
    for index, (kr, _words) in enumerate(s.key_results):
        if kr.kind == "milestone" or kr.direction not in _MOVING:
            continue
        start, target = kr.start, kr.target
        if start is None or target is None or not (math.isfinite(start) and math.isfinite(target)):
            continue
        if not math.isclose(start, target, rel_tol=1e-9, abs_tol=1e-12):
            continue
        yield finding(
            "target-equals-start",
            objective=s.ref,
            target=kr_target(index),
            message=(
                f"{kr_label(index)} {quote(kr.title)} asks to {kr.direction} from"
                f" {number(start)} to {number(target)}: the target is where you already stand,"
                " so there is nothing to achieve and no progress to show."
            ),
            suggestion=(
                f"Set a target beyond {number(start)} that would really change something;"
                " if the point is to hold the line, make it a \u201cstay at or"
                f" {'above' if kr.direction == 'increase' else 'below'}\u201d key result or"
                " watch it as a KPI."
            ),
        )


def output_not_outcome(s: Subject) -> Iterator[Finding]:
    for index, (kr, words) in enumerate(s.key_results):
        if kr.result_type == "outcome":
            continue
        verb = words.output_verb
        if not verb and kr.result_type != "output":
            continue
        label = f"{kr_label(index)} {quote(kr.title)}"
        said = f"{label} starts with {quote(verb)}" if verb else f"{label} is marked as an output"
        yield finding(
            "output-not-outcome",
            objective=s.ref,
            target=kr_target(index),
            message=(
                f"{said}: it describes work the team will do, not the difference that work"
                " should make. You can deliver every output and still miss the objective."
            ),
            suggestion=(
                f"Keep {quote(kr.title, 50)} as an initiative and ask what will be different"
                " once it is done: what will customers (or colleagues) do that they do not do"
                " today? Measure that as the key result, \u201cfrom X to Y\u201d."
            ),
        )


def _same(a: KeyResultDraft, b: KeyResultDraft, similarity: float) -> bool:
    if similarity >= SAME_TITLE:
        return True
    return (
        similarity >= SAME_METRIC
        and bool(a.unit.strip())
        and a.unit.strip().lower() == b.unit.strip().lower()
        and a.kind == b.kind
        and a.direction == b.direction
        and a.target is not None
        and a.target == b.target
    )


def duplicate_key_results(s: Subject) -> Iterator[Finding]:
    if len(s.key_results) < 2:
        return
    seen: list[tuple[KeyResultDraft, frozenset[str], tuple[str, ...]]] = []
    for index, (kr, words) in enumerate(s.key_results):
        content = words.content
        tokens = words.tokens
        for earlier_index, (earlier, earlier_content, earlier_tokens) in enumerate(seen):
            # Same words and numbers, whatever the case and punctuation; else close enough.
            if not (tokens and tokens == earlier_tokens):
                if earlier_content.isdisjoint(content):
                    continue  # nothing in common: no need to measure how much
                similarity = jaccard(earlier_content, content)
                if not (similarity >= SAME_METRIC and _same(earlier, kr, similarity)):
                    continue
            yield finding(
                "duplicate-key-results",
                objective=s.ref,
                target=kr_target(index),
                message=(
                    f"{kr_label(index)} {quote(kr.title)} measures the same thing as"
                    f" {kr_label(earlier_index).lower()} {quote(earlier.title)}. Counting"
                    " one signal twice inflates it and leaves another side of the"
                    " objective unmeasured."
                ),
                suggestion=(
                    "Merge the two into one key result, and use the free slot for a"
                    " measure the others miss (quality, customer behaviour, cost)."
                ),
            )
            break
        seen.append((kr, content, tokens))


CHECKS: dict[str, Callable[[Subject], Iterator[Finding]]] = {
    "nothing-to-measure": nothing_to_measure,
    "no-baseline": no_baseline,
    "target-equals-start": target_equals_start,
    "output-not-outcome": output_not_outcome,
    "duplicate-key-results": duplicate_key_results,
}
