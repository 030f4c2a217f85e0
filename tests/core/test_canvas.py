"""Focus, divergence and the checks of a Strategy Canvas, on plain data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from headway.core import canvas as c

FACTORS = [c.Factor(i, f"F{i}") for i in range(1, 7)]
US = c.Player(1, "Us", c.US)
RIVAL = c.Player(2, "Rival", c.COMPETITOR)
INDUSTRY = c.Player(3, "Industry", c.INDUSTRY)
NEW = c.Player(4, "New", c.NEW_CURVE)


def levels(player: c.Player, values: list[int]) -> dict[tuple[int, int], int]:
    return {(f.id, player.id): v for f, v in zip(FACTORS, values, strict=True)}


def test_a_flat_curve_is_not_focused_and_an_all_or_nothing_one_is_fully_focused() -> None:
    flat = c.focus([5, 6, 5, 6, 5, 6])
    assert flat is not None and flat.value == 0.1 and not flat.passed
    sharp = c.focus([0, 10, 0, 10])
    assert sharp is not None and sharp.value == 1.0 and sharp.passed
    assert "Not focused" in flat.explanation and sharp.explanation.startswith("Focused")


def test_focus_needs_two_levels() -> None:
    assert c.focus([7]) is None
    assert c.focus([]) is None


def test_focus_threshold_is_two_levels_of_spread() -> None:
    # Levels 3 and 7: two levels from their mean, the documented threshold exactly.
    at = c.focus([3, 7, 3, 7])
    assert at is not None and at.value == 0.4 and at.passed
    below = c.focus([4, 7, 4, 7])
    assert below is not None and below.value == 0.3 and not below.passed


def test_divergence_is_the_distance_to_the_closest_rival() -> None:
    ours = {1: 0, 2: 10, 3: 5}
    far = {1: 10, 2: 0, 3: 5}  # mean gap 20/3 levels
    near = {1: 1, 2: 9, 3: 5}  # mean gap 2/3 of a level
    ind = c.divergence(ours, [far, near])
    assert ind is not None and ind.value == 0.067 and not ind.passed
    alone = c.divergence(ours, [far])
    assert alone is not None and alone.value == 0.667 and alone.passed


def test_divergence_only_counts_shared_factors_and_needs_one() -> None:
    assert c.divergence({1: 5}, [{2: 5}]) is None
    assert c.divergence({1: 5}, []) is None
    ind = c.divergence({1: 2, 2: 9}, [{1: 7}])
    assert ind is not None and ind.value == 0.5


def test_a_blue_ocean_curve_passes_and_has_no_findings() -> None:
    data = {
        **levels(INDUSTRY, [6, 6, 6, 6, 5, 5]),
        **levels(RIVAL, [7, 6, 7, 5, 5, 4]),
        **levels(NEW, [1, 1, 2, 9, 10, 8]),
    }
    factors = [
        c.Factor(1, "Price", "reduce"),
        c.Factor(2, "Jargon", "eliminate"),
        c.Factor(3, "Range", "reduce"),
        c.Factor(4, "Ease", "raise", "People buy on ease."),
        c.Factor(5, "Fun", "create", "Nobody offers it."),
        c.Factor(6, "Speed", "raise", "Saves an hour a day."),
    ]
    result = c.assess(factors, [INDUSTRY, RIVAL, NEW], data, tagline="Wine for everyone")
    assert result.focus is not None and result.focus.passed
    assert result.divergence is not None and result.divergence.passed
    assert result.findings == ()


def test_a_new_curve_that_copies_the_industry_is_flagged() -> None:
    data = {**levels(INDUSTRY, [6, 6, 6, 6, 5, 5]), **levels(NEW, [7, 5, 6, 6, 5, 4])}
    result = c.assess(FACTORS, [INDUSTRY, NEW], data, tagline="Same again")
    codes = [f.code for f in result.findings]
    assert codes == ["copies_industry"]
    assert result.findings[0].player_ids == (INDUSTRY.id,)
    assert result.divergence is not None and not result.divergence.passed


def test_one_factor_two_levels_apart_is_not_a_copy() -> None:
    data = {**levels(INDUSTRY, [6, 6, 6, 6, 5, 5]), **levels(NEW, [6, 6, 6, 6, 5, 7])}
    result = c.assess(FACTORS, [INDUSTRY, NEW], data, tagline="x")
    assert "copies_industry" not in [f.code for f in result.findings]


def test_raise_or_create_without_rationale_is_flagged_by_name() -> None:
    factors = [
        c.Factor(1, "Price", "reduce"),
        c.Factor(2, "Ease", "raise", "   "),
        c.Factor(3, "Fun", "create"),
        c.Factor(4, "Speed", "raise", "Saves time."),
    ]
    result = c.assess(factors, [NEW], {}, tagline="x")
    (finding,) = result.findings
    assert finding.code == "no_rationale"
    assert finding.factor_ids == (2, 3)
    assert "Ease, Fun" in finding.message


def test_no_new_curve_and_no_tagline_are_findings() -> None:
    result = c.assess(FACTORS, [US, RIVAL], levels(US, [1, 2, 3, 4, 5, 6]))
    assert [f.code for f in result.findings] == ["no_new_curve", "no_tagline"]
    assert result.focus is None and result.divergence is None


@given(st.lists(st.integers(0, 10), min_size=2, max_size=30))
def test_focus_is_between_0_and_1(values: list[int]) -> None:
    ind = c.focus(values)
    assert ind is not None and 0 <= ind.value <= 1
    assert ind.passed == (ind.value >= c.FOCUS_THRESHOLD)


@given(
    st.dictionaries(st.integers(1, 8), st.integers(0, 10), min_size=1),
    st.dictionaries(st.integers(1, 8), st.integers(0, 10), min_size=1),
)
def test_distance_is_symmetric_and_between_0_and_1(a: dict[int, int], b: dict[int, int]) -> None:
    d = c.distance(a, b)
    assert d == c.distance(b, a)
    if a.keys() & b.keys():
        assert d is not None and 0 <= d <= 1
        assert (d == 0) == all(a[k] == b[k] for k in a.keys() & b.keys())
    else:
        assert d is None
