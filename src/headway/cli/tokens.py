"""Personal API tokens: create (the secret is shown once), list and revoke."""

from __future__ import annotations

from typing import Annotated

import typer

from headway.cli.common import OrgOption, UserOption, err, out, q, resolve_actor
from headway.errors import NotFound

token_app = typer.Typer(help="Personal API tokens for scripts and integrations.",
                        no_args_is_help=True)  # fmt: skip


@token_app.command("create")
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="What the token is for.")],
    user: UserOption = None,
    org: OrgOption = None,
    scope: Annotated[
        str, typer.Option(metavar="read|write", help="read, or write (read and write).")
    ] = "write",
) -> None:
    """Create a token for --user; prints its secret on stdout, once."""
    actor = resolve_actor(user, org)
    from headway.orgs.services import create_token

    token, secret = create_token(membership=actor, name=name, scope=scope)
    err().print(
        f"Created token {token.pk} [bold]{q(token.name)}[/] ({token.scope}) for "
        f"{q(actor.user.username)} in {q(actor.organization.slug)}. "
        "[bold yellow]Copy the secret now: it will not be shown again.[/]"
    )
    typer.echo(secret)


@token_app.command("list")
def list_(user: UserOption = None, org: OrgOption = None) -> None:
    """List the tokens of --user."""
    actor = resolve_actor(user, org)
    from rich.table import Table

    from headway.orgs.models import ApiToken

    tokens = list(ApiToken.objects.filter(membership=actor).order_by("-created_at", "-id"))
    console = out()
    if not tokens:
        console.print(f"{q(actor.user.username)} has no tokens in {q(actor.organization.slug)}.")
        return
    table = Table(title=f"Tokens of {q(actor.user.username)} in {q(actor.organization.slug)}",
                  title_justify="left")  # fmt: skip
    for column in ("ID", "Name", "Scope", "Prefix", "Created", "Last used", "Status"):
        table.add_column(column, no_wrap=column != "Name")
    for token in tokens:
        table.add_row(
            str(token.pk),
            q(token.name),
            token.scope,
            q(token.prefix) + "…",
            f"{token.created_at:%Y-%m-%d}",
            f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never",
            f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active",
        )
    console.print(table)


@token_app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (see list).")],
    user: UserOption = None,
    org: OrgOption = None,
) -> None:
    """Revoke a token: it stops working at once."""
    actor = resolve_actor(user, org)

    from headway.orgs.models import ApiToken
    from headway.orgs.services import revoke_token

    token = ApiToken.objects.filter(organization_id=actor.organization_id, pk=token_id).first()
    if token is None:
        raise NotFound("token", token_id)
    if not revoke_token(actor=actor, token=token):
        out().print(f"Token {token.pk} ({q(token.name)}) was already revoked.")
        return
    out().print(f"Revoked token {token.pk} ({q(token.name)}).")
