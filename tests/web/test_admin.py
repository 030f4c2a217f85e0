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
