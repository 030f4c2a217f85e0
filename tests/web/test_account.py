from __future__ import annotations

from headway.orgs.choices import Role
from headway.orgs.models import Membership
from tests.factories import PASSWORD


def test_password_change(world, client):
    client.login(username="mo", password=PASSWORD)

    wrong = client.post(
        "/account/password/", {"old_password": "nope", "new_password1": "x", "new_password2": "y"}
    )
    page = wrong.content.decode()
    right = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a much longer secret 42",
            "new_password2": "a much longer secret 42",
        },
    )

    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in page
    assert 'id="id_old_password_error"' in page  # the error sits beside its field
    assert right.status_code == 302 and right["Location"] == "/account/password/done/"
    world.mo.user.refresh_from_db()
    assert world.mo.user.check_password("a much longer secret 42")


def test_organization_switcher(world, client):
    Membership.objects.create(organization=world.other_org, user=world.mo.user, role=Role.VIEWER)
    client.login(username="mo", password=PASSWORD)

    assert "Acme" in client.get("/").content.decode()
    page = client.get("/").content.decode()
    assert 'name="organization"' in page and "Globex" in page
    client.post("/organization/", {"organization": world.other_org.pk})
    assert "<h1>Globex</h1>" in client.get("/").content.decode()
    # An organization one does not belong to is ignored.
    client.post("/organization/", {"organization": 999999})
    assert "<h1>Globex</h1>" in client.get("/").content.decode()


def test_vega_bundle_is_served_locally_and_cached(world, client):
    client.login(username="mo", password=PASSWORD)

    first = client.get("/assets/vega-embed.js")
    again = client.get("/assets/vega-embed.js", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/javascript")
    assert b"window.vegaEmbed" in first.content
    assert again.status_code == 304
