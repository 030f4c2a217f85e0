"""What export and import share: the format's name and version and the audit reference types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models

from headway.kpis.models import AlertChannel, Benchmark, DataSource, Kpi, Measurement, XmrBaseline
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.orgs.models import ApiToken, Membership, Organization, Team, User
from headway.strategy.models import (
    CanvasFactor,
    CanvasPlayer,
    StrategyCanvas,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
)

FORMAT = "headway-organization"
VERSION = 1

# Audit events name their object by ``object_type`` (a model label) and a database id. The file
# replaces the id of every object it contains by that object's reference in the file: the natural
# key where there is one (slug, username, cycle name, KPI key), else an export-local "o1", "k1"...
REF_MODELS: tuple[type[models.Model], ...] = (
    Organization,
    User,
    Membership,
    Team,
    ApiToken,
    Cycle,
    Objective,
    KeyResult,
    CheckIn,
    Kpi,
    Measurement,
    Benchmark,
    AlertChannel,
    XmrBaseline,
    DataSource,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
    StrategyCanvas,
    CanvasFactor,
    CanvasPlayer,
)
REF_TYPES: frozenset[str] = frozenset(m._meta.label_lower for m in REF_MODELS)

VALUE_PLACES = 4
WEIGHT_PLACES = 3


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def max_length(model: type[models.Model], field: str) -> int | None:
    return model._meta.get_field(field).max_length  # type: ignore[union-attr]


def dt_out(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


def date_out(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def dec_out(value: Decimal | None, places: int = VALUE_PLACES) -> str | None:
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")
