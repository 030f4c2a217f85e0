"""The weekly check-in digest: one e-mail a week to each person whose key results still wait for
this week's check-in.

Each person gets it on their weekday (their own choice, else the organization's) from 09:00 local
time (the installation's ``TIME_ZONE``) on. The hourly job decides who is due; the decision and
its ``CheckinReminder`` row are one transaction, and the row's uniqueness per person and week is
what keeps a second job run, or a second worker, from sending it again. The e-mail itself goes
through the job queue once that transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from headway.okrs.at_risk import awaiting_checkins
from headway.okrs.models import CheckinReminder, KeyResult
from headway.orgs.models import Membership

logger = logging.getLogger(__name__)

# The digest is a morning e-mail: before this hour on their day, a person is not due yet.
DIGEST_HOUR = 9
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def week_of(now: dt.datetime) -> dt.date:
    """The Monday of ``now``'s week, in local time."""
    today = timezone.localdate(now)
    return today - dt.timedelta(days=today.weekday())


def week_start(now: dt.datetime) -> dt.datetime:
    """Monday 00:00 local time of ``now``'s week: a check-in since then counts for the week."""
    return timezone.make_aware(dt.datetime.combine(week_of(now), dt.time.min))


def digest_weekday(membership: Membership) -> int:
    """The weekday (0 Monday .. 6 Sunday) the person's digest goes out."""
    if membership.reminder_weekday is not None:
        return membership.reminder_weekday
    return membership.organization.reminder_weekday


def waiting_key_results(
    membership_ids: Sequence[int], now: dt.datetime
) -> dict[int, list[KeyResult]]:
    """By owner: their key results in active cycles and active objectives that have had no
    check-in since the start of this week. Those following a KPI are left out: its measurements
    move them, nobody checks them in."""
    found: dict[int, list[KeyResult]] = {}
    if not membership_ids:
        return found
    rows = (
        awaiting_checkins()
        .filter(owner_id__in=membership_ids)
        .filter(Q(last_checkin_at__isnull=True) | Q(last_checkin_at__lt=week_start(now)))
        .select_related("objective__cycle")
        .order_by(
            "objective__cycle__start", "objective__position", "objective_id", "position", "id"
        )
    )
    for kr in rows:
        assert kr.owner_id is not None
        found.setdefault(kr.owner_id, []).append(kr)
    return found


def due_people(now: dt.datetime) -> list[Membership]:
    """Who should get this week's digest at ``now``: it is their day, 09:00 has passed, they
    want the digest and have not had it this week."""
    local = timezone.localtime(now)
    if local.hour < DIGEST_HOUR:
        return []
    weekday = local.weekday()
    return list(
        Membership.objects.filter(checkin_reminders=True, user__is_active=True)
        .exclude(user__email="")
        .filter(
            Q(reminder_weekday=weekday)
            | Q(reminder_weekday__isnull=True, organization__reminder_weekday=weekday)
        )
        .exclude(checkin_reminders_sent__week=week_of(now))
        .select_related("user", "organization")
        .order_by("organization_id", "id")
    )


def send_due_digests(now: dt.datetime) -> list[CheckinReminder]:
    """Decide and queue the digests due at ``now``; returns the reminders written."""
    people = due_people(now)
    waiting = waiting_key_results([p.pk for p in people], now)
    week = week_of(now)
    sent = []
    for person in people:
        key_results = waiting.get(person.pk)
        # Nothing waits: no e-mail, and no row, so a key result given to them later today
        # is still announced at the next run.
        if key_results:
            reminder = _claim(person, week, key_results, now)
            if reminder is not None:
                sent.append(reminder)
    return sent


def _claim(
    person: Membership, week: dt.date, key_results: list[KeyResult], now: dt.datetime
) -> CheckinReminder | None:
    with transaction.atomic():
        reminder, created = CheckinReminder.objects.get_or_create(
            membership=person,
            week=week,
            defaults={
                "organization_id": person.organization_id,
                "sent_at": now,
                "key_results": len(key_results),
            },
        )
        if not created:
            return None  # another run got there first
        ids = [kr.pk for kr in key_results]
        transaction.on_commit(lambda: _enqueue(reminder.pk, ids), robust=True)
    return reminder


def _enqueue(reminder_id: int, key_result_ids: list[int]) -> None:
    from headway.okrs import reminder_jobs  # the jobs module imports this one

    reminder_jobs.send_checkin_digest(reminder_id, key_result_ids)


def compose(person: Membership, key_results: Sequence[KeyResult]) -> tuple[str, str]:
    """(subject, body) of a person's digest."""
    base = str(settings.HEADWAY_BASE_URL)
    items = [
        {
            "kr": kr,
            "url": base + reverse("okrs:objective", args=[kr.objective_id]) + f"#kr-{kr.pk}",
        }
        for kr in key_results
    ]
    context = {
        "person": person,
        "organization": person.organization,
        "items": items,
        "settings_url": base + reverse("okrs:my-reminders"),
    }
    count = len(key_results)
    subject = (
        f"[{person.organization.name}] {count} key result{'s' if count != 1 else ''} "
        "waiting for this week's check-in"
    )
    body = render_to_string("okrs/email/checkin_digest.txt", context)
    return subject, body


def deliver(reminder_id: int, key_result_ids: Sequence[int]) -> bool:
    """Send one decided digest; False when there is nothing left to send it about."""
    reminder = (
        CheckinReminder.objects.select_related("membership__user", "membership__organization")
        .filter(pk=reminder_id)
        .first()
    )
    if reminder is None:
        return False
    person = reminder.membership
    key_results = list(
        KeyResult.objects.filter(pk__in=key_result_ids, owner_id=person.pk)
        .select_related("objective")
        .order_by("objective__position", "objective_id", "position", "id")
    )
    if not key_results or not person.user.email:
        return False
    subject, body = compose(person, key_results)
    send_mail(subject, body, None, [person.user.email])
    logger.info("check-in digest %s sent to membership %s", reminder.pk, person.pk)
    return True
