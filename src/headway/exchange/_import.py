"""A new organization from exported data: validate everything, then write it in bulk."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, cast

from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.exchange import _import_okrs, _import_strategy, _kpi_engine
from headway.exchange import _read as r
from headway.exchange._common import FORMAT, REF_TYPES, VERSION, label, max_length
from headway.kpis.models import (
    AlertChannel,
    Benchmark,
    DataSource,
    HealthChange,
    Kpi,
    Measurement,
    Notification,
    RawEvent,
    XmrBaseline,
)
from headway.okrs.models import (
    Alignment,
    CheckIn,
    CheckinReminder,
    Cycle,
    KeyResult,
    Objective,
    Rollup,
)
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, Organization, Team, TeamMember, User

TOP_KEYS = [
    "format",
    "version",
    "organization",
    "users",
    "memberships",
    "teams",
    "cycles",
    "kpis",
    "alert_channels",
    "objectives",
    "rollups",
    "xmatrices",
    "canvases",
    "api_tokens",
    "checkin_reminders",
    "audit_events",
]
BATCH = 500


def import_organization(data: Any, *, slug: str | None = None) -> Organization:
    """Create the organization described by ``data`` (as made by ``export_organization``).

    Existing users (by username) are reused as they are; new ones get the exported password hash.
    Raises ValidationFailed naming the first problem; nothing is written then.
    """
    try:
        with transaction.atomic():
            importer = Importer()
            importer.read(data, slug)
            importer.write()
            return importer.org
    except (IntegrityError, DataError) as exc:  # a check above is missing: still name it
        raise ValidationFailed({"data": f"the database refused the data: {exc}"}) from exc


class Importer:
    """Reads the whole document into unsaved model objects (failing on the first problem), then
    writes them table by table."""

    def __init__(self) -> None:
        self.now = timezone.now()
        self.org = Organization()
        # Reference -> object, per object type (see _common.REF_TYPES).
        self.refs: dict[str, dict[str, models.Model]] = defaultdict(dict)
        self.users: dict[str, User] = {}
        self.new_users: list[User] = []
        self.members: dict[str, Membership] = {}
        self.teams: dict[str, Team] = {}
        self.team_levels: list[list[Team]] = []
        self.team_members: list[TeamMember] = []
        self.cycles: dict[str, Cycle] = {}
        self.kpis: dict[str, Kpi] = {}
        self.measurements: list[Measurement] = []
        self.benchmarks: list[Benchmark] = []
        self.engine = _kpi_engine.Imported()
        self.objectives: list[Objective] = []
        # (copy, origin): written once both have ids, the origin may come later in the file.
        self.origins: list[tuple[Objective, Objective]] = []
        self.alignments: list[Alignment] = []
        self.key_results: list[KeyResult] = []
        self.checkins: list[CheckIn] = []
        self.rollups: list[Rollup] = []
        self.strategy = _import_strategy.Strategy()
        self.tokens: list[ApiToken] = []
        self.reminders: list[CheckinReminder] = []
        self.events: list[tuple[AuditEvent, models.Model | None]] = []

    # --- reading ------------------------------------------------------------------------------

    def read(self, data: Any, slug: str | None) -> None:
        if not isinstance(data, dict):
            r.fail("data", f"must be a JSON object with format {FORMAT!r}")
        fmt = r.get(data, "", "format")
        if fmt != FORMAT:
            r.fail("format", f"must be {FORMAT!r}, not {str(fmt)[:60]!r}")
        version = r.get(data, "", "version")
        if type(version) is not int or version != VERSION:
            r.fail(
                "version",
                f"unsupported version {str(version)[:20]!r}: this Headway reads version {VERSION}",
            )
        r.obj(data, "", TOP_KEYS)
        self._organization(r.get(data, "", "organization"), slug)
        self._users(data)
        self._memberships(data)
        self._teams(data)
        _import_okrs.read_cycles(self, data)
        _import_okrs.read_kpis(self, data)
        _kpi_engine.read_channels(self, data)
        _import_okrs.read_objectives(self, data)
        _import_okrs.read_rollups(self, data)
        _import_strategy.read_xmatrices(self, data)
        _import_strategy.read_canvases(self, data)
        self._tokens(data)
        self._reminders(data)
        self._events(data)

    def ref(self, model: type[models.Model], ref: str, obj: models.Model, path: str) -> None:
        refs = self.refs[label(model)]
        if ref in refs:
            r.fail(path, f"{ref!r} is used twice")
        refs[ref] = obj

    def own_ref(
        self, d: dict[str, Any], path: str, model: type[models.Model], obj: models.Model
    ) -> None:
        """The optional export-local reference ("o1") other parts of the file may use."""
        ref = r.text(d, path, "ref", max_length=100, default=None, null=True, blank=False)
        if ref is not None:
            self.ref(model, ref, obj, r.join(path, "ref"))

    def lookup(
        self,
        d: dict[str, Any],
        path: str,
        key: str,
        table: dict[str, Any],
        what: str,
        *,
        required: bool = False,
    ) -> Any:
        ref = r.text(d, path, key, default=r.REQUIRED if required else None, null=not required)
        if ref is None:
            return None
        if ref not in table:
            r.fail(r.join(path, key), f"unknown {what} {ref[:60]!r}")
        return table[ref]

    def stamp(self, d: dict[str, Any], path: str, key: str) -> dt.datetime:
        value: dt.datetime = r.datetime(d, path, key, default=self.now)
        return value

    def _organization(self, value: Any, slug: str | None) -> None:
        p = "organization"
        d = r.obj(
            value,
            p,
            [
                "name",
                "slug",
                "fiscal_year_start_month",
                "pace_on_track_margin",
                "pace_at_risk_margin",
                "reminder_weekday",
                "coach_disabled_rules",
                "created_at",
            ],
        )
        org = self.org
        org.name = r.text(
            d,
            p,
            "name",
            max_length=max_length(Organization, "name"),
            default=r.REQUIRED,
            blank=False,
        )
        file_slug = r.slug(d, p, "slug", max_length=max_length(Organization, "slug"))
        if slug is not None:
            if not isinstance(slug, str) or not slug:
                r.fail("slug", "must be a non-empty string")
            r.check_slug(slug, "slug")
            if len(slug) > (max_length(Organization, "slug") or 0):
                r.fail("slug", "is too long")
        org.slug = slug if slug is not None else file_slug
        org.fiscal_year_start_month = r.integer(
            d, p, "fiscal_year_start_month", low=1, high=12, default=1
        )
        org.pace_on_track_margin = r.fraction(d, p, "pace_on_track_margin", default=0.15)
        org.pace_at_risk_margin = r.fraction(d, p, "pace_at_risk_margin", default=0.33)
        if org.pace_at_risk_margin < org.pace_on_track_margin:
            r.fail(f"{p}.pace_at_risk_margin", "must not be below pace_on_track_margin")
        org.reminder_weekday = r.integer(d, p, "reminder_weekday", low=0, high=6, default=4)
        disabled = d.get("coach_disabled_rules", [])
        if not isinstance(disabled, list) or not all(isinstance(x, str) for x in disabled):
            r.fail(f"{p}.coach_disabled_rules", "must be a list of rule ids")
        org.coach_disabled_rules = list(disabled)
        org.created_at = self.stamp(d, p, "created_at")
        if Organization.objects.filter(slug=org.slug).exists():
            r.fail(
                "organization.slug",
                f"an organization {org.slug!r} already exists; import it under another slug",
            )
        self.ref(Organization, file_slug, org, "organization.slug")

    def _users(self, data: dict[str, Any]) -> None:
        entries = []
        for p, value in r.items(data, "", "users"):
            d = r.obj(
                value,
                p,
                [
                    "username",
                    "email",
                    "full_name",
                    "first_name",
                    "last_name",
                    "is_active",
                    "password",
                    "date_joined",
                    "last_login",
                ],
            )
            name = r.text(
                d,
                p,
                "username",
                max_length=max_length(User, "username"),
                default=r.REQUIRED,
                blank=False,
            )
            if name in self.users:
                r.fail(r.join(p, "username"), f"{name!r} is listed twice")
            user = User(
                username=name,
                email=r.text(d, p, "email", max_length=max_length(User, "email")),
                full_name=r.text(d, p, "full_name", max_length=max_length(User, "full_name")),
                first_name=r.text(d, p, "first_name", max_length=max_length(User, "first_name")),
                last_name=r.text(d, p, "last_name", max_length=max_length(User, "last_name")),
                is_active=r.boolean(d, p, "is_active", default=True),
                date_joined=self.stamp(d, p, "date_joined"),
                last_login=r.datetime(d, p, "last_login", default=None),
            )
            password = r.text(
                d, p, "password", max_length=max_length(User, "password"), default=None, null=True
            )
            if password is None:
                user.set_unusable_password()
            else:
                user.password = password
            self.users[name] = user
            entries.append(user)
        existing = {u.username: u for u in User.objects.filter(username__in=list(self.users))}
        for user in entries:
            if user.username in existing:
                self.users[user.username] = existing[user.username]
            else:
                self.new_users.append(user)
        for name, user in self.users.items():
            self.ref(User, name, user, "users")

    def _memberships(self, data: dict[str, Any]) -> None:
        for p, value in r.items(data, "", "memberships"):
            d = r.obj(
                value,
                p,
                ["user", "role", "title", "checkin_reminders", "reminder_weekday", "created_at"],
            )
            user = self.lookup(d, p, "user", self.users, "user", required=True)
            if user.username in self.members:
                r.fail(r.join(p, "user"), f"{user.username!r} is listed twice")
            member = Membership(
                organization=self.org,
                user=user,
                role=r.choice(d, p, "role", Role.values, default=Role.MEMBER),
                title=r.text(d, p, "title", max_length=max_length(Membership, "title")),
                checkin_reminders=r.boolean(d, p, "checkin_reminders", default=True),
                reminder_weekday=r.integer(
                    d, p, "reminder_weekday", low=0, high=6, default=None, null=True
                ),
                created_at=self.stamp(d, p, "created_at"),
            )
            self.members[user.username] = member
            self.ref(Membership, user.username, member, p)

    def _teams(self, data: dict[str, Any]) -> None:
        parents: dict[str, tuple[str | None, str]] = {}
        raw_members = []
        for p, value in r.items(data, "", "teams"):
            d = r.obj(
                value,
                p,
                ["slug", "name", "parent", "description", "okrs_enabled", "created_at", "members"],
            )
            team_slug = r.slug(d, p, "slug", max_length=max_length(Team, "slug"))
            if team_slug in self.teams:
                r.fail(r.join(p, "slug"), f"{team_slug!r} is used twice")
            team = Team(
                organization=self.org,
                slug=team_slug,
                name=r.text(
                    d,
                    p,
                    "name",
                    max_length=max_length(Team, "name"),
                    default=r.REQUIRED,
                    blank=False,
                ),
                description=r.text(d, p, "description"),
                okrs_enabled=r.boolean(d, p, "okrs_enabled", default=True),
                created_at=self.stamp(d, p, "created_at"),
            )
            self.teams[team_slug] = team
            parents[team_slug] = (r.text(d, p, "parent", default=None, null=True), p)
            raw_members.append((team, d, p))
        # The tree: every parent known, no loops; written level by level from the roots.
        for parent, p in parents.values():
            if parent is not None and parent not in self.teams:
                r.fail(r.join(p, "parent"), f"unknown team {parent[:60]!r}")
        depth: dict[str, int] = {}
        for team_slug, (_, p) in parents.items():
            chain = [team_slug]
            while chain[-1] not in depth and parents[chain[-1]][0] is not None:
                chain.append(parents[chain[-1]][0])  # type: ignore[arg-type]
                if chain[-1] in chain[:-1]:
                    r.fail(r.join(p, "parent"), "the team tree would have a loop")
            level = depth.get(chain[-1], 0)
            for s in reversed(chain):
                depth.setdefault(s, level)
                level = depth[s] + 1
        for team_slug, team in self.teams.items():
            parent = parents[team_slug][0]
            team.parent = self.teams[parent] if parent is not None else None
            while len(self.team_levels) <= depth[team_slug]:
                self.team_levels.append([])
            self.team_levels[depth[team_slug]].append(team)
            self.ref(Team, team_slug, team, parents[team_slug][1])
        for team, d, p in raw_members:
            seen = set()
            for mp, m in r.items(d, p, "members"):
                md = r.obj(m, mp, ["user", "is_lead"])
                member = self.lookup(md, mp, "user", self.members, "member", required=True)
                if member.user.username in seen:
                    r.fail(r.join(mp, "user"), f"{member.user.username!r} is listed twice")
                seen.add(member.user.username)
                self.team_members.append(
                    TeamMember(
                        organization=self.org,
                        team=team,
                        membership=member,
                        is_lead=r.boolean(md, mp, "is_lead", default=False),
                    )
                )

    def _tokens(self, data: dict[str, Any]) -> None:
        digests: dict[str, str] = {}
        for p, value in r.items(data, "", "api_tokens"):
            d = r.obj(
                value,
                p,
                [
                    "ref",
                    "user",
                    "name",
                    "prefix",
                    "digest",
                    "scope",
                    "created_at",
                    "last_used_at",
                    "revoked_at",
                ],
            )
            token = ApiToken(
                organization=self.org,
                membership=self.lookup(d, p, "user", self.members, "member", required=True),
                name=r.text(
                    d,
                    p,
                    "name",
                    max_length=max_length(ApiToken, "name"),
                    default=r.REQUIRED,
                    blank=False,
                ),
                prefix=r.text(
                    d, p, "prefix", max_length=max_length(ApiToken, "prefix"), default=r.REQUIRED
                ),
                digest=r.text(
                    d,
                    p,
                    "digest",
                    max_length=max_length(ApiToken, "digest"),
                    default=r.REQUIRED,
                    blank=False,
                ),
                scope=r.choice(d, p, "scope", ApiToken.Scope.values, default=ApiToken.Scope.WRITE),
                created_at=self.stamp(d, p, "created_at"),
                last_used_at=r.datetime(d, p, "last_used_at", default=None),
                revoked_at=r.datetime(d, p, "revoked_at", default=None),
            )
            if token.digest in digests:
                r.fail(r.join(p, "digest"), "the same token is listed twice")
            digests[token.digest] = r.join(p, "digest")
            self.own_ref(d, p, ApiToken, token)
            self.tokens.append(token)
        taken = ApiToken.objects.filter(digest__in=list(digests)).values_list("digest", flat=True)
        for digest in taken:
            r.fail(
                digests[digest],
                "a token with this digest already exists in this database and a token "
                "belongs to one organization: to import a copy, leave the token out (and "
                "give audit events that refer to it an object_id instead)",
            )

    def _reminders(self, data: dict[str, Any]) -> None:
        seen: set[tuple[str, dt.date]] = set()
        for p, value in r.items(data, "", "checkin_reminders"):
            d = r.obj(value, p, ["user", "week", "sent_at", "key_results"])
            reminder = CheckinReminder(
                organization=self.org,
                membership=self.lookup(d, p, "user", self.members, "member", required=True),
                week=r.date(d, p, "week"),
                sent_at=r.datetime(d, p, "sent_at", default=r.REQUIRED),
                key_results=r.integer(d, p, "key_results", low=0, high=r.INT_MAX),
            )
            if reminder.week.weekday() != 0:
                r.fail(r.join(p, "week"), "must be a Monday (the week the reminder is about)")
            key = (reminder.membership.user.username, reminder.week)
            if key in seen:
                r.fail(p, "a second reminder for the same person and week")
            seen.add(key)
            self.reminders.append(reminder)

    def _events(self, data: dict[str, Any]) -> None:
        for p, value in r.items(data, "", "audit_events"):
            d = r.obj(
                value,
                p,
                [
                    "action",
                    "actor",
                    "object_type",
                    "object",
                    "object_id",
                    "before",
                    "after",
                    "created_at",
                ],
            )
            object_type = r.text(
                d,
                p,
                "object_type",
                default=r.REQUIRED,
                max_length=max_length(AuditEvent, "object_type"),
            )
            event = AuditEvent(
                organization=self.org,
                actor=self.lookup(d, p, "actor", self.users, "user"),
                action=r.text(
                    d, p, "action", default=r.REQUIRED, max_length=max_length(AuditEvent, "action")
                ),
                object_type=object_type,
                before=r.json_value(d, p, "before"),
                after=r.json_value(d, p, "after"),
                created_at=r.datetime(d, p, "created_at", default=r.REQUIRED),
            )
            target: models.Model | None = None
            if ("object" in d) == ("object_id" in d):
                r.fail(
                    r.join(p, "object"),
                    "give exactly one of object (a reference to an "
                    "object in this file) and object_id",
                )
            if "object" in d:
                if object_type not in REF_TYPES:
                    r.fail(
                        r.join(p, "object"),
                        f"objects of type {object_type[:60]!r} have no reference; use object_id",
                    )
                target = self.lookup(
                    d, p, "object", self.refs[object_type], object_type, required=True
                )
            else:
                object_id = r.integer(d, p, "object_id", low=-r.BIG_INT_MAX, high=r.BIG_INT_MAX)
                # The id of an object that is not in the file means nothing in this database:
                # negate it so it cannot point at a new object that happens to get the same id.
                event.object_id = -abs(object_id) if object_type in REF_TYPES else object_id
            self.events.append((event, target))

    # --- writing ------------------------------------------------------------------------------

    def write(self) -> None:
        _create(Organization, [self.org], ["created_at"])
        _create(User, self.new_users)
        _create(Membership, list(self.members.values()), ["created_at"])
        for level in self.team_levels:
            _create(Team, level, ["created_at"])
        _create(TeamMember, self.team_members)
        _create(Cycle, list(self.cycles.values()))
        _create(Kpi, list(self.kpis.values()), ["created_at", "updated_at"])
        _create(Measurement, self.measurements)
        _create(Benchmark, self.benchmarks)
        self._write_engine()
        _create(Objective, self.objectives, ["created_at", "updated_at"])
        _link_origins(self.origins)
        _create(Alignment, self.alignments)
        _create(KeyResult, self.key_results, ["created_at", "updated_at"])
        _create(CheckIn, self.checkins)
        _create(Rollup, self.rollups, ["updated_at"])
        _import_strategy.write(self)
        _create(ApiToken, self.tokens, ["created_at"])
        _create(CheckinReminder, self.reminders)
        events = []
        for event, target in self.events:
            if target is not None:
                event.object_id = target.pk
            events.append(event)
        _create(AuditEvent, events)

    def _write_engine(self) -> None:
        engine = self.engine
        _create(HealthChange, engine.changes)
        _create(XmrBaseline, engine.baselines)
        _create(RawEvent, engine.events)
        _create(DataSource, engine.sources, ["created_at"])
        _create(AlertChannel, list(engine.channels.values()), ["created_at"])
        AlertChannel.kpis.through.objects.bulk_create(
            [
                AlertChannel.kpis.through(alertchannel_id=channel.pk, kpi_id=kpi.pk)
                for channel, kpis in engine.channel_kpis
                for kpi in kpis
            ],
            batch_size=BATCH,
        )
        _create(Notification, [n for n, _, _ in engine.notifications])


def _link_origins(pairs: list[tuple[Objective, Objective]]) -> None:
    """Point copies at their origins, now that both have ids (one UPDATE per copy, batched)."""
    if not pairs:
        return
    meta = Objective._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column = quote(str(meta.get_field("origin").column))
    assert meta.pk is not None
    pk_column = quote(str(meta.pk.column))
    sql = f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s"  # noqa: S608 (names, quoted)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[origin.pk, copy.pk] for copy, origin in pairs])
    for copy, origin in pairs:
        copy.origin = origin


def _create(model: type[models.Model], objs: list[Any], stamps: list[str] | None = None) -> None:
    """bulk_create, then put back the auto_now/auto_now_add values that saving overwrote.

    bulk_create calls each field's pre_save(), which sets auto_now and auto_now_add fields to
    "now" whatever the object holds. QuerySet.bulk_update would restore them but builds one CASE
    per row and column (seconds for a few thousand rows), so this runs one parameterized UPDATE
    per row through executemany instead.
    """
    if not objs:
        return
    kept = [[getattr(o, f) for f in stamps or []] for o in objs]
    model._default_manager.bulk_create(objs, batch_size=BATCH)
    if not stamps:
        return
    meta = model._meta
    fields = [cast("models.Field[Any, Any]", meta.get_field(f)) for f in stamps]
    pk = meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    table, pk_column = quote(meta.db_table), quote(str(pk.column))
    sql = f"UPDATE {table} SET {columns} WHERE {pk_column} = %s"  # noqa: S608 (names, quoted)
    rows = []
    for o, values in zip(objs, kept, strict=True):
        for f, v in zip(stamps, values, strict=True):
            setattr(o, f, v)
        prepared = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
        rows.append([*prepared, pk.get_db_prep_save(o.pk, connection)])
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
