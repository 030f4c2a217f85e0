from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from headway.api.auth import actor, writer
from headway.api.types import Attached, Id, ObjectIn, Pagination, attached, ids_by
from headway.orgs import services
from headway.orgs.accessors import get_for, get_ref
from headway.orgs.models import Team, TeamMember

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
        return list(attached(obj, "lead_ids"))

    @staticmethod
    def resolve_member_ids(obj: Team) -> list[int]:
        return list(attached(obj, "member_ids"))


class TeamIn(ObjectIn):
    name: str
    slug: str = ""
    parent_id: Id | None = None
    description: str = ""


def _teams(org_id: int) -> QuerySet[Team]:
    return Team.objects.filter(organization_id=org_id).order_by("id")


def _attach_members(teams: list[Team]) -> None:
    """Each team's members' and leads' ids (leads first, then by id), in one query."""
    links = list(
        TeamMember.objects.filter(team__in=teams)
        .order_by("team_id", "-is_lead", "membership_id")
        .values_list("team_id", "membership_id", "is_lead")
    )
    members = ids_by((team, person) for team, person, _ in links)
    leads = ids_by((team, person) for team, person, lead in links if lead)
    for team in teams:
        team.__dict__["member_ids"] = members.get(team.pk, [])
        team.__dict__["lead_ids"] = leads.get(team.pk, [])


@router.get("", response=list[TeamOut])
@paginate(Pagination)
def list_teams(request: HttpRequest):  # type: ignore[no-untyped-def]
    """Teams by `id`."""
    return Attached(_teams(actor(request).organization_id), _attach_members)


@router.get("/{team_id}", response=TeamOut)
def get_team(request: HttpRequest, team_id: int) -> Team:
    return _one(request, team_id)


def _one(request: HttpRequest, team_id: int) -> Team:
    get_for(actor(request), Team, team_id)
    team = _teams(actor(request).organization_id).get(pk=team_id)
    _attach_members([team])
    return team


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
