"""Security settings and defences: deploy checks, CSRF, CSP, API tokens, sign-in limits, secrets,
and what JSON data sources may reach."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import http.server
import importlib.util
import ipaddress
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from headway import outbound
from headway import settings as settings_module
from headway.api.main import api
from headway.demo import DEMO_PASSWORD, DEMO_USERNAME, load_demo
from headway.kpis.models import DataSource, Kpi
from headway.kpis.sources import json_url, runner
from headway.kpis.sources.base import SourceError
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, SignInFailure
from headway.orgs.services import create_token
from headway.web.security import CONTENT_SECURITY_POLICY
from tests.factories import (
    PASSWORD,
    World,
    login,
    make_kpi,
    make_kr,
    make_member,
    make_objective,
)

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "headway"
SETTINGS_FILE = SRC / "settings.py"
NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)


# --- settings: production, deploy checks, secrets ------------------------------------------------


def load_settings(tmp_path: Path, **env: str) -> types.ModuleType:
    """A fresh copy of settings.py evaluated with exactly ``env`` (plus a data folder)."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({"HEADWAY_DATA_DIR": str(tmp_path / "data"), **env})
    try:
        spec = importlib.util.spec_from_file_location("headway_settings_copy", SETTINGS_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        os.environ.clear()
        os.environ.update(saved)


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "headway.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **extra,
    }


