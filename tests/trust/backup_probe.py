"""A backup that another connection writes to while it reads; run by test_backup in a subprocess.

In a migrated, empty database of its own (``dedicated_db.Place``): builds two organizations, then
takes a backup. Right after the first organization (acme) has been read, a second thread, with
its own database connection, records a check-in in the second one (globex) and signs up a new
user, and commits. Prints as JSON what the backup holds and what the database holds.
"""

from __future__ import annotations

import json
import threading
from typing import Any


def main() -> None:
    from headway.cli.common import setup_django

    setup_django()
    from django.conf import settings
    from django.db import connections

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from headway.audit.models import AuditEvent
    from headway.exchange.backup import collect
    from headway.okrs.models import CheckIn
    from headway.okrs.services import record_checkin
    from headway.orgs.models import User
    from tests.factories import make_kr, make_objective, make_user, make_world

    world = make_world()
    kr = make_kr(make_objective(world.other_cycle, team=world.other_team), owner=world.oscar)
    # The reading connection must not be in a transaction before the backup starts its own.
    connections.close_all()
    failures: list[BaseException] = []

    def write_elsewhere() -> None:
        try:
            record_checkin(actor=world.oscar, key_result=kr, value="40", confidence=7)
            make_user("late")
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
        finally:
            connections.close_all()

    def on_read(slug: str) -> None:
        if slug == "acme":
            writer = threading.Thread(target=write_elsewhere)
            writer.start()
            writer.join(timeout=60)

    backup = collect(on_read=on_read)
    if failures:
        raise failures[0]
    globex: dict[str, Any] = next(
        d for d in backup["body"]["organizations"] if d["organization"]["slug"] == "globex"
    )
    print(
        json.dumps(
            {
                "backup": {
                    "checkins": sum(
                        len(k["checkins"]) for o in globex["objectives"] for k in o["key_results"]
                    ),
                    "checkin_events": sum(
                        e["action"] == "checkin.create" for e in globex["audit_events"]
                    ),
                    "users": [u["username"] for u in backup["body"]["users"]],
                },
                "database": {
                    "checkins": CheckIn.objects.filter(organization=world.other_org).count(),
                    "checkin_events": AuditEvent.objects.filter(
                        organization=world.other_org, action="checkin.create"
                    ).count(),
                    "users": sorted(User.objects.values_list("username", flat=True)),
                },
            }
        )
    )


if __name__ == "__main__":
    main()
