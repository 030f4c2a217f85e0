"""What an alert says and how it reaches a channel: e-mail, or a signed Slack-compatible webhook.

A ``Notification`` row is the outbox: it is written with the alert's state change and delivered
after the commit, one attempt at a time. A failed attempt is retried with growing pauses
(``next_attempt_at``) by the periodic ``deliver_due``; after ``MAX_ATTEMPTS`` it is given up.

Webhook bodies are signed like Stripe's and Slack's own requests: ``X-Headway-Signature`` is
``sha256=`` and the hex HMAC-SHA256, under the channel's secret, of ``"<timestamp>.<body>"``
where the timestamp is ``X-Headway-Timestamp`` (Unix seconds) and the body the raw bytes sent.
``X-Headway-Delivery`` names the notification and stays the same on every attempt: a sender that
dies after the receiver got a message but before it learned so sends it again, and the receiver
drops what it has already seen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import json
import logging
import re
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from headway import outbound
from headway.core.health import Health
from headway.kpis.choices import (
    ALERT_STATE_LABELS,
    NOTIFICATION_EVENT_LABELS,
    ChannelKind,
    DeliveryStatus,
)
from headway.kpis.formatting import period_label
from headway.kpis.models import AlertChannel, Kpi, Notification

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 6
# A claimed attempt blocks others this long; a worker that dies mid-send frees it then.
LEASE = dt.timedelta(minutes=2)
BACKOFF_CAP = dt.timedelta(hours=6)
# How much of a failed webhook's answer the log keeps.
ERROR_SNIPPET = 300


class DeliveryError(Exception):
    """An attempt that did not get through; the message goes to the notification's log."""


def backoff(attempts: int) -> dt.timedelta:
    """The pause after the ``attempts``-th failure: 1, 5, 25 minutes, ..., at most six hours."""
    return min(dt.timedelta(minutes=5 ** (attempts - 1)), BACKOFF_CAP)


def split_recipients(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", text) if part]


def base_url() -> str:
    return str(settings.HEADWAY_BASE_URL)


def kpi_url(kpi: Kpi) -> str:
    return base_url() + reverse("kpis:kpi", args=[kpi.pk]) + "#alerts"


# --- what it says ----------------------------------------------------------------------------


def _local(moment: dt.datetime) -> str:
    """A moment as people of this installation read it (its ``TIME_ZONE``)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def _mrkdwn(text: str) -> str:
    """Text safe inside Slack's mrkdwn: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def compose(
    kpi: Kpi,
    *,
    event: str,
    state: str,
    state_since: dt.datetime,
    health: Health,
    explanation: str,
    period: dt.date | None,
    value: Decimal | None,
    now: dt.datetime,
) -> tuple[str, dict[str, Any]]:
    """(subject, payload) of one announcement; the payload is the webhook body as sent."""
    org = kpi.organization
    headline = f"{NOTIFICATION_EVENT_LABELS[event]}: {kpi.name} ({health.label})"
    url = kpi_url(kpi)
    state_label = ALERT_STATE_LABELS[state]
    context = f"{org.name} · {state_label} since {_local(state_since)}"
    payload = {
        "text": f"{headline}. {explanation} {url}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(explanation)}},
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{url}|{_mrkdwn(kpi.name)}> · {_mrkdwn(context)}",
                    }
                ],
            },
        ],
        "headway": {
            "event": event,
            "headline": headline,
            "explanation": explanation,
            "organization": {"name": org.name, "slug": org.slug},
            "kpi": {"id": kpi.pk, "key": kpi.key, "name": kpi.name, "unit": kpi.unit, "url": url},
            "state": state,
            "state_since": state_since.isoformat(),
            "health": health.value,
            "value": None if value is None else float(value),
            "period": None if period is None else period.isoformat(),
            "period_label": None if period is None else period_label(period, kpi.cadence),
            "at": now.isoformat(),
        },
    }
    return f"[{org.name}] {headline}", payload


def _email_body(payload: dict[str, Any]) -> str:
    about = payload.get("headway", {})
    lines = [about.get("headline", ""), "", about.get("explanation", "")]
    if about.get("state"):
        since = _local(dt.datetime.fromisoformat(about["state_since"]))
        lines += ["", f"Alert state: {ALERT_STATE_LABELS[about['state']]} since {since}"]
    if about.get("kpi"):
        lines += ["", about["kpi"]["url"]]
    lines += ["", "--", f"Alert channels: {base_url()}{reverse('kpis:alert-channels')}"]
    return "\n".join(lines)


# --- how it gets there -----------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET without the body (or resend it elsewhere): a
    # webhook URL that redirects is misconfigured, and the attempt says so.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener() -> urllib.request.OpenerDirector:
    """Webhooks reach only the hosts HEADWAY_WEBHOOK_HOSTS allows (headway.outbound): an
    organization's admin types the URL, and a failed attempt shows the start of the answer."""
    return outbound.opener(
        list(settings.HEADWAY_WEBHOOK_HOSTS),
        what="webhooks",
        setting="HEADWAY_WEBHOOK_HOSTS",
        handlers=[_NoRedirects],
    )


