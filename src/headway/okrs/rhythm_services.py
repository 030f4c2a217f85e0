"""Writes of the quarterly rhythm's settings: pace cut-offs, digest days, opting out.

Web pages and the API call these; each checks permission, validates, writes and audits in one
transaction.
"""

from __future__ import annotations

import math
from types import EllipsisType
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from headway.audit import services as audit
from headway.errors import ValidationFailed
from headway.orgs import permissions
from headway.orgs.models import Membership, Organization

PREFERENCE_FIELDS = ["checkin_reminders", "reminder_weekday"]
SETTINGS_FIELDS = ["pace_on_track_margin", "pace_at_risk_margin", "reminder_weekday"]


def to_weekday(raw: Any, field: str = "reminder_weekday") -> int:
    """0 (Monday) to 6 (Sunday), or ValidationFailed naming ``field``."""
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ValidationFailed({field: "must be a whole number from 0 (Monday) to 6 (Sunday)"})
    text = str(raw).strip()
    if not text.isdigit() or not 0 <= int(text) <= 6:
        raise ValidationFailed({field: "must be a whole number from 0 (Monday) to 6 (Sunday)"})
    return int(text)


def _to_margin(raw: Any, field: str) -> float:
    if isinstance(raw, bool):
        raise ValidationFailed({field: "must be a number from 0 to 1"})
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValidationFailed({field: "must be a number from 0 to 1"}) from None
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ValidationFailed({field: "must be a number from 0 to 1"})
    return value


@transaction.atomic
def set_reminder_preferences(
    *,
    actor: Membership,
    checkin_reminders: bool | None = None,
    reminder_weekday: int | EllipsisType | None = ...,
) -> Membership:
    """A person's own weekly digest: on or off, and the day (None: the organization's day).
    Arguments left out keep their value."""
    person = Membership.objects.select_for_update().get(pk=actor.pk)
    before = audit.snapshot(person, PREFERENCE_FIELDS)
    if checkin_reminders is not None:
        if not isinstance(checkin_reminders, bool):
            raise ValidationFailed({"checkin_reminders": "must be true or false"})
        person.checkin_reminders = checkin_reminders
    if reminder_weekday is not ...:
        person.reminder_weekday = None if reminder_weekday is None else to_weekday(reminder_weekday)
    person.save(update_fields=PREFERENCE_FIELDS)
    audit.record(
        organization_id=person.organization_id,
        actor_id=actor.user_id,
        action="membership.reminders",
        instance=person,
        before=before,
        after=audit.snapshot(person, PREFERENCE_FIELDS),
    )
    actor.checkin_reminders = person.checkin_reminders
    actor.reminder_weekday = person.reminder_weekday
    return person


@transaction.atomic
def set_rhythm_settings(
    *,
    actor: Membership,
    pace_on_track_margin: Any = None,
    pace_at_risk_margin: Any = None,
    reminder_weekday: Any = None,
) -> Organization:
    """The organization's pace cut-offs (0 <= on track <= at risk <= 1) and the default day of
    the check-in digest. Admins only; arguments left out (None) keep their value."""
    if not permissions.can_administer(actor):
        raise PermissionDenied("only an admin may change the organization's settings")
    org = Organization.objects.select_for_update().get(pk=actor.organization_id)
    before = audit.snapshot(org, SETTINGS_FIELDS)
    errors: dict[str, str] = {}
    on_track, at_risk = org.pace_on_track_margin, org.pace_at_risk_margin
    for name, raw in [
        ("pace_on_track_margin", pace_on_track_margin),
        ("pace_at_risk_margin", pace_at_risk_margin),
    ]:
        if raw is None:
            continue
        try:
            value = _to_margin(raw, name)
        except ValidationFailed as exc:
            errors.update(exc.errors)
            continue
        if name == "pace_on_track_margin":
            on_track = value
        else:
            at_risk = value
    if not errors and on_track > at_risk:
        errors["pace_at_risk_margin"] = (
            f"must be at least the on-track margin ({on_track:g}): at risk comes after on track"
        )
    weekday = org.reminder_weekday
    if reminder_weekday is not None:
        try:
            weekday = to_weekday(reminder_weekday)
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    org.pace_on_track_margin, org.pace_at_risk_margin = on_track, at_risk
    org.reminder_weekday = weekday
    org.save(update_fields=SETTINGS_FIELDS)
    audit.record(
        organization_id=org.pk,
        actor_id=actor.user_id,
        action="organization.rhythm",
        instance=org,
        before=before,
        after=audit.snapshot(org, SETTINGS_FIELDS),
    )
    # The acting person's organization is the one just changed: what follows sees the new values.
    for name in SETTINGS_FIELDS:
        setattr(actor.organization, name, getattr(org, name))
    return org
