"""Writing an OKR file: plain data to YAML that reads well in a pull request.

Numbers are written as they are meant (7000, 0.5, never 7000.0000 or 5e-1), multi-line text as
a ``|`` block, short lists and the owner inline, and a blank line between sections, KPIs, cycles
and objectives. The output depends on the data alone, so the same plan always gives the same text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import yaml

from headway.okrsfile.model import number_text

HEADER = (
    "# Headway OKRs as code (format 1): see docs/okrs-as-code.md.\n"
    "# `headway lint FILE` checks it; `headway apply FILE --dry-run` shows what would change.\n"
)


class Inline(list[Any]):
    """A list written on one line: ``supports: [a, b]``."""


class InlineMap(dict[str, Any]):
    """A mapping written on one line: ``owner: {team: marketing}``."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Lists indented under their key ("teams:\n  - key: ..."), as most YAML is written.
        super().increase_indent(flow, False)

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = number_text(value)
    tag = "int" if "." not in text else "float"
    return dumper.represent_scalar(f"tag:yaml.org,2002:{tag}", text)


_OTHER_BREAKS = ("\r", "\x85", "\u2028", "\u2029")


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:str"
    # YAML reads these as line breaks and folds them away unless they are escaped.
    if any(c in value for c in _OTHER_BREAKS):
        return dumper.represent_scalar(tag, value, style='"')
    # A | block for several lines; "|+" (kept trailing blank lines) is avoided, as blank lines
    # are added between entries and would otherwise join the text.
    if "\n" in value.rstrip("\n") and not value.endswith("\n\n"):
        return dumper.represent_scalar(tag, value, style="|")
    return dumper.represent_str(value)


def _inline(dumper: yaml.SafeDumper, value: Inline) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _inline_map(dumper: yaml.SafeDumper, value: InlineMap) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


_Dumper.add_representer(Decimal, _decimal)
_Dumper.add_representer(str, _text)
_Dumper.add_representer(Inline, _inline)
_Dumper.add_representer(InlineMap, _inline_map)

_TOP = re.compile(r"^[a-z_]+:")
# The lists; the few lines above them stay together.
_SECTIONS = {"teams", "kpis", "cycles", "xmatrices", "canvases"}
_ITEM = re.compile(r"^  - ")
_OBJECTIVE = re.compile(r"^      - ")


def dumps(document: dict[str, Any]) -> str:
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100_000,  # never fold a title across lines
    )
    return HEADER + _spaced(body)


def _spaced(body: str) -> str:
    """A blank line before the teams, KPIs and cycles, and between KPIs, cycles and objectives.

    Only lines at these exact indentations are touched; the text of a ``|`` block is always
    indented deeper than the key it belongs to, so it never matches.
    """
    out: list[str] = []
    section = ""
    for line in body.splitlines():
        previous = out[-1] if out else ""
        if _TOP.match(line):
            section = line.split(":", 1)[0]
            if section in _SECTIONS:
                out.append("")
        elif _starts_item(section, line, previous):
            out.append("")
        out.append(line)
    return "\n".join(out) + "\n"


def _starts_item(section: str, line: str, previous: str) -> bool:
    """A KPI, cycle or objective other than the first of its list."""
    if section in {"kpis", "cycles", "xmatrices", "canvases"} and _ITEM.match(line):
        return previous != f"{section}:"
    return section == "cycles" and bool(_OBJECTIVE.match(line)) and previous != "    objectives:"
