"""The coach where OKRs are written and read: editor, board badge, objective card, report, and the
organization's switched-off rules.

The demo's "Increase revenue" / "10% more revenue" is the seeds' KPI rewritten as an OKR; the
seeds' good OKR ("Our customers love our onboarding", outcome key results from X to Y) is not
flagged.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from headway.audit.models import AuditEvent
from headway.core.coach import RULES
from headway.demo import DEMO_PASSWORD
from headway.errors import ValidationFailed
from headway.okrs import selectors
from headway.okrs.choices import CycleState
from headway.okrs.coach import (
    coach_objectives,
    cycle_week,
    findings_by_objective,
    lint_draft_input,
    objective_draft,
)
from headway.okrs.models import Alignment, Cycle, KeyResult, Objective
from headway.orgs.models import Membership, Organization
from headway.orgs.services import set_coach_disabled_rules
from tests.factories import World, login, make_kr, make_objective

pytestmark = pytest.mark.django_db

KPI = "kpi-in-okr-format"
TODAY = dt.date(2026, 11, 22)


def demo_client(username: str = "demo-vera") -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def revenue(org: Organization) -> Objective:
    return Objective.objects.get(organization=org, cycle__name="2026-Q4", title="Increase revenue")


def html(response: Any) -> str:
    return response.content.decode()


def badge(page: str, objective: Objective) -> str | None:
    """The board's coach badge of ``objective`` (its opening tag and text), if it has one."""
    match = re.search(
        rf'<a class="badge coach-badge[^"]*" href="/objectives/{objective.pk}/#coach"'
        r"[^>]*>[^<]*</a>",
        page,
    )
    return match.group(0) if match else None


def coach_card(page: str) -> str:
    match = re.search(r'<section class="card coach" id="coach".*?</section>', page, re.S)
    assert match, "no coach card"
    return match.group(0)


def rules_in(fragment: str) -> set[str]:
    return set(re.findall(r'data-rule="([^"]+)"', fragment))


def typed(title: str, *rows: dict[str, str], **extra: str) -> dict[str, str]:
    """The create form's fields as the browser sends them: five key result rows."""
    data = {
        "title": title,
        "description": "",
        "kind": "aspirational",
        "weight": "1",
        "owner": "",
        "kr-TOTAL_FORMS": "5",
        "kr-INITIAL_FORMS": "0",
        **extra,
    }
    for index in range(5):
        row = rows[index] if index < len(rows) else {}
        for name, default in [
            ("title", ""),
            ("kind", "metric"),
            ("start", "0"),
            ("target", ""),
            ("unit", ""),
            ("direction", "increase"),
        ]:
            data[f"kr-{index}-{name}"] = row.get(name, default)
    return data


REVENUE_KR = {"title": "10% more revenue", "kind": "percentage", "start": "0", "target": "10"}
NPS_KR = {"title": "Onboarding NPS rises from 32 to 55", "start": "32", "target": "55"}
TTV_KR = {
    "title": "Cut the time to first value from 14 to 5 days",
    "start": "14",
    "target": "5",
    "direction": "decrease",
}


def good_okr(world: World) -> Objective:
    """The seeds' good OKR: qualitative, aligned, two outcome key results from X to Y."""
    company = make_objective(world.cycle, team=world.company, title="Grow a loyal customer base")
    make_kr(company, "Grow paying customers from 480 to 650", "480", "650")
    make_kr(company, "Raise net revenue retention from 101% to 108%", "101", "108")
    good = make_objective(world.cycle, team=world.growth, title="Our customers love our onboarding")
    Alignment.objects.create(organization=world.org, child=good, parent=company)
    make_kr(good, "Onboarding NPS rises from 32 to 55", "32", "55", unit="NPS")
    make_kr(good, "Cut the time to first value from 14 to 5 days", "14", "5", direction="decrease")
    return good


# --- the KPI rewritten as an OKR, everywhere --------------------------------------------------


def test_board_badges_the_kpi_in_okr_format(demo):
    page = html(demo_client().get("/okrs/"))

    found = badge(page, revenue(demo))
    assert found is not None
    assert "severity-error" in found  # coloured by its worst finding
    assert RULES[KPI].title in found  # the title and aria-label list the rule titles
    assert re.search(r">\d+ coach notes?</a>", found)
    assert 'aria-label="' in found
    company = Objective.objects.get(
        organization=demo,
        cycle__name="2026-Q4",
        owner_team__slug="company",
        title="Become the app small teams can't work without",
    )
    assert badge(page, company) is None
    assert "/okrs/cycle/" in page and "Coach report" in page


