"""Reading OKR files: the JSON Schema, and every problem named with its line (no database)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from headway.core import Direction, KRKind, ObjectiveKind
from headway.core.coach import RULES
from headway.kpis.choices import Aggregation, Cadence, KpiDirection
from headway.okrs.choices import CycleKind, CycleState, KRResultType, ObjectiveStatus
from headway.okrsfile import FileProblems, load
from headway.okrsfile.validate import load_schema
from tests.okrsfile.conftest import WORLD_FILE

SCHEMA = load_schema()


def as_json(text: str) -> Any:
    """The document as JSON sees it (YAML's unquoted dates become their text)."""
    return json.loads(json.dumps(yaml.safe_load(text), default=str))


def problems(text: str) -> list[str]:
    with pytest.raises(FileProblems) as caught:
        load(text, "okrs.yaml")
    return caught.value.lines()


def with_kr(**fields: Any) -> str:
    """WORLD_FILE with the first key result's lines replaced by ``fields``."""
    lines = "".join(f"            {k}: {v}\n" for k, v in fields.items())
    head, _, rest = WORLD_FILE.partition("          - key: paying-customers\n")
    tail = rest[rest.index("          - key: net-revenue-retention") :]
    return f"{head}          - key: paying-customers\n{lines}{tail}"


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_exported_demo_validates_against_the_schema(demo_text: str) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(as_json(demo_text))
    load(demo_text, "demo.yaml")  # and the file's own checks agree


def test_the_schema_rejects_a_bad_file() -> None:
    bad = as_json(with_kr(title="Grow", to="lots"))
    bad["cycles"][0]["objectives"][1]["owner"] = {"team": "growth", "person": "mo"}
    del bad["cycles"][0]["objectives"][0]["title"]
    errors = list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(bad))
    assert len(errors) == 3


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(headway=2),
        lambda d: d.update(extra=True),
        lambda d: d["teams"][0].update(key="no spaces"),
        lambda d: d["teams"][0].update(okrs_enabled="yes"),
        lambda d: d["cycles"][0].update(state="done"),
        lambda d: d["cycles"][0].update(name=2026),
        lambda d: d["cycles"][0]["objectives"][0].update(owner={}),
        lambda d: d["cycles"][0]["objectives"][0].update(weight=0),
        lambda d: d["cycles"][0]["objectives"][0].update(supports=["a", "a"]),
        lambda d: d["cycles"][0]["objectives"][0]["key_results"][0].update(to="7k"),
        lambda d: d["cycles"][0]["objectives"][0]["key_results"][0].update(to=1e17),
        lambda d: d["cycles"][0]["objectives"][0]["key_results"][0].update(type="input"),
        lambda d: d.update(lint={"disable": ["Not A Rule"]}),
    ],
)
def test_the_built_in_validator_and_jsonschema_agree(edit: Any) -> None:
    document = as_json(WORLD_FILE)
    assert not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document))
    edit(document)
    assert list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(document))
    with pytest.raises(FileProblems):
        load(yaml.safe_dump(document, sort_keys=False), "okrs.yaml")


def test_the_schema_offers_exactly_the_stored_choices() -> None:
    defs = SCHEMA["$defs"]
    kr, objective, cycle, kpi = defs["keyResult"], defs["objective"], defs["cycle"], defs["kpi"]
    props = "properties"
    assert kr[props]["kind"]["enum"] == [k.value for k in KRKind]
    assert kr[props]["direction"]["enum"] == [d.value for d in Direction]
    assert kr[props]["type"]["enum"] == KRResultType.values
    assert set(objective[props]["kind"]["enum"]) == {k.value for k in ObjectiveKind}
    assert objective[props]["status"]["enum"] == ObjectiveStatus.values
    assert cycle[props]["state"]["enum"] == CycleState.values
    assert cycle[props]["kind"]["enum"] == CycleKind.values
    assert kpi[props]["direction"]["enum"] == KpiDirection.values
    assert kpi[props]["cadence"]["enum"] == Cadence.values
    assert kpi[props]["aggregation"]["enum"] == Aggregation.values


# --- what a good file reads as ----------------------------------------------------------------


def test_a_file_reads_into_entries_with_lines_and_defaults() -> None:
    okrs = load(WORLD_FILE, "okrs.yaml")
    assert okrs.organization == "acme"
    assert okrs.disabled is None
    assert [t.key for t in okrs.teams or ()] == ["company", "growth"]
    assert okrs.kpis is None
    (cycle,) = okrs.cycles
    assert cycle.values["start"] == dt.date(2026, 10, 1)
    company, onboarding = cycle.children
    assert company.line == 16
    assert company.values["owner"] == "team:company"
    assert company.values["weight"] == Decimal(1)
    assert onboarding.values["supports"] == (("2026-Q4", "grow-a-loyal-customer-base"),)
    nps = onboarding.children[0]
    assert nps.values["from"] == Decimal(32)
    assert nps.values["kind"] == "metric"
    assert nps.values["owner"] == "mo"
    assert nps.line_of("to") == 39


def test_numbers_are_read_exactly_as_written() -> None:
    okrs = load(with_kr(title="Grow", **{"from": "0.1", "to": "1234567890.1234"}), "okrs.yaml")
    kr = okrs.cycles[0].children[0].children[0]
    assert kr.values["from"] == Decimal("0.1")
    assert kr.values["to"] == Decimal("1234567890.1234")


def test_another_cycles_objective_is_named_cycle_colon_key() -> None:
    text = WORLD_FILE.replace(
        "supports: [grow-a-loyal-customer-base]", 'supports: ["2026: annual", "FY 26:Q4:x"]'
    )
    with pytest.raises(FileProblems):  # "2026: annual" holds a space after the colon
        load(text, "okrs.yaml")
    text = WORLD_FILE.replace(
        "supports: [grow-a-loyal-customer-base]", 'supports: ["2026:annual", "FY 26:Q4:x"]'
    )
    onboarding = load(text, "okrs.yaml").cycles[0].children[1]
    assert onboarding.values["supports"] == (("2026", "annual"), ("FY 26:Q4", "x"))


