"""Malformed input fed to the importers: the KPI CSV import, the organization JSON import and the
OKR file (YAML). Each answers with the project's own error (a message a person can act on) and
writes nothing: every table keeps its row count.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from django.apps import apps
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from headway.errors import ValidationFailed
from headway.exchange import export_organization, import_organization
from headway.kpis.importing import ImportReport, import_csv
from headway.kpis.models import Kpi
from headway.okrsfile import FileProblems, load
from headway.okrsfile.apply import apply_plan
from headway.okrsfile.export import export_text
from headway.okrsfile.plan import make_plan
from headway.okrsfile.state import load_state
from tests.factories import World, make_kpi
from tests.test_exchange import build_rich, fresh_digests, renamed

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

Path = tuple[str | int, ...]


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def counted(db: None) -> Iterator[dict[str, int]]:
    yield row_counts()


# --- malformed values, shared by the JSON and YAML documents ----------------------------------

NAN, INF = float("nan"), float("inf")
BAD_NUMBERS = [NAN, INF, -INF, 1e300, -1e300, 2**80, -(2**80)]
BAD_DATES = ["2026-02-30", "2026-13-01", "2026-00-10", "20261301", "2026-1-1x", "99999-01-01"]
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def deep(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def nodes(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from nodes(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from nodes(item, (*path, i))


def with_value(doc: Any, path: Path, new: Any) -> Any:
    doc = copy.deepcopy(doc)
    here = doc
    for key in path[:-1]:
        here = here[key]
    here[path[-1]] = new
    return doc


def _free(path: Path) -> bool:
    """Inside an audit snapshot or a notification's payload: any JSON value is allowed there."""
    return any(key in ("before", "after", "payload") for key in path)


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20))


@st.composite
def broken(draw: st.DrawFn, doc: Any, references: frozenset[str]) -> tuple[str, Any]:
    """``doc`` with one value made certainly wrong, and what was done (for the failure note)."""
    every = [(p, v) for p, v in nodes(doc) if p and not _free(p)]
    where: dict[str, list[tuple[Path, Any]]] = {
        "wrong kind": every,
        "unknown key": [(p, v) for p, v in every if isinstance(v, dict)],
        "bad text": [(p, v) for p, v in every if isinstance(v, str)],
        "bad number": [
            (p, v) for p, v in every if isinstance(v, int | float) and not isinstance(v, bool)
        ],
        "bad date": [
            (p, v)
            for p, v in every
            if isinstance(v, dt.date) or (isinstance(v, str) and DATE.match(v))
        ],
        "unknown ref": [(p, v) for p, v in every if isinstance(v, str) and p[-1] in references],
    }
    kind = draw(st.sampled_from([k for k, found in where.items() if found]))
    path, value = draw(st.sampled_from(where[kind]))
    new: Any
    if kind == "wrong kind":
        if isinstance(value, dict | list):
            new = draw(scalars())
        else:
            new = draw(
                st.one_of(
                    st.integers(50, 400).map(deep),
                    st.lists(scalars(), min_size=1, max_size=3),
                    st.dictionaries(st.text(max_size=5), scalars(), min_size=1, max_size=3),
                )
            )
    elif kind == "unknown key":
        key = draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in value))
        path, new = (*path, key), draw(scalars())
    elif kind == "bad text":
        at = draw(st.integers(0, len(value)))
        new = value[:at] + draw(st.sampled_from(["\x00", "\ud800", "\udfff"])) + value[at:]
    elif kind == "bad number":
        new = draw(st.sampled_from(BAD_NUMBERS))
    elif kind == "bad date":
        new = draw(st.sampled_from(BAD_DATES))
    else:
        new = "nope-" + draw(st.text(max_size=8))
    return f"{kind} at {path}: {new!r:.60}", with_value(doc, path, new)


# --- the organization JSON import -------------------------------------------------------------

# Keys whose text names another object of the document.
JSON_REFERENCES = frozenset(
    {
        "user",
        "parent",
        "cycle",
        "kpi",
        "owner_team",
        "owner_person",
        "origin",
        "graded_by",
        "row",
        "column",
        "resource",
        "factor",
        "player",
        "team",
        "person",
        "owner",
        "actor",
        "recorded_by",
        "author",
    }
)


@pytest.fixture
def exported(world: World) -> dict[str, Any]:
    data = renamed(export_organization(build_rich(world)), "acme", "acme-copy")
    fresh_digests(data, "fuzz")
    return data