def _post(
    url: str, secret: str, payload: dict[str, Any], now: dt.datetime, delivery_id: str = ""
) -> None:
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("the webhook URL must start with http:// or https://")
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Headway-Alerts/1",
            "X-Headway-Timestamp": timestamp,
            "X-Headway-Signature": signature(secret, timestamp, body),
            **({"X-Headway-Delivery": delivery_id} if delivery_id else {}),
        },
    )
    try:
        with _opener().open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(ERROR_SNIPPET)
    except outbound.HostRefused as exc:
        raise DeliveryError(str(exc)) from None
    except urllib.error.HTTPError as exc:
        answer = exc.read(ERROR_SNIPPET).decode("utf-8", "replace").strip()
        detail = f"HTTP {exc.code} {exc.reason}" + (f": {answer}" if answer else "")
        raise DeliveryError(detail) from None
    except urllib.error.URLError as exc:
        raise DeliveryError(f"could not reach {urlsplit(url).netloc}: {exc.reason}") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise DeliveryError(f"could not reach {urlsplit(url).netloc}: {exc}") from None


def _send_email(channel: AlertChannel, subject: str, payload: dict[str, Any]) -> None:
    recipients = split_recipients(channel.recipients)
    if not recipients:
        raise DeliveryError("the channel has no recipients")
    message = EmailMessage(
        subject=subject,
        body=_email_body(payload),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
    )
    try:
        message.send()
    except (OSError, ValueError) as exc:  # smtplib's errors are OSErrors
        raise DeliveryError(f"e-mail not sent: {exc}") from None


def send(
    channel: AlertChannel,
    subject: str,
    payload: dict[str, Any],
    now: dt.datetime,
    delivery_id: str = "",
) -> None:
    """One attempt to one channel; DeliveryError when it did not get through."""
    if channel.kind == ChannelKind.WEBHOOK:
        _post(channel.url, channel.secret, payload, now, delivery_id)
    else:
        _send_email(channel, subject, payload)


def send_test(channel: AlertChannel, now: dt.datetime) -> str | None:
    """A test message straight to the channel (no outbox, no retry): the error, or None."""
    org = channel.organization
    text = f"Test from Headway: alerts of {org.name} reach the channel {channel.name}."
    payload = {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(text)}}],
        "headway": {
            "event": "test",
            "headline": f"Test message for {channel.name}",
            "explanation": text,
            "organization": {"name": org.name, "slug": org.slug},
            "at": now.isoformat(),
        },
    }
    try:
        send(channel, f"[{org.name}] Test message for {channel.name}", payload, now)
    except DeliveryError as exc:
        return str(exc)
    return None


def deliver(notification: Notification, now: dt.datetime) -> bool:
    """One delivery attempt, if the notification is due and nobody else is sending it.

    Claiming it first (a conditional update) keeps the job that runs right after the commit and
    the periodic one from sending the same message twice. True when it got through.
    """
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    claimed = (
        Notification.objects.filter(
            due, pk=notification.pk, status=DeliveryStatus.PENDING, attempts=notification.attempts
        ).update(next_attempt_at=now + LEASE)
        == 1
    )
    if not claimed:
        return False
    channel = notification.channel
    final = False
    error = ""
    if channel is None:
        error, final = "the channel was deleted", True
    elif not channel.enabled:
        error, final = "the channel was disabled", True
    else:
        try:
            send(
                channel,
                notification.subject,
                notification.payload,
                now,
                delivery_id=f"notification-{notification.pk}",
            )
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:
            # Anything else is a bug here, but it must not retry forever without counting.
            logger.exception("notification %s: delivery crashed", notification.pk)
            error = f"{type(exc).__name__}: {exc}"
    notification.attempts += 1
    if not error:
        notification.status = DeliveryStatus.SENT
        notification.delivered_at = now
        notification.next_attempt_at = None
    elif final or notification.attempts >= MAX_ATTEMPTS:
        notification.status = DeliveryStatus.FAILED
        notification.next_attempt_at = None
    else:
        notification.next_attempt_at = now + backoff(notification.attempts)
    notification.last_error = error[:2000]
    if error:
        logger.warning(
            "notification %s to %s, attempt %s: %s",
            notification.pk,
            notification.channel_name,
            notification.attempts,
            error,
        )
    notification.save(
        update_fields=["status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    )
    return not error


def deliver_one(notification_id: int, now: dt.datetime) -> bool:
    notification = Notification.objects.select_related("channel").filter(pk=notification_id).first()
    return notification is not None and deliver(notification, now)


def deliver_due(now: dt.datetime, *, limit: int = 200) -> int:
    """Attempt every notification that is due (new ones and retries); how many got through."""
    due = list(
        Notification.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
            status=DeliveryStatus.PENDING,
        )
        .select_related("channel")
        .order_by("next_attempt_at", "id")[:limit]
    )
    return sum(deliver(notification, now) for notification in due)
