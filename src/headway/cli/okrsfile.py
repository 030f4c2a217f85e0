"""OKRs as code: ``headway apply FILE`` and ``headway lint FILE...`` (docs/okrs-as-code.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from headway.cli.common import (
    CliError,
    OrgOption,
    UserOption,
    err,
    out,
    pick_organization,
    q,
    resolve_actor,
)
from headway.cli.data import read_text
from headway.okrsfile import FileProblems, has_errors, lint_text, load
from headway.okrsfile.model import show

if TYPE_CHECKING:
    from headway.okrsfile.plan import Plan

SIGNS = {"create": ("+", "green"), "update": ("~", "yellow"), "delete": ("-", "red")}
FORMATS = ("text", "json")


@contextmanager
def reporting_problems() -> Iterator[None]:
    """A file's problems as ``error: FILE:LINE: ...`` lines on stderr, and exit code 1."""
    try:
        yield
    except FileProblems as exc:
        for line in exc.lines():
            typer.echo(f"error: {line}", err=True)
        raise typer.Exit(1) from None


def apply(
    file: Annotated[str, typer.Argument(metavar="FILE", help="An OKR file (YAML); - for stdin.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change and write nothing.")
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Also delete what the file leaves out: objectives and key results of the cycles"
            " it lists, and teams and KPIs when it lists them.",
        ),
    ] = False,
    user: UserOption = None,
    org: OrgOption = None,
) -> None:
    """Make an organization's plan match an OKR file, as --user.

    Rows are found by their stable keys and created or updated through the same services as the
    web pages (permissions, roll-ups and the audit log included), in one transaction. Nothing is
    deleted without --prune. Values and check-ins are not part of the file and are left alone.
    """
    text, name = read_text(file)
    with reporting_problems():
        okrs = load(text, name)
    if dry_run and not user:
        organization = pick_organization(org)
        actor = None
    else:
        actor = resolve_actor(user, org)
        organization = actor.organization
    from headway.okrsfile.apply import apply_plan
    from headway.okrsfile.plan import make_plan
    from headway.okrsfile.state import load_state

    if okrs.organization and okrs.organization != organization.slug:
        err().print(
            f"note: {q(name)} names the organization {q(okrs.organization)}; "
            f"it is applied to {q(organization.slug)}."
        )
    with reporting_problems():
        plan = make_plan(okrs, load_state(organization), prune=prune)
        if plan and not dry_run:
            assert actor is not None
            apply_plan(plan, actor)
    console = out()
    for line in plan_lines(plan):
        console.print(line)
    if not plan:
        console.print(f"No changes: {q(organization.slug)} already matches {q(name)}.")
    elif dry_run:
        console.print(
            f"Dry run: {_counts(plan, 'to create', 'to update', 'to delete')}; nothing was written."
        )
    else:
        console.print(
            f"Applied {q(name)} to {q(organization.slug)}: "
            f"{_counts(plan, 'created', 'updated', 'deleted')}."
        )
    if plan.unlisted:
        console.print(
            f"[dim]{plan.unlisted} stored item{'s are' if plan.unlisted != 1 else ' is'} not in"
            " the file and kept; --prune would delete them.[/]"
        )


def _counts(plan: Plan, *words: str) -> str:
    ops = ("create", "update", "delete")
    return ", ".join(f"{plan.count(op)} {word}" for op, word in zip(ops, words, strict=True))


def plan_lines(plan: Plan) -> list[str]:
    """The plan as rich markup: one line per change, then one per changed field."""
    lines = []
    for change in plan.changes:
        sign, colour = SIGNS[change.op]
        head = f"[{colour}]{sign} {q(change.label)}[/]"
        if change.op == "create" and change.entry is not None:
            values = change.entry.values
            title = values.get("title") or values.get("name")
            if title:
                head += f": {q(title)}"
        if change.note:
            head += f" ({q(change.note)})"
        if change.entry is not None:
            head += f" [dim]{q(plan.file.name)}:{change.entry.line}[/]"
        lines.append(head)
        own_cycle = change.ref[0] if change.kind == "objective" else ""
        for f in change.fields:
            before, after = _show(f.before, own_cycle), _show(f.after, own_cycle)
            lines.append(f"    {q(f.name)}: {q(before)} -> {q(after)}")
    return lines


def _show(value: Any, own_cycle: str) -> str:
    text = show(value, own_cycle)
    return text if len(text) <= 80 else text[:77] + "..."


def lint(
    files: Annotated[
        list[str], typer.Argument(metavar="FILE...", help="OKR files (YAML); - for stdin.")
    ],
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="text (default) or json.")
    ] = "text",
) -> None:
    """Check OKR files with the coach; exit 1 if any finding is an error.

    Needs no database. Each finding names the file and line of the objective or key result it
    is about. Rules a file lists under lint.disable are left out for that file.
    """
    if fmt not in FORMATS:
        raise CliError(f"format: must be one of {', '.join(FORMATS)}, not {fmt!r}")
    findings = []
    for file in files:
        text, name = read_text(file)
        findings.extend(lint_text(text, name))
    if fmt == "json":
        typer.echo(json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False))
    else:
        for finding in findings:
            typer.echo(finding.text())
        counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning")}
        infos = len(findings) - sum(counts.values())
        what = "file" if len(files) == 1 else "files"
        err().print(
            f"{len(files)} {what}: {counts['error']} error{'s' * (counts['error'] != 1)}, "
            f"{counts['warning']} warning{'s' * (counts['warning'] != 1)}, "
            f"{infos} note{'s' * (infos != 1)}"
        )
    if has_errors(findings):
        raise typer.Exit(1)
