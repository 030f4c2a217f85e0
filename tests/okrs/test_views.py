"""The OKR pages: board, alignment, objective page and check-ins in place."""

from __future__ import annotations

import re

import pytest

from headway.audit.models import AuditEvent
from headway.okrs.models import CheckIn, KeyResult, Objective, Rollup
from headway.okrs.services import record_checkin, update_objective
from tests.factories import make_kr, make_objective
from tests.okrs.conftest import Okrs

pytestmark = pytest.mark.usefixtures("frozen")


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def element(page: str, element_id: str) -> str:
    """The opening tag and text of the element with ``element_id`` (up to its first close)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>.*?</\1>', page, re.S)
    assert match, f"no #{element_id}"
    return match.group(0)


def checkin_data(kr: KeyResult, value: str, confidence: str, note: str = "") -> dict[str, str]:
    prefix = f"kr-{kr.pk}"
    return {f"{prefix}-value": value, f"{prefix}-confidence": confidence, f"{prefix}-note": note}


# --- signing in and tenancy -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/okrs/", "/okrs/alignment/", "/objectives/new/"])
def test_pages_need_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_another_organizations_objects_are_not_found(world, okrs: Okrs, client_for):
    oscar = client_for("oscar")
    kr = okrs.visitors
    for url in [
        f"/objectives/{okrs.growth.pk}/",
        f"/objectives/{okrs.growth.pk}/edit/",
        f"/objectives/{okrs.growth.pk}/move/",
        f"/objectives/{okrs.growth.pk}/key-results/new/",
        f"/key-results/{kr.pk}/edit/",
        f"/key-results/{kr.pk}/move/",
        f"/key-results/{kr.pk}/delete/",
        f"/okrs/cycle/{world.cycle.pk}/",
        f"/okrs/alignment/?cycle={world.cycle.pk}",
    ]:
        assert oscar.get(url).status_code == 404, url
    forged = oscar.post(f"/key-results/{kr.pk}/check-in/", checkin_data(kr, "5000", "7"))
    assert forged.status_code == 404
    assert not CheckIn.objects.exists()


def test_objective_id_out_of_range_is_not_found(world, client_for):
    assert client_for("vic").get(f"/objectives/{2**63}/").status_code == 404


# --- the board --------------------------------------------------------------------------------


def test_board_shows_the_team_tree_objectives_and_key_results(world, okrs: Okrs, client_for):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="5000", confidence=7)

    response = client_for("vic").get("/okrs/")

    assert response.status_code == 200
    page = html(response)
    assert "OKRs · 2026-Q4" in page
    # Tree order: the company, then Growth below it; then personal objectives.
    company = page.index(f'id="team-{world.company.pk}"')
    growth = page.index(f'id="team-{world.growth.pk}"')
    personal = page.index('id="personal-h"')
    assert company < page.index("Grow a loyal customer base") < growth
    assert growth < page.index("Bring new inbound leads to the website") < personal
    assert personal < page.index("Run a marathon in good shape")
    assert "Increase monthly visitors from 3k to 7k" in page
    assert "3000 → 5000 → 7000 visitors" in page
    assert "confidence 7/10" in page
    assert "Mo" in page and "Lena" in page
    # Growth: visitors half-way, sign-ups at 0 -> 25%, score 0.3 (red); behind the 50% pace.
    growth_section = page[growth:personal]
    assert "25%" in growth_section
    assert re.search(r'class="badge band-red"[^>]*>Score 0.3<', growth_section)
    assert "At risk" in growth_section or "Off track" in growth_section
    # The organization: Growth at 0.25 and the company objective at 0 -> 12.5%.
    org = page[page.index('data-testid="org-progress"') : company]
    assert "12%" in org or "13%" in org
    assert f'href="/objectives/{okrs.growth.pk}/"' in page
    # A viewer gets no write controls.
    assert "New objective" not in page


def test_board_offers_new_objective_to_those_who_may_create(world, okrs: Okrs, client_for):
    page = html(client_for("mo").get("/okrs/"))
    assert f'href="/objectives/new/?cycle={world.cycle.pk}"' in page


def test_board_cycle_picker(world, okrs: Okrs, client_for):
    from headway.okrs.models import Cycle

    older = Cycle.objects.create(
        organization=world.org,
        name="2026-Q3",
        start=world.cycle.start.replace(month=7),
        end=world.cycle.start.replace(month=9, day=30),
    )
    make_objective(older, team=world.growth, title="Objective of the last quarter")
    vic = client_for("vic")

    picked = vic.get(f"/okrs/?cycle={older.pk}&status=active")

    assert picked.status_code == 302
    assert picked["Location"] == f"/okrs/cycle/{older.pk}/?status=active"
    page = html(vic.get(picked["Location"]))
    assert "OKRs · 2026-Q3" in page
    assert "Objective of the last quarter" in page
    assert "Bring new inbound leads" not in page
    assert f'<option value="{older.pk}" selected>2026-Q3</option>' in page
    # The current cycle is the default.
    assert "Bring new inbound leads" in html(vic.get("/okrs/"))


def test_board_filters_by_team_person_and_status(world, okrs: Okrs, client_for):
    update_objective(actor=world.alice, objective=okrs.company, status="archived")
    vic = client_for("vic")
    url = f"/okrs/cycle/{world.cycle.pk}/"

    by_team = html(vic.get(url, {"team": world.growth.pk}))
    assert "Bring new inbound leads" in by_team
    assert "Run a marathon" not in by_team
    assert f'id="team-{world.company.pk}"' not in by_team

    by_person = html(vic.get(url, {"owner": world.mo.pk}))
    # mo's personal objective and the one where he holds a key result.
    assert "Run a marathon" in by_person
    assert "Bring new inbound leads" in by_person
    by_lena = html(vic.get(url, {"owner": world.lena.pk}))
    assert "Run a marathon" not in by_lena

    active = html(vic.get(url))
    assert "Grow a loyal customer base" not in active
    archived = html(vic.get(url, {"status": "archived"}))
    assert "Grow a loyal customer base" in archived
    assert "Bring new inbound leads" not in archived
    assert "Archived" in archived
    every = html(vic.get(url, {"status": "all"}))
    assert "Grow a loyal customer base" in every and "Bring new inbound leads" in every


def test_board_filter_refuses_another_organizations_team(world, okrs: Okrs, client_for):
    response = client_for("vic").get(
        f"/okrs/cycle/{world.cycle.pk}/", {"team": world.other_team.pk}
    )
    assert response.status_code == 200
    page = html(response)
    assert "Select a valid choice" in page
    # The bad filter is ignored: the whole board shows.
    assert "Run a marathon" in page


def test_board_without_any_cycle_is_not_found(db, client_for):
    from tests.factories import make_world

    world = make_world()
    world.cycle.objectives.all().delete()
    world.cycle.delete()
    assert client_for("vic").get("/okrs/").status_code == 404


# --- alignment --------------------------------------------------------------------------------


def test_alignment_shows_parents_children_and_flags_the_unaligned(world, okrs: Okrs, client_for):
    loner = make_objective(world.cycle, team=world.growth, title="A team objective alone")

    response = client_for("vic").get("/okrs/alignment/")

    assert response.status_code == 200
    page = html(response)
    assert "Alignment · 2026-Q4" in page
    tree = page[page.index('data-testid="alignment-tree"') :]
    # The growth objective is nested under the company objective it supports.
    company_at = tree.index("Grow a loyal customer base")
    assert company_at < tree.index("Bring new inbound leads") < tree.index("</ul>", company_at)
    unaligned = page[page.index('data-testid="unaligned"') :]
    unaligned = unaligned[: unaligned.index("</ul>")]
    assert "A team objective alone" in unaligned
    assert "Run a marathon" in unaligned
    # Company objectives are the top: they need no parent.
    assert "Grow a loyal customer base" not in unaligned
    assert "Bring new inbound leads" not in unaligned
    growth = page[page.index(f'data-testid="align-{okrs.growth.pk}"') :]
    growth = growth[: growth.index("</article>")]
    assert "Supports:" in growth and "Grow a loyal customer base" in growth
    assert "Aligned to nothing" not in growth
    alone = page[page.index(f'data-testid="align-{loner.pk}"') :]
    assert "Aligned to nothing" in alone[: alone.index("</article>")]


def test_alignment_shows_parents_in_another_cycle(world, okrs: Okrs, client_for):
    from headway.okrs.models import Alignment, Cycle

    year = Cycle.objects.create(
        organization=world.org,
        name="2026",
        kind="year",
        start=world.cycle.start.replace(month=1),
        end=world.cycle.end,
    )
    annual = make_objective(year, team=world.company, title="Become the reference in our market")
    Alignment.objects.create(organization=world.org, child=okrs.company, parent=annual)

    page = html(client_for("vic").get("/okrs/alignment/"))

    company = page[page.index(f'data-testid="align-{okrs.company.pk}"') :]
    company = company[: company.index("</article>")]
    assert "Become the reference in our market" in company
    assert "2026" in company
    year_page = html(client_for("vic").get(f"/okrs/alignment/?cycle={year.pk}"))
    assert "Become the reference in our market" in year_page
    assert "Grow a loyal customer base" in year_page  # what supports it, from the quarter


# --- the objective page -----------------------------------------------------------------------


def test_objective_page_shows_everything_to_a_viewer(world, okrs: Okrs, client_for):
    record_checkin(
        actor=world.mo, key_result=okrs.visitors, value="4000", confidence=6, note="Blog live"
    )
    record_checkin(
        actor=world.mo, key_result=okrs.visitors, value="5000", confidence=7, note="SEO done"
    )

    response = client_for("vic").get(f"/objectives/{okrs.growth.pk}/")

    assert response.status_code == 200
    page = html(response)
    assert "<h1>Bring new inbound leads to the website</h1>" in page
    assert "Growth" in page and "Aspirational" in page and "2026-Q4" in page
    parents = page[page.index('data-testid="parents"') :]
    assert f'href="/objectives/{okrs.company.pk}/">Grow a loyal customer base' in parents
    assert "25%" in element(page, "objective-progress")
    assert "25%" in element(page, "team-progress")
    kr = page[page.index(f'id="kr-{okrs.visitors.pk}"') :]
    kr = kr[: kr.index("</article>")]
    assert "Start 3000" in kr and "Now 5000" in kr and "Target 7000" in kr and "visitors" in kr
    assert "50%" in kr
    assert "7/10" in kr
    assert "Increase" in kr  # direction
    assert "Mo" in kr
    # History: a chart with its data and the check-ins newest first, as a table.
    assert f'data-chart="chart-kr-{okrs.visitors.pk}"' in kr
    assert f'<script id="chart-kr-{okrs.visitors.pk}" type="application/json">' in kr
    assert kr.index("SEO done") < kr.index("Blog live")
    assert 'role="img" aria-label="History of Increase monthly visitors' in kr
    # A viewer sees no write controls at all.
    assert "<form" not in page[page.index("<main") :].replace('role="search"', "")
    assert "check-in/" not in page
    assert "Edit objective" not in page and "Delete key result" not in page


def test_objective_page_shows_the_controls_each_person_may_use(world, okrs: Okrs, client_for):
    url = f"/objectives/{okrs.growth.pk}/"
    lena = html(client_for("lena").get(url))
    for control in ["Edit objective", "Add key result", "Move to another cycle", "Archive"]:
        assert control in lena
    assert lena.count("Save check-in") == 2
    assert lena.count("Delete key result") == 2

    mo = html(client_for("mo").get(url))
    # mo owns one key result: he checks in on it and edits it, nothing else.
    assert mo.count("Save check-in") == 1
    assert f'hx-post="/key-results/{okrs.visitors.pk}/check-in/"' in mo
    assert f"/key-results/{okrs.signups.pk}/check-in/" not in mo
    assert f"/key-results/{okrs.visitors.pk}/edit/" in mo
    assert "Edit objective" not in mo and "Delete key result" not in mo


def test_closed_cycle_has_no_check_in_form(world, okrs: Okrs, client_for):
    world.cycle.state = "closed"
    world.cycle.save()
    page = html(client_for("lena").get(f"/objectives/{okrs.growth.pk}/"))
    assert "Save check-in" not in page
    assert "The cycle is closed" in page


# --- check-ins --------------------------------------------------------------------------------


def test_member_checks_in_in_place_and_progress_updates_out_of_band(world, okrs: Okrs, client_for):
    kr = okrs.visitors

    response = client_for("mo").post(
        f"/key-results/{kr.pk}/check-in/",
        checkin_data(kr, "5000", "7", "New landing page"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    fragment = html(response)
    assert "<html" not in fragment  # a fragment, not a page
    row = fragment[: fragment.index("</article>")]
    assert f'id="kr-{kr.pk}"' in row
    assert "Check-in saved" in row
    assert "Now 5000" in row and "50%" in row and "7/10" in row
    assert "New landing page" in row
    # A fresh, empty form for the next check-in.
    assert f'name="kr-{kr.pk}-value" inputmode' in row
    assert 'value="5000"' not in row.split("<form", 1)[1]
    objective = element(fragment, "objective-progress")
    team = element(fragment, "team-progress")
    assert 'hx-swap-oob="true"' in objective and "25%" in objective
    assert 'hx-swap-oob="true"' in team and "25%" in team
    checkin = CheckIn.objects.get()
    assert (checkin.value, checkin.confidence, checkin.author) == (5000, 7, world.mo)
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == pytest.approx(0.25)


def test_check_in_without_htmx_redirects_back(world, okrs: Okrs, client_for):
    kr = okrs.visitors
    mo = client_for("mo")

    response = mo.post(f"/key-results/{kr.pk}/check-in/", checkin_data(kr, "5000", "7"))

    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{okrs.growth.pk}/#kr-{kr.pk}"
    page = html(mo.get(response["Location"]))
    assert "Check-in saved" in page
    assert "25%" in element(page, "objective-progress")


@pytest.mark.parametrize(
    ("value", "confidence", "field", "message"),
    [
        ("5000", "11", "confidence", "must be between 0 and 10, got 11"),
        ("abc", "7", "value", "must be a number, not &#x27;abc&#x27;"),
        ("", "7", "value", "This field is required."),
        ("5000", "seven", "confidence", "must be a whole number from 0 to 10"),
    ],
)
def test_bad_check_in_shows_the_error_beside_the_field(
    world, okrs: Okrs, client_for, value, confidence, field, message
):
    kr = okrs.visitors
    data = checkin_data(kr, value, confidence, "typed note")

    response = client_for("mo").post(
        f"/key-results/{kr.pk}/check-in/", data, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 422
    fragment = html(response)
    error = element(fragment, f"id_kr-{kr.pk}-{field}_error")
    assert message in error
    # The error sits right after its field, and every typed value is kept.
    field_html = fragment[: fragment.index(f'id="id_kr-{kr.pk}-{field}_error"')]
    assert f'name="kr-{kr.pk}-{field}"' in field_html[field_html.rindex('<div class="field') :]
    assert f'value="{value}"' in fragment or value == ""
    assert f'value="{confidence}"' in fragment
    assert "typed note</textarea>" in fragment
    assert "hx-swap-oob" not in fragment
    assert not CheckIn.objects.exists()


def test_bad_check_in_without_htmx_rerenders_the_page(world, okrs: Okrs, client_for):
    kr = okrs.visitors
    response = client_for("mo").post(
        f"/key-results/{kr.pk}/check-in/", checkin_data(kr, "5000", "11", "keep me")
    )
    assert response.status_code == 422
    page = html(response)
    assert "<h1>Bring new inbound leads to the website</h1>" in page
    assert "must be between 0 and 10, got 11" in element(page, f"id_kr-{kr.pk}-confidence_error")
    assert 'value="11"' in page and "keep me</textarea>" in page
    assert not CheckIn.objects.exists()


def test_viewer_forged_check_in_is_refused_and_nothing_is_written(world, okrs: Okrs, client_for):
    vic = client_for("vic", enforce_csrf_checks=True)
    page = html(vic.get(f"/objectives/{okrs.growth.pk}/"))
    assert "Save check-in" not in page
    token = vic.cookies["csrftoken"].value
    kr = okrs.visitors
    events = AuditEvent.objects.count()

    forged = vic.post(
        f"/key-results/{kr.pk}/check-in/",
        {**checkin_data(kr, "7000", "10"), "csrfmiddlewaretoken": token},
        HTTP_HX_REQUEST="true",
    )

    assert forged.status_code == 403
    assert not CheckIn.objects.exists()
    kr.refresh_from_db()
    assert kr.current is None and kr.progress == 0
    assert AuditEvent.objects.count() == events


def test_member_may_not_check_in_on_someone_elses_key_result(world, okrs: Okrs, client_for):
    kr = okrs.signups  # lena's
    response = client_for("mo").post(
        f"/key-results/{kr.pk}/check-in/", checkin_data(kr, "300", "5")
    )
    assert response.status_code == 403
    assert not CheckIn.objects.exists()


def test_lead_checks_in_on_any_key_result_of_the_team(world, okrs: Okrs, client_for):
    kr = okrs.visitors  # mo's, in lena's team
    response = client_for("lena").post(
        f"/key-results/{kr.pk}/check-in/", checkin_data(kr, "3500", "5"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert CheckIn.objects.get().author == world.lena


def test_check_in_is_post_only(world, okrs: Okrs, client_for):
    assert client_for("mo").get(f"/key-results/{okrs.visitors.pk}/check-in/").status_code == 405


def test_personal_objective_page_has_no_team_progress(world, okrs: Okrs, client_for):
    kr = make_kr(okrs.personal, "Run 40 km a week", "10", "40", owner=world.mo)
    page = html(client_for("mo").get(f"/objectives/{okrs.personal.pk}/"))
    assert 'data-testid="team-progress"' not in page
    assert "(personal)" in page
    response = client_for("mo").post(
        f"/key-results/{kr.pk}/check-in/", checkin_data(kr, "25", "8"), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "50%" in element(html(response), "objective-progress")


def test_archived_objective_page_offers_unarchive(world, okrs: Okrs, client_for):
    Objective.objects.filter(pk=okrs.growth.pk).update(status="archived")
    page = html(client_for("lena").get(f"/objectives/{okrs.growth.pk}/"))
    assert "Unarchive" in page
    assert 'badge archived">Archived' in page


def test_a_check_in_sent_after_the_cycle_closed_says_so_in_place(world, okrs: Okrs, client_for):
    # The page was drawn while the cycle ran; it closed before the form was sent.
    kr = okrs.visitors
    world.cycle.state = "closed"
    world.cycle.save()

    response = client_for("mo").post(
        f"/key-results/{kr.pk}/check-in/",
        checkin_data(kr, "5000", "7", "late"),
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    fragment = html(response)
    assert "the cycle is closed: no more check-ins" in fragment
    assert "late</textarea>" in fragment
    assert not CheckIn.objects.exists()
