"""Admin of the registry: read-only screens for support, scoped to the user's subtree.

Why read-only, even for administrators: every change to the registry has a service
(``doudi.registry.services``), used by the pages and the API, that validates the ID number
against the typed gender and birth date, keeps one head per household and one household per
person, writes the membership history, bumps the version that guards against lost updates and
writes the audit row in the same transaction. A generic admin form would do none of that, and
the services' durable transactions cannot run inside the admin's own transaction. The fixes an
administrator needs (a wrong phone, address or relation, a wrong income, a person who moved
out) are all made on the household page or through the API, with an audit row; an ID number
typed wrongly is corrected by removing the person and registering them again, as the
services require. The admin is therefore for finding and reading records across the subtree.

Lists mask ID numbers, phones and bank accounts; a person's page shows them in full and is
logged as a ``RecordAccess`` (channel ``admin``), like the full record in the pages and the API.
"""

from __future__ import annotations

from django.contrib import admin

from doudi.accounts.scope import scope_filter
from doudi.core.admin import MASKERS, ScopedInline, ScopedModelAdmin
from doudi.registry.models import EVIDENCE_MODELS, Household, Membership, Person


def _person_scope(user, queryset, prefix: str = ""):
    """Persons (or their evidence) by the current household's region, or by hukou when they have none."""
    in_household = scope_filter(user, queryset, f"{prefix}household__region__code")
    without = queryset.filter(**{f"{prefix}household__isnull": True})
    return in_household | scope_filter(user, without, f"{prefix}hukou_region__code")


class _MemberInline(ScopedInline):
    model = Person
    fk_name = "household"
    fields = ("name", "relation", "gender", "birth_date", "id_number_masked", "phone_masked")
    readonly_fields = fields
    verbose_name_plural = "现有成员（证件号已脱敏，点击查看完整信息将被记录）"

    @admin.display(description="公民身份号码")
    def id_number_masked(self, person) -> str:
        return MASKERS["id_number"](person.id_number)

    @admin.display(description="手机号")
    def phone_masked(self, person) -> str:
        return MASKERS["phone"](person.phone)


class _MembershipInline(ScopedInline):
    model = Membership
    fields = ("member", "relation", "valid_from", "valid_to", "reason", "recorded_at", "closed_at")
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "成员变动历史"

    @admin.display(description="人员")
    def member(self, membership) -> str:
        return membership.person.name


@admin.register(Household)
class HouseholdAdmin(ScopedModelAdmin):
    scope_path = "region__code"
    list_display = ("number", "head_name", "region", "area_type", "member_count", "status", "updated_at")
    list_filter = ("status", "area_type")
    list_select_related = ("region",)
    search_fields = ("^number", "=head_name", "^region__code")
    readonly_fields = (
        "number",
        "region",
        "area_type",
        "address",
        "head_name",
        "member_count",
        "status",
        "note",
        "version",
        "created_at",
        "updated_at",
        "registered_by",
    )
    exclude = ("created_by",)  # shown as 登记人 by name
    inlines = (_MemberInline, _MembershipInline)

    @admin.display(description="登记人")
    def registered_by(self, household) -> str:
        user = household.created_by
        return (user.full_name or user.username) if user else "（系统导入）"


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    list_display = ("name", "id_number", "gender", "birth_date", "relation", "household", "phone", "death_date")
    list_filter = ("gender", "relation")
    list_select_related = ("household",)
    search_fields = ("=id_number", "=name", "^household__number")
    readonly_fields = (
        "name",
        "id_number",
        "gender",
        "birth_date",
        "household",
        "relation",
        "hukou_region",
        "hukou_type",
        "residence_address",
        "phone",
        "bank_name",
        "bank_account",
        "death_date",
        "version",
        "created_at",
        "updated_at",
    )

    def scope_queryset(self, request, queryset):
        return _person_scope(request.user, queryset)

    def region_code_of(self, obj) -> str:
        return obj.region_code

    def full_record_person(self, obj):
        return obj


class EvidenceAdmin(ScopedModelAdmin):
    """One read-only screen per kind of evidence; superseded rows stay visible, marked as such."""

    list_select_related = ("person__household",)
    search_fields = ("=person__name", "=person__id_number", "^person__household__number")

    def scope_queryset(self, request, queryset):
        return _person_scope(request.user, queryset, "person__")

    def region_code_of(self, obj) -> str:
        return obj.person.region_code

    def get_list_display(self, request):
        return ("person", *self.model.value_fields, "valid_from", "valid_to", "source", "recorded_at", "superseded_at")

    def get_list_filter(self, request):
        return ("source", ("superseded_at", admin.EmptyFieldListFilter))

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id"]


for _model in EVIDENCE_MODELS.values():
    admin.site.register(_model, EvidenceAdmin)
