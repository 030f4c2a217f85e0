"""One objective as the rules read it: its drafts plus the wording of every title, parsed once."""

from __future__ import annotations

from dataclasses import dataclass

from headway.core.coach.model import KeyResultDraft, ObjectiveDraft
from headway.core.coach.text import Phrasing, lower_tokens


@dataclass(frozen=True, slots=True)
class Subject:
    objective: ObjectiveDraft
    ref: str  # what findings name the objective by: its key, else its title
    title_lower: str
    title_tokens: tuple[str, ...]
    key_results: tuple[tuple[KeyResultDraft, Phrasing], ...]


def read(objective: ObjectiveDraft) -> Subject:
    lower = objective.title.lower()
    return Subject(
        objective=objective,
        ref=objective.key or objective.title,
        title_lower=lower,
        title_tokens=tuple(lower_tokens(lower)),
        key_results=tuple([(kr, Phrasing(kr.title)) for kr in objective.key_results]),
    )


def kr_target(index: int) -> str:
    return f"key_results[{index}]"


def kr_label(index: int) -> str:
    return f"Key result {index + 1}"
