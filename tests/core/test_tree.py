from hypothesis import given
from hypothesis import strategies as st

from headway.core.tree import descendants


def test_descendants_of_a_team_tree() -> None:
    edges = [(1, 2), (1, 3), (2, 4), (4, 5), (6, 7)]
    assert descendants(edges, [2]) == {4, 5}
    assert descendants(edges, [1]) == {2, 3, 4, 5}
    assert descendants(edges, [5]) == set()


def test_a_cycle_does_not_hang() -> None:
    assert descendants([(1, 2), (2, 1)], [1]) == {1, 2}


@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=60), st.integers(0, 20))
def test_every_descendant_is_reachable_by_an_edge(edges: list[tuple[int, int]], root: int) -> None:
    found = descendants(edges, [root])
    for node in found:
        assert any(child == node and (parent == root or parent in found) for parent, child in edges)