# --- problems, each at its line ---------------------------------------------------------------


def test_malformed_yaml_names_line_and_column() -> None:
    text = "headway: 1\ncycles:\n  - name: Q1\n    start: 2026-01-01\n   end: 2026-03-31\n"
    (line,) = problems(text)
    assert line.startswith("okrs.yaml:5:4: expected <block end>")


def test_a_wrong_type_names_the_path_and_line() -> None:
    assert problems(with_kr(title="Grow", to="lots")) == [
        "okrs.yaml:22: cycles[0].objectives[0].key_results[0].to: must be a number, not 'lots'"
    ]


def test_an_unquoted_year_as_a_name_asks_for_quotes() -> None:
    (line,) = problems(WORLD_FILE.replace("- name: 2026-Q4", "- name: 2026"))
    assert line == 'okrs.yaml:10: cycles[0].name: must be text (put it in quotes: "2026")'


def test_an_unknown_field_suggests_the_known_one() -> None:
    missing, unknown = problems(with_kr(tittle="Grow", to=5))
    assert missing == "okrs.yaml:20: cycles[0].objectives[0].key_results[0].title: is required"
    assert unknown.startswith(
        "okrs.yaml:21: cycles[0].objectives[0].key_results[0].tittle: unknown field"
        " (did you mean 'title'?); known fields: key, title, kind, from, to,"
    )


def test_missing_fields_name_their_parent_line() -> None:
    assert problems(with_kr(to=5)) == [
        "okrs.yaml:20: cycles[0].objectives[0].key_results[0].title: is required"
    ]


def test_a_field_given_twice_is_refused() -> None:
    text = WORLD_FILE.replace("    kind: quarter\n", "    kind: quarter\n    kind: year\n")
    assert problems(text) == ["okrs.yaml:12: cycles[0].kind: is given twice (first on line 11)"]


def test_duplicate_keys_are_refused_with_the_first_line() -> None:
    text = WORLD_FILE.replace("- key: onboarding\n", "- key: grow-a-loyal-customer-base\n")
    text = text.replace("supports: [grow-a-loyal-customer-base]", "supports: []")
    assert problems(text) == [
        "okrs.yaml:31: cycles[0].objectives[1].key: 'grow-a-loyal-customer-base' is used twice"
        " (first on line 16)"
    ]


def test_too_many_decimal_places_would_be_rounded_so_they_are_refused() -> None:
    assert problems(with_kr(title="Grow", **{"from": "0.12345", "to": 1})) == [
        "okrs.yaml:22: cycles[0].objectives[0].key_results[0].from: must have at most 4 decimal"
        " places"
    ]


def test_a_cycle_must_end_after_it_starts() -> None:
    text = WORLD_FILE.replace("end: 2026-12-31", "end: 2026-09-30")
    assert problems(text) == ["okrs.yaml:13: cycles[0].end: must be after the start (2026-10-01)"]


def test_an_unknown_coach_rule_is_refused() -> None:
    text = WORLD_FILE.replace("teams:\n", "lint:\n  disable: [objective-to-long]\nteams:\n", 1)
    assert problems(text) == [
        "okrs.yaml:4: lint.disable[0]: no such coach rule 'objective-to-long'"
        " (did you mean 'objective-too-long'?)"
    ]
    assert "objective-too-long" in RULES


def test_alignment_loops_and_self_support_are_refused() -> None:
    looped = WORLD_FILE.replace(
        "        owner: {team: company}\n",
        "        owner: {team: company}\n        supports: [onboarding]\n",
    )
    assert problems(looped) == [
        "okrs.yaml:19: cycles[0].objectives[0].supports: alignment loop: 2026-Q4:grow-a-loyal-"
        "customer-base -> 2026-Q4:onboarding -> 2026-Q4:grow-a-loyal-customer-base"
    ]
    selfish = WORLD_FILE.replace("[grow-a-loyal-customer-base]", "[onboarding]")
    (line, *_) = problems(selfish)
    assert line == (
        "okrs.yaml:34: cycles[0].objectives[1].supports[0]: an objective cannot support itself"
    )


def test_anchors_and_aliases_are_refused() -> None:
    text = WORLD_FILE.replace("name: Acme", "name: &acme Acme").replace(
        "name: Growth", "name: *acme"
    )
    assert problems(text) == [
        "okrs.yaml:7: teams[1].name: anchors and aliases (& and *) are not supported"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "okrs.yaml:1: the file is empty; it starts with `headway: 1`"),
        ("- a\n- b\n", "okrs.yaml:1: must be a mapping of fields (name: value)"),
        ("headway: 2\n", "okrs.yaml:1: headway: must be 1"),
        ("cycles: []\n", "okrs.yaml:1: headway: is required"),
        ("headway: 1\n---\nheadway: 1\n", "okrs.yaml:2:1: but found another document"),
    ],
)
def test_what_is_not_an_okr_file(text: str, expected: str) -> None:
    (line,) = problems(text)
    assert line.startswith(expected)


def test_the_documented_example_is_a_valid_file() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "okrs-as-code.md").read_text()
    example = doc.split("## An example\n\n```yaml\n", 1)[1].split("```", 1)[0]
    jsonschema.Draft202012Validator(SCHEMA).validate(as_json(example))
    okrs = load(example, "example.yaml")
    assert okrs.disabled == ("objective-too-long",)
    assert [c.key for c in okrs.cycles] == ["2026", "2026-Q4"]
