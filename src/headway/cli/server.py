"""Running Headway: serve, worker, migrate, demo and createadmin."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Annotated

import typer

from headway.cli.common import (
    CliError,
    out,
    parse_date,
    print_org_summary,
    q,
    setup_django,
)

# --- serve ------------------------------------------------------------------------------------


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _browser_url(host: str, port: int) -> str:
    if host in {"0.0.0.0", "::", ""}:  # noqa: S104 - only shown, the bind is the user's choice
        host = "127.0.0.1"
    return f"http://{_bind_address(host, port)}/"


def _demo_sign_in() -> tuple[str, str] | None:
    from headway.demo import DEMO_PASSWORD, DEMO_USERNAME, demo_exists

    return (DEMO_USERNAME, DEMO_PASSWORD) if demo_exists() else None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the worker gets SIGTERM when the server process goes away."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _worker_argv(workers: int, *, periodic: bool = True) -> list[str]:
    argv = [sys.executable, "-m", "django", "run_huey", "--workers", str(workers)]
    return argv if periodic else [*argv, "--no-periodic"]


def _start_worker() -> None:
    """The background-job consumer (huey) as a child that outlives the exec into the server."""
    subprocess.Popen(  # noqa: S603 - this interpreter and fixed arguments
        _worker_argv(1),
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Gunicorn worker processes.")] = 2,
    dev: Annotated[
        bool, typer.Option("--dev", help="Django's auto-reloading development server (DEBUG on).")
    ] = False,
    with_worker: Annotated[
        bool, typer.Option("--with-worker", help="Also run the background-job worker.")
    ] = False,
) -> None:
    """Serve Headway with gunicorn (or Django's runserver with --dev)."""
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    call_command("collectstatic", interactive=False, verbosity=0)
    # Build the chart library once now, so no visitor waits for it on a first page.
    from headway.web.assets import vega_bundle

    vega_bundle()
    console = out()
    console.print(f"Headway is starting on [bold]{q(_browser_url(host, port))}[/]")
    sign_in = _demo_sign_in()
    if sign_in is not None:
        console.print(f"Demo sign-in: [bold]{q(sign_in[0])}[/] / [bold]{q(sign_in[1])}[/]")
    connections.close_all()
    if with_worker:
        _start_worker()
    bind = _bind_address(host, port)
    if dev:
        if not os.environ.get("DEBUG"):
            os.environ["DEBUG"] = "1"  # only for the server this process becomes
        argv = [sys.executable, "-m", "django", "runserver", bind]
    else:
        argv = [
            sys.executable, "-m", "gunicorn", "headway.wsgi:application",
            "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
        ]  # fmt: skip
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(argv[0], argv)  # noqa: S606 - replaces this process with the server


# --- worker -----------------------------------------------------------------------------------


def _queue_name() -> str:
    from django.conf import settings

    huey = settings.HUEY
    if "Redis" in str(huey.get("huey_class", "")):
        return "Redis"
    return f"SQLite {huey.get('filename', '')}".strip()


def worker(
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Threads running jobs side by side.")
    ] = 2,
    periodic: Annotated[
        bool,
        typer.Option(
            "--periodic/--no-periodic",
            help="Also schedule the periodic jobs (alert checks, retries, scheduled pulls).",
        ),
    ] = True,
) -> None:
    """Run the background jobs: alert checks and deliveries, scheduled data pulls (huey)."""
    setup_django()
    from django.db import connections

    jobs = "with" if periodic else "without"
    out().print(
        f"Headway worker: {workers} thread{'s' if workers != 1 else ''}, queue "
        f"{q(_queue_name())}, {jobs} periodic jobs. Stop it with Ctrl-C."
    )
    connections.close_all()
    argv = _worker_argv(workers, periodic=periodic)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execvp(argv[0], argv)  # noqa: S606 - replaces this process with the consumer


# --- migrate ----------------------------------------------------------------------------------


