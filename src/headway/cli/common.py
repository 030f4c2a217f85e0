"""What every command shares: Django start-up, one-line errors, output and the acting person.

Errors are handled in one place, :class:`HeadwayGroup`: whatever a command raises for bad input
(``ValidationFailed``, ``NotFound``, ``PermissionDenied``, :class:`CliError`, a usage error) becomes
one line on stderr starting with ``error:`` and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import typer
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from headway.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from headway.orgs.models import Membership, Organization

#: Exit code of bad input (typer's own usage errors keep their code, 2).
BAD_INPUT = 1

UserOption = Annotated[
    str | None,
    typer.Option(
        "--user",
        envvar="HEADWAY_USER",
        show_envvar=True,
        metavar="USERNAME",
        help="Act as this person (their role decides what they may do).",
    ),
]
OrgOption = Annotated[
    str | None,
    typer.Option(
        "--org",
        envvar="HEADWAY_ORG",
        show_envvar=True,
        metavar="SLUG",
        help="The organization; optional when there is only one to choose from.",
    ),
]


class CliError(Exception):
    """Bad input found by the CLI itself; shown as ``error: <message>``."""


def setup_django() -> None:
    """Configure Django once, before the first model is touched."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headway.settings")
    from django.apps import apps

    if not apps.ready:
        import django

        django.setup()


def out() -> Console:
    """Rich output on stdout (resolved at print time, so test runners capture it)."""
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    return Console(highlight=False, soft_wrap=True, stderr=True)


def q(text: Any) -> str:
    """``text`` safe to put inside rich markup."""
    return escape(str(text))


def percent(progress: float | None) -> str:
    return "—" if progress is None else f"{progress:.0%}"


def number(value: Decimal | None) -> str:
    """A stored value without its padding zeros: 40.0000 -> 40, 0.5000 -> 0.5."""
    if value is None:
        return "—"
    return f"{value.normalize():f}"


def parse_date(raw: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise CliError(f"{field}: must be a date (YYYY-MM-DD), not {raw[:40]!r}") from None


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe(exc: BaseException) -> str | None:
    """The one-line message for an error caused by bad input, or None for a real bug."""
    if isinstance(exc, CliError | ValidationFailed | NotFound):
        return str(exc)
    if isinstance(exc, PermissionDenied):
        return f"permission denied: {exc}" if str(exc) else "permission denied"
    if isinstance(exc, DatabaseError):
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "no such table" in message or ("relation" in message and "does not exist" in message):
            message += " (run `headway migrate` first)"
        return f"database: {message}"
    return None


def fail(message: str, code: int = BAD_INPUT) -> typer.Exit:
    """Print ``error: <message>`` as one line on stderr; raise the returned Exit."""
    typer.echo(f"error: {one_line(message)}", err=True)
    return typer.Exit(code)


class HeadwayGroup(TyperGroup):
    """The top-level command group; turns bad input anywhere below it into one line."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except typer.TyperException as exc:
            raise _usage_error(exc) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as exc:
            raise _usage_error(exc) from None
        except Exception as exc:
            message = describe(exc)
            if message is None:
                raise
            raise fail(message) from None


def _usage_error(exc: typer.TyperException) -> Exception:
    """One line for typer's usage errors (exit code 2); "headway kpi" alone still shows help."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        return exc
    usage_ctx = getattr(exc, "ctx", None)
    hint = f" (see '{usage_ctx.command_path} --help')" if usage_ctx is not None else ""
    return fail(exc.format_message() + hint, getattr(exc, "exit_code", 2))


# --- who is acting --------------------------------------------------------------------------


def get_organization(slug: str) -> Organization:
    setup_django()
    from headway.orgs.models import Organization

    org = Organization.objects.filter(slug=slug).first()
    if org is None:
        raise CliError(f"org: no organization {slug!r}")
    return org


def pick_organization(slug: str | None) -> Organization:
    """The organization named by ``slug``, or the only one there is."""
    if slug:
        return get_organization(slug)
    setup_django()
    from headway.orgs.models import Organization

    orgs = list(Organization.objects.order_by("slug")[:6])
    if not orgs:
        raise CliError("org: there is no organization yet")
    if len(orgs) > 1:
        names = ", ".join(o.slug for o in orgs[:5]) + (", …" if len(orgs) > 5 else "")
        raise CliError(f"org: there are several organizations ({names}); choose one with --org")
    return orgs[0]


def resolve_actor(username: str | None, org_slug: str | None) -> Membership:
    """The membership ``username`` acts through: in ``org_slug``, or in their only organization."""
    setup_django()
    from headway.orgs.models import Membership, User

    if not username:
        raise CliError("user: give --user USERNAME or set HEADWAY_USER")
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CliError(f"user: no user named {username!r}")
    if not user.is_active:
        raise CliError(f"user: {username!r} is deactivated")
    memberships = Membership.objects.filter(user=user).select_related("organization", "user")
    if org_slug:
        org = get_organization(org_slug)
        membership = memberships.filter(organization=org).first()
        if membership is None:
            raise CliError(f"org: {username} is not a member of {org_slug!r}")
        return membership
    found = list(memberships.order_by("organization__slug")[:6])
    if not found:
        raise CliError(f"user: {username} belongs to no organization")
    if len(found) > 1:
        names = ", ".join(m.organization.slug for m in found[:5])
        raise CliError(
            f"org: {username} belongs to several organizations ({names}); "
            "choose one with --org or HEADWAY_ORG"
        )
    return found[0]


def org_counts(org: Organization) -> list[tuple[str, int]]:
    """What an organization holds, for the summaries of demo and import."""
    from headway.kpis.models import Kpi, Measurement
    from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
    from headway.orgs.models import Membership, Team

    def count(model: Any) -> int:
        return int(model.objects.filter(organization=org).count())

    return [
        ("people", count(Membership)),
        ("teams", count(Team)),
        ("cycles", count(Cycle)),
        ("objectives", count(Objective)),
        ("key results", count(KeyResult)),
        ("check-ins", count(CheckIn)),
        ("KPIs", count(Kpi)),
        ("measurements", count(Measurement)),
    ]


def print_org_summary(title: str, org: Organization) -> None:
    from rich.table import Table

    table = Table(title=title, show_header=False, box=None, pad_edge=False, title_justify="left")
    table.add_column(style="bold", justify="right")
    table.add_column()
    for label, n in org_counts(org):
        table.add_row(str(n), label)
    out().print(table)
