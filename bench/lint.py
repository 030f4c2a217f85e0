"""The OKR coach over 10,000 objectives: 2,500 owners with 4 objectives each, linted per owner.

The objectives are the labelled corpus, cycled with index-suffixed titles and padded or trimmed
to 3-4 key results, so every rule has work to do. Pure Python: no database, no Django.
`python -m bench.lint` prints the figures; `python -m bench` includes them in its report.
"""

from __future__ import annotations

import time

from tests.core.coach.corpus import CORPUS

from headway.core.coach import CycleDraft, KeyResultDraft, ObjectiveDraft, lint_cycle

OBJECTIVES = 10_000
PER_OWNER = 4
# Best of five: the least disturbed run is the closest to what the code costs.
ROUNDS = 5


def build_cycles(objectives: int = OBJECTIVES) -> list[CycleDraft]:
    """Deterministic cycles, one per owner, with the corpus's objectives renamed by index."""
    pool = [kr for case in CORPUS for kr in case.objective.key_results]
    drafts: list[ObjectiveDraft] = []
    for index in range(objectives):
        source = CORPUS[index % len(CORPUS)].objective
        wanted = 3 + index % 2
        key_results = list(source.key_results[:wanted])
        filler = index
        while len(key_results) < wanted:
            borrowed = pool[filler % len(pool)]
            filler += 7
            key_results.append(
                KeyResultDraft(
                    title=borrowed.title,
                    start=borrowed.start,
                    target=borrowed.target,
                    kind=borrowed.kind,
                    direction=borrowed.direction,
                    unit=borrowed.unit,
                    confidence=10 if index % 5 == 0 else 6,
                )
            )
        owner = index // PER_OWNER
        drafts.append(
            ObjectiveDraft(
                # "#123" reads as a label, not an amount, so the rules see the corpus's title.
                title=f"{source.title} #{index}",
                key_results=tuple(key_results),
                key=f"o{index}",
                owner=f"team:{owner}",
                is_company=owner % 10 == 0 and index % PER_OWNER == 0,
                aligned=index % 3 == 0,
                score=0.95 if owner % 7 == 0 else 0.6,
            )
        )
    return [
        CycleDraft(
            objectives=tuple(drafts[start : start + PER_OWNER]),
            name="2026-Q1",
            week=1 if start % 3 == 0 else 6,
            history={f"team:{start // PER_OWNER}": (0.9, 1.0) if start % 7 == 0 else (0.6,)},
        )
        for start in range(0, len(drafts), PER_OWNER)
    ]


def reference_seconds() -> float:
    """A plain Python loop (``sum(i * i for i in range(10**7))``), best of 3.

    The figure says how fast this machine runs Python at the moment, so that a lint time can be
    compared with one taken on another machine, or on this one when it is less busy.
    """
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(10**7))
        best = min(best, time.perf_counter() - started)
    return round(best, 3)


def lint_benchmark() -> dict[str, float]:
    """Best-of-5 wall time to lint 10,000 objectives, cycle by cycle."""
    cycles = build_cycles()
    count = sum(len(cycle.objectives) for cycle in cycles)
    best = float("inf")
    findings = 0
    for _ in range(ROUNDS):
        started = time.perf_counter()
        findings = sum(len(lint_cycle(cycle)) for cycle in cycles)
        best = min(best, time.perf_counter() - started)
    return {
        "objectives": float(count),
        "owners": float(len(cycles)),
        "findings": float(findings),
        "seconds": round(best, 4),
        "objectives_per_second": round(count / best),
        "reference_seconds": reference_seconds(),
    }


if __name__ == "__main__":
    result = lint_benchmark()
    print(
        f"lint {result['objectives']:,.0f} objectives ({result['owners']:,.0f} owners):"
        f" {result['seconds']:.3f} s, {result['objectives_per_second']:,.0f} objectives/s,"
        f" {result['findings']:,.0f} findings; the reference Python loop took"
        f" {result['reference_seconds']:.3f} s"
    )
