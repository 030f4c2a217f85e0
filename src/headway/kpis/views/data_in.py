"""Getting values in from the pages: CSV upload, and a KPI's data sources (SQL and JSON pulls).

A refused upload keeps the file on the server for a day, signed for the person who sent it, so
"keep the valid rows" can import it again without choosing it again (browsers never refill a
file field).
"""

from __future__ import annotations

import io
import secrets
import shutil
import time
from pathlib import Path
from typing import IO, Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from headway.errors import ValidationFailed
from headway.kpis.choices import SourceKind
from headway.kpis.importing import ImportReport, import_csv
from headway.kpis.models import DataSource, Kpi
from headway.kpis.sources import services as sources
from headway.kpis.sources.sql import connection_names
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

GET_POST = require_http_methods(["GET", "POST"])
# Larger files go through `headway kpi import` or the API, which are not tied to a request.
MAX_UPLOAD = 50 * 2**20
KEPT_FOR = 24 * 3600
_SALT = "headway.kpis.import-upload"


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _kpi_url(kpi: Kpi, anchor: str = "") -> str:
    return reverse("kpis:kpi", args=[kpi.pk]) + (f"#{anchor}" if anchor else "")


def _editable_kpi(me: Membership, kpi_id: int) -> Kpi:
    kpi = get_or_404(me, Kpi, kpi_id, select=("owner_team",))
    if not permissions.can_edit_kpi(me, kpi):
        raise PermissionDenied("you may not change this KPI")
    return kpi


# --- CSV upload -------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        required=False,
        help_text="UTF-8, with a header row. At most 50 MB; larger files: headway kpi import.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    events = forms.BooleanField(
        label="The rows are raw events (at, value), to be aggregated into periods", required=False
    )
    keep_valid = forms.BooleanField(
        label="Keep the valid rows when some are bad",
        required=False,
        help_text="Otherwise a file with a bad line imports nothing.",
    )
    # The signed name of a refused upload kept on the server.
    kept = forms.CharField(required=False, widget=forms.HiddenInput)


def _kept_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def _rewound(upload: UploadedFile) -> IO[bytes]:
    raw = upload.file
    assert raw is not None  # an upload that arrived has its file
    raw.seek(0)
    return raw


def _keep(upload: UploadedFile, me: Membership) -> str:
    """Keep a refused upload; the token names it, for this person only."""
    folder = _kept_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - KEPT_FOR
    for old in folder.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    name = f"{secrets.token_hex(16)}.csv"
    with (folder / name).open("wb") as kept:
        shutil.copyfileobj(_rewound(upload), kept)
    return signing.dumps(
        {"file": name, "name": upload.name or "upload.csv", "who": me.pk}, salt=_SALT
    )


def _kept(token: str, me: Membership) -> tuple[Path, str] | None:
    try:
        data = signing.loads(token, salt=_SALT, max_age=KEPT_FOR)
    except signing.BadSignature:
        return None
    path = _kept_dir() / str(data.get("file", ""))
    if data.get("who") != me.pk or path.parent != _kept_dir() or not path.is_file():
        return None
    return path, str(data.get("name", "upload.csv"))


def _run_import(
    me: Membership, kpi: Kpi | None, raw: IO[bytes], data: dict[str, Any]
) -> ImportReport:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        return import_csv(
            actor=me, lines=text, kpi=kpi, events=data["events"], keep_valid=data["keep_valid"]
        )
    finally:
        # The upload belongs to Django, which closes it; the wrapper must not.
        text.detach()


def _summary(report: ImportReport) -> str:
    values = report.values
    count, noun = (report.events, "event") if report.events else (report.valid, "row")
    what = f"{count:,} {noun}{'s' if count != 1 else ''}"
    return (
        f"Imported {what}: {values.created:,} new, {values.replaced:,} replaced, "
        f"{values.unchanged:,} unchanged."
    )


def _import(request: HttpRequest, kpi: Kpi | None) -> HttpResponse:
    me = _me(request)
    posted = request.method == "POST"
    form = ImportForm(request.POST, request.FILES) if posted else ImportForm()
    report: ImportReport | None = None
    file_name, kept_token = "", ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        upload: UploadedFile | None = data["file"]
        kept = _kept(data["kept"], me) if data["kept"] and upload is None else None
        if upload is None and kept is None:
            form.add_error("file", "Choose a CSV file.")
        elif upload is not None and (upload.size or 0) > MAX_UPLOAD:
            form.add_error("file", "The file is larger than 50 MB: use headway kpi import.")
        elif upload is not None:
            file_name = upload.name or "upload.csv"
            report = _run_import(me, kpi, _rewound(upload), data)
            if not report.written and report.bad_count and not report.fatal:
                kept_token = _keep(upload, me)
        elif kept is not None:
            path, file_name = kept
            with path.open("rb") as raw:
                report = _run_import(me, kpi, raw, data)
            if report.written or report.fatal:
                path.unlink(missing_ok=True)
            else:
                kept_token = data["kept"]
        if report is not None and report.written and not report.bad_count:
            messages.success(request, _summary(report))
            return redirect(_kpi_url(kpi, "measurements") if kpi else reverse("kpis:dashboard"))
    if kept_token:
        # A new, unbound form: the ticked boxes stay, the hidden token points at the kept file.
        form = ImportForm(
            initial={
                "events": form.cleaned_data.get("events"),
                "keep_valid": form.cleaned_data.get("keep_valid"),
                "kept": kept_token,
            }
        )
    refused = form.errors or (report is not None and not report.written)
    return render(
        request,
        "kpis/import.html",
        {
            "kpi": kpi,
            "form": form,
            "report": report,
            "summary": _summary(report) if report is not None and report.written else "",
            "file_name": file_name,
            "kept": bool(kept_token),
        },
        status=422 if refused else 200,
    )