def _import_fails_cleanly(data: Any, before: dict[str, int]) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        import_organization(data)
    assert caught.value.errors and all(caught.value.errors.values()), caught.value
    assert row_counts() == before
    return caught.value


def test_the_unbroken_export_imports(exported: dict[str, Any]) -> None:
    """The base document is valid: each fuzzed one differs from it by the one broken value."""
    organization = import_organization(exported)
    assert organization.slug == "acme-copy"


@FUZZ
@given(data=st.data())
def test_json_import_refuses_a_broken_document(
    exported: dict[str, Any], counted: dict[str, int], data: st.DataObject
) -> None:
    what, doc = data.draw(broken(exported, JSON_REFERENCES))
    note(what)
    error = _import_fails_cleanly(doc, counted)
    note(str(error))


@FUZZ
@given(value=st.one_of(scalars(), st.lists(scalars(), max_size=3), st.binary(max_size=20)))
def test_json_import_refuses_what_is_not_a_document(value: Any, counted: dict[str, int]) -> None:
    _import_fails_cleanly(value, counted)


def test_json_import_refuses_deep_audit_snapshots(
    exported: dict[str, Any], counted: dict[str, int]
) -> None:
    doc = with_value(exported, ("audit_events", 0, "after"), deep(5000))
    error = _import_fails_cleanly(doc, counted)
    assert "nested too deeply" in str(error)


# --- the KPI CSV import -----------------------------------------------------------------------

GOOD_LINE = "nps,2026-10-01,42"
BAD_CELLS = [
    "",
    "NaN",
    "inf",
    "-Infinity",
    "1e400",
    "99999999999999999999",
    "1,5",
    "4 2",
    "\x00",
    "2026-02-30",
    "0000-00-00",
    "'42'",
    "nope",
]


def _csv_import(raw: bytes, actor: Any, kpi: Kpi | None = None) -> ImportReport:
    # As the web upload reads it: bytes, decoded on the way (utf-8, a BOM allowed).
    text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    return import_csv(actor=actor, lines=text, kpi=kpi)


def _csv_refused(report: ImportReport, before: dict[str, int]) -> None:
    assert not report.written
    assert report.bad and all(line.message for line in report.bad), report
    assert row_counts() == before


@pytest.fixture
def nps(world: World) -> Kpi:
    return make_kpi(world.org, "nps")


@FUZZ
@given(raw=st.binary(max_size=300))
def test_csv_import_refuses_random_bytes(
    world: World, nps: Kpi, counted: dict[str, int], raw: bytes
) -> None:
    report = _csv_import(raw, world.alice)
    note(repr(report))
    # Random bytes are no CSV with the header kpi,period,value (and when they are, they hold
    # no row or a bad one).
    assert not report.written
    assert report.rows == 0 or report.bad
    assert all(line.message for line in report.bad)
    assert row_counts() == counted


@st.composite
def csv_with_a_bad_line(draw: st.DrawFn) -> str:
    good = draw(st.integers(0, 5))
    lines = [GOOD_LINE.replace("42", str(40 + i)) for i in range(good)]
    column = draw(st.sampled_from(["kpi", "period", "value", "extra", "surrogate"]))
    cell = draw(st.one_of(st.sampled_from(BAD_CELLS), st.text(max_size=12)))
    if column == "kpi":
        bad = f"{'nope-' + cell.replace(',', '')},2026-11-01,1"
    elif column == "period":
        bad = f"nps,{cell.replace(',', '') or 'x'},1"
        if DATE.match(cell) and cell[:10] not in BAD_DATES:
            bad = "nps,2026-02-30,1"
    elif column == "value":
        bad = f'nps,2026-11-01,"{cell.replace(chr(34), "")}"'
        if re.fullmatch(r"\s*[-+]?\d+(\.\d+)?\s*", cell):
            bad = "nps,2026-11-01,1e400"
    elif column == "extra":
        bad = "nps,2026-11-01,1,note,one field too many"
    else:
        bad = "nps,2026-11-01,1,\ud800"
    lines.insert(draw(st.integers(0, len(lines))), bad)
    return "kpi,period,value,note\n" + "\n".join(lines) + "\n"


