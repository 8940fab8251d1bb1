"""Reads of the region tree."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.core.errors import NotFound
from doudi.regions.models import Level, Region, pad_code, prefix_of


def region_get(code: str) -> Region | None:
    """Return the region with this 2- to 12-digit code, or None."""
    if not code.isdigit() or len(code) not in (2, 4, 6, 9, 12):
        return None
    return Region.objects.filter(code=pad_code(code)).first()


def region_subtree(region: Region, *, include_self: bool = True, level: int | None = None) -> QuerySet[Region]:
    """Return the region's descendants (by code prefix, one indexed range scan)."""
    qs = Region.objects.filter(code__startswith=region.prefix)
    if not include_self:
        qs = qs.exclude(code=region.code)
    if level is not None:
        qs = qs.filter(level=level)
    return qs


def region_search(query: str, *, within: Region | None = None, limit: int = 20) -> QuerySet[Region]:
    """Find regions by code prefix or by name fragment, inside ``within`` when given."""
    query = query.strip()
    qs = Region.objects.all()
    if within is not None:
        qs = qs.filter(code__startswith=within.prefix)
    if query.isdigit():
        qs = qs.filter(code__startswith=query)
    elif query:
        qs = qs.filter(Q(name__contains=query) | Q(full_name__contains=query))
    return qs.order_by("level", "code")[:limit]


def villages_of(region: Region) -> QuerySet[Region]:
    return region_subtree(region, level=Level.VILLAGE)


def ancestors(region: Region) -> list[Region]:
    """Return the chain from the province down to the region itself."""
    codes = []
    prefix = prefix_of(region.code)
    for length in (2, 4, 6, 9, 12):
        if length <= len(prefix):
            codes.append(pad_code(prefix[:length]))
    by_code = Region.objects.in_bulk(codes)
    return [by_code[c] for c in codes if c in by_code]


def region_list(*, actor, query: str = "", limit: int = 20) -> QuerySet[Region]:
    """Find regions of the actor's subtree by code prefix or name fragment, the higher levels first."""
    qs = scope_filter(actor, Region.objects.all(), "code")
    query = query.strip()
    if query.isdigit():
        qs = qs.filter(code__startswith=query)
    elif query:
        qs = qs.filter(Q(name__contains=query) | Q(full_name__contains=query))
    return qs.order_by("level", "code")[:limit]


def region_get_in_scope(*, actor, code: str) -> Region:
    """Return the region with this 2- to 12-digit code; raise NotFound if missing or outside the subtree."""
    region = region_get(code or "")
    if region is None:
        raise NotFound("区划")
    check_in_scope(actor, region.code, "区划")
    return region


def region_children(*, actor, region: Region) -> QuerySet[Region]:
    """Return the region's direct children that lie in the actor's subtree."""
    return scope_filter(actor, Region.objects.filter(parent=region), "code").order_by("code")


def households_unlike_their_village(codes: list[str]) -> int:
    """Count the active households of these villages whose urban/rural type differs from the village's.

    A reload that derives a village's type again does not change the households registered there
    (their standard changes only through an administrator's correction, which carries to them);
    this count tells the operator how many families wait for that correction. No actor: it serves
    the ``load_regions`` command, which answers for the whole tree.
    """
    from doudi.registry.models import Household, HouseholdStatus  # regions sit below the registry

    total = 0
    for start in range(0, len(codes), 500):
        total += (
            Household.objects.filter(region_id__in=codes[start : start + 500], status=HouseholdStatus.ACTIVE)
            .exclude(area_type=F("region__area_type"))
            .count()
        )
    return total