@member_view
@GET_POST
def import_values(request: HttpRequest) -> HttpResponse:
    """Values of several KPIs, named by key in a ``kpi`` column."""
    if not permissions.can_write(_me(request)):
        raise PermissionDenied("viewers may not import values")
    return _import(request, None)


@member_view
@GET_POST
def import_kpi_values(request: HttpRequest, kpi_id: int) -> HttpResponse:
    """Values (or raw events) of one KPI: the file has no ``kpi`` column."""
    return _import(request, _editable_kpi(_me(request), kpi_id))


# --- data sources -----------------------------------------------------------------------------


def sources_section(kpi: Kpi) -> list[DataSource]:
    """The KPI page's "Data sources" list (one query)."""
    return list(DataSource.objects.filter(kpi=kpi).order_by("name", "id"))


class SourceForm(forms.Form):
    """Read as typed: the service checks every field, so its words show beside them."""

    name = forms.CharField(label="Name", max_length=100)
    kind = forms.ChoiceField(label="Kind", choices=SourceKind.choices, initial=SourceKind.SQL)
    connection = forms.ChoiceField(
        label="Database",
        required=False,
        help_text="SQL: a read-only database an administrator configured (HEADWAY_SQL_SOURCES).",
    )
    query = forms.CharField(
        label="Query",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text="SQL: rows of (period, value), or one value for the current period.",
    )
    url = forms.CharField(
        label="URL",
        required=False,
        max_length=500,
        widget=forms.URLInput(),
        help_text="JSON: an http(s) address.",
    )
    path = forms.CharField(
        label="Path",
        required=False,
        max_length=200,
        help_text="JSON: data.total for one value, data.series[*] for a list of items.",
    )
    period_field = forms.CharField(label="Period field", required=False, initial="period")
    value_field = forms.CharField(label="Value field", required=False, initial="value")
    every_minutes = forms.CharField(
        label="Every (minutes)",
        initial=60,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = connection_names()
        field = self.fields["connection"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "None configured" if not names else "—")] + [(n, n) for n in names]

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("period_field", "value_field"):
            data[name] = data[name] or name.removesuffix("_field")
        return data


def _initial(source: DataSource) -> dict[str, Any]:
    return {name: getattr(source, name) for name in sources.SOURCE_FIELDS}


def _source_page(
    request: HttpRequest, kpi: Kpi, form: SourceForm, source: DataSource | None
) -> HttpResponse:
    return render(
        request,
        "kpis/source_form.html",
        {"kpi": kpi, "form": form, "source": source},
        status=422 if form.is_bound else 200,  # a bound form here is one that was refused
    )


@member_view
@GET_POST
def source_create(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = _editable_kpi(me, kpi_id)
    form = SourceForm(request.POST or None)
    if form.is_bound and form.is_valid():
        try:
            source = sources.create_source(actor=me, kpi=kpi, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Data source {source.name} added; it runs within a minute.")
            return redirect(_kpi_url(kpi, "sources"))
    return _source_page(request, kpi, form, None)


def _get_source(me: Membership, kpi_id: int, source_id: int) -> DataSource:
    source = get_or_404(me, DataSource, source_id, select=("kpi",), kpi_id=kpi_id)
    if not permissions.can_edit_kpi(me, source.kpi):
        raise PermissionDenied("you may not change the data sources of this KPI")
    return source


@member_view
@GET_POST
def source_edit(request: HttpRequest, kpi_id: int, source_id: int) -> HttpResponse:
    me = _me(request)
    source = _get_source(me, kpi_id, source_id)
    form = SourceForm(request.POST or None, initial=_initial(source))
    if form.is_bound and form.is_valid():
        try:
            sources.update_source(actor=me, source=source, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Data source {source.name} saved.")
            return redirect(_kpi_url(source.kpi, "sources"))
    return _source_page(request, source.kpi, form, source)


@member_view
@GET_POST
def source_delete(request: HttpRequest, kpi_id: int, source_id: int) -> HttpResponse:
    me = _me(request)
    source = _get_source(me, kpi_id, source_id)
    if request.method == "POST":
        sources.delete_source(actor=me, source=source)
        messages.success(request, f"Data source {source.name} deleted.")
        return redirect(_kpi_url(source.kpi, "sources"))
    return render(
        request,
        "kpis/confirm_delete.html",
        {"kpi": source.kpi, "question": f"Delete the data source {source.name}?"},
    )


@member_view
@require_POST
def source_run(request: HttpRequest, kpi_id: int, source_id: int) -> HttpResponse:
    me = _me(request)
    source = _get_source(me, kpi_id, source_id)
    result = sources.run_now(actor=me, source=source)
    if result.ok:
        messages.success(request, f"{source.name}: {result.message}.")
    else:
        messages.error(request, f"{source.name} failed: {result.message}")
    return redirect(_kpi_url(source.kpi, "sources"))
