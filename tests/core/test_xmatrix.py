"""The X-Matrix checks, on plain data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from headway.core.xmatrix import (
    MAX_PRIMARY_RESPONSIBILITIES,
    Duty,
    Item,
    Link,
    Resource,
    check,
    corner_of,
)

B1, B2 = Item(1, "breakthrough", "Lead the market"), Item(2, "breakthrough", "Go global")
A1 = Item(3, "annual", "Win 50 new customers")
P1, P2 = Item(4, "priority", "Self-serve onboarding"), Item(5, "priority", "Partner channel")
M1 = Item(6, "metric", "Trial sign-ups", owner_id=10)
M2 = Item(7, "metric", "NPS")


def test_a_complete_matrix_has_no_findings() -> None:
    links = [Link(1, 3, "strong"), Link(2, 3, "weak"), Link(3, 4, "moderate"), Link(3, 5, "weak")]
    assert check([B1, B2, A1, P1, P2, M1], links, []) == []


def test_each_kind_of_finding_with_a_stable_id_and_advice() -> None:
    links = [Link(1, 3, "strong"), Link(3, 4, "moderate"), Link(5, 6, "strong"), Link(6, 2, "weak")]
    duties = [Duty(p, 20, "primary") for p in (4, 5, 8, 9)] + [Duty(4, 21, "primary")]
    extra = [Item(8, "priority", "x"), Item(9, "priority", "y")]
    items = [B1, B2, A1, P1, P2, M1, M2, *extra]
    findings = check(items, links, duties, [Resource(20, "Growth"), Resource(21, "Mo")])
    # B2 is only linked to a metric, P2 only to a metric: neither counts as support.
    assert [f.id for f in findings] == [
        "unsupported-breakthrough:2",
        "orphan-priority:5",
        "orphan-priority:8",
        "orphan-priority:9",
        "metric-without-owner:7",
        "overloaded-owner:20",
    ]
    assert findings[0].subject == "Go global"
    assert findings[0].message.startswith("No annual objective supports “Go global”")
    assert "Give it an owner" in findings[4].message
    assert findings[5].message.startswith("Growth is the primary owner of 4 priorities")


def test_links_count_in_either_order_and_marks_must_be_set() -> None:
    assert check([B1, A1], [Link(3, 1, "weak")], []) == []
    assert [f.code for f in check([B1, A1], [Link(1, 3, "")], [])] == ["unsupported-breakthrough"]


def test_secondary_duties_do_not_overload() -> None:
    duties = [Duty(p, 20, "secondary") for p in range(100, 110)]
    priorities = [Item(p, "priority", str(p)) for p in range(100, 110)]
    links = [Link(3, p, "weak") for p in range(100, 110)]
    assert check([A1, *priorities], links, duties, [Resource(20, "Growth")]) == []


def test_corners() -> None:
    assert corner_of("annual", "breakthrough") == ("breakthrough", "annual")
    assert corner_of("metric", "breakthrough") == ("metric", "breakthrough")
    assert corner_of("priority", "metric") == ("priority", "metric")
    assert corner_of("annual", "metric") is None
    assert corner_of("annual", "annual") is None


@given(st.integers(min_value=0, max_value=12))
def test_overloaded_exactly_above_the_limit(primaries: int) -> None:
    priorities = [Item(100 + i, "priority", f"p{i}") for i in range(primaries)]
    links = [Link(3, item.id, "strong") for item in priorities]
    duties = [Duty(item.id, 20, "primary") for item in priorities]
    findings = check([A1, *priorities], links, duties, [Resource(20, "Growth")])
    assert bool(findings) == (primaries > MAX_PRIMARY_RESPONSIBILITIES)
    assert all(f.id == "overloaded-owner:20" for f in findings)
