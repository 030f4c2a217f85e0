"""An OKR file's objectives as the coach reads them, one draft per cycle (no database needed)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from headway.core.coach import CycleDraft, KeyResultDraft, ObjectiveDraft
from headway.okrsfile.model import Entry, OkrsFile, split_owner


def cycle_drafts(file: OkrsFile) -> Iterator[tuple[Entry, CycleDraft]]:
    """Each cycle of the file with its draft, in file order.

    The company is the root of the file's team tree (a team with no parent); a file without
    teams has no company objectives, so nothing is flagged as unaligned.
    """
    roots = frozenset(t.key for t in file.teams or () if t.values["parent"] is None)
    for cycle in file.cycles:
        objectives = tuple(objective_draft(o, roots) for o in cycle.children)
        yield cycle, CycleDraft(objectives=objectives, name=cycle.key)


def objective_draft(objective: Entry, roots: frozenset[str]) -> ObjectiveDraft:
    values = objective.values
    kind, key = split_owner(values["owner"])
    return ObjectiveDraft(
        title=values["title"],
        key_results=tuple(key_result_draft(kr) for kr in objective.children),
        description=values["description"],
        key=objective.key,
        owner=values["owner"],
        owner_is_team=kind == "team",
        is_company=kind == "team" and key in roots,
        aligned=bool(values["supports"]),
        kind=values["kind"],
    )


def key_result_draft(kr: Entry) -> KeyResultDraft:
    values = kr.values
    return KeyResultDraft(
        title=values["title"],
        start=_float(values["from"]),
        target=_float(values["to"]),
        kind=values["kind"],
        direction=values["direction"],
        unit=values["unit"],
        # Only what the author wrote: without it the coach reads the wording.
        result_type=values["type"] if "type" in kr.given else None,
        key=kr.key,
    )


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