def manage_check_deploy(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "VIRTUAL_ENV"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**keep, "HEADWAY_DATA_DIR": str(tmp_path / "data"), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = manage_check_deploy(tmp_path, production_env(tmp_path))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output and "?: (" not in output, output
    assert "no issues" in output


def test_check_deploy_flags_the_development_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage_check_deploy(tmp_path, env)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "headway.W001" in output
    # Without a real key nothing else says "production": cookies and HSTS are flagged too.
    assert "security.W012" in output and "security.W004" in output


def test_production_settings_are_strict(tmp_path: Path) -> None:
    prod = load_settings(tmp_path, **production_env(tmp_path))
    assert prod.PRODUCTION is True and prod.DEBUG is False
    assert prod.SESSION_COOKIE_SECURE and prod.CSRF_COOKIE_SECURE and prod.CSRF_COOKIE_HTTPONLY
    assert prod.SECURE_SSL_REDIRECT is True
    assert prod.SECURE_HSTS_SECONDS == 365 * 24 * 3600
    assert prod.SECURE_HSTS_INCLUDE_SUBDOMAINS is True and prod.SECURE_HSTS_PRELOAD is False
    assert prod.SECURE_REFERRER_POLICY == "same-origin"
    assert not hasattr(prod, "SECURE_PROXY_SSL_HEADER")
    assert "headway.web.security.ContentSecurityPolicyMiddleware" in prod.MIDDLEWARE

    tuned = load_settings(
        tmp_path,
        **production_env(tmp_path, HSTS_SECONDS="600", BEHIND_PROXY="1", HSTS_PRELOAD="1"),
    )
    assert tuned.SECURE_HSTS_SECONDS == 600 and tuned.SECURE_HSTS_PRELOAD is True
    assert tuned.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    assert tuned.SILENCED_SYSTEM_CHECKS == []


@pytest.mark.django_db
def test_production_redirects_plain_http_but_not_the_health_probe(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True  # as in production; the client builds its middleware anew
    client = Client()
    page = client.get("/sign-in/")
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/sign-in/"
    assert client.get("/health").status_code == 200
    assert client.get("/sign-in/", secure=True).status_code == 200


def test_local_run_stays_on_plain_http(tmp_path: Path) -> None:
    """`make run` sets no key: the fallback key, no https redirect, cookies over http."""
    local = load_settings(tmp_path)
    assert local.SECRET_KEY == local.DEVELOPMENT_SECRET_KEY and local.PRODUCTION is False
    assert not local.SECURE_SSL_REDIRECT and not local.SESSION_COOKIE_SECURE
    assert local.SECURE_HSTS_SECONDS == 0
    debug = load_settings(tmp_path, DEBUG="1", SECRET_KEY="x" * 60)
    assert debug.PRODUCTION is False and not debug.SECURE_SSL_REDIRECT


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    values = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": "postgres://headway:s3cret@db.internal:5432/headway",
        "HUEY_REDIS_URL": "redis://:hunter2@redis.internal:6379/0",
        "EMAIL_HOST_PASSWORD": "smtp-password-from-a-file",
        "EMAIL_HOST_USER": "mailer",
    }
    env = {}
    for name, value in values.items():
        path = tmp_path / f"{name.lower()}.txt"
        path.write_text(value + "\n")  # the trailing new line of `echo > file` is dropped
        env[f"{name}_FILE"] = str(path)
    loaded = load_settings(tmp_path, **env)
    assert values["SECRET_KEY"] == loaded.SECRET_KEY
    assert loaded.DATABASES["default"]["PASSWORD"] == "s3cret"
    assert loaded.DATABASES["default"]["HOST"] == "db.internal"
    assert loaded.HUEY["url"] == values["HUEY_REDIS_URL"]
    assert values["EMAIL_HOST_PASSWORD"] == loaded.EMAIL_HOST_PASSWORD
    assert loaded.EMAIL_HOST_USER == "mailer"
    assert loaded.PRODUCTION is True


SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|REDIS|DATABASES|SQL_SOURCES", re.IGNORECASE)


def test_no_secret_is_written_in_the_settings() -> None:
    """Every setting that can hold a secret is read with env(); the only literal is the
    public development key, which PRODUCTION and check --deploy both recognise."""
    tree = ast.parse(SETTINGS_FILE.read_text())
    checked = []
    for node in tree.body:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if not isinstance(target, ast.Name) or not SECRET_NAME.search(target.id):
                continue
            if target.id in {"DEVELOPMENT_SECRET_KEY", "AUTH_PASSWORD_VALIDATORS"}:
                continue
            calls = [
                n.func.id
                for n in ast.walk(node.value)
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
            ]
            assert "env" in calls, f"{target.id} is not read from the environment"
            checked.append(target.id)
    assert {"SECRET_KEY", "EMAIL_HOST_PASSWORD", "DATABASES", "_huey_redis"} <= set(checked)
    source = SETTINGS_FILE.read_text()
    assert re.findall(r'"[^"]*://[^"]*:[^"@]*@', source) == [], "a URL with a password"


# --- CSRF on every form ----------------------------------------------------------------------


class PageParser(HTMLParser):
    """Forms, links, scripts and inline styles of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self.htmx_writes = 0
        self.body_headers = ""
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self.style_attributes = 0
        self.style_elements = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.handlers += [k for k in a if k.startswith("on")]
        self.style_attributes += "style" in a
        if any(k in a for k in ("hx-post", "hx-put", "hx-patch", "hx-delete")):
            self.htmx_writes += 1
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "body":
            self.body_headers = a.get("hx-headers", "")
        elif tag == "form":
            self.forms.append({"method": a.get("method", "get").lower(), "fields": set()})
        elif tag == "input" and self.forms:
            self.forms[-1]["fields"].add(a.get("name", ""))
        elif tag == "script":
            if not a.get("src") and a.get("type") != "application/json":
                self.inline_scripts += 1
        elif tag == "style":
            self.style_elements += 1


SKIP = re.compile(r"^/(admin|api|static|assets)/|/sign-out/|\.(pdf|png|csv|svg|json|yaml)$|/export")


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@pytest.fixture
def demo(db: None) -> Client:
    with time_machine.travel(NOW, tick=False):
        load_demo(today=NOW.date())
    client = Client()
    assert client.login(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    return client


def crawl(client: Client, start: str = "/", per_shape: int = 2) -> dict[str, PageParser]:
    """Every page reachable by links from ``start``, two of each URL shape (/kpis/N/ ...)."""
    pages: dict[str, PageParser] = {}
    seen_shapes: dict[str, int] = {}
    queue = [start]
    while queue:
        path = queue.pop(0)
        if path in pages or seen_shapes.get(_shape(path), 0) >= per_shape:
            continue
        seen_shapes[_shape(path)] = seen_shapes.get(_shape(path), 0) + 1
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        parser = PageParser()
        parser.feed(response.content.decode())
        pages[path] = parser
        for href in parser.links:
            url = urlparse(urljoin(path, href))
            if url.netloc or not url.path.startswith("/") or SKIP.search(url.path):
                continue
            queue.append(url.path + (f"?{url.query}" if url.query else ""))
    return pages


def test_every_page_form_carries_the_csrf_token_and_the_policy_holds(demo: Client) -> None:
    with time_machine.travel(NOW, tick=False):
        pages = crawl(demo)
    post_forms = sum(1 for p in pages.values() for f in p.forms if f["method"] == "post")
    # The demo reaches the main areas: a crawl that stopped early would prove little.
    assert len(pages) >= 40 and post_forms >= 40, (len(pages), post_forms)
    for path, page in pages.items():
        for form in page.forms:
            if form["method"] == "post":
                assert "csrfmiddlewaretoken" in form["fields"], path
        if page.htmx_writes:
            headers = json.loads(page.body_headers)
            assert len(headers["X-CSRFToken"]) >= 32, path
        # The policy allows no inline script, handler attribute or inline style.
        assert page.inline_scripts == 0, path
        assert page.handlers == [], (path, page.handlers)
        assert page.style_attributes == 0 and page.style_elements == 0, path


def test_posts_without_the_csrf_token_are_refused(world: World) -> None:
    objective = make_objective(world.cycle, team=world.growth)
    kr = make_kr(objective, owner=world.mo)
    kpi = make_kpi(world.org)
    client = login(Client(enforce_csrf_checks=True), world.alice)
    targets = [
        (reverse("web:logout"), {}),
        (reverse("web:switch-organization"), {"organization": str(world.org.pk)}),
        (reverse("okrs:checkin", args=[kr.pk]), {"value": "40", "confidence": "7"}),
        (reverse("kpis:measurement-add", args=[kpi.pk]), {"period": "2026-10", "value": "3"}),
        (reverse("web:password-change"), {"old_password": PASSWORD}),
    ]
    for url, data in targets:
        assert client.post(url, data).status_code == 403, url
        # The same with htmx's header but a wrong token.
        refused = client.post(url, data, HTTP_X_CSRFTOKEN="x" * 64, HTTP_HX_REQUEST="true")
        assert refused.status_code == 403, url
    assert (
        Client(enforce_csrf_checks=True)
        .post(reverse("web:login"), {"username": "alice", "password": PASSWORD})
        .status_code
        == 403
    )
    # ...and the page itself still works with the token it hands out.
    page = client.get(reverse("web:home"))
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)
    assert token is not None
    done = client.post(reverse("web:logout"), {"csrfmiddlewaretoken": token.group(1).decode()})
    assert done.status_code == 302


# --- Content-Security-Policy ------------------------------------------------------------------


def test_the_policy_is_strict_and_sent_with_html_only(world: World) -> None:
    policy = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'self'" and policy["form-action"] == "'self'"
    assert policy["default-src"] == "'self'" and policy["img-src"] == "'self' data:"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    client = Client()
    assert client.get(reverse("web:login"))["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "Content-Security-Policy" not in client.get(reverse("web:health"))
    assert client.get("/api/v1/docs")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


TEMPLATES = sorted(SRC.glob("*/templates/**/*.html"))
# Rendered to PDF by WeasyPrint, never by a browser: the policy does not apply to them.
PDF_TEMPLATES = {"report_pdf.html", "xmatrix_page_pdf.html"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_have_no_inline_script_handler_or_style(template: Path) -> None:
    text = re.sub(r"\{#.*?#\}", "", template.read_text())  # comments may name what they avoid
    for tag in re.findall(r"<script\b[^>]*>", text):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", text), "an on*= handler"
    assert not re.search(r"javascript:", text, re.IGNORECASE)
    if template.name not in PDF_TEMPLATES:
        assert "<style" not in text and not re.search(r"\sstyle=", text)


def test_the_templates_were_found() -> None:
    assert len(TEMPLATES) > 50


# --- API tokens: hashed, scoped, revocable ----------------------------------------------------


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_tokens_are_stored_as_digests_only(world: World) -> None:
    token, secret = create_token(membership=world.mo, name="ci", scope="read")
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["digest"] == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(value) for value in row.values())
    assert len(row["prefix"]) < len(secret) // 3
    listed = Client().get("/api/v1/tokens", **bearer(secret)).json()  # type: ignore[arg-type]
    assert secret not in json.dumps(listed) and listed["items"][0]["prefix"] == row["prefix"]
    # A token that only matches the prefix, or the stored digest itself, is not a token.
    for fake in (row["prefix"] + "x" * 30, row["digest"], "hw_" + row["digest"]):
        assert Client().get("/api/v1/objectives", **bearer(fake)).status_code == 401  # type: ignore[arg-type]


def _write_operations() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()
    out = []
    for path, methods in schema["paths"].items():
        for method in methods:
            if method in {"post", "put", "patch", "delete"}:
                out.append((method, re.sub(r"\{[^}]+\}", "1", path)))
    return out


def test_a_read_token_is_refused_on_every_write(world: World) -> None:
    _, read = create_token(membership=world.alice, name="read", scope="read")
    _, write = create_token(membership=world.alice, name="write", scope="write")
    operations = _write_operations()
    assert len(operations) >= 50
    client = Client()
    allowed = []
    for method, path in operations:
        response = getattr(client, method)(
            path, data="{}", content_type="application/json", **bearer(read)
        )
        if path == "/api/v1/lint":  # checks a draft, writes nothing
            allowed.append(path)
            assert response.status_code == 422, response.content
            continue
        assert response.status_code == 403, (method, path, response.status_code)
        assert response.json() == {"detail": "this token is read-only"}
    assert allowed == ["/api/v1/lint"]
    # The same token reads, and a write token writes.
    assert client.get("/api/v1/objectives", **bearer(read)).status_code == 200  # type: ignore[arg-type]
    created = client.post(
        "/api/v1/teams",
        data={"name": "Platform", "slug": "platform"},
        content_type="application/json",
        **bearer(write),  # type: ignore[arg-type]
    )
    assert created.status_code == 201, created.content


def test_a_revoked_token_is_refused(world: World) -> None:
    token, secret = create_token(membership=world.mo, name="laptop", scope="write")
    client = Client()
    assert client.get("/api/v1/objectives", **bearer(secret)).status_code == 200  # type: ignore[arg-type]
    revoked = client.delete(f"/api/v1/tokens/{token.pk}", **bearer(secret))  # type: ignore[arg-type]
    assert revoked.status_code == 204
    for method in ("get", "post"):
        answer = getattr(client, method)("/api/v1/objectives", **bearer(secret))
        assert answer.status_code == 401 and "detail" in answer.json()
    token.refresh_from_db()
    assert token.revoked_at is not None
    # Another member cannot revoke mo's token; another organization does not even see it.
    _, other = create_token(membership=world.oscar, name="x", scope="write")
    _, mine = create_token(membership=world.mo, name="y", scope="write")
    mine_id = ApiToken.objects.get(name="y").pk
    assert client.delete(f"/api/v1/tokens/{mine_id}", **bearer(other)).status_code == 404  # type: ignore[arg-type]
    assert client.get("/api/v1/objectives", **bearer(mine)).status_code == 200  # type: ignore[arg-type]


# --- Sign-in attempts ------------------------------------------------------------------------


def attempt(client: Client, username: str, password: str, address: str = "10.0.0.1") -> Any:
    return client.post(
        reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_five_failures_refuse_the_username_without_checking_the_password(world: World) -> None:
    client = Client()
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(5):
            assert attempt(client, "mo", "wrong").status_code == 200
        refused = attempt(client, "MO", PASSWORD)  # the right password, any case
        assert refused.status_code == 429
        assert b"Too many failed sign-in attempts" in refused.content
        assert "_auth_user_id" not in client.session
        # The admin's sign-in is refused too, and no attempt is counted while refused.
        admin = client.post(
            "/admin/login/", {"username": "mo", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
        )
        assert admin.status_code == 200 and "_auth_user_id" not in client.session
        assert SignInFailure.objects.filter(username="mo").count() == 5
        # Someone else from the same address is not affected.
        assert attempt(client, "lena", PASSWORD).status_code == 302
        # 15 minutes after the first failure the username may try again.
        clock.shift(dt.timedelta(minutes=15, seconds=1))
        assert attempt(Client(), "mo", PASSWORD).status_code == 302


def test_a_success_resets_the_usernames_count(world: World) -> None:
    with time_machine.travel(NOW, tick=False):
        for _ in range(4):
            attempt(Client(), "mo", "wrong")
        assert attempt(Client(), "mo", PASSWORD).status_code == 302
        assert not SignInFailure.objects.filter(username="mo").exists()
        for _ in range(4):
            attempt(Client(), "mo", "wrong")
        assert attempt(Client(), "mo", PASSWORD).status_code == 302


def test_an_address_is_limited_across_usernames(world: World) -> None:
    with time_machine.travel(NOW, tick=False):
        for n in range(20):
            assert attempt(Client(), f"guess{n}", "wrong", "203.0.113.7").status_code == 200
        assert attempt(Client(), "alice", PASSWORD, "203.0.113.7").status_code == 429
        assert attempt(Client(), "alice", PASSWORD, "203.0.113.8").status_code == 302


def test_behind_a_proxy_the_forwarded_address_counts(world: World, settings: Any) -> None:
    settings.BEHIND_PROXY = True
    with time_machine.travel(NOW, tick=False):
        for _ in range(20):
            Client().post(
                reverse("web:login"),
                {"username": "nobody", "password": "x"},
                HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9",
                REMOTE_ADDR="10.0.0.2",
            )
        assert set(SignInFailure.objects.values_list("address", flat=True)) == {"198.51.100.9"}
        # A garbled header falls back to the connection's address instead of failing.
        garbled = Client().post(
            reverse("web:login"),
            {"username": "someone", "password": "x"},
            HTTP_X_FORWARDED_FOR="not-an-address",
            REMOTE_ADDR="10.0.0.3",
        )
        assert garbled.status_code == 200
        assert SignInFailure.objects.filter(address="10.0.0.3").count() == 1
        assert attempt(Client(), "alice", PASSWORD, "10.0.0.2").status_code == 302


# --- JSON data sources: which hosts, and who sees the URL -------------------------------------


class JsonServer:
    def __init__(self) -> None:
        routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.routes = routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, headers, body = routes.get(self.path, (404, {}, b"{}"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture
def json_server() -> Iterator[JsonServer]:
    server = JsonServer()
    server.routes["/total"] = (200, {}, b'{"total": 42}')
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.mark.skipif(
    bool({"HEADWAY_SOURCE_HOSTS", "HEADWAY_WEBHOOK_HOSTS"} & set(os.environ)),
    reason="the environment sets an allow-list: the defaults are not in force",
)
def test_the_outbound_allow_lists_default_to_public_addresses() -> None:
    # Read off the settings module itself: the tests' fixture widens the webhooks' one.
    assert settings_module.HEADWAY_SOURCE_HOSTS == ["*"]
    assert settings_module.HEADWAY_WEBHOOK_HOSTS == ["*"]


def test_an_ipv6_address_carrying_an_ipv4_one_is_judged_by_it() -> None:
    public, metadata = "8.8.8.8", "169.254.169.254"
    for wrapped in ("::ffff:{}", "64:ff9b::{}"):
        assert outbound.allowed_address(ipaddress.ip_address(wrapped.format(public)), ["*"])
        assert not outbound.allowed_address(ipaddress.ip_address(wrapped.format(metadata)), ["*"])
    assert not outbound.allowed_address(ipaddress.ip_address("64:ff9b::7f00:1"), ["*"])
    assert outbound.allowed_address(ipaddress.ip_address("2001:4860:4860::8888"), ["*"])
    # Named, an internal address is allowed, wrapped or not.
    assert outbound.allowed_address(ipaddress.ip_address("64:ff9b::a9fe:a9fe"), ["64:ff9b::/96"])


def test_internal_addresses_are_refused_by_default(json_server: JsonServer, settings: Any) -> None:
    settings.HEADWAY_SOURCE_HOSTS = ["*"]
    for url in (
        f"http://127.0.0.1:{json_server.port}/total",
        f"http://localhost:{json_server.port}/total",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://[::1]/",
        "http://0.0.0.0/",
    ):
        with pytest.raises(SourceError, match="not a host data sources may reach"):
            json_url.download(url, timeout=2)
    # Public addresses are allowed (checked without connecting anywhere).
    assert outbound.allowed_addresses(
        "8.8.8.8", 443, ["*"], what="data sources", setting=json_url.SETTING
    ) == [("8.8.8.8", 443)]


def test_the_allowlist_names_hosts_addresses_and_networks(json_server: JsonServer) -> None:
    url = f"http://127.0.0.1:{json_server.port}/total"
    for hosts in (["127.0.0.1"], ["127.0.0.0/8"], ["*", "127.0.0.1"]):
        assert json_url.download(url, timeout=2, hosts=hosts) == {"total": 42}
    by_name = f"http://localhost:{json_server.port}/total"
    assert json_url.download(by_name, timeout=2, hosts=["localhost"]) == {"total": 42}
    assert json_url.download(by_name, timeout=2, hosts=["*.localhost", "LOCALHOST."]) == {
        "total": 42
    }
    with pytest.raises(SourceError):
        json_url.download(url, timeout=2, hosts=["localhost", "10.0.0.0/8", "*.0.0.1"])
    # Wildcards name subdomains only, and only host names (no DNS here: the pure matcher).
    assert outbound.allowed_by_name("api.example.com", ["*.example.com"])
    assert not outbound.allowed_by_name("example.com.evil.test", ["*.example.com"])
    assert not outbound.allowed_by_name("badexample.com", ["*.example.com"])


def test_a_redirect_to_a_host_not_allowed_is_refused(json_server: JsonServer) -> None:
    inside = f"http://127.0.0.1:{json_server.port}/total"
    json_server.routes["/hop"] = (302, {"Location": inside}, b"")
    json_server.routes["/self"] = (302, {"Location": "/total"}, b"")
    start = f"http://localhost:{json_server.port}"
    with pytest.raises(SourceError, match=r"127\.0\.0\.1 is not a host"):
        json_url.download(start + "/hop", timeout=2, hosts=["localhost"])
    assert json_url.download(start + "/self", timeout=2, hosts=["localhost"]) == {"total": 42}


def test_status_messages_leave_out_keys_in_the_url(
    world: World, json_server: JsonServer, settings: Any
) -> None:
    settings.HEADWAY_SOURCE_HOSTS = ["127.0.0.1"]
    kpi = make_kpi(world.org)
    source = DataSource.objects.create(
        organization=world.org,
        kpi=kpi,
        name="Gone",
        kind="json",
        url=f"http://user:pw@127.0.0.1:{json_server.port}/missing?api_key=SECRET123",
        path="total",
    )
    with time_machine.travel(NOW, tick=False):
        runner.run_source(source, NOW)
        source.refresh_from_db()
        assert source.last_status == "error" and "SECRET123" not in source.last_message
        assert "pw" not in source.last_message
        source.url = f"http://127.0.0.1:{json_server.port}/missing?api_key=SECRET123"
        source.save()
        runner.run_source(source, NOW)
    source.refresh_from_db()
    assert (
        source.last_message
        == f"HTTP 404 Not Found from http://127.0.0.1:{json_server.port}/missing"
    )


def test_only_the_kpis_editors_see_a_source_url(world: World) -> None:
    kpi: Kpi = make_kpi(world.org, owner=world.mo)
    DataSource.objects.create(
        organization=world.org,
        kpi=kpi,
        name="Signups",
        kind="json",
        url="https://metrics.example.com/signups?token=SECRET123",
        path="total",
    )
    page = reverse("kpis:kpi", args=[kpi.pk])
    api_path = f"/api/v1/kpis/{kpi.pk}/sources"
    seen: dict[str, tuple[bool, bool]] = {}
    who: dict[str, Membership] = {"alice": world.alice, "mo": world.mo, "vic": world.vic}
    who["lena"] = world.lena
    who["nia"] = make_member(world.org, "nia", Role.MEMBER)
    for name, membership in who.items():
        client = login(Client(), membership)
        with time_machine.travel(NOW, tick=False):
            html = client.get(page).content.decode()
        _, secret = create_token(membership=membership, name="t", scope="read")
        listed = Client().get(api_path, **bearer(secret)).json()  # type: ignore[arg-type]
        assert "Signups" in html and listed["items"][0]["name"] == "Signups"
        seen[name] = ("SECRET123" in html, "SECRET123" in json.dumps(listed))
    # alice administers, mo owns the KPI and lena leads mo; vic views, nia is another member.
    assert seen == {
        "alice": (True, True),
        "mo": (True, True),
        "lena": (True, True),
        "vic": (False, False),
        "nia": (False, False),
    }


def test_the_sources_runner_uses_the_allowlist(world: World, json_server: JsonServer) -> None:
    kpi = make_kpi(world.org)
    source = DataSource.objects.create(
        organization=world.org,
        kpi=kpi,
        name="Loopback",
        kind="json",
        url=f"http://127.0.0.1:{json_server.port}/total",
        path="total",
    )
    with time_machine.travel(NOW, tick=False):
        runner.run_source(source, NOW)
    source.refresh_from_db()
    assert source.last_status == "error"
    assert "HEADWAY_SOURCE_HOSTS" in source.last_message
