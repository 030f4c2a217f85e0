"""The pages that get values in: CSV upload, and the KPI page's data sources.

mo owns NPS (monthly); Bounce belongs to the company team, which mo does not lead.
"""

from __future__ import annotations

import html
import http.server
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from headway.kpis.models import DataSource, Kpi, Measurement
from headway.kpis.sources import services as sources
from tests.factories import World, login, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")

GOOD = b"kpi,period,value,note\nnps,2026-10-01,31,survey\nnps,2026-11-01,33,\n"
BAD = b"kpi,period,value\nnps,2026-09-01,29\nnps,2026-10-01,abc\nghost,2026-11-01,1\n"


@pytest.fixture
def kpis(world: World, settings: Any, tmp_path: Path) -> dict[str, Kpi]:
    settings.DATA_DIR = tmp_path  # kept uploads go here
    return {
        "nps": make_kpi(world.org, "nps", name="NPS", owner=world.mo),
        "bounce": make_kpi(world.org, "bounce", name="Bounce", owner_team=world.company),
    }


def page(response: Any) -> str:
    return response.content.decode()


def bad_lines(content: str) -> list[str]:
    listed = re.search(r'<ol class="plain" data-testid="bad-lines">(.*?)</ol>', content, re.S)
    assert listed, "no list of bad lines"
    items = re.findall(r"<li>(.*?)</li>", listed.group(1), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in items]


def error_beside(content: str, field_id: str) -> str:
    found = re.search(rf'<p class="error" id="{field_id}_error">(.*?)</p>', content)
    assert found, f"no error beside {field_id}"
    return html.unescape(found.group(1))


def upload(client: Client, url: str, body: bytes, **fields: Any) -> Any:
    return client.post(url, {"file": SimpleUploadedFile("values.csv", body), **fields})


