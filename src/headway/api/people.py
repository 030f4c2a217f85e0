from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from headway.api.auth import actor
from headway.api.types import Attached, Pagination, attached, ids_by
from headway.orgs.accessors import get_for
from headway.orgs.models import Membership, TeamMember

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    title: str
    team_ids: list[int]

    @staticmethod
    def resolve_username(obj: Membership) -> str:
        return obj.user.username

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.user.display_name

    @staticmethod
    def resolve_email(obj: Membership) -> str:
        return obj.user.email

    @staticmethod
    def resolve_team_ids(obj: Membership) -> list[int]:
        return list(attached(obj, "team_ids"))


def _people(org_id: int) -> QuerySet[Membership]:
    return Membership.objects.filter(organization_id=org_id).select_related("user").order_by("id")


def _attach_teams(people: list[Membership]) -> None:
    """Each person's team ids, by id, in one query (tuples, not a model per link)."""
    links = (
        TeamMember.objects.filter(membership__in=people)
        .order_by("membership_id", "team_id")
        .values_list("membership_id", "team_id")
    )
    teams = ids_by(links)
    for person in people:
        person.__dict__["team_ids"] = teams.get(person.pk, [])


def _one(org_id: int, person_id: int) -> Membership:
    person = _people(org_id).get(pk=person_id)
    _attach_teams([person])
    return person


@router.get("", response=list[PersonOut])
@paginate(Pagination)
def list_people(request: HttpRequest):  # type: ignore[no-untyped-def]
    """People of the organization by `id`."""
    return Attached(_people(actor(request).organization_id), _attach_teams)


@router.get("/me", response=PersonOut)
def me(request: HttpRequest) -> Membership:
    return _one(actor(request).organization_id, actor(request).pk)


@router.get("/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int) -> Membership:
    get_for(actor(request), Membership, person_id)
    return _one(actor(request).organization_id, person_id)
