"""What the tables built in Python (a KPI's values, a key result's check-ins) share.

The longest tables of the pages are built by template tags rather than template loops: the
template engine spends about 0.1 ms on a row of ten lookups and filters. Their text is the
same as the template filters would give.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dates import MONTHS_3


def local_day(moment: dt.datetime, zone: dt.tzinfo) -> tuple[dt.datetime, str]:
    """``moment`` in ``zone``, and the date filter's ``"j M Y"`` of it (30 Nov 2026), without
    parsing the format each time."""
    local = timezone.localtime(moment, zone)
    return local, f"{local.day} {MONTHS_3[local.month].title()} {local.year}"
