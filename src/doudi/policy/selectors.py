"""Reads of policy versions, and the policy in force for a region on a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.db.models import Exists, OuterRef, QuerySet

from doudi.core.errors import DomainError, NotFound
from doudi.policy.engine import Policy, PolicyDocument, PolicyError, load_document, resolve
from doudi.policy.errors import PolicyErrorCode
from doudi.policy.models import PolicyVersion, VersionStatus
from doudi.regions.models import pad_code, prefix_of


def chain_codes(region_code: str) -> list[str]:
    """Return the 12-digit codes of the province, prefecture and county above (or at) a region."""
    prefix = prefix_of(region_code)
    # dict.fromkeys keeps the order and drops repeats: a 直筒子 city's township (442000100) has no
    # county level, and "4420" and "442000" pad to the same code.
    return list(dict.fromkeys(pad_code(prefix[:n]) for n in (2, 4, 6) if len(prefix) >= n))


def published_version(region_code: str) -> PolicyVersion | None:
    """Return the region's own version in force (its latest published one), if any."""
    return (
        PolicyVersion.objects.filter(region_id=pad_code(region_code), status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


@lru_cache(maxsize=512)
def _parsed(version_id: int, updated_at_iso: str, content: str) -> PolicyDocument:
    """Parse a version's TOML once; the key includes ``updated_at`` so an edited draft is re-read."""
    return load_document(content)


def document_of(version: PolicyVersion) -> PolicyDocument:
    return _parsed(version.pk, version.updated_at.isoformat() if version.updated_at else "", version.content)


def current_versions(region_code: str, *, drafts: dict[str, PolicyVersion] | None = None) -> list[PolicyVersion]:
    """Return the latest published version of each level above the region, province first.

    ``drafts`` maps a 12-digit region code to a draft that replaces that region's published
    version (for simulation only).
    """
    codes = chain_codes(region_code)
    latest: dict[str, PolicyVersion] = {}
    for version in PolicyVersion.objects.filter(region_id__in=codes, status=VersionStatus.PUBLISHED).order_by(
        "region_id", "-number"
    ):
        latest.setdefault(version.region_id, version)
    for code, draft in (drafts or {}).items():
        if code in codes:
            latest[code] = draft
    return [latest[c] for c in codes if c in latest]


@dataclass(frozen=True)
class PolicyInForce:
    policy: Policy
    versions: list[PolicyVersion]

    @property
    def uses_draft(self) -> bool:
        return any(v.status == VersionStatus.DRAFT for v in self.versions)


def policy_for(region_code: str, on: date, *, drafts: dict[str, PolicyVersion] | None = None) -> PolicyInForce:
    """Return the resolved policy for a region on a date, with the versions it came from."""
    versions = current_versions(region_code, drafts=drafts)
    if not versions:
        raise DomainError(PolicyErrorCode.NO_POLICY, f"地区 {region_code} 及其上级没有已发布的救助政策参数。")
    try:
        policy = resolve([document_of(v) for v in versions], on)
    except PolicyError as exc:
        raise DomainError(
            PolicyErrorCode.INVALID_DOCUMENT, f"{on:%Y-%m-%d} 适用的政策参数不完整或矛盾：{exc.message}", exc.extra
        ) from exc
    return PolicyInForce(policy=policy, versions=versions)


def version_list(*, actor, region_code: str | None = None) -> QuerySet[PolicyVersion]:
    """Return the versions the actor may read: those of the actor's region, its ancestors and its subtree."""
    qs = PolicyVersion.objects.select_related("region", "created_by", "published_by")
    prefix = prefix_of(actor.region_id) if getattr(actor, "region_id", None) else None
    if not prefix or not actor.is_active:
        return qs.none()
    visible = set(chain_codes(actor.region_id))
    qs = qs.filter(region__code__startswith=prefix) | qs.filter(region_id__in=visible)
    newer = PolicyVersion.objects.filter(
        region_id=OuterRef("region_id"), status=VersionStatus.PUBLISHED, number__gt=OuterRef("number")
    )
    qs = qs.annotate(superseded=Exists(newer))
    if region_code:
        qs = qs.filter(region_id=pad_code(region_code))
    return qs.order_by("region_id", "-number")


def version_get(*, actor, version_id: int) -> PolicyVersion:
    version = version_list(actor=actor).filter(pk=version_id).first()
    if version is None:
        raise NotFound("政策版本")
    return version
