import pytest
from django.urls import reverse

from tests.factories import make_kpi, make_kr, make_objective

PAGES = [
    "orgs_organization",
    "orgs_team",
    "orgs_membership",
    "orgs_user",
    "orgs_apitoken",
    "okrs_cycle",
    "okrs_objective",
    "kpis_kpi",
    "audit_auditevent",
]


@pytest.mark.parametrize("page", PAGES)
def test_admin_pages_load(world, admin_client, page):
    make_kr(make_objective(world.cycle, team=world.growth))
    make_kpi(world.org)

    response = admin_client.get(reverse(f"admin:{page}_changelist"))

    assert response.status_code == 200


def test_admin_changes_are_audited_and_keep_roll_ups(world, admin_client):
    from headway.audit.models import AuditEvent
    from headway.okrs.models import Rollup

    objective = make_objective(world.cycle, team=world.growth)
    kr = make_kr(objective, start="0", target="10")
    url = reverse("admin:okrs_objective_change", args=[objective.pk])
    form = {
        "organization": world.org.pk,
        "cycle": world.cycle.pk,
        "title": "Renamed in admin",
        "description": "",
        "owner_team": world.growth.pk,
        "kind": "aspirational",
        "status": "active",
        "weight": "1",
        "position": "0",
        "key_results-TOTAL_FORMS": "1",
        "key_results-INITIAL_FORMS": "1",
        "key_results-MIN_NUM_FORMS": "0",
        "key_results-MAX_NUM_FORMS": "1000",
        "key_results-0-id": kr.pk,
        "key_results-0-objective": objective.pk,
        "key_results-0-title": kr.title,
        "key_results-0-kind": "metric",
        "key_results-0-start": "0",
        "key_results-0-target": "4",
        "key_results-0-direction": "increase",
        "key_results-0-weight": "1",
    }
    kr.current = 2
    kr.save()

    response = admin_client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin.update")
    assert event.before["title"] == "Our customers love our onboarding"
    assert event.after["title"] == "Renamed in admin"
    objective.refresh_from_db()
    # 2 of a new target of 4: progress 0.5, carried up to the team's roll-up.
    assert objective.progress == 0.5
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0.5


def test_the_kpi_admin_shows_the_evaluated_state_but_does_not_edit_it(world, admin_client):
    kpi = make_kpi(world.org, health="red", alert_state="alerting")
    page = admin_client.get(reverse("admin:kpis_kpi_change", args=[kpi.pk])).content.decode()
    assert "Alerting" in page
    assert 'name="alert_state"' not in page and 'name="health"' not in page
