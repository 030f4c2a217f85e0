"""How well the coach agrees with a labelled corpus: precision and recall per rule.

`pytest -s` prints the table. Counting is per (case, rule) pair: a rule that fires twice on one
objective is one prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from headway.core.coach import RULES, lint_objective
from tests.core.coach.corpus import CORPUS, Case

MIN_CASES = 70
MIN_GOOD = 25
MIN_PRECISION = 0.9
MIN_RECALL = 0.85
GATED = (
    "kpi-in-okr-format",
    "objective-has-number",
    "too-few-key-results",
    "too-many-key-results",
    "no-baseline",
    "output-not-outcome",
    "target-equals-start",
)


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def fired(case: Case) -> frozenset[str]:
    return frozenset(f.rule for f in lint_objective(case.objective))


def score_corpus() -> tuple[dict[str, Score], list[str]]:
    scores = {rule_id: Score() for rule_id in RULES}
    misses: list[str] = []
    for case in CORPUS:
        got = fired(case)
        for rule_id in got & case.expected:
            scores[rule_id].tp += 1
        for rule_id in got - case.expected:
            scores[rule_id].fp += 1
            misses.append(f"FP {rule_id:<24} {case.name}")
        for rule_id in case.expected - got:
            scores[rule_id].fn += 1
            misses.append(f"FN {rule_id:<24} {case.name}")
    return scores, misses


def table(scores: dict[str, Score]) -> str:
    lines = [
        f"{'rule':<26} {'tp':>3} {'fp':>3} {'fn':>3} {'precision':>9} {'recall':>6}",
    ]
    for rule_id, s in scores.items():
        if s.tp + s.fp + s.fn:
            lines.append(
                f"{rule_id:<26} {s.tp:>3} {s.fp:>3} {s.fn:>3} {s.precision:>9.2f} {s.recall:>6.2f}"
            )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def scored() -> tuple[dict[str, Score], list[str]]:
    return score_corpus()


def test_corpus_is_big_and_varied() -> None:
    assert len(CORPUS) >= MIN_CASES
    assert len({c.name for c in CORPUS}) == len(CORPUS)
    assert sum(1 for c in CORPUS if not c.expected) >= MIN_GOOD
    labelled = {rule_id for c in CORPUS for rule_id in c.expected}
    assert labelled <= set(RULES)
    for rule_id in GATED:
        assert sum(1 for c in CORPUS if rule_id in c.expected) >= 3, rule_id


def test_precision_and_recall_per_rule(scored: tuple[dict[str, Score], list[str]]) -> None:
    scores, misses = scored
    print(f"\ncoach corpus: {len(CORPUS)} cases\n{table(scores)}")
    if misses:
        print("\n".join(misses))
    for rule_id in GATED:
        s = scores[rule_id]
        assert s.precision >= MIN_PRECISION, (rule_id, s)
        assert s.recall >= MIN_RECALL, (rule_id, s)


@pytest.mark.parametrize("case", [c for c in CORPUS if c.seed], ids=lambda c: c.name)
def test_the_seeds_good_okrs_get_no_finding(case: Case) -> None:
    assert lint_objective(case.objective) == []
