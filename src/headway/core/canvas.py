"""What makes a Blue Ocean value curve good, measured on a Strategy Canvas.

Kim and Mauborgne's test of a new value curve has three parts: focus (the company does not spread
its effort across every factor the industry competes on, it cuts some and invests in a few),
divergence (the curve does not look like the rivals' curves) and a compelling tagline. Focus and
divergence are measured here on the levels (0-10) the players offer on each factor; the tagline is
only checked for being there.

Plain data in, plain data out: no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MAX_LEVEL = 10

US = "us"
COMPETITOR = "competitor"
INDUSTRY = "industry"
NEW_CURVE = "new_curve"
RIVALS = (COMPETITOR, INDUSTRY)

RAISE = "raise"
CREATE = "create"

# Focus is the spread of the new curve's levels: their standard deviation divided by 5, the
# largest spread 0-10 levels can have (half the factors at 0, half at 10). A curve whose levels
# stand on average two levels or more from their mean (0.4) has picked what to excel at and what
# to leave out; a flat curve, high or low, has not.
FOCUS_THRESHOLD = 0.4
# Divergence is the mean absolute difference, over the shared factors, between the new curve and
# its closest rival curve (competitor or industry), divided by 10. At 0.25 the new curve is on
# average two and a half levels away from even the rival it most resembles.
DIVERGENCE_THRESHOLD = 0.25
# "Copies" a rival: within this many levels of it on every shared factor (at least two factors).
COPY_TOLERANCE = 1


@dataclass(frozen=True)
class Factor:
    id: int
    name: str
    errc: str = ""
    rationale: str = ""


@dataclass(frozen=True)
class Player:
    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class Indicator:
    """A 0-1 measure, whether it passes its threshold, and what that means in words."""

    value: float
    threshold: float
    passed: bool
    explanation: str


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    factor_ids: tuple[int, ...] = ()
    player_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Assessment:
    focus: Indicator | None
    divergence: Indicator | None
    findings: tuple[Finding, ...] = field(default_factory=tuple)


Levels = Mapping[tuple[int, int], int]


def new_curve(players: Iterable[Player]) -> Player | None:
    """The first player of kind "new curve" (a canvas draws one; more are compared like rivals)."""
    return next((p for p in players if p.kind == NEW_CURVE), None)


def curve(factors: Sequence[Factor], player: Player, levels: Levels) -> dict[int, int]:
    """The player's levels by factor id, for the factors it has a level on."""
    return {f.id: levels[f.id, player.id] for f in factors if (f.id, player.id) in levels}


def focus(values: Sequence[int]) -> Indicator | None:
    """How concentrated a curve is: the spread of its levels, 0 (flat) to 1 (all or nothing).

    None with fewer than two levels: one point has no shape.
    """
    if len(values) < 2:
        return None
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    value = min(1.0, spread / (MAX_LEVEL / 2))
    passed = value >= FOCUS_THRESHOLD
    explanation = (
        "Focused: the new curve invests heavily in a few factors and cuts back on others, "
        "rather than offering a bit of everything."
        if passed
        else "Not focused: the new curve stays at much the same level on every factor. A strong "
        "curve picks a few factors to excel at and reduces or drops the rest."
    )
    return Indicator(round(value, 3), FOCUS_THRESHOLD, passed, explanation)


def distance(a: Mapping[int, int], b: Mapping[int, int]) -> float | None:
    """Mean absolute difference over the factors both curves have, 0-1; None if none shared."""
    shared = a.keys() & b.keys()
    if not shared:
        return None
    return sum(abs(a[k] - b[k]) for k in shared) / len(shared) / MAX_LEVEL


def divergence(ours: Mapping[int, int], rivals: Sequence[Mapping[int, int]]) -> Indicator | None:
    """How far the new curve is from the closest rival curve, 0 (the same) to 1 (opposite)."""
    distances = [d for r in rivals if (d := distance(ours, r)) is not None]
    if not distances:
        return None
    value = min(distances)
    passed = value >= DIVERGENCE_THRESHOLD
    explanation = (
        "Divergent: the new curve takes its own shape, away from every competitor and the "
        "industry, so customers can tell it apart."
        if passed
        else "Not divergent: the new curve runs close to at least one rival's. Competing on the "
        "same factors at the same levels is a red ocean; eliminate, reduce, raise and create "
        "until the curve stands apart."
    )
    return Indicator(round(value, 3), DIVERGENCE_THRESHOLD, passed, explanation)


def copies(ours: Mapping[int, int], theirs: Mapping[int, int]) -> bool:
    """Within COPY_TOLERANCE levels of the other curve on every shared factor (two at least)."""
    shared = ours.keys() & theirs.keys()
    return len(shared) >= 2 and all(abs(ours[k] - theirs[k]) <= COPY_TOLERANCE for k in shared)


def assess(
    factors: Sequence[Factor],
    players: Sequence[Player],
    levels: Levels,
    *,
    tagline: str = "",
) -> Assessment:
    """Focus, divergence and the checks of one canvas."""
    findings: list[Finding] = []
    ours_player = new_curve(players)
    focus_ind: Indicator | None = None
    divergence_ind: Indicator | None = None
    if ours_player is None:
        findings.append(
            Finding(
                "no_new_curve",
                "There is no new curve yet: add a player of kind “Our new curve” to draw where "
                "you want to stand.",
            )
        )
    else:
        ours = curve(factors, ours_player, levels)
        rival_players = [p for p in players if p.kind in RIVALS]
        rivals = [curve(factors, p, levels) for p in rival_players]
        focus_ind = focus([ours[f.id] for f in factors if f.id in ours])
        divergence_ind = divergence(ours, rivals)
        for player, theirs in zip(rival_players, rivals, strict=True):
            if player.kind == INDUSTRY and copies(ours, theirs):
                findings.append(
                    Finding(
                        "copies_industry",
                        f"The new curve just copies the industry ({player.name}): it is within "
                        f"{COPY_TOLERANCE} level of it on every factor.",
                        player_ids=(player.id,),
                    )
                )
    bare = [f for f in factors if f.errc in (RAISE, CREATE) and not f.rationale.strip()]
    if bare:
        findings.append(
            Finding(
                "no_rationale",
                "Raised or created with no rationale: "
                + ", ".join(f.name for f in bare)
                + ". Say why customers will value it.",
                factor_ids=tuple(f.id for f in bare),
            )
        )
    if not tagline.strip():
        findings.append(
            Finding(
                "no_tagline",
                "No tagline: a good strategy can be said in one line that customers would repeat.",
            )
        )
    return Assessment(focus_ind, divergence_ind, tuple(findings))
