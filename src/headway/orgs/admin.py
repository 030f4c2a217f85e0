from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from headway.audit.mixins import AuditedAdmin
from headway.orgs.models import ApiToken, Membership, Organization, Team, TeamMember, User


@admin.register(User)
class HeadwayUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Headway", {"fields": ("full_name",)}))  # type: ignore[misc]
    list_display = ("username", "full_name", "email", "is_staff", "is_active")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "slug", "fiscal_year_start_month", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ("membership", "is_lead", "organization")


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "organization", "parent", "okrs_enabled")
    list_filter = ("organization", "okrs_enabled")
    search_fields = ("name", "slug")
    inlines = (TeamMemberInline,)


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "organization", "role", "title")
    list_filter = ("organization", "role")
    search_fields = ("user__username", "user__full_name", "user__email")


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("name", "prefix", "membership", "scope", "created_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
