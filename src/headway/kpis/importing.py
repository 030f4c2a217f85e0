"""CSV import of KPI values or raw events: streamed, every bad line reported, all or nothing.

The file starts with a header row naming its columns (in any order):

- values of several KPIs: ``kpi,period,value[,note]``; of one chosen KPI: ``period,value[,note]``
- raw events (``events=True``): ``kpi,at,value``; for one chosen KPI: ``at,value``

A period is any day in it (``2026-11-17`` is November for a monthly KPI); a period given twice
keeps the later line, as in the API. Events are aggregated into their periods with the KPI's
aggregation. Lines are counted from the header, which is line 1.

The file is read once, validated line by line and written in chunks inside one transaction: with
any bad line nothing is kept, unless ``keep_valid`` asks to keep the good lines.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from headway.core.periods import Cadence, period_start
from headway.errors import ValidationFailed, to_date, to_value
from headway.kpis.bulk import Row
from headway.kpis.choices import MeasurementSource
from headway.kpis.models import Kpi
from headway.kpis.raw_events import Event, EventRecorder, EventsResult, parse_at
from headway.kpis.services import NOTE_LENGTH, MeasurementWriter, UpsertResult
from headway.orgs import permissions
from headway.orgs.models import Membership

# Rows held before they are written: enough for set-based writes, little memory.
CHUNK = 10_000
# How often the progress callback hears about it.
PROGRESS_EVERY = 1_000
# Bad lines listed one by one; beyond this many they are only counted.
MAX_REPORTED = 1_000


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class ImportReport:
    rows: int = 0  # data lines read (blank lines are skipped)
    bad_count: int = 0
    bad: list[BadLine] = field(default_factory=list)
    # Whether anything was stored; False after a bad line without keep_valid, or a fatal one.
    written: bool = False
    values: UpsertResult = field(default_factory=lambda: UpsertResult(0, 0, 0))
    events: int = 0  # raw events stored, in events mode
    # The file could not be read to its end (no header, not UTF-8), or its values could not be
    # stored (``error``, e.g. a sum of events too large): nothing is kept.
    fatal: bool = False
    error: str = ""

    @property
    def valid(self) -> int:
        return self.rows - self.bad_count

    @property
    def more_bad(self) -> int:
        """Bad lines counted but not listed."""
        return self.bad_count - len(self.bad)

    def add_bad(self, line: int, message: str) -> None:
        self.bad_count += 1
        if len(self.bad) < MAX_REPORTED:
            self.bad.append(BadLine(line, message))


class _Fatal(Exception):
    """The file cannot be read on (no header, not text): nothing is imported."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message


def _columns(header: list[str], *, one_kpi: bool, events: bool) -> dict[str, int]:
    # A byte order mark survives when the file was not opened as utf-8-sig (stdin).
    names = [name.strip().lstrip("\ufeff").strip().lower() for name in header]
    when = "at" if events else "period"
    required = [when, "value"] if one_kpi else ["kpi", when, "value"]
    optional = [] if events else ["note"]
    expected = ", ".join(required) + (f" and optionally {', '.join(optional)}" if optional else "")
    if not any(names):
        raise _Fatal(1, f"the header row is missing; expected the columns {expected}")
    for name in names:
        if name == "kpi" and one_kpi:
            raise _Fatal(
                1,
                "the file names KPIs in a 'kpi' column; import it for several KPIs "
                "(without choosing one)",
            )
        if name not in required and name not in optional:
            raise _Fatal(1, f"unknown column {name!r}; expected {expected}")
        if names.count(name) > 1:
            raise _Fatal(1, f"the column {name!r} appears twice")
    missing = [name for name in required if name not in names]
    if missing:
        raise _Fatal(1, f"missing column {', '.join(map(repr, missing))}; expected {expected}")
    return {name: index for index, name in enumerate(names)}