@FUZZ
@given(text=csv_with_a_bad_line())
def test_csv_import_with_a_bad_line_writes_nothing(
    world: World, nps: Kpi, counted: dict[str, int], text: str
) -> None:
    report = _csv_import(text.encode("utf-8", "surrogatepass"), world.alice)
    note(repr(report))
    _csv_refused(report, counted)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\ufeff",
        "kpi,period\nnps,2026-10-01\n",
        "kpi,period,value,value\nnps,2026-10-01,1,2\n",
        "kpi,period,value,colour\nnps,2026-10-01,1,red\n",
        'kpi,period,value\nnps,2026-10-01,"1\n',
        "kpi,period,value\n" + "nps,2026-10-01," + "9" * 200_000 + "\n",
        "kpi,period,value\nnps,2026-10-01,1\x00\n",
        "kpi,\x00period,value\nnps,2026-10-01,1\n",
    ],
    ids=[
        "empty",
        "bom-only",
        "missing-column",
        "duplicate-column",
        "unknown-column",
        "open-quote",
        "huge-field",
        "nul-in-row",
        "nul-in-header",
    ],
)
def test_csv_import_refuses_broken_files(
    world: World, nps: Kpi, counted: dict[str, int], text: str
) -> None:
    _csv_refused(_csv_import(text.encode(), world.alice), counted)


def test_csv_import_refuses_bytes_that_are_not_utf8(
    world: World, nps: Kpi, counted: dict[str, int]
) -> None:
    report = _csv_import(b"kpi,period,value\nnps,2026-10-01,\xff\xfe\n", world.alice)
    _csv_refused(report, counted)
    assert "UTF-8" in report.bad[0].message


# --- the OKR file (YAML) ----------------------------------------------------------------------

YAML_REFERENCES = frozenset({"owner", "parent", "cycle", "kpi", "supports", "team", "lead"})


def _apply(text: str, world: World) -> None:
    okrs = load(text, "okrs.yaml")
    plan = make_plan(okrs, load_state(world.org))
    if plan:
        apply_plan(plan, world.alice)


def _yaml_refused(text: str, world: World, before: dict[str, int]) -> FileProblems:
    with pytest.raises(FileProblems) as caught:
        _apply(text, world)
    assert caught.value.problems and all(p.message for p in caught.value.problems)
    assert all(isinstance(p.line, int) and p.line >= 1 for p in caught.value.problems)
    assert row_counts() == before
    return caught.value


@pytest.fixture
def okrs_doc(world: World) -> dict[str, Any]:
    build_rich(world)
    doc = yaml.safe_load(export_text(world.org))
    assert isinstance(doc, dict)
    return doc


def _dump(doc: Any) -> str:
    # Lone surrogates have no UTF-8 form; YAML's own escapes carry them into the text.
    return yaml.safe_dump(doc, allow_unicode=False, sort_keys=False)


def test_the_unbroken_okr_file_applies(okrs_doc: dict[str, Any], world: World) -> None:
    _apply(_dump(okrs_doc), world)


@FUZZ
@given(data=st.data())
def test_okr_file_refuses_a_broken_document(
    okrs_doc: dict[str, Any], world: World, counted: dict[str, int], data: st.DataObject
) -> None:
    what, doc = data.draw(broken(okrs_doc, YAML_REFERENCES))
    note(what)
    try:
        text = _dump(doc)
    except (yaml.YAMLError, RecursionError):
        return  # not writable as YAML: nothing to feed
    note(str(_yaml_refused(text, world, counted)))


@FUZZ
@given(text=st.text(max_size=200))
def test_okr_file_refuses_random_text(text: str, world: World, counted: dict[str, int]) -> None:
    try:
        _apply(text, world)
    except FileProblems as problems:
        assert problems.problems and all(p.message for p in problems.problems)
    assert row_counts() == counted


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50_000,
        "a:\n" + "".join("  " * i + "- x:\n" for i in range(1, 400)),
        "headway: 1\nheadway: 1\n",
        "headway: 1\ncycles: &a [*a]\n",
        "headway: 1\n\x00\n",
        "headway: 1\nteams:\n  - key: a\n    name: !!python/object:os.system x\n",
        "headway: 99999999999999999999999\n",
        "headway: .nan\n",
    ],
    ids=[
        "deep-flow",
        "deep-block",
        "duplicate-key",
        "alias-loop",
        "nul",
        "python-tag",
        "huge-version",
        "nan-version",
    ],
)
def test_okr_file_refuses_broken_yaml(text: str, world: World, counted: dict[str, int]) -> None:
    _yaml_refused(text, world, counted)
