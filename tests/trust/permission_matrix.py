"""Who may do what: the expected permission matrix, as the table the test prints.

The rules (headway.orgs.permissions): everyone in an organization reads everything; an admin
changes everything; a lead what belongs to the teams they lead and those teams' people; a member
what they own; a viewer nothing. Another organization's object is not found (404).

The people, in the test organization "Acme" (see tests/trust/test_permissions.py):

    admin     alice, admin of Acme
    lead      lena, lead of the Growth team (team T)
    member    mo, member of Growth and owner of a key result and a KPI there
    viewer    vic, viewer of Acme
    outsider  oscar, admin of another organization (Globex)
    no-org    nora, signed in, member of no organization at all

Each cell says what one person gets for one action:

    ✓      allowed: a 2xx/3xx answer (CLI: exit 0) and the change is in the database
    ✗      refused with 403 (web page or API; CLI: "permission denied"; for the Django admin
           a redirect to its sign-in page), nothing changed
    ✗422   refused with a form or field error (the chooser does not offer the target, or the
           reference is not of this organization), nothing changed
    ✗401   no identity here: the API answers 401, the CLI "belongs to no organization"
    404    not found: the object is another organization's, nothing changed
"""

from __future__ import annotations

ROLES = ("admin", "lead", "member", "viewer", "outsider", "no-org")
CELLS = frozenset({"✓", "✗", "✗422", "✗401", "404"})

# Rows are actions; "T" is Growth, the team lena leads and mo belongs to; "another team" is the
# company team above it, which nobody but the admin may change.
EXPECTED = """
action                                                  admin  lead   member viewer outsider no-org
read the OKR board of the cycle (web)                   ✓      ✓      ✓      ✓      404      ✗
read T's objective (web)                                ✓      ✓      ✓      ✓      404      ✗
read T's KPI (API)                                      ✓      ✓      ✓      ✓      404      ✗401
read the X-Matrix (web)                                 ✓      ✓      ✓      ✓      404      ✗
read another person's page (web)                        ✓      ✓      ✓      ✓      404      ✗
create an objective for T (web)                         ✓      ✓      ✗422   ✗      ✗422     ✗
create an objective for T (API)                         ✓      ✓      ✗      ✗      ✗422     ✗401
create a personal objective for oneself (API)           ✓      ✓      ✓      ✗      ✗422     ✗401
edit T's objective (web)                                ✓      ✓      ✗      ✗      404      ✗
edit another team's objective (API)                     ✓      ✗      ✗      ✗      404      ✗401
edit the member's personal objective (API)              ✓      ✓      ✓      ✗      404      ✗401
hand T's objective to another team (API)                ✓      ✗      ✗      ✗      404      ✗401
archive T's objective (web)                             ✓      ✓      ✗      ✗      404      ✗
add a key result to T's objective (API)                 ✓      ✓      ✗      ✗      ✗422     ✗401
delete a key result of T (web)                          ✓      ✓      ✗      ✗      404      ✗
check in on the member's own key result in T (web)      ✓      ✓      ✓      ✗      404      ✗
check in on another's key result in T (API)             ✓      ✓      ✗      ✗      404      ✗401
check in on a key result outside T (API)                ✓      ✗      ✗      ✗      404      ✗401
check in on the member's key result outside T (API)     ✓      ✗      ✓      ✗      404      ✗401
check in on the member's own key result in T (CLI)      ✓      ✓      ✓      ✗      404      ✗401
grade the member's key result in T (API)                ✓      ✓      ✓      ✗      404      ✗401
move the cycle on to grading (web)                      ✓      ✗      ✗      ✗      404      ✗
create a KPI for T (web)                                ✓      ✓      ✗      ✗      ✗422     ✗
create a KPI one owns oneself (API)                     ✓      ✓      ✗      ✗      ✓        ✗401
hand T's KPI to another team (API)                      ✓      ✗      ✗      ✗      404      ✗401
edit T's KPI and its alert rule (API)                   ✓      ✓      ✗      ✗      404      ✗401
record a measurement on T's KPI (web)                   ✓      ✓      ✗      ✗      404      ✗
record a measurement on the member's own KPI (API)      ✓      ✓      ✓      ✗      404      ✗401
record a measurement on another team's KPI (CLI)        ✓      ✗      ✗      ✗      404      ✗401
re-baseline the XmR chart of T's KPI (API)              ✓      ✓      ✗      ✗      404      ✗401
edit an alert channel (API)                             ✓      ✗      ✗      ✗      404      ✗401
delete an alert channel (web)                           ✓      ✗      ✗      ✗      404      ✗
create an API token for oneself (API, signed in)        ✓      ✓      ✓      ✓      ✓        ✗401
revoke another person's API token (API)                 ✓      ✗      ✗      ✗      404      ✗401
create an API token for oneself (web)                   ✓      ✓      ✓      ✓      ✓        ✗
revoke another person's API token (web)                 ✓      ✗      ✗      ✗      404      ✗
create a team under T (API)                             ✓      ✗      ✗      ✗      ✗422     ✗401
add an item to the X-Matrix (web)                       ✓      ✓      ✗      ✗      404      ✗
add a factor to the Strategy Canvas (API)               ✓      ✓      ✗      ✗      404      ✗401
open the Django admin site (web)                        ✗      ✗      ✗      ✗      ✗        ✗
"""


def parse(text: str) -> dict[str, dict[str, str]]:
    """The table as {action: {role: cell}}; an action's name is everything before its cells."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    header, rows = lines[0].split(), lines[1:]
    assert tuple(header[1:]) == ROLES, header
    table: dict[str, dict[str, str]] = {}
    for line in rows:
        words = line.split()
        name, cells = " ".join(words[: -len(ROLES)]), words[-len(ROLES) :]
        assert name not in table, f"action listed twice: {name}"
        assert set(cells) <= CELLS, f"{name}: unknown cell in {cells}"
        table[name] = dict(zip(ROLES, cells, strict=True))
    return table


def render(table: dict[str, dict[str, str]]) -> str:
    """The matrix as aligned text: actions as rows, roles as columns."""
    width = max(len("action"), *(len(name) for name in table))
    columns = [max(len(role), 6) for role in ROLES]

    def line(first: str, cells: list[str]) -> str:
        return "  ".join(
            [first.ljust(width), *(c.ljust(w) for c, w in zip(cells, columns, strict=True))]
        ).rstrip()

    out = [line("action", list(ROLES))]
    out += [line(name, [row.get(role, "—") for role in ROLES]) for name, row in table.items()]
    return "\n".join(out)