def test_objective_page_has_a_coach_card(demo):
    page = html(demo_client().get(f"/objectives/{revenue(demo).pk}/"))

    card = coach_card(page)
    assert KPI in rules_in(card)
    assert "Keep revenue as a KPI" in card  # the suggestion
    assert "A KPI rewritten as an OKR" in card


def test_editor_flags_the_kpi_while_it_is_typed(demo):
    client = demo_client("demo-omar")
    sales = demo.teams.get(slug="sales")
    cycle = Cycle.objects.get(organization=demo, name="2026-Q4")

    bare = client.post("/objectives/lint/", typed("Increase revenue", REVENUE_KR))
    chosen = client.post(
        "/objectives/lint/",
        typed("Increase revenue", REVENUE_KR, owner=f"team:{sales.pk}", cycle=str(cycle.pk)),
    )
    nothing = client.post("/objectives/lint/", typed(""))

    for response in (bare, chosen):
        assert response.status_code == 200
        assert KPI in rules_in(html(response))
        assert "Keep revenue as a KPI" in html(response)
    assert "as you type" in html(nothing) and not rules_in(html(nothing))


def test_editor_on_the_edit_page_reads_the_saved_key_results(demo):
    client = demo_client("demo-omar")
    objective = revenue(demo)

    same = client.post(
        "/objectives/lint/", {"objective": objective.pk, "title": "Increase revenue"}
    )
    retitled = client.post(
        "/objectives/lint/",
        {"objective": objective.pk, "title": "Small teams trust us with their numbers"},
    )

    assert KPI in rules_in(html(same))
    assert "too-few-key-results" in rules_in(html(same))  # the one saved key result
    assert KPI not in rules_in(html(retitled))


def test_edit_form_loads_the_findings_as_it_opens(demo):
    page = html(demo_client("demo-omar").get(f"/objectives/{revenue(demo).pk}/edit/"))

    assert 'hx-post="/objectives/lint/"' in page
    assert 'hx-trigger="load, input changed delay:400ms from:closest form"' in page
    assert f'hx-vals=\'{{"objective": "{revenue(demo).pk}"}}\'' in page
    assert 'role="status" aria-live="polite"' in page
    assert "<script>" not in page


def test_lint_of_another_organizations_objective_is_not_found(world):
    theirs = make_objective(world.other_cycle, team=world.other_team, title="Increase revenue")

    response = login(Client(), world.alice).post(
        "/objectives/lint/", {"objective": theirs.pk, "title": "x"}
    )

    assert response.status_code == 404


def test_lint_needs_a_post_and_a_sign_in(client, world):
    assert client.post("/objectives/lint/", typed("Increase revenue")).status_code == 302
    assert login(Client(), world.alice).get("/objectives/lint/").status_code == 405


# --- the good OKR -----------------------------------------------------------------------------


def test_the_seeds_good_okr_gets_no_findings(world, frozen):
    good = good_okr(world)
    client = login(Client(), world.vic)

    assert findings_by_objective(world.org, selectors.objectives(world.org.pk))[good.pk] == []
    assert badge(html(client.get("/okrs/")), good) is None
    card = coach_card(html(client.get(f"/objectives/{good.pk}/")))
    assert not rules_in(card) and "Nothing to flag" in card
    typed_in = login(Client(), world.lena).post(
        "/objectives/lint/",
        typed(
            "Our customers love our onboarding",
            NPS_KR,
            TTV_KR,
            owner=f"team:{world.growth.pk}",
            cycle=str(world.cycle.pk),
            parents=str(good.parents.get().pk),
        ),
    )
    assert not rules_in(html(typed_in)) and "Nothing to flag" in html(typed_in)


def test_an_unaligned_team_objective_is_noted_beside_the_company_objectives(world, frozen):
    good = good_okr(world)
    Alignment.objects.filter(child=good).delete()

    found = findings_by_objective(world.org, selectors.objectives(world.org.pk))

    assert [f.rule for f in found[good.pk]] == ["unaligned-team-objective"]


# --- findings about an owner's whole set ------------------------------------------------------


def test_too_many_objectives_shows_on_each_of_the_owners_objectives_and_once_in_the_report(
    world, frozen
):
    objectives = [
        make_objective(world.cycle, person=world.mo, title=title)
        for title in ["Run well", "Read more", "Cook at home", "Sleep better", "Learn Greek"]
    ]
    for objective in objectives:
        make_kr(objective, "Evenings with it from 1 to 4 a week", "1", "4")
        make_kr(objective, "Friends joining from 0 to 2", "0", "2")
    client = login(Client(), world.vic)

    board = html(client.get("/okrs/"))
    report = html(client.get("/okrs/coach/"))

    for objective in objectives:
        assert "More than 4 objectives for one owner" in (badge(board, objective) or "")
    sections = report.split("</table>", 1)[1]  # after the counts per rule
    assert sections.count('data-rule="too-many-objectives"') == 1
    assert "Mo (personal)" in report


