"""CSV import: values and raw events, every bad line named, all or nothing unless asked.

mo owns NPS (monthly) and Sign-ups (daily, summed from events); Bounce rate belongs to alice's
company team, so mo may not record it.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from headway.audit.models import AuditEvent
from headway.kpis import bulk, importing
from headway.kpis.importing import ImportReport, import_csv
from headway.kpis.models import Kpi, Measurement, RawEvent
from tests.factories import World, make_kpi

AT = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


@pytest.fixture
def kpis(world: World) -> dict[str, Kpi]:
    return {
        "nps": make_kpi(world.org, "nps", owner=world.mo),
        "signups": make_kpi(world.org, "signups", owner=world.mo, cadence="day", aggregation="sum"),
        "bounce": make_kpi(world.org, "bounce", owner_team=world.company),
    }


def run(world: World, text: str, **options: object) -> ImportReport:
    options.setdefault("actor", world.mo)
    return import_csv(lines=io.StringIO(text, newline=""), at=AT, **options)  # type: ignore[arg-type]


def stored(key: str) -> dict[str, tuple[str, str]]:
    return {
        m.period.isoformat(): (f"{m.value.normalize():f}", m.note)
        for m in Measurement.objects.filter(kpi__key=key)
    }


BAD_FILE = (
    "kpi,period,value,note\n"  # line 1
    "nps,2026-10-01,31,after the survey\n"  # 2
    "nps,2026-13-01,32,\n"  # 3
    "nps,2026-11-01,abc,\n"  # 4
    "ghost,2026-11-01,1,\n"  # 5
    "\n"  # 6: blank lines are skipped
    'nps,2026-12-01,33,"a note\n'  # 7: a quoted note may span lines...
    'on two lines"\n'  # 8
    "nps,2026-12-01,1,x,extra\n"  # 9
    "bounce,2026-10-01,40,\n"  # 10
    "nps,2026-09-01,,\n"  # 11
    "nps,2026-09-01,1e20\n"  # 12
    "nps,2026-09-01,nan\n"  # 13
)
BAD_LINES = [
    "line 3: period '2026-13-01' is not a date (YYYY-MM-DD)",
    "line 4: value 'abc' is not a number",
    "line 5: no KPI with key 'ghost' in this organization",
    "line 9: expected 4 fields, found 5",
    "line 10: you may not record values for KPI 'bounce'",
    "line 11: value is missing",
    "line 12: value '1e20' is too large",
    "line 13: value 'nan' is not a finite number",
]


def test_values_of_several_kpis_are_stored_by_period(world: World, kpis: dict[str, Kpi]) -> None:
    report = run(
        world,
        "KPI, Period ,value,note\n"
        "nps,2026-10-17,31,after the survey\n"
        "signups,2026-10-17,120,\n"
        "nps,2026-11-01,33.5,\n",
    )

    assert (report.rows, report.bad, report.written) == (3, [], True)
    assert (report.values.created, report.values.replaced, report.values.unchanged) == (3, 0, 0)
    # A monthly KPI's day is its month; a daily one's stays.
    assert stored("nps") == {"2026-10-01": ("31", "after the survey"), "2026-11-01": ("33.5", "")}
    assert stored("signups") == {"2026-10-17": ("120", "")}
    first = Measurement.objects.filter(kpi__key="nps").first()
    assert first is not None
    assert (first.source, first.recorded_by, first.recorded_at) == ("csv", world.mo, AT)
    # One history entry per KPI, naming the import.
    events = AuditEvent.objects.filter(action="measurement.upsert").order_by("object_id")
    assert [e.object_id for e in events] == [kpis["nps"].pk, kpis["signups"].pk]
    assert events[0].after == {
        "changes": [
            {"period": "2026-10-01", "before": None, "after": "31.0000"},
            {"period": "2026-11-01", "before": None, "after": "33.5000"},
        ],
        "source": "csv",
    }


def test_every_bad_line_is_named_and_nothing_is_written(world: World, kpis: dict[str, Kpi]) -> None:
    report = run(world, BAD_FILE)

    assert [str(bad) for bad in report.bad] == BAD_LINES
    assert (report.rows, report.bad_count, report.valid, report.written) == (10, 8, 2, False)
    assert Measurement.objects.count() == 0
    assert not AuditEvent.objects.filter(action="measurement.upsert").exists()


def test_keep_valid_stores_the_good_lines_and_still_names_the_bad(
    world: World, kpis: dict[str, Kpi]
) -> None:
    report = run(world, BAD_FILE, keep_valid=True)

    assert [str(bad) for bad in report.bad] == BAD_LINES
    assert report.written
    assert stored("nps") == {
        "2026-10-01": ("31", "after the survey"),
        "2026-12-01": ("33", "a note\non two lines"),
    }
    assert stored("bounce") == {}


def test_a_second_import_replaces_and_counts_what_did_not_change(
    world: World, kpis: dict[str, Kpi]
) -> None:
    run(world, "period,value\n2026-09-01,30\n2026-10-01,31\n", kpi=kpis["nps"])
    report = run(
        world,
        "value,period,note\n"
        "30,2026-09-14,\n"  # the same value for September
        "35,2026-10-01,\n"  # October corrected
        "36,2026-11-01,\n",  # November is new
        kpi=kpis["nps"],
    )

    assert (report.values.created, report.values.replaced, report.values.unchanged) == (1, 1, 1)
    assert stored("nps") == {
        "2026-09-01": ("30", ""),
        "2026-10-01": ("35", ""),
        "2026-11-01": ("36", ""),
    }


def test_written_in_chunks_a_file_counts_and_audits_as_one_batch(
    world: World, kpis: dict[str, Kpi], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of two lines: the repeated period below is written in two different chunks.
    monkeypatch.setattr(importing, "CHUNK", 2)
    run(world, "kpi,period,value\nnps,2026-08-01,20\n")
    report = run(
        world,
        "kpi,period,value\n"
        "nps,2026-08-01,21\n"
        "nps,2026-09-01,30\n"
        "signups,2026-10-01,5\n"
        "nps,2026-08-01,20\n"  # back to what was stored before the import: unchanged
        "nps,2026-09-01,31\n",  # the later line for a period wins
    )

    assert (report.values.created, report.values.replaced, report.values.unchanged) == (2, 0, 1)
    assert stored("nps") == {"2026-08-01": ("20", ""), "2026-09-01": ("31", "")}
    upserts = AuditEvent.objects.filter(action="measurement.upsert", object_id=kpis["nps"].pk)
    assert upserts.count() == 2  # the first import, then one for all chunks of the second
    assert upserts.order_by("created_at", "id").last().after["changes"] == [  # type: ignore[union-attr]
        {"period": "2026-09-01", "before": None, "after": "31.0000"}
    ]


@pytest.mark.parametrize(
    ("text", "chosen", "message"),
    [
        ("", None, "line 1: the file is empty; expected a header row"),
        ("\nnps,2026-10-01,1\n", None, "line 1: the header row is missing"),
        ("kpi,period,value,comment\n", None, "line 1: unknown column 'comment'"),
        ("kpi,value\n", None, "line 1: missing column 'period'"),
        ("kpi,period,value,value\n", None, "line 1: the column 'value' appears twice"),
        ("kpi,period,value\n", "nps", "line 1: the file names KPIs in a 'kpi' column"),
        ("period,value\n", None, "line 1: missing column 'kpi'"),
    ],
)
def test_a_bad_header_stops_the_import(
    world: World, kpis: dict[str, Kpi], text: str, chosen: str | None, message: str
) -> None:
    report = run(world, text + "nps,2026-10-01,1\n" if text else text, kpi=kpis.get(chosen or ""))

    assert report.fatal and not report.written
    assert len(report.bad) == 1
    assert str(report.bad[0]).startswith(message)
    assert Measurement.objects.count() == 0


def test_a_file_that_is_not_utf8_is_refused_whole(world: World, kpis: dict[str, Kpi]) -> None:
    raw = b"kpi,period,value\nnps,2026-10-01,1\nnps,2026-11-01,2\n\xff\xfe,1\n"
    lines = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")
    report = import_csv(actor=world.mo, lines=lines, keep_valid=True)

    assert report.fatal and not report.written
    assert [bad.message for bad in report.bad] == ["the file is not UTF-8 text"]
    assert Measurement.objects.count() == 0


def test_a_kpi_chosen_for_the_file_must_be_editable(world: World, kpis: dict[str, Kpi]) -> None:
    with pytest.raises(PermissionDenied):
        run(world, "period,value\n2026-10-01,1\n", kpi=kpis["bounce"])
    # A viewer may record nothing: every line says so.
    report = run(world, "kpi,period,value\nnps,2026-10-01,1\n", actor=world.vic)
    assert [str(b) for b in report.bad] == ["line 2: you may not record values for KPI 'nps'"]


def test_another_organizations_kpis_are_unknown(world: World, kpis: dict[str, Kpi]) -> None:
    make_kpi(world.other_org, "churn", owner=world.oscar)
    report = run(world, "kpi,period,value\nchurn,2026-10-01,1\n", actor=world.alice)
    assert [str(b) for b in report.bad] == ["line 2: no KPI with key 'churn' in this organization"]


def test_events_are_aggregated_into_their_periods(world: World, kpis: dict[str, Kpi]) -> None:
    report = run(
        world,
        "kpi,at,value\n"
        "signups,2026-10-17T09:00:00Z,3\n"
        "signups,2026-10-17T17:30:00+00:00,4\n"
        "signups,2026-10-18,1\n"  # a bare date is midnight in the site's time zone
        "nps,2026-10-02T12:00:00Z,40\n"
        "nps,2026-10-30T12:00:00Z,20\n"  # NPS keeps the last value of the month
        "signups,yesterday,1\n",
        events=True,
        keep_valid=True,
    )

    assert [str(b) for b in report.bad] == [
        "line 7: at 'yesterday' is not a date and time (ISO 8601, e.g. 2026-11-02T09:30:00Z)"
    ]
    assert report.events == 5 and RawEvent.objects.count() == 5
    assert stored("signups") == {"2026-10-17": ("7", ""), "2026-10-18": ("1", "")}
    assert stored("nps") == {"2026-10-01": ("20", "")}
    assert set(Measurement.objects.values_list("source", flat=True)) == {"events"}


def test_events_of_one_chosen_kpi_join_the_earlier_ones(world: World, kpis: dict[str, Kpi]) -> None:
    signups = kpis["signups"]
    run(world, "at,value\n2026-10-17T09:00:00Z,3\n", kpi=signups, events=True)
    report = run(world, "at,value\n2026-10-17T10:00:00Z,2\n", kpi=signups, events=True)

    assert (report.values.created, report.values.replaced) == (0, 1)
    assert stored("signups") == {"2026-10-17": ("5", "")}


def test_progress_is_reported_as_lines_are_read(
    world: World, kpis: dict[str, Kpi], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    text = "kpi,period,value\n" + "".join(f"nps,2026-{m:02d}-01,{m}\n" for m in range(1, 6))
    run(world, text, progress=seen.append)

    assert seen == [2, 4, 5]
    assert Measurement.objects.get(kpi__key="nps", period="2026-05-01").value == Decimal(5)


def test_bad_lines_beyond_the_listed_ones_are_counted(
    world: World, kpis: dict[str, Kpi], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "MAX_REPORTED", 3)
    report = run(world, "kpi,period,value\n" + "nps,2026-10-01,x\n" * 5)

    assert [b.line for b in report.bad] == [2, 3, 4]
    assert (report.bad_count, report.more_bad) == (5, 2)


def test_a_period_stored_behind_the_writers_back_is_replaced_not_duplicated(
    world: World, kpis: dict[str, Kpi]
) -> None:
    # A writer that does not take the KPI's lock may store a period between the importer's read
    # and its write: the fast path for new periods (COPY on PostgreSQL) then gives way to upserts.
    nps = kpis["nps"]
    october, november = dt.date(2026, 10, 1), dt.date(2026, 11, 1)
    Measurement.objects.create(
        organization=world.org, kpi=nps, period=october, value=1, recorded_at=AT
    )
    bulk.insert_new_rows(
        organization_id=world.org.pk,
        kpi_id=nps.pk,
        rows=[(october, Decimal(2), "late"), (november, Decimal(3), "")],
        source="csv",
        recorded_by_id=world.mo.pk,
        at=AT,
    )

    assert stored("nps") == {"2026-10-01": ("2", "late"), "2026-11-01": ("3", "")}


def test_events_whose_sum_cannot_be_stored_import_nothing(
    world: World, kpis: dict[str, Kpi]
) -> None:
    big = "9000000000000000"
    report = run(
        world,
        f"kpi,at,value\nsignups,2026-10-17T09:00:00Z,{big}\nsignups,2026-10-17T10:00:00Z,{big}\n",
        events=True,
        keep_valid=True,
    )

    assert report.fatal and not report.written
    assert report.error == "the sum of the period from 2026-10-17 is too large"
    assert not RawEvent.objects.exists() and not Measurement.objects.exists()