def _database_name() -> str:
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite database {settings['NAME']}"
    where = settings.get("HOST") or "localhost"
    return f"{connection.display_name} database {settings['NAME']!r} on {where}"


def migrate() -> None:
    """Create or update the database tables."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    call_command("migrate", interactive=False, verbosity=0)
    if pending:
        plural = "" if pending == 1 else "s"
        out().print(f"Applied {pending} migration{plural} to the {q(_database_name())}.")
    else:
        out().print(f"The {q(_database_name())} is up to date.")


# --- demo -------------------------------------------------------------------------------------


def demo(
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete the demo organization and build it again.")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Load only into a database with no organization.")
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Build the demo as of this day (default: today)."),
    ] = None,
) -> None:
    """Load the demo organization, with a year of KPI history and OKRs in flight."""
    day = parse_date(today, "today") if today is not None else None
    setup_django()
    from django.utils import timezone

    from headway.orgs.models import Organization

    if if_empty and Organization.objects.exists():
        out().print("Skipped the demo: the database already has an organization.")
        return
    import headway.demo as demo_module

    if demo_module.demo_exists() and not reset:
        raise CliError("the demo organization exists; use --reset to rebuild it")
    try:
        org = demo_module.load_demo(today=day or timezone.localdate(), reset=reset)
    except demo_module.DemoExists:
        raise CliError("the demo organization exists; use --reset to rebuild it") from None
    print_org_summary(f"Demo loaded: {q(org.name)} ({q(org.slug)})", org)
    out().print(
        f"Sign in as [bold]{q(demo_module.DEMO_USERNAME)}[/] "
        f"with password [bold]{q(demo_module.DEMO_PASSWORD)}[/]"
    )


# --- createadmin ------------------------------------------------------------------------------


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise CliError("password: must not be empty")
    return password


def createadmin(
    username: Annotated[str, typer.Argument(help="Sign-in name of the new superuser.")],
    email: Annotated[str, typer.Option("--email", metavar="EMAIL", help="Their email address.")],
    org: Annotated[
        str | None,
        typer.Option(
            "--org", metavar="SLUG", help="Make them admin of this organization (made if missing)."
        ),
    ] = None,
    org_name: Annotated[
        str | None,
        typer.Option("--org-name", metavar="NAME", help="Name for a new --org (default: SLUG)."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a superuser, optionally as admin of an organization."""
    setup_django()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.db import transaction
    from django.utils.text import slugify

    from headway.orgs.choices import Role
    from headway.orgs.models import Organization, User
    from headway.orgs.services import add_member, create_organization

    username = username.strip()
    if not username or len(username) > 150:
        raise CliError("username: must be 1 to 150 characters")
    try:
        User.username_validator(username)
    except ValidationError:
        raise CliError(
            f"username: {username!r} may contain only letters, digits and @ . + - _"
        ) from None
    if User.objects.filter(username=username).exists():
        raise CliError(f"username: a user named {username!r} already exists")
    try:
        validate_email(email)
    except ValidationError:
        raise CliError(f"email: {email!r} is not a valid email address") from None
    if org_name is not None and not org:
        raise CliError("org-name: only used together with --org")
    if org is not None and (not org or slugify(org) != org or len(org) > 60):
        raise CliError(f"org: {org!r} is not a slug (lowercase letters, digits and hyphens)")

    password = _read_password(password_stdin)
    try:
        validate_password(password, User(username=username, email=email))
    except ValidationError as exc:
        raise CliError("password: " + " ".join(exc.messages)) from None

    with transaction.atomic():
        user = User.objects.create_superuser(username=username, email=email, password=password)
        organization = Organization.objects.filter(slug=org).first() if org else None
        if org and organization is None:
            organization = create_organization(name=org_name or org, slug=org, owner=user)
        elif organization is not None:
            add_member(organization=organization, user=user, role=Role.ADMIN)
    where = f", admin of {q(organization.name)} ({q(organization.slug)})" if organization else ""
    out().print(f"Created superuser [bold]{q(username)}[/]{where}.")