def test_report_looks_back_at_earlier_cycles(world, frozen):
    """Aspirational objectives fully met two cycles running: the bar was set too low."""
    for quarter, start in [("2026-Q2", dt.date(2026, 4, 1)), ("2026-Q3", dt.date(2026, 7, 1))]:
        earlier = Cycle.objects.create(
            organization=world.org,
            name=quarter,
            start=start,
            end=start + dt.timedelta(days=90),
            state=CycleState.CLOSED,
        )
        make_objective(earlier, team=world.growth, title=f"Delight users {quarter}", progress=1.0)
    good_okr(world)

    report = html(login(Client(), world.vic).get(f"/okrs/cycle/{world.cycle.pk}/coach/"))

    assert 'data-rule="always-perfect-score"' in report
    assert selectors.owner_history(world.org.pk, world.cycle) == {"team:growth": (1.0, 1.0)}


# --- the report -------------------------------------------------------------------------------


def test_report_groups_the_cycles_findings_by_team_and_counts_them_per_rule(demo):
    client = demo_client()
    cycle = Cycle.objects.get(organization=demo, name="2026-Q4")

    current = client.get("/okrs/coach/")
    by_url = client.get(f"/okrs/cycle/{cycle.pk}/coach/")

    assert current.status_code == by_url.status_code == 200
    page = html(current)
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(page).group(0) == main.search(html(by_url)).group(0)  # type: ignore[union-attr]
    sales = re.search(
        r'<section class="card"[^>]*data-testid="coach-section">\s*<h2[^>]*>Sales'
        r".*?</section>",
        page,
        re.S,
    )
    assert sales and KPI in rules_in(sales.group(0)) and "Increase revenue" in sales.group(0)
    counts = re.search(r'<tr data-rule="kpi-in-okr-format".*?</tr>', page, re.S)
    assert counts and re.search(r"<td>1</td>", counts.group(0))
    assert "Become the app small teams" not in page  # nothing to say about it


def test_report_of_another_organizations_cycle_is_not_found(world):
    response = login(Client(), world.alice).get(f"/okrs/cycle/{world.other_cycle.pk}/coach/")
    assert response.status_code == 404


# --- switching rules off ----------------------------------------------------------------------


def settings_form(*enabled: str) -> dict[str, Any]:
    return {"enabled": list(enabled)}


def test_switching_a_rule_off_removes_it_everywhere(demo):
    admin = demo_client("demo")
    others = [rule for rule in RULES if rule != KPI]
    objective = revenue(demo)

    response = admin.post("/okrs/coach/settings/", settings_form(*others))

    assert response.status_code == 302
    demo.refresh_from_db()
    assert demo.coach_disabled_rules == [KPI]
    event = AuditEvent.objects.get(action="organization.coach_rules")
    assert (event.before, event.after) == (
        {"coach_disabled_rules": []},
        {"coach_disabled_rules": [KPI]},
    )
    viewer = demo_client()
    board_badge = badge(html(viewer.get("/okrs/")), objective)
    assert board_badge is not None and RULES[KPI].title not in board_badge
    assert KPI not in rules_in(coach_card(html(viewer.get(f"/objectives/{objective.pk}/"))))
    assert KPI not in rules_in(
        html(viewer.post("/objectives/lint/", typed("Increase revenue", REVENUE_KR)))
    )
    report = html(viewer.get("/okrs/coach/"))
    assert f'data-rule="{KPI}"' in report  # only the count row, saying so
    assert KPI not in rules_in(report.split("</table>", 1)[1])
    assert re.search(rf'<tr data-rule="{KPI}".*?switched off', report, re.S)
    # And back on.
    admin.post("/okrs/coach/settings/", settings_form(*RULES))
    demo.refresh_from_db()
    assert demo.coach_disabled_rules == []


def test_settings_page_has_a_checkbox_per_rule_with_its_title_and_why(demo):
    set_coach_disabled_rules(Membership.objects.get(user__username="demo"), [KPI])
    page = html(demo_client("demo").get("/okrs/coach/settings/"))

    boxes = re.findall(r'<input type="checkbox" name="enabled" value="([^"]+)"([^>]*)>', page)
    assert [value for value, _ in boxes] == list(RULES)
    assert [value for value, attrs in boxes if "checked" not in attrs] == [KPI]
    for rule in RULES.values():
        assert rule.title in page
    assert RULES[KPI].why.split(";")[0] in page


