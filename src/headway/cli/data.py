"""Moving an organization between installations (export and import, JSON), and its plan as an
OKR file (export --format yaml; see ``headway apply``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from headway.cli.common import (
    CliError,
    OrgOption,
    err,
    pick_organization,
    print_org_summary,
    q,
    setup_django,
)


def export(
    org: OrgOption = None,
    output: Annotated[
        str, typer.Option("--output", "-o", metavar="FILE", help="Where to write; - is stdout.")
    ] = "-",
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="json: everything, with history, for `headway import`; "
            "yaml: the plan as an OKR file, for `headway apply` and `headway lint`.",
        ),
    ] = "json",
) -> None:
    """Write one organization: all of it as JSON, or its plan as an OKR file (YAML).

    JSON holds people, teams, OKRs, KPIs and their history. YAML holds the teams, KPIs, cycles,
    objectives and key results, without values or check-ins (docs/okrs-as-code.md).
    """
    if fmt not in {"json", "yaml"}:
        raise CliError(f"format: must be json or yaml, not {fmt!r}")
    setup_django()
    organization = pick_organization(org)
    if fmt == "yaml":
        from headway.okrsfile.export import export_text

        text = export_text(organization)
    else:
        from headway.exchange import dumps, export_organization

        text = dumps(export_organization(organization))
    if not text.endswith("\n"):
        text += "\n"
    if output == "-":
        typer.get_text_stream("stdout").write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"{output}: {exc.strerror or exc}") from None
    err().print(
        f"Exported {q(organization.name)} ({q(organization.slug)}) to {q(output)} "
        f"({len(text.encode()):,} bytes)."
    )


def read_text(file: str) -> tuple[str, str]:
    """The text of ``file`` (- for stdin) and the name to show in errors."""
    if file == "-":
        return typer.get_text_stream("stdin").read(), "<stdin>"
    try:
        return Path(file).read_text(encoding="utf-8"), file
    except UnicodeDecodeError:
        raise CliError(f"{file}: is not UTF-8 text") from None
    except OSError as exc:
        raise CliError(f"{file}: {exc.strerror or exc}") from None


def import_(
    file: Annotated[str, typer.Argument(metavar="FILE", help="A Headway export; - for stdin.")],
    slug: Annotated[
        str | None,
        typer.Option(metavar="NEW", help="Import under this slug (e.g. beside the original)."),
    ] = None,
) -> None:
    """Create an organization from a JSON export."""
    text, name = read_text(file)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{name}:{exc.lineno}:{exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise CliError(f"{name}: nested too deeply to be a Headway export") from None
    setup_django()
    from headway.exchange import import_organization

    organization = import_organization(data, slug=slug)
    print_org_summary(
        f"Imported {q(organization.name)} as {q(organization.slug)} from {q(name)}", organization
    )
