"""The ``headway`` command-line interface (typer + rich).

Commands import Django models only after :func:`headway.cli.common.setup_django`, so the app
itself imports without settings. Bad input is turned into one ``error:`` line in one place,
:class:`headway.cli.common.HeadwayGroup`.
"""

from __future__ import annotations

import importlib.metadata
from typing import Annotated

import typer

from headway.cli import backup, data, okrsfile, server, tokens, work
from headway.cli import kpi_import as _kpi_import  # noqa: F401  (adds `kpi import`, `kpi pull`)
from headway.cli import xmr as _xmr  # noqa: F401  (adds `kpi xmr` to work.kpi_app)
from headway.cli.benchdata import bench_data
from headway.cli.common import HeadwayGroup, setup_django

__all__ = ["app", "setup_django"]

app = typer.Typer(
    cls=HeadwayGroup,
    name="headway",
    help="Headway: KPIs with honest health signals and quarterly OKRs that cascade.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"headway {importlib.metadata.version('headway')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Headway: KPIs with honest health signals and quarterly OKRs that cascade.

    Acting commands take --user (or HEADWAY_USER) and --org (or HEADWAY_ORG; optional when the
    person belongs to one organization).
    """


app.command(rich_help_panel="Run")(server.serve)
app.command(rich_help_panel="Run")(server.worker)
app.command(rich_help_panel="Run")(server.migrate)
app.command(rich_help_panel="Run")(server.demo)
app.command(rich_help_panel="Run")(server.createadmin)
app.command(rich_help_panel="Data")(data.export)
app.command("import", rich_help_panel="Data")(data.import_)
app.command(rich_help_panel="Data")(okrsfile.apply)
app.command(rich_help_panel="Data")(okrsfile.lint)
app.command(rich_help_panel="Data")(backup.backup)
app.command(rich_help_panel="Data")(backup.restore)
app.command("bench-data", rich_help_panel="Data")(bench_data)
app.command(context_settings=work.NUMBERS_AS_ARGUMENTS, rich_help_panel="Work")(work.checkin)
app.add_typer(work.kpi_app, name="kpi", rich_help_panel="Work")
app.add_typer(tokens.token_app, name="token", rich_help_panel="Work")
