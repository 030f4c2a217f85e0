"""The API tokens page: make one (its secret shown once), see them, revoke one; admins revoke
anyone's. Each token made here is tried against the real API."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken
from headway.orgs.services import create_token
from tests.factories import World, login, make_member

URL = "/account/tokens/"


def secret_on(html: str) -> str:
    match = re.search(r'id="new-secret"[^>]*value="(hw_[^"]+)"', html)
    assert match, "no secret on the page"
    return match.group(1)


def api_status(secret: str, method: str = "get", path: str = "/cycles", **kwargs: object) -> int:
    response = getattr(Client(), method)(
        f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs
    )
    return int(response.status_code)


def queries(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries), response.content.decode()


def test_a_token_made_on_the_page_works_and_its_secret_is_shown_once(
    world: World, client: Client
) -> None:
    login(client, world.mo)

    made = client.post(URL, {"name": "warehouse sync", "scope": "write"})
    html = made.content.decode()
    secret = secret_on(html)
    first_use = api_status(secret)
    again = client.get(URL).content.decode()

    assert made.status_code == 201
    assert "no-store" in made["Cache-Control"]
    token = ApiToken.objects.get(membership=world.mo)
    assert (token.name, token.scope, token.prefix) == ("warehouse sync", "write", secret[:10])
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()  # only a digest is kept
    assert secret not in str(list(ApiToken.objects.values())) + str(
        list(AuditEvent.objects.values("before", "after"))
    )
    assert first_use == 200
    assert secret not in again and secret[:10] in again  # listed by its first characters only
    assert "Never" not in again  # the API call above stamped its last use
    assert AuditEvent.objects.filter(action="token.create", object_id=str(token.pk)).exists()


def test_a_read_only_token_reads_and_writes_nothing(world: World, client: Client) -> None:
    login(client, world.alice)

    secret = secret_on(client.post(URL, {"name": "dashboard", "scope": "read"}).content.decode())

    assert api_status(secret) == 200
    assert (
        api_status(
            secret, "post", "/tokens", data={"name": "more"}, content_type="application/json"
        )
        == 403
    )
    assert ApiToken.objects.filter(membership=world.alice).count() == 1


def test_the_form_starts_read_only_and_a_viewer_may_make_a_token(
    world: World, client: Client
) -> None:
    login(client, world.vic)

    page = client.get(URL).content.decode()
    made = client.post(URL, {"name": "reports", "scope": "read"})

    assert re.search(r'<option value="read"[^>]*selected', page)
    assert made.status_code == 201
    assert ApiToken.objects.filter(membership=world.vic, scope="read").exists()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "  ", "scope": "read"}, "name", "This field is required."),
        ({"name": "x" * 101, "scope": "read"}, "name", "at most 100 characters"),
        ({"name": "ok", "scope": "admin"}, "scope", "Select a valid choice."),
        ({"name": "ok"}, "scope", "This field is required."),
    ],
)
def test_a_refused_form_says_why_beside_the_field_and_keeps_what_was_typed(
    world: World, client: Client, data: dict[str, str], field: str, message: str
) -> None:
    login(client, world.mo)

    response = client.post(URL, data)
    html = response.content.decode()

    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="id_{field}_error">([^<]+)</p>', html)
    assert error and message in error.group(1)
    if data.get("name", "").strip():
        assert f'value="{data["name"]}"' in html
    assert not ApiToken.objects.exists()
    assert 'id="new-secret"' not in html


def test_revoking_asks_first_then_the_token_stops_working(world: World, client: Client) -> None:
    token, secret = create_token(membership=world.mo, name="laptop")
    login(client, world.mo)

    ask = client.get(f"{URL}{token.pk}/revoke/")
    assert ask.status_code == 200 and "Revoke the token laptop?" in ask.content.decode()
    assert api_status(secret) == 200  # asking changes nothing

    done = client.post(f"{URL}{token.pk}/revoke/")
    twice = client.post(f"{URL}{token.pk}/revoke/", follow=True)

    token.refresh_from_db()
    assert done.status_code == 302 and done["Location"] == URL
    assert token.revoked_at is not None
    assert api_status(secret) == 401
    assert "was revoked already" in twice.content.decode()
    asked_again = client.get(f"{URL}{token.pk}/revoke/").content.decode()
    assert "The token laptop is revoked" in asked_again and "Revoke the token" not in asked_again
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(token.pk)).count() == 1
    listed = client.get(URL).content.decode()
    assert re.search(r'id="token-\d+".*?Revoked', listed, re.S)
    assert f'href="{URL}{token.pk}/revoke/"' not in listed


def test_only_an_admin_revokes_another_persons_token(world: World, client: Client) -> None:
    token, secret = create_token(membership=world.mo, name="mo's script")

    lead = login(Client(), world.lena)
    assert lead.get(f"{URL}{token.pk}/revoke/").status_code == 403
    assert lead.post(f"{URL}{token.pk}/revoke/").status_code == 403
    assert "mo's script" not in lead.get(URL).content.decode().replace("&#x27;", "'")
    assert api_status(secret) == 200

    admin = login(client, world.alice)
    listed = admin.get(URL).content.decode()
    assert 'data-testid="others-tokens"' in listed and f'id="token-{token.pk}"' in listed
    assert "Account deactivated" not in listed
    world.mo.user.is_active = False
    world.mo.user.save()
    assert "Account deactivated" in admin.get(URL).content.decode()  # refused, still revocable
    assert admin.post(f"{URL}{token.pk}/revoke/").status_code == 302
    assert api_status(secret) == 401
    assert f'id="token-{token.pk}"' not in admin.get(URL).content.decode()  # working ones only


def test_another_organizations_token_is_not_found(world: World, client: Client) -> None:
    theirs, secret = create_token(membership=world.oscar, name="globex")
    login(client, world.alice)

    assert client.get(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert "globex" not in client.get(URL).content.decode()
    assert api_status(secret) == 200


def test_the_page_needs_sign_in_and_is_linked_from_every_page(world: World, client: Client) -> None:
    assert client.get(URL).status_code == 302
    login(client, world.mo)
    assert f'href="{URL}"' in client.get("/").content.decode()


def test_query_counts_stay_the_same_however_many_tokens(world: World, client: Client) -> None:
    for n in range(2):
        create_token(membership=world.mo, name=f"mo {n}")
    create_token(membership=world.alice, name="alice's")
    login(client, world.alice)
    admin_few, _ = queries(client, URL)
    member_few, _ = queries(login(Client(), world.mo), URL)

    for n in range(60):
        who = make_member(world.org, f"someone{n}", Role.MEMBER) if n < 5 else world.mo
        create_token(membership=who, name=f"more {n}")
    admin_many, html = queries(client, URL)
    member_many, _ = queries(login(Client(), world.mo), URL)

    assert (admin_few, member_few) == (admin_many, member_many) == (5, 4)
    assert 'data-testid="tokens-pager"' in html  # 60 more: a page of 50 shown
