"""A small second organization, as an organization file, for databases built by subprocesses.

It shares the demo's "demo" user and has one of its own, a KPI with a measurement, an objective
with a check-in and an audit event: rows in most of the tables the demo leaves empty.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password


def second_organization() -> dict[str, Any]:
    """A small organization file that shares the demo's "demo" user and has one of its own."""
    return {
        "format": "headway-organization",
        "version": 1,
        "organization": {"name": "Second Co", "slug": "second"},
        "users": [
            {"username": "demo"},
            {
                "username": "zoe",
                "email": "zoe@second.example",
                "full_name": "Zoë Second",
                "password": make_password(None),  # an unusable password, as Django writes it
                "date_joined": "2026-01-05T08:00:00+00:00",
            },
        ],
        "memberships": [{"user": "demo", "role": "viewer"}, {"user": "zoe", "role": "admin"}],
        "teams": [{"slug": "company", "name": "Second Co", "members": [{"user": "zoe"}]}],
        "cycles": [{"name": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31"}],
        "kpis": [
            {
                "key": "arr",
                "name": "ARR",
                "measurements": [{"period": "2026-10-01", "value": "12.5", "recorded_by": "zoe"}],
            }
        ],
        "objectives": [
            {
                "ref": "o1",
                "cycle": "2026-Q4",
                "title": "Grow recurring revenue",
                "owner_team": "company",
                "key_results": [
                    {
                        "ref": "k1",
                        "title": "ARR from 10 to 20",
                        "start": "10",
                        "target": "20",
                        "kpi": "arr",
                        "checkins": [
                            {
                                "ref": "c1",
                                "value": "12.5",
                                "confidence": 6,
                                "author": "zoe",
                                "created_at": "2026-11-02T09:00:00+00:00",
                            }
                        ],
                    }
                ],
            }
        ],
        "audit_events": [
            {
                "action": "checkin.create",
                "actor": "zoe",
                "object_type": "okrs.checkin",
                "object": "c1",
                "after": {"value": "12.5", "note": "ünïcode ✓"},
                "created_at": "2026-11-02T09:00:00+00:00",
            }
        ],
    }
