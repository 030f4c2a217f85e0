from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from headway.api.auth import actor
from headway.api.types import Pagination
from headway.orgs.accessors import get_for
from headway.orgs.models import Membership

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
        return [link.team_id for link in obj.team_links.all()]


def _people(org_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization_id=org_id)
        .select_related("user")
        .prefetch_related("team_links")
        .order_by("id")
    )


@router.get("", response=list[PersonOut])
@paginate(Pagination)
def list_people(request: HttpRequest):  # type: ignore[no-untyped-def]
    """People of the organization by `id`."""
    return _people(actor(request).organization_id)


@router.get("/me", response=PersonOut)
def me(request: HttpRequest) -> Membership:
    return _people(actor(request).organization_id).get(pk=actor(request).pk)


@router.get("/{person_id}", response=PersonOut)
def get_person(request: HttpRequest, person_id: int) -> Membership:
    get_for(actor(request), Membership, person_id)
    return _people(actor(request).organization_id).get(pk=person_id)
