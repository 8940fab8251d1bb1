"""Writes to the region tree: an administrator's correction of a village's urban/rural type."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.audit.services import diff_fields, record_event, snapshot
from doudi.core.errors import CoreErrorCode, DomainError
from doudi.regions.models import AreaType, AreaTypeSource, Level, Region


@transaction.atomic(durable=True)
def do_set_area_type(actor, region: Region, *, area_type: str, reason: str = "") -> Region:
    """Set a village's urban/rural type by hand, and carry it to the households living there.

    The type decides which standard applies, so the village's active households take it over
    too, each with its own audit row. Raises ``PermissionDenied`` without ``manage_regions``,
    ``NotFound`` outside the actor's region and ``DomainError(invalid)`` for a non-village or an
    unknown type.
    """
    from doudi.registry.models import Household, HouseholdStatus  # regions sit below the registry

    check_capability(actor, Capability.MANAGE_REGIONS, "只有系统管理员可以更正城乡类别。")
    region = Region.objects.select_for_update().get(pk=region.pk)
    check_in_scope(actor, region.code, "区划")
    if region.level != Level.VILLAGE:
        raise DomainError(CoreErrorCode.INVALID, "城乡类别：只有村/社区一级可以设置。", {"field": "area_type"})
    if area_type not in AreaType.values:
        raise DomainError(CoreErrorCode.INVALID, f"城乡类别：“{area_type}”应为 城镇 或 农村。", {"field": "area_type"})
    fields = ("area_type", "area_type_source")
    before = snapshot(region, fields)
    region.area_type, region.area_type_source = area_type, AreaTypeSource.MANUAL
    changes = diff_fields(region, before, fields)
    if not changes:
        return region
    region.save(update_fields=list(fields))
    record_event(
        actor,
        action="set_area_type",
        target=region,
        household_id=None,
        region_code=region.code,
        changes=changes,
        reason=reason,
        label=region.full_name,
    )
    households = (
        Household.objects.select_for_update()
        .filter(region=region, status=HouseholdStatus.ACTIVE)
        .exclude(area_type=area_type)
    )
    for household in households.order_by("pk"):
        old = household.get_area_type_display()
        household.area_type = area_type
        record_event(
            actor,
            action="area_type_follows_region",
            target=household,
            household_id=household.pk,
            region_code=region.code,
            changes={"area_type": {"label": "城乡类别", "old": old, "new": household.get_area_type_display()}},
            reason=reason or f"{region.name}城乡类别更正",
        )
    households.update(area_type=area_type, version=F("version") + 1)
    return region
