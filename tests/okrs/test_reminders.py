"""The weekly check-in digest: who gets it, on which day, how often, and what it lists."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import Client

from headway.okrs import reminder_jobs, reminders
from headway.okrs.models import CheckinReminder, KeyResult
from headway.okrs.services import record_checkin
from headway.orgs.models import Membership
from tests.factories import World, make_kr, make_objective

PARIS = ZoneInfo("Europe/Paris")
# The first Monday of the world's 2026-Q4 cycle (1 Oct - 31 Dec), at midnight in Paris.
FIRST_MONDAY = dt.datetime(2026, 10, 5, tzinfo=PARIS)
WEEKS = 13


@pytest.fixture
def paris(settings: Any) -> None:
    # A local time zone with a daylight-saving change inside the quarter (25 October).
    settings.TIME_ZONE = "Europe/Paris"


@pytest.fixture
def run_hourly(django_capture_on_commit_callbacks: Any) -> Callable[[dt.datetime], None]:
    """The periodic job as the worker runs it at ``moment``, queued e-mails sent on commit."""

    def run(moment: dt.datetime) -> None:
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            reminder_jobs.send_checkin_digests.call_local()

    return run


def checkin(person: Membership, kr: KeyResult, at: dt.datetime, value: str = "1") -> None:
    with time_machine.travel(at, tick=False):
        record_checkin(actor=person, key_result=kr, value=value, confidence=6, at=at)


def test_a_quarter_of_digests(world: World, paris: None, run_hourly: Any) -> None:
    growth = make_objective(world.cycle, team=world.growth, title="Bring new inbound leads")
    # mo: the organization's day (Friday); checks in on even weeks, one of them on Friday
    # before 09:00 (no digest) and one on Friday afternoon (too late: it went out at 09:00).
    mo_kr = make_kr(growth, "Visitors from 3k to 7k", "3000", "7000", owner=world.mo)
    # lena: chose Tuesday, never checks in.
    make_kr(growth, "Sign-ups from 250 to 500", "250", "500", owner=world.lena)
    Membership.objects.filter(pk=world.lena.pk).update(reminder_weekday=1)
    # alice: her only key result follows a KPI: nothing for her to check in.
    make_kr(growth, "NPS from 30 to 50", "30", "50", owner=world.alice, follows_kpi=True)
    # vic: opted out of the digest.
    make_kr(
        make_objective(world.cycle, person=world.vic), "Read 12 books", "0", "12", owner=world.vic
    )
    Membership.objects.filter(pk=world.vic.pk).update(checkin_reminders=False)
    # oscar, in another organization whose digest day is Monday; never checks in.
    world.other_org.reminder_weekday = 0
    world.other_org.save()
    make_kr(
        make_objective(world.other_cycle, person=world.oscar),
        "Ship v2",
        "0",
        "1",
        owner=world.oscar,
    )

    checkins: dict[int, dt.datetime] = {}
    for week in range(0, WEEKS, 2):
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        checkins[week] = monday + dt.timedelta(days=1, hours=15)  # Tuesday 15:00
    checkins[4] = FIRST_MONDAY + dt.timedelta(weeks=4, days=4, hours=8)  # Friday 08:00
    checkins[6] = FIRST_MONDAY + dt.timedelta(weeks=6, days=4, hours=14)  # Friday 14:00
    # Sunday night before week 9 counts for week 8, not for week 9.
    checkins[8] = FIRST_MONDAY + dt.timedelta(weeks=9) - dt.timedelta(hours=1)

    received: list[dict[str, dt.datetime]] = []
    for week in range(WEEKS):
        mail.outbox.clear()
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        when: dict[str, dt.datetime] = {}
        # Every hour of the week, in UTC, as the worker's clock ticks.
        start_utc = monday.astimezone(dt.UTC)
        end_utc = (monday + dt.timedelta(days=7)).astimezone(dt.UTC)
        hour = start_utc
        while hour < end_utc:
            due = checkins.get(week)
            if due is not None and hour <= due < hour + dt.timedelta(hours=1):
                run_hourly(hour)  # the job runs on the hour, the check-in comes after
                checkin(world.mo, mo_kr, due)
            else:
                run_hourly(hour)
            for message in mail.outbox:
                (to,) = message.to
                when.setdefault(to, hour)
            hour += dt.timedelta(hours=1)
        assert len(mail.outbox) == len(when), f"week {week}: someone got two digests"
        received.append(when)

    for week, when in enumerate(received):
        expected = {"lena@example.com", "oscar@example.com"}
        if week % 2 == 1 or week in (6, 8):
            expected.add("mo@example.com")
        assert set(when) == expected, f"week {week}"
        # Each on their day, at 09:00 local time, summer and winter time alike.
        days = {"lena@example.com": 1, "oscar@example.com": 0, "mo@example.com": 4}
        for to, at in when.items():
            local = at.astimezone(PARIS)
            assert (local.weekday(), local.hour, local.minute) == (days[to], 9, 0), (week, to)

    assert CheckinReminder.objects.filter(membership=world.lena).count() == WEEKS
    assert CheckinReminder.objects.filter(membership=world.mo).count() == 8
    assert not CheckinReminder.objects.filter(membership__in=[world.alice, world.vic]).exists()
    assert set(
        CheckinReminder.objects.filter(membership=world.mo).values_list("week", flat=True)
    ) == {(FIRST_MONDAY + dt.timedelta(weeks=w)).date() for w in (1, 3, 5, 6, 7, 8, 9, 11)}


def test_the_digest_lists_what_waits_and_links_to_it(
    world: World, paris: None, run_hourly: Any
) -> None:
    growth = make_objective(world.cycle, team=world.growth, title="Bring new inbound leads")
    waiting = make_kr(growth, "Visitors from 3k to 7k", "3000", "7000", owner=world.mo)
    done = make_kr(growth, "Demo calls from 10 to 40", "10", "40", owner=world.mo)
    make_kr(growth, "NPS from 30 to 50", "30", "50", owner=world.mo, follows_kpi=True)
    archived = make_objective(world.cycle, person=world.mo, title="Old aim", status="archived")
    make_kr(archived, "Archived KR", "0", "1", owner=world.mo)
    friday_9 = dt.datetime(2026, 11, 20, 9, tzinfo=PARIS)
    checkin(world.mo, done, friday_9 - dt.timedelta(days=3))
    checkin(world.mo, waiting, friday_9 - dt.timedelta(days=7))  # last week

    run_hourly(friday_9 - dt.timedelta(hours=1))
    assert mail.outbox == []
    run_hourly(friday_9)
    (message,) = mail.outbox
    assert message.to == ["mo@example.com"]
    assert message.subject == "[Acme] 1 key result waiting for this week's check-in"
    assert "Visitors from 3k to 7k" in message.body
    assert f"/objectives/{growth.pk}/#kr-{waiting.pk}" in message.body
    assert "Last check-in: 13 Nov 2026" in message.body
    for absent in ("Demo calls", "NPS from 30", "Archived KR"):
        assert absent not in message.body
    assert "/me/reminders/" in message.body
    reminder = CheckinReminder.objects.get()
    assert (reminder.week, reminder.key_results) == (dt.date(2026, 11, 16), 1)


def test_nothing_waiting_means_no_mail_and_no_row(
    world: World, paris: None, run_hourly: Any
) -> None:
    growth = make_objective(world.cycle, team=world.growth)
    kr = make_kr(growth, owner=world.mo)
    friday_9 = dt.datetime(2026, 11, 20, 9, tzinfo=PARIS)
    checkin(world.mo, kr, friday_9 - dt.timedelta(days=4))  # Monday
    run_hourly(friday_9)
    assert mail.outbox == []
    assert not CheckinReminder.objects.exists()


def test_a_closed_or_planned_cycle_sends_nothing(
    world: World, paris: None, run_hourly: Any
) -> None:
    make_kr(make_objective(world.cycle, team=world.growth), owner=world.mo)
    world.cycle.state = "grading"
    world.cycle.save()
    run_hourly(dt.datetime(2026, 11, 20, 10, tzinfo=PARIS))
    assert mail.outbox == []


def test_two_runs_in_the_same_hour_send_once(world: World, run_hourly: Any) -> None:
    make_kr(make_objective(world.cycle, team=world.growth), owner=world.mo)
    friday = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    run_hourly(friday)
    run_hourly(friday + dt.timedelta(minutes=1))
    with time_machine.travel(friday, tick=False):
        assert reminders.send_due_digests(friday) == []
    assert [m.to for m in mail.outbox] == [["mo@example.com"]]


def test_a_rolled_back_decision_sends_nothing(world: World) -> None:
    # Without the commit (the callbacks are not run here) nothing is queued: the e-mail goes
    # out only once the reminder row is stored.
    make_kr(make_objective(world.cycle, team=world.growth), owner=world.mo)
    friday = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    with time_machine.travel(friday, tick=False):
        sent = reminders.send_due_digests(friday)
    assert [r.membership_id for r in sent] == [world.mo.pk]
    assert mail.outbox == []


def test_the_hourly_job_reads_in_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    for i in range(5):
        make_kr(make_objective(world.cycle, team=world.growth, title=f"O{i}"), owner=world.mo)
        make_kr(make_objective(world.cycle, team=world.growth, title=f"L{i}"), owner=world.lena)
    friday = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    with time_machine.travel(friday, tick=False):
        with django_assert_num_queries(1):
            people = reminders.due_people(friday)
        with django_assert_num_queries(1):
            waiting = reminders.waiting_key_results([p.pk for p in people], friday)
    # Everyone whose day it is (Friday, both organizations' default), before knowing who has
    # something waiting.
    everyone = {world.alice, world.lena, world.mo, world.vic, world.oscar}
    assert {p.pk for p in people} == {m.pk for m in everyone}
    assert {k: len(v) for k, v in waiting.items()} == {world.mo.pk: 5, world.lena.pk: 5}


# --- the Notifications page ----------------------------------------------------------------------


def test_a_person_chooses_their_day_or_opts_out(
    world: World, client_for: Callable[[str], Client]
) -> None:
    client = client_for("mo")
    page = client.get("/me/reminders/")
    assert page.status_code == 200
    assert "You get it on <strong>Friday</strong> from 09:00." in page.content.decode()
    # The option's label, whichever entity escapes its apostrophe (&#x27; or &#39;).
    assert ">The organization's day (Friday)<" in html.unescape(page.content.decode())

    response = client.post("/me/reminders/", {"checkin_reminders": "on", "reminder_weekday": "2"})
    assert response.status_code == 302
    world.mo.refresh_from_db()
    assert (world.mo.checkin_reminders, world.mo.reminder_weekday) == (True, 2)
    assert "on <strong>Wednesday</strong>" in client.get("/me/reminders/").content.decode()

    client.post("/me/reminders/", {"reminder_weekday": ""})
    world.mo.refresh_from_db()
    assert (world.mo.checkin_reminders, world.mo.reminder_weekday) == (False, None)
    assert "You do not get the digest." in client.get("/me/reminders/").content.decode()


def test_a_bad_day_is_shown_beside_the_field(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = client_for("mo").post(
        "/me/reminders/", {"checkin_reminders": "on", "reminder_weekday": "9"}
    )
    assert response.status_code == 422
    assert 'id="id_reminder_weekday_error"' in response.content.decode()
    world.mo.refresh_from_db()
    assert world.mo.reminder_weekday is None


def test_an_admin_sets_the_organization_day_and_pace_margins(
    world: World, client_for: Callable[[str], Client]
) -> None:
    assert client_for("lena").get("/okrs/rhythm/settings/").status_code == 403
    client = client_for("alice")
    assert client.get("/okrs/rhythm/settings/").status_code == 200
    response = client.post(
        "/okrs/rhythm/settings/",
        {"pace_on_track_margin": "0.1", "pace_at_risk_margin": "0.2", "reminder_weekday": "0"},
    )
    assert response.status_code == 302
    world.org.refresh_from_db()
    assert (
        world.org.pace_on_track_margin,
        world.org.pace_at_risk_margin,
        world.org.reminder_weekday,
    ) == (0.1, 0.2, 0)


def test_inverted_margins_are_refused_and_kept_as_typed(
    world: World, client_for: Callable[[str], Client]
) -> None:
    response = client_for("alice").post(
        "/okrs/rhythm/settings/",
        {"pace_on_track_margin": "0.4", "pace_at_risk_margin": "0.2", "reminder_weekday": "4"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_pace_at_risk_margin_error"' in page
    assert "must be at least the on-track margin (0.4)" in page
    assert 'value="0.4"' in page
    world.org.refresh_from_db()
    assert world.org.pace_on_track_margin == 0.15

    response = client_for("alice").post(
        "/okrs/rhythm/settings/",
        {"pace_on_track_margin": "abc", "pace_at_risk_margin": "1.5", "reminder_weekday": "4"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_pace_on_track_margin_error"' in page
    assert 'id="id_pace_at_risk_margin_error"' in page
    assert 'value="abc"' in page
