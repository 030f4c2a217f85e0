"""``headway export --format yaml``: an organization's plan as an OKR file.

Teams come in tree order, KPIs by key, cycles oldest first, objectives by owner (the company,
then its departments and teams, then people) and key, key results in their own order; then the
X-Matrices by year and the canvases oldest first (strategy.py). A field at
its default is left out unless it says what the numbers mean (a key result's kind, direction and
type, for instance). The result depends on the stored plan alone: export, apply to an empty
organization, export again gives the same text.
"""

from __future__ import annotations

from typing import Any

from headway.okrsfile import strategy
from headway.okrsfile.dump import Inline, InlineMap, dumps
from headway.okrsfile.model import FIELDS, FORMAT_VERSION, KEY_FIELD, split_owner, support_text
from headway.okrsfile.state import OrgState, Row, load_state
from headway.orgs.models import Organization


def export_text(organization: Organization) -> str:
    return dumps(document(load_state(organization)))


def document(state: OrgState) -> dict[str, Any]:
    org = state.organization
    doc: dict[str, Any] = {"headway": FORMAT_VERSION, "organization": org.slug}
    if org.coach_disabled_rules:
        doc["lint"] = {"disable": Inline(org.coach_disabled_rules)}
    if state.teams:
        doc["teams"] = [entry(row) for row in state.teams.values()]
    if state.kpis:
        doc["kpis"] = [entry(row) for row in state.kpis.values()]
    doc["cycles"] = [
        {
            **entry(cycle),
            "objectives": [objective_entry(o, cycle.key) for o in cycle.children],
        }
        for cycle in state.cycles.values()
    ]
    doc.update(strategy.sections(state))
    return doc


def entry(row: Row) -> dict[str, Any]:
    """A row's fields in file order; defaults left out unless the field is always written."""
    out: dict[str, Any] = {KEY_FIELD[row.kind]: row.key}
    for spec in FIELDS[row.kind]:
        value = row.values[spec.name]
        if spec.always or value != spec.default:
            out[spec.name] = value
    return out


def objective_entry(row: Row, cycle: str) -> dict[str, Any]:
    out = entry(row)
    kind, key = split_owner(out["owner"])
    out["owner"] = InlineMap({kind: key})
    if "supports" in out:
        out["supports"] = Inline(support_text(ref, cycle) for ref in out["supports"])
    out["key_results"] = [entry(kr) for kr in row.children]
    return out
