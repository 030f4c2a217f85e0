"""Bridge between stored OKRs (or typed input) and the coach's plain drafts.

The rules live in ``headway.core.coach`` and know nothing of rows; this module turns objectives
loaded for a page into drafts without touching the database again, runs the rules with the
organization's switched-off ones left out, and hands the findings back per objective.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from headway import core
from headway.core.coach import RULES, cycle_rules, lint_cycle, lint_objective
from headway.core.coach.model import (
    CycleDraft,
    Finding,
    KeyResultDraft,
    ObjectiveDraft,
    Severity,
)
from headway.okrs.choices import DIRECTION_CHOICES, KR_KIND_CHOICES, KRResultType
from headway.okrs.cycles import is_graded
from headway.okrs.models import Cycle, KeyResult, Objective
from headway.orgs.models import Organization

# Worst first: a badge takes the colour of its worst finding.
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_KR_KINDS = {value for value, _ in KR_KIND_CHOICES}
_DIRECTIONS = {value for value, _ in DIRECTION_CHOICES}


# --- rows to drafts ---------------------------------------------------------------------------


def owner_name(objective: Objective) -> str:
    """The owner as the coach names it: "team:<slug>" or "person:<username>"."""
    if objective.owner_team_id is not None:
        return f"team:{objective.owner_team.slug}"  # type: ignore[union-attr]
    return f"person:{objective.owner_person.user.username}"  # type: ignore[union-attr]


def draft_key(objective: Objective) -> str:
    # Rows written outside the services have no key yet; the id keeps them apart in a cycle.
    return objective.key or f"objective-{objective.pk}"


# What the coach reads of a key result, under the same names on the model and in value rows.
_KR_DRAFT_FIELDS = ("title", "kind", "direction", "unit", "result_type", "confidence", "key")
_KR_FIELDS_READ = ("start", "target", *_KR_DRAFT_FIELDS)


def key_result_draft(kr: KeyResult | Mapping[str, Any]) -> KeyResultDraft:
    """A key result as the coach reads it, from the model or from a ``values()`` row."""
    values = kr if isinstance(kr, Mapping) else {f: getattr(kr, f) for f in _KR_FIELDS_READ}
    return KeyResultDraft(
        start=float(values["start"]),
        target=float(values["target"]),
        **{name: values[name] for name in _KR_DRAFT_FIELDS},
    )


def is_aligned(objective: Objective) -> bool:
    """Supports another objective: the ``has_parents`` annotation when the query added it
    (the board), else the prefetched ``parent_links``."""
    annotated: bool | None = getattr(objective, "has_parents", None)
    if annotated is not None:
        return annotated
    return bool(objective.parent_links.all())


def objective_draft(objective: Objective) -> ObjectiveDraft:
    """``objective`` comes with its owner, cycle, key results and alignment already loaded."""
    team = objective.owner_team
    return ObjectiveDraft(
        title=objective.title,
        description=objective.description,
        key_results=tuple(key_result_draft(kr) for kr in objective.key_results.all()),
        key=draft_key(objective),
        owner=owner_name(objective),
        owner_is_team=team is not None,
        is_company=team is not None and team.parent_id is None,
        aligned=is_aligned(objective),
        kind=objective.kind,
        score=(core.default_score(objective.progress) if is_graded(objective.cycle) else None),
    )


def cycle_week(cycle: Cycle, today: dt.date) -> int | None:
    """Which week of the cycle ``today`` falls in (1 = the first); None before it starts."""
    if today < cycle.start:
        return None
    return (today - cycle.start).days // 7 + 1


def disabled_rules(organization: Organization) -> tuple[str, ...]:
    return tuple(organization.coach_disabled_rules or ())


@dataclass
class CoachFindings:
    """A cycle's findings: per objective, and those about an owner's whole set."""

    by_objective: dict[int, list[Finding]] = field(default_factory=dict)
    # Owner name -> findings that name no single objective ("five objectives is too many").
    by_owner: dict[str, list[Finding]] = field(default_factory=dict)


# The rules about an owner's whole set ("more than 4", "always 1.0", "confidence 10 in week one"):
# they run per owner; every other rule runs once over the whole cycle.
_SET_RULES = frozenset(cycle_rules.CHECKS)
_NOT_SET_RULES = frozenset(RULES) - _SET_RULES


def _lint_drafts(
    drafts: Sequence[ObjectiveDraft],
    *,
    cycle: Cycle,
    today: dt.date,
    disabled: tuple[str, ...],
    history: Mapping[str, tuple[float, ...]] | None = None,
) -> tuple[dict[str, list[Finding]], dict[str, list[Finding]]]:
    """Findings by objective key, and findings about an owner's whole set by owner.

    The objective rules run over the whole cycle at once, since "aligned to nothing" looks for
    the company's objectives among everyone's. The rules about a set run per owner, one
    CycleDraft each and nothing else: their findings name no objective, and this way each one
    belongs to the owner it is about.
    """
    week = cycle_week(cycle, today)
    by_key: dict[str, list[Finding]] = {}
    for finding in lint_cycle(
        CycleDraft(objectives=tuple(drafts), name=cycle.name, week=week),
        disabled=_SET_RULES.union(disabled),
    ):
        if finding.objective:
            by_key.setdefault(finding.objective, []).append(finding)
    off = _NOT_SET_RULES.union(disabled)
    if off >= _SET_RULES:
        return by_key, {}
    groups: dict[str, list[ObjectiveDraft]] = {}
    for draft in drafts:
        groups.setdefault(draft.owner, []).append(draft)
    by_owner: dict[str, list[Finding]] = {}
    for owner, group in groups.items():
        found = lint_cycle(
            CycleDraft(
                objectives=tuple(group),
                name=cycle.name,
                week=week,
                history={owner: history[owner]} if history and owner in history else {},
            ),
            disabled=off,
        )
        if about_set := [f for f in found if not f.objective]:
            by_owner[owner] = about_set
    return by_key, by_owner


def coach_objectives(
    organization: Organization,
    objectives: Iterable[Objective],
    *,
    cycle: Cycle | None = None,
    today: dt.date | None = None,
    history: Mapping[str, tuple[float, ...]] | None = None,
) -> CoachFindings:
    """Run the coach over already-loaded objectives (no query), cycle by cycle.

    ``cycle`` saves looking at each objective's own cycle when they all share one; ``history``
    is each owner's mean aspirational score in earlier cycles (oldest first), for the rule that
    looks back.
    """
    today = today or timezone.localdate()
    disabled = disabled_rules(organization)
    by_cycle: dict[int, list[Objective]] = {}
    for objective in objectives:
        by_cycle.setdefault(objective.cycle_id, []).append(objective)
    result = CoachFindings()
    for members in by_cycle.values():
        drafts = [objective_draft(o) for o in members]
        by_key, by_owner = _lint_drafts(
            drafts,
            cycle=cycle or members[0].cycle,
            today=today,
            disabled=disabled,
            history=history,
        )
        for draft, objective in zip(drafts, members, strict=True):
            result.by_objective[objective.pk] = by_key.get(draft.key, [])
        for owner, found in by_owner.items():
            result.by_owner.setdefault(owner, []).extend(found)
    return result


# --- a whole cycle from plain rows -------------------------------------------------------------


def row_owner(row: Mapping[str, Any]) -> str:
    """The owner of a ``selectors.coach_rows`` objective as the coach names it."""
    if row["owner_team_id"] is not None:
        return f"team:{row['owner_team__slug']}"
    return f"person:{row['owner_person__user__username']}"


def row_draft(
    row: Mapping[str, Any], key_results: Iterable[Mapping[str, Any]], *, graded: bool
) -> ObjectiveDraft:
    """A ``selectors.coach_rows`` objective as the coach reads it: as ``objective_draft``, but
    without the description (no rule reads it)."""
    team_id = row["owner_team_id"]
    return ObjectiveDraft(
        title=row["title"],
        key_results=tuple(key_result_draft(kr) for kr in key_results),
        key=row["key"] or f"objective-{row['id']}",
        owner=row_owner(row),
        owner_is_team=team_id is not None,
        is_company=team_id is not None and row["owner_team__parent_id"] is None,
        aligned=row["has_parents"],
        kind=row["kind"],
        score=core.default_score(row["progress"]) if graded else None,
    )


def in_board_order(
    rows: Iterable[Mapping[str, Any]], team_ids: Sequence[int]
) -> list[Mapping[str, Any]]:
    """``rows`` as the board lists them: team by team in ``team_ids``'s order (the tree's), then
    the personal ones, each owner's in their own order. The coach quotes the company's first
    objectives in this order."""
    rank = {team_id: index for index, team_id in enumerate(team_ids)}
    last = len(rank)
    return sorted(rows, key=lambda row: rank.get(row["owner_team_id"], last))


def coach_cycle_rows(
    organization: Organization,
    objectives: Sequence[Mapping[str, Any]],
    key_results: Mapping[int, Sequence[Mapping[str, Any]]],
    *,
    cycle: Cycle,
    today: dt.date | None = None,
    history: Mapping[str, tuple[float, ...]] | None = None,
) -> CoachFindings:
    """Run the coach over one cycle's objectives read by ``selectors.coach_rows`` (no query),
    in the order given: ``coach_objectives`` for rows rather than model instances."""
    graded = is_graded(cycle)
    drafts = [row_draft(row, key_results.get(row["id"], ()), graded=graded) for row in objectives]
    by_key, by_owner = _lint_drafts(
        drafts,
        cycle=cycle,
        today=today or timezone.localdate(),
        disabled=disabled_rules(organization),
        history=history,
    )
    return CoachFindings(
        by_objective={
            row["id"]: by_key.get(draft.key, [])
            for row, draft in zip(objectives, drafts, strict=True)
        },
        by_owner=by_owner,
    )


def findings_by_objective(
    organization: Organization,
    objectives: Iterable[Objective],
    *,
    cycle: Cycle | None = None,
    today: dt.date | None = None,
) -> dict[int, list[Finding]]:
    """Each objective's findings, those about its owner's whole set included (they show on
    each of the owner's objectives)."""
    objectives = list(objectives)
    found = coach_objectives(organization, objectives, cycle=cycle, today=today)
    return {
        o.pk: [*found.by_objective[o.pk], *found.by_owner.get(owner_name(o), [])]
        for o in objectives
    }


def lint_among(
    organization: Organization,
    draft: ObjectiveDraft,
    context: Sequence[Objective],
    *,
    cycle: Cycle | None,
    today: dt.date | None = None,
) -> list[Finding]:
    """What the coach says about ``draft`` (typed, not saved) among the cycle's ``context``
    objectives (its owner's others and the company's): its own findings and those about its
    owner's whole set, not the others'."""
    disabled = disabled_rules(organization)
    if cycle is None:
        return lint_objective(draft, disabled=disabled)
    drafts = [*(objective_draft(o) for o in context), draft]
    by_key, by_owner = _lint_drafts(
        drafts, cycle=cycle, today=today or timezone.localdate(), disabled=disabled
    )
    return [*by_key.get(draft.key, []), *by_owner.get(draft.owner, [])]


# --- typed input to drafts --------------------------------------------------------------------


def _text(raw: Any) -> str:
    return raw.strip() if isinstance(raw, str) else ""


def _number(raw: Any) -> float | None:
    """A finite number, or None when missing or not (yet) one: a draft is checked as typed."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        try:
            value = float(Decimal(str(raw).strip().replace(",", "")))
        except (InvalidOperation, ValueError):
            return None
    return value if math.isfinite(value) else None


def _choice(raw: Any, allowed: set[str], default: str) -> str:
    return raw if isinstance(raw, str) and raw in allowed else default


def key_result_input(row: Mapping[str, Any]) -> KeyResultDraft:
    result_type = row.get("result_type")
    return KeyResultDraft(
        title=_text(row.get("title")),
        start=_number(row.get("start")),
        target=_number(row.get("target")),
        kind=_choice(row.get("kind"), _KR_KINDS, "metric"),
        direction=_choice(row.get("direction"), _DIRECTIONS, "increase"),
        unit=_text(row.get("unit")),
        result_type=result_type if result_type in KRResultType.values else None,
    )


def lint_draft_input(data: Mapping[str, Any]) -> ObjectiveDraft:
    """An objective as typed in the editor or sent to the API, as the coach reads it.

    ``data``: title, description, key_results (rows of title, start, target, kind, direction,
    unit, result_type) and optionally kind, owner, owner_is_team, is_company and aligned. Values
    not (yet) valid are read as missing rather than refused: the draft is checked while typed.
    """
    rows: Sequence[Mapping[str, Any]] = data.get("key_results") or ()
    base = ObjectiveDraft(
        title=_text(data.get("title")),
        description=_text(data.get("description")),
        key_results=tuple(key_result_input(row) for row in rows),
        key=_text(data.get("key")),
        owner=_text(data.get("owner")),
    )
    extra: dict[str, Any] = {}
    for name in ("owner_is_team", "is_company", "aligned"):
        if isinstance(data.get(name), bool):
            extra[name] = data[name]
    if data.get("kind") in {k.value for k in core.ObjectiveKind}:
        extra["kind"] = data["kind"]
    return replace(base, **extra)


# --- what pages show --------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """A finding with the title of its rule, as a page lists it."""

    finding: Finding
    title: str

    @property
    def severity(self) -> str:
        return self.finding.severity.value

    @property
    def target_label(self) -> str:
        """ "key_results[1]" reads as "Key result 2"."""
        target = self.finding.target
        if target.startswith("key_results[") and target.endswith("]"):
            index = target.removeprefix("key_results[").removesuffix("]")
            if index.isdigit():
                return f"Key result {int(index) + 1}"
        return {"objective": "Objective", "cycle": "Cycle"}.get(target, target)


@dataclass(frozen=True)
class CoachNotes:
    notes: tuple[Note, ...]

    def __bool__(self) -> bool:
        return bool(self.notes)

    def __len__(self) -> int:
        return len(self.notes)

    def __iter__(self) -> Iterator[Note]:
        return iter(self.notes)

    @property
    def worst(self) -> str:
        for severity in SEVERITY_ORDER:
            if any(n.finding.severity == severity for n in self.notes):
                return severity.value
        return ""

    @property
    def titles(self) -> list[str]:
        return list(dict.fromkeys(n.title for n in self.notes))

    @property
    def label(self) -> str:
        """What the board's badge says to a screen reader and on hover."""
        count = len(self.notes)
        return f"{count} coach note{'s' if count != 1 else ''}: {'; '.join(self.titles)}"


def rule_title(rule_id: str) -> str:
    rule = RULES.get(rule_id)
    return rule.title if rule is not None else rule_id


def notes(findings: Iterable[Finding]) -> CoachNotes:
    """Findings worst first, each with its rule's title."""
    ordered = sorted(findings, key=lambda f: SEVERITY_ORDER.index(f.severity))
    return CoachNotes(tuple(Note(f, rule_title(f.rule)) for f in ordered))
