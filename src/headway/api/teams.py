from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from headway.api.auth import actor, writer
from headway.api.types import Id, ObjectIn, Pagination
from headway.orgs import services
from headway.orgs.accessors import get_for, get_ref
from headway.orgs.models import Team

router = Router(tags=["teams"])


class TeamOut(Schema):
    id: int
    name: str
    slug: str
    parent_id: int | None
    description: str
    okrs_enabled: bool
    lead_ids: list[int]
    member_ids: list[int]

    @staticmethod
    def resolve_lead_ids(obj: Team) -> list[int]:
        return [link.membership_id for link in obj.memberships.all() if link.is_lead]

    @staticmethod
    def resolve_member_ids(obj: Team) -> list[int]:
        return [link.membership_id for link in obj.memberships.all()]


class TeamIn(ObjectIn):
    name: str
    slug: str = ""
    parent_id: Id | None = None
    description: str = ""


def _teams(org_id: int) -> QuerySet[Team]:
    return (
        Team.objects.filter(organization_id=org_id).prefetch_related("memberships").order_by("id")
    )


@router.get("", response=list[TeamOut])
@paginate(Pagination)
def list_teams(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Teams by `id`."""
    return _teams(actor(request).organization_id)


@router.get("/{team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: int) -> Team:
    return _one(request, team_id)


def _one(request: HttpRequest, team_id: int) -> Team:
    get_for(actor(request), Team, team_id)
    return _teams(actor(request).organization_id).get(pk=team_id)


@router.post("", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn) -> Status[Any]:
    me = writer(request)
    parent = get_ref(me, Team, payload.parent_id, "parent_id")
    team = services.create_team(
        actor=me,
        name=payload.name,
        slug=payload.slug,
        parent=parent,
        description=payload.description,
    )
    return Status(201, _one(request, team.pk))