def _value(text: str) -> Decimal:
    """The value of a cell, or ValueError with the message people read."""
    if not text.strip():
        raise ValueError("value is missing")
    try:
        return to_value(text, "value")
    except ValidationFailed as exc:
        message = exc.errors["value"]
        if message.startswith("must be a number"):
            raise ValueError(f"value {text[:40]!r} is not a number") from None
        if message == "must be a finite number":
            raise ValueError(f"value {text[:40]!r} is not a finite number") from None
        raise ValueError(f"value {text[:40]!r} {message}") from None


def _period(text: str) -> dt.date:
    if not text.strip():
        raise ValueError("period is missing")
    try:
        return to_date(text, "period")
    except ValidationFailed:
        raise ValueError(f"period {text[:40]!r} is not a date (YYYY-MM-DD)") from None


def _moment(text: str) -> dt.datetime:
    if not text.strip():
        raise ValueError("at is missing")
    try:
        return parse_at(text, "at")
    except ValidationFailed as exc:
        if exc.errors["at"].startswith("is out of range"):
            raise ValueError(f"at {text[:40]!r} {exc.errors['at']}") from None
        raise ValueError(
            f"at {text[:40]!r} is not a date and time (ISO 8601, e.g. 2026-11-02T09:30:00Z)"
        ) from None


@dataclass(slots=True)
class _Kpi:
    """One KPI's rows waiting to be written, and what its lines need again and again."""

    kpi: Kpi
    cadence: Cadence = field(init=False)
    # Period text -> period start: files repeat the same few dates on many lines.
    starts: dict[str, dt.date] = field(default_factory=dict)
    values: dict[dt.date, Row] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cadence = Cadence(self.kpi.cadence)


class _Kpis:
    """The KPIs a file may name, read in one query, each key judged once."""

    def __init__(self, actor: Membership, chosen: Kpi | None) -> None:
        self.actor = actor
        self._all: dict[str, Kpi] = {}
        if chosen is None:
            self._all = {
                k.key: k for k in Kpi.objects.filter(organization_id=actor.organization_id)
            }
        # What a usable key's lines wait on, or why the key cannot be used.
        self._judged: dict[str, _Kpi | str] = {}

    def get(self, key: str) -> _Kpi:
        """The rows waiting for the KPI named ``key``, or ValueError saying why it cannot."""
        judged = self._judged.get(key)
        if judged is None:
            kpi = self._all.get(key)
            if kpi is None:
                judged = (
                    f"no KPI with key {key[:60]!r} in this organization"
                    if key
                    else "kpi is missing"
                )
            elif not permissions.can_edit_kpi(self.actor, kpi):
                judged = f"you may not record values for KPI {key!r}"
            else:
                judged = _Kpi(kpi)
            self._judged[key] = judged
        if isinstance(judged, str):
            raise ValueError(judged)
        return judged

    def usable(self) -> list[_Kpi]:
        return [judged for judged in self._judged.values() if isinstance(judged, _Kpi)]


@transaction.atomic
def import_csv(
    *,
    actor: Membership,
    lines: Iterable[str],
    kpi: Kpi | None = None,
    events: bool = False,
    keep_valid: bool = False,
    progress: Callable[[int], None] | None = None,
    at: dt.datetime | None = None,
) -> ImportReport:
    """Import a CSV read from ``lines`` (an open text file, newline=""), as ``actor``.

    ``kpi`` chooses the one KPI the file is about (it then has no ``kpi`` column). ``progress``
    is called with the number of data lines read so far, now and then and at the end.
    """
    if kpi is not None and not permissions.can_edit_kpi(actor, kpi):
        raise PermissionDenied(f"you may not record values for KPI {kpi.key!r}")
    at = at or timezone.now()
    report = ImportReport()
    importer = _Importer(actor, kpi, events, at)
    try:
        importer.read(lines, report, keep_valid, progress)
    except _Fatal as fatal:
        report.add_bad(fatal.line, fatal.message)
        report.fatal = True
        transaction.set_rollback(True)
        return report
    if (report.bad_count and not keep_valid) or report.valid == 0:
        transaction.set_rollback(True)
        return report
    try:
        if events:
            result: EventsResult = importer.recorder.finish()
            report.events, report.values = result.received, result.values
        else:
            report.values = importer.writer.finish()
    except ValidationFailed as exc:
        report.fatal, report.error = True, "; ".join(exc.errors.values())
        transaction.set_rollback(True)
        return report
    report.written = True
    return report


