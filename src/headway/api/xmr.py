"""A KPI's process behaviour (XmR) chart, and re-baselining it.

The figures are those of the KPI page and of ``headway kpi xmr --format json``: one serializer,
``headway.kpis.xmr.as_dict``, feeds all three.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from headway.api.auth import actor, writer
from headway.api.types import ObjectIn
from headway.core.xmr import DEFAULT_BASELINE, MAX_BASELINE, MIN_BASELINE
from headway.kpis import xmr
from headway.kpis.models import Kpi, XmrBaseline
from headway.orgs.accessors import get_for

router = Router(tags=["KPIs"])


class BaselineOut(Schema):
    id: int | None = Field(..., description="The re-baseline; null for the default first one.")
    starts_on: dt.date
    size: int = Field(..., description="Values the baseline asks for.")
    points: int = Field(..., description="Values the limits come from so far.")
    ends_on: dt.date = Field(..., description="The last period the limits come from.")
    provisional: bool = Field(..., description="Fewer values than asked: the limits still move.")
    locked_since: dt.date | None
    note: str
    created_by_id: int | None
    created_by: str | None
    created_at: dt.datetime | None


class LimitsOut(Schema):
    centre_line: float | None
    mr_bar: float | None = Field(..., description="Average moving range.")
    unpl: float | None = Field(..., description="Upper natural process limit.")
    lnpl: float | None = Field(..., description="Lower natural process limit.")
    url: float | None = Field(..., description="Upper range limit of the moving ranges.")
    upper_halfway: float | None
    lower_halfway: float | None


class SegmentOut(LimitsOut):
    index: int
    starts_on: dt.date
    ends_on: dt.date
    baseline: BaselineOut


class PointOut(Schema):
    period: dt.date
    value: float
    moving_range: float | None = Field(..., description="Null at the first value of a segment.")
    rules: list[int] = Field(..., description="Detection rules broken: 1, 2 and/or 3.")
    signal: Literal["improvement", "concern"] | None
    segment: int


class SignalCounts(Schema):
    improvement: int
    concern: int


class XmrOut(LimitsOut):
    """The current segment's limits at the top; every segment and every value below."""

    kpi_id: int
    kpi_key: str
    direction: str
    baseline: BaselineOut | None
    segments: list[SegmentOut]
    signals: SignalCounts
    summary: str
    points: list[PointOut]


class RebaselineIn(ObjectIn):
    starts_on: str = Field(
        ..., description="A day in the first period of the new baseline (YYYY-MM-DD)."
    )
    size: int | str = Field(
        DEFAULT_BASELINE,
        description=f"Values that set the new limits ({MIN_BASELINE}-{MAX_BASELINE}).",
    )
    note: str = ""


@router.get("/{kpi_id}/xmr", response=XmrOut)
def get_xmr(request: HttpRequest, kpi_id: int) -> dict[str, Any]:
    """The KPI's process behaviour chart: limits, segments, and per value its moving range,
    the rules it breaks and whether that is an improvement or a concern."""
    return xmr.as_dict(xmr.load(get_for(actor(request), Kpi, kpi_id)))


@router.post("/{kpi_id}/xmr/baselines", response={201: XmrOut})
def rebaseline(request: HttpRequest, kpi_id: int, payload: RebaselineIn) -> Status[Any]:
    """Start a new baseline at a measured period; answers with the chart as it now reads."""
    me = writer(request)
    kpi = get_for(me, Kpi, kpi_id)
    xmr.rebaseline(actor=me, kpi=kpi, **payload.dict())
    return Status(201, xmr.as_dict(xmr.load(kpi)))


@router.delete("/{kpi_id}/xmr/baselines/{baseline_id}", response={204: None})
def undo_rebaseline(request: HttpRequest, kpi_id: int, baseline_id: int) -> Status[None]:
    """Remove a re-baseline: its values go back to the limits of the segment before it."""
    me = writer(request)
    baseline = get_for(me, XmrBaseline, baseline_id, select=("kpi",), kpi_id=kpi_id)
    xmr.undo_rebaseline(actor=me, baseline=baseline)
    return Status(204, None)