@pytest.mark.parametrize("username", ["demo-omar", "demo-tom", "demo-vera"])
def test_only_an_admin_changes_the_rules(demo, username):
    client = demo_client(username)

    assert client.get("/okrs/coach/settings/").status_code == 403
    assert client.post("/okrs/coach/settings/", settings_form()).status_code == 403
    demo.refresh_from_db()
    assert demo.coach_disabled_rules == []
    assert not AuditEvent.objects.filter(action="organization.coach_rules").exists()


def test_the_service_checks_the_role_and_the_rule_ids(world):
    with pytest.raises(PermissionDenied):
        set_coach_disabled_rules(world.lena, [KPI])
    with pytest.raises(ValidationFailed) as failed:
        set_coach_disabled_rules(world.alice, [KPI, "no-such-rule"])
    assert "no-such-rule" in failed.value.errors["rule_ids"]
    world.org.refresh_from_db()
    assert world.org.coach_disabled_rules == []

    set_coach_disabled_rules(world.alice, ["objective-too-long", KPI, KPI])

    world.org.refresh_from_db()
    assert world.org.coach_disabled_rules == [KPI, "objective-too-long"]  # the rule book's order
    other = Organization.objects.get(pk=world.other_org.pk)
    assert other.coach_disabled_rules == []


def test_an_unknown_rule_in_the_form_is_refused_beside_the_field(world):
    response = login(Client(), world.alice).post(
        "/okrs/coach/settings/", settings_form("no-such-rule")
    )
    assert response.status_code == 422
    assert "no-such-rule" in html(response)


# --- the bridge -------------------------------------------------------------------------------


def test_objective_draft_reads_prefetched_rows_without_a_query(world, django_assert_num_queries):
    good = good_okr(world)
    KeyResult.objects.filter(objective=good).update(confidence=7)
    personal = make_objective(world.cycle, person=world.mo, title="Run a marathon")
    parent = good.parents.get()
    loaded = {o.pk: o for o in selectors.objectives(world.org.pk)}

    with django_assert_num_queries(0):
        draft = objective_draft(loaded[good.pk])
        mine = objective_draft(loaded[personal.pk])
        company = objective_draft(loaded[parent.pk])

    assert (draft.owner, draft.owner_is_team, draft.is_company, draft.aligned) == (
        "team:growth",
        True,
        False,
        True,
    )
    assert (mine.owner, mine.owner_is_team, mine.aligned) == ("person:mo", False, False)
    assert company.is_company and not company.aligned
    first = draft.key_results[0]
    assert (first.start, first.target, first.result_type, first.confidence) == (
        32.0,
        55.0,
        "outcome",
        7,
    )
    assert draft.key_results[1].direction == "decrease"


def test_cycle_week_counts_from_the_first_day():
    cycle = Cycle(start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
    assert cycle_week(cycle, dt.date(2026, 9, 30)) is None
    assert cycle_week(cycle, dt.date(2026, 10, 1)) == 1
    assert cycle_week(cycle, dt.date(2026, 10, 7)) == 1
    assert cycle_week(cycle, dt.date(2026, 10, 8)) == 2
    assert cycle_week(cycle, TODAY) == 8


def test_full_confidence_in_week_one_is_noted_for_the_owner(world):
    good = good_okr(world)
    make_kr(good, "Customers onboarded in a day from 10% to 40%", "10", "40")
    KeyResult.objects.filter(objective=good).update(confidence=10)
    objectives = list(selectors.objectives(world.org.pk))

    week_one = coach_objectives(world.org, objectives, today=dt.date(2026, 10, 2))
    week_two = coach_objectives(world.org, objectives, today=dt.date(2026, 10, 9))

    assert [f.rule for f in week_one.by_owner["team:growth"]] == ["overconfident-week-one"]
    assert "team:company" not in week_one.by_owner  # its key results have no check-in yet
    assert week_two.by_owner == {}
    assert week_one.by_objective[good.pk] == []


def test_typed_input_is_read_as_it_stands():
    draft = lint_draft_input(
        {
            "title": "  Increase revenue ",
            "key_results": [
                {"title": "10% more revenue", "start": "abc", "target": "1,000.5"},
                {"title": "NPS from 32 to 55", "start": Decimal("32"), "target": 55, "kind": "x"},
            ],
            "kind": "committed",
            "aligned": "yes",
        }
    )

    assert draft.title == "Increase revenue"
    assert draft.kind == "committed" and draft.aligned is False
    assert [(kr.start, kr.target) for kr in draft.key_results] == [(None, 1000.5), (32.0, 55.0)]
    assert draft.key_results[1].kind == "metric"