class _Importer:
    def __init__(self, actor: Membership, kpi: Kpi | None, events: bool, at: dt.datetime) -> None:
        self.kpis = _Kpis(actor, kpi)
        self.events = events
        self.writer = MeasurementWriter(recorded_by=actor, source=MeasurementSource.CSV, at=at)
        self.recorder = EventRecorder(recorded_by=actor, at=at)
        self.only = None if kpi is None else _Kpi(kpi)
        self.pending = 0
        self.kpi_column = self.when_column = self.value_column = 0
        self.note_column: int | None = None

    def read(
        self,
        lines: Iterable[str],
        report: ImportReport,
        keep_valid: bool,
        progress: Callable[[int], None] | None,
    ) -> None:
        # strict: a quote left open to the end of the file, or text after a closing quote, is a
        # broken file, not a value that swallowed the lines after it.
        reader = csv.reader(lines, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise _Fatal(1, "the file is empty; expected a header row")
            columns = _columns(header, one_kpi=self.only is not None, events=self.events)
            self.kpi_column = columns.get("kpi", 0)
            self.when_column = columns["at" if self.events else "period"]
            self.value_column = columns["value"]
            self.note_column = columns.get("note")
            width = len(columns)
            line = reader.line_num
            for fields in reader:
                start, line = line + 1, reader.line_num
                if not any(cell.strip() for cell in fields):
                    continue
                report.rows += 1
                if len(fields) > width:
                    report.add_bad(start, f"expected {width} fields, found {len(fields)}")
                else:
                    if len(fields) < width:
                        fields += [""] * (width - len(fields))
                    try:
                        self._row(fields)
                    except ValueError as exc:
                        report.add_bad(start, str(exc))
                if self.pending >= CHUNK:
                    # After a bad line, without keep_valid, nothing will be kept: stop writing.
                    self._flush(write=keep_valid or not report.bad_count)
                if progress is not None and report.rows % PROGRESS_EVERY == 0:
                    progress(report.rows)
        except UnicodeDecodeError:
            raise _Fatal(_line_after(reader), "the file is not UTF-8 text") from None
        except csv.Error as exc:
            raise _Fatal(_line_after(reader), f"the file is not valid CSV ({exc})") from None
        self._flush(write=keep_valid or not report.bad_count)
        if progress is not None:
            progress(report.rows)

    def _row(self, fields: list[str]) -> None:
        state = self.only or self.kpis.get(fields[self.kpi_column].strip())
        if self.events:
            moment = _moment(fields[self.when_column])
            state.events.append((moment, _value(fields[self.value_column])))
        else:
            text = fields[self.when_column]
            period = state.starts.get(text)
            if period is None:
                period = state.starts[text] = period_start(_period(text), state.cadence)
            value = _value(fields[self.value_column])
            note = "" if self.note_column is None else fields[self.note_column].strip()
            if "\x00" in note:
                raise ValueError("note contains a NUL character")
            state.values[period] = (value, note[:NOTE_LENGTH])
        self.pending += 1

    def _flush(self, *, write: bool) -> None:
        for state in [self.only] if self.only is not None else self.kpis.usable():
            if write and state.values:
                self.writer.write(state.kpi, state.values)
            if write and state.events:
                self.recorder.add(state.kpi, state.events)
            state.values = {}
            state.events = []
        self.pending = 0


def _line_after(reader: Any) -> int:
    """The line a reader failed on: the one after those it read."""
    return int(reader.line_num) + 1