def test_the_dashboard_links_the_import_for_those_who_may_write(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    assert 'href="/kpis/import/"' in page(login(client, world.mo).get("/kpis/"))
    client.logout()
    assert 'href="/kpis/import/"' not in page(login(client, world.vic).get("/kpis/"))
    assert client.get("/kpis/import/").status_code == 403


def test_a_good_file_is_imported_and_the_page_says_what_happened(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    response = upload(login(client, world.mo), "/kpis/import/", GOOD)

    assert response.status_code == 302 and response["Location"] == "/kpis/"
    assert "Imported 2 rows: 2 new, 0 replaced, 0 unchanged." in page(client.get("/kpis/"))
    assert Measurement.objects.filter(kpi=kpis["nps"]).count() == 2


def test_bad_lines_are_listed_and_the_kept_file_imports_its_valid_rows(
    client: Client, world: World, kpis: dict[str, Kpi], tmp_path: Path
) -> None:
    login(client, world.mo)
    refused = upload(client, "/kpis/import/", BAD)

    assert refused.status_code == 422
    content = page(refused)
    assert bad_lines(content) == [
        "line 3: value 'abc' is not a number",
        "line 4: no KPI with key 'ghost' in this organization",
    ]
    assert "2 bad lines in values.csv (1 valid row)" in content
    assert 'data-testid="kept"' in content
    assert Measurement.objects.count() == 0
    token = re.search(r'name="kept" value="([^"]+)"', content)
    assert token, "the refused file is not kept"
    assert len(list((tmp_path / "uploads").glob("*.csv"))) == 1

    # Without choosing the file again: its valid row is imported, the bad ones still listed.
    kept = client.post("/kpis/import/", {"kept": html.unescape(token.group(1)), "keep_valid": "on"})

    assert kept.status_code == 200
    assert "Imported 1 row: 1 new, 0 replaced, 0 unchanged." in page(kept)
    assert len(bad_lines(page(kept))) == 2
    assert list(Measurement.objects.values_list("period__month", flat=True)) == [9]
    assert list((tmp_path / "uploads").glob("*.csv")) == []


def test_a_kept_file_is_its_senders_only(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    content = page(upload(login(client, world.mo), "/kpis/import/", BAD))
    token = re.search(r'name="kept" value="([^"]+)"', content)
    assert token
    client.logout()
    response = login(client, world.alice).post(
        "/kpis/import/", {"kept": html.unescape(token.group(1)), "keep_valid": "on"}
    )
    assert response.status_code == 422
    assert error_beside(page(response), "id_file") == "Choose a CSV file."
    assert Measurement.objects.count() == 0


def test_no_file_is_an_error_beside_the_field(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    response = login(client, world.mo).post("/kpis/import/", {"keep_valid": "on"})
    assert response.status_code == 422
    assert error_beside(page(response), "id_file") == "Choose a CSV file."


def test_one_kpis_page_imports_a_file_without_a_kpi_column(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    nps = kpis["nps"]
    login(client, world.mo)
    assert f'href="/kpis/{nps.pk}/import/"' in page(client.get(f"/kpis/{nps.pk}/"))

    response = upload(client, f"/kpis/{nps.pk}/import/", b"period,value\n2026-10-17,31\n")

    assert response["Location"] == f"/kpis/{nps.pk}/#measurements"
    assert Measurement.objects.get(kpi=nps).period.isoformat() == "2026-10-01"
    header = upload(client, f"/kpis/{nps.pk}/import/", GOOD)
    assert header.status_code == 422
    assert bad_lines(page(header))[0].startswith("line 1: the file names KPIs in a 'kpi' column")
    assert 'data-testid="kept"' not in page(header)  # a bad header is not worth keeping


def test_events_are_imported_from_the_kpi_page_and_a_store_error_is_shown(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    signups = make_kpi(world.org, "signups", owner=world.mo, cadence="day", aggregation="sum")
    url = f"/kpis/{signups.pk}/import/"
    login(client, world.mo)
    ok = upload(
        client, url, b"at,value\n2026-10-17T09:00:00Z,2\n2026-10-17T10:00:00Z,3\n", events="on"
    )
    assert ok.status_code == 302
    assert Measurement.objects.get(kpi=signups).value == 5

    big = b"9000000000000000"
    refused = upload(
        client,
        url,
        b"at,value\n2026-10-18T09:00:00Z," + big + b"\n2026-10-18T10:00:00Z," + big + b"\n",
        events="on",
    )
    assert refused.status_code == 422
    found = re.search(r'data-testid="import-error">(.*?)</p>', page(refused))
    assert found and found.group(1) == "the sum of the period from 2026-10-18 is too large"
    assert Measurement.objects.filter(kpi=signups).count() == 1


def test_one_kpis_import_needs_the_right_to_edit_it(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    theirs = make_kpi(world.other_org, "churn", owner=world.oscar)
    login(client, world.mo)
    assert client.get(f"/kpis/{kpis['bounce'].pk}/import/").status_code == 403
    assert client.get(f"/kpis/{theirs.pk}/import/").status_code == 404
    assert upload(client, f"/kpis/{theirs.pk}/import/", b"period,value\n").status_code == 404


# --- data sources -----------------------------------------------------------------------------


@pytest.fixture
def feed(settings: Any) -> Iterator[str]:
    settings.HEADWAY_SOURCE_HOSTS = ["127.0.0.1"]  # the feed is on loopback, refused by default

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/nps"
            self.send_response(200 if ok else 500)
            self.end_headers()
            self.wfile.write(json.dumps({"score": 41}).encode() if ok else b"")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_sources_are_added_run_edited_and_deleted_from_the_kpi_page(
    client: Client, world: World, kpis: dict[str, Kpi], feed: str
) -> None:
    nps = kpis["nps"]
    login(client, world.mo)
    assert "No data sources" in page(client.get(f"/kpis/{nps.pk}/"))

    form = {
        "name": "Survey",
        "kind": "json",
        "url": f"{feed}/nps",
        "path": "score",
        "every_minutes": "30",
        "enabled": "on",
    }
    created = client.post(f"/kpis/{nps.pk}/sources/new/", form)
    assert created.status_code == 302 and created["Location"] == f"/kpis/{nps.pk}/#sources"
    source = DataSource.objects.get()
    assert (source.every_minutes, source.created_by) == (30, world.mo)

    ran = client.post(f"/kpis/{nps.pk}/sources/{source.pk}/run/", follow=True)
    content = page(ran)
    assert "Survey: 1 value: 1 new, 0 replaced, 0 unchanged." in content
    status = re.search(r'<td data-testid="source-status">(.*?)</td>', content, re.S)
    assert status and "OK" in status.group(1) and "1 value: 1 new" in status.group(1)
    assert Measurement.objects.get(kpi=nps).value == 41

    edited = client.post(
        f"/kpis/{nps.pk}/sources/{source.pk}/", {**form, "url": f"{feed}/down", "enabled": ""}
    )
    assert edited.status_code == 302
    source.refresh_from_db()
    assert not source.enabled
    failed = page(client.post(f"/kpis/{nps.pk}/sources/{source.pk}/run/", follow=True))
    assert "Survey failed: HTTP 500" in failed
    assert 'class="error-text"' in failed

    assert "Delete the data source Survey?" in page(
        client.get(f"/kpis/{nps.pk}/sources/{source.pk}/delete/")
    )
    client.post(f"/kpis/{nps.pk}/sources/{source.pk}/delete/")
    assert not DataSource.objects.exists()

    # The KPI's history tells the source's story.
    content = html.unescape(page(client.get(f"/kpis/{nps.pk}/")))
    history = " ".join(
        re.sub(r"<[^>]+>", " ", content[content.index('data-testid="history"') :]).split()
    )
    assert "Data source added by Mo" in history
    assert f"Survey: JSON from {feed}/nps, every 30 min (new)" in history
    assert f"Data source changed by Mo · 16 Nov 2026, 09:00 Survey: url: {feed}/nps → " in history
    assert "Survey: enabled: on → off" in history
    assert "Data source deleted by Mo" in history


def test_a_refused_source_shows_the_errors_beside_the_fields(
    client: Client, world: World, kpis: dict[str, Kpi], settings: Any
) -> None:
    settings.HEADWAY_SQL_SOURCES = {"warehouse": "sqlite:////nowhere.db"}
    nps = kpis["nps"]
    response = login(client, world.mo).post(
        f"/kpis/{nps.pk}/sources/new/",
        {"name": "Feed", "kind": "json", "url": "ftp://x", "path": "a[", "every_minutes": "0"},
    )
    assert response.status_code == 422
    content = page(response)
    assert error_beside(content, "id_url") == "must be an http:// or https:// URL"
    assert error_beside(content, "id_every_minutes") == "must be at least 1 minute"
    assert error_beside(content, "id_path").startswith("'a[' is not a path like")
    # The configured databases are offered, and only those.
    assert '<option value="warehouse">warehouse</option>' in content
    sql = client.post(
        f"/kpis/{nps.pk}/sources/new/",
        {"name": "Db", "kind": "sql", "connection": "", "query": "", "every_minutes": "60"},
    )
    assert error_beside(page(sql), "id_query") == "is required"
    assert error_beside(page(sql), "id_connection").startswith("must be one of the configured")
    assert not DataSource.objects.exists()


def test_only_editors_see_and_use_the_source_controls(
    client: Client, world: World, kpis: dict[str, Kpi]
) -> None:
    nps = kpis["nps"]
    source = sources.create_source(
        actor=world.mo, kpi=nps, name="Survey", kind="json", url="https://example.com/nps"
    )
    content = page(login(client, world.vic).get(f"/kpis/{nps.pk}/"))
    assert "Survey" in content and "Not run yet" in content
    assert "Add a data source" not in content and "Run now" not in content
    assert client.post(f"/kpis/{nps.pk}/sources/{source.pk}/run/").status_code == 403
    assert client.get(f"/kpis/{nps.pk}/sources/new/").status_code == 403
    assert client.post(f"/kpis/{nps.pk}/sources/{source.pk}/delete/").status_code == 403
    bounce = kpis["bounce"]
    assert client.get(f"/kpis/{bounce.pk}/sources/{source.pk}/").status_code == 404
    assert DataSource.objects.count() == 1
