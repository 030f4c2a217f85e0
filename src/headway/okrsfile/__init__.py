"""OKRs as code: an organization's plan (and its strategy) as a YAML file (docs/okrs-as-code.md).

- ``parse.load(text, name)``: read and check a file -> ``OkrsFile`` (or ``FileProblems``, each
  problem with its line); ``schema.json`` is the published JSON Schema of the format.
- ``lint.lint_text(text, name)``: the coach's findings, each at its line (no database needed).
- ``export.export_text(organization)``: the stored plan as a file
  (``headway export --format yaml``).
- ``state.load_state`` + ``plan.make_plan`` + ``apply.apply_plan``: compare a file with an
  organization and make the organization match it through the services (``headway apply``).

Only the first two are imported here: linting must work where Django has no database.
"""

from headway.okrsfile.lint import FileFinding, has_errors, lint_text
from headway.okrsfile.model import Entry, FileProblems, OkrsFile, Problem
from headway.okrsfile.parse import load

__all__ = [
    "Entry",
    "FileFinding",
    "FileProblems",
    "OkrsFile",
    "Problem",
    "has_errors",
    "lint_text",
    "load",
]
