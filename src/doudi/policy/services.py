"""Writes of policy versions: draft, edit, publish, discard. Published versions are immutable."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.audit.services import record_event
from doudi.core.errors import Conflict, DomainError
from doudi.policy.engine import PolicyDocument, PolicyError, load_document, resolve
from doudi.policy.engine.documents import change_dates
from doudi.policy.errors import PolicyErrorCode
from doudi.policy.models import PolicyVersion, VersionStatus
from doudi.policy.selectors import current_versions, document_of
from doudi.regions.models import Level, Region, pad_code


def _parse(content: str) -> PolicyDocument:
    try:
        return load_document(content)
    except PolicyError as exc:
        raise DomainError(PolicyErrorCode.INVALID_DOCUMENT, f"政策参数文件有误：{exc.message}", exc.extra) from exc


def _policy_region(region_code: str) -> Region:
    region = Region.objects.filter(code=pad_code(region_code)).first()
    if region is None or region.level not in (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY):
        raise DomainError(
            PolicyErrorCode.REGION_MISMATCH, f"制定地区：“{region_code}”不是省、市或县级区划。", {"field": "region"}
        )
    return region


def _check_header(doc: PolicyDocument, region: Region) -> None:
    if pad_code(doc.region_code) != region.code:
        raise DomainError(
            PolicyErrorCode.REGION_MISMATCH,
            f"参数文件 [document] region_code = {doc.region_code}，与制定地区 {region.name}（{region.code[:6]}）不符。",
            {"field": "document.region_code"},
        )


def check_chain(version: PolicyVersion) -> None:
    """Refuse a version that, merged with its ancestors (and, for a province or city, with each
    published county below it), leaves a parameter missing or contradictory on any date on which
    some value changes (from the region's first dated value on), or today."""
    region = version.region
    own = document_of(version)
    # The region's rules begin with its earliest dated value; before that no policy applies there.
    starts = [e.valid_from for entries in own.params.values() for e in entries if e.valid_from is not None]
    start = min(starts) if starts else timezone.localdate()
    counties = [region.code] if region.level == Level.COUNTY else []
    if region.level != Level.COUNTY:
        counties += list(
            PolicyVersion.objects.filter(
                region__code__startswith=region.prefix, region__level=Level.COUNTY, status=VersionStatus.PUBLISHED
            )
            .values_list("region_id", flat=True)
            .distinct()
        )
    for code in counties:
        chain = current_versions(code, drafts={region.code: version})
        docs = [document_of(v) for v in chain]
        merged: dict = {}
        for doc in docs:
            for key, entries in doc.params.items():
                merged[key] = (*merged.get(key, ()), *entries)
        for on in sorted(d for d in set(change_dates(merged)) | {timezone.localdate()} if d >= start):
            try:
                resolve(docs, on)
            except PolicyError as exc:
                raise DomainError(
                    PolicyErrorCode.INVALID_DOCUMENT,
                    f"与上级参数合并后，{docs[-1].region_name} 在 {on:%Y-%m-%d} 适用的参数有误：{exc.message}",
                    exc.extra,
                ) from exc


@transaction.atomic(durable=True)
def do_create_draft(
    actor, *, region_code: str, content: str, title: str = "", based_on: PolicyVersion | None = None
) -> PolicyVersion:
    """Save a new draft version of a region's parameters (validated, never live)."""
    check_capability(actor, Capability.EDIT_POLICY, "您的角色无权起草政策参数。")
    region = _policy_region(region_code)
    check_in_scope(actor, region.code, "地区")
    doc = _parse(content)
    _check_header(doc, region)
    number = (PolicyVersion.objects.filter(region=region).aggregate(m=Max("number"))["m"] or 0) + 1
    version = PolicyVersion.objects.create(
        region=region,
        number=number,
        title=(title or doc.title)[:200],
        content=content,
        based_on=based_on,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    check_chain(version)
    record_event(
        actor,
        action="create_policy_draft",
        target=version,
        household_id=None,
        region_code=region.code,
        label=str(version),
    )
    return version


@transaction.atomic(durable=True)
def do_update_draft(actor, version: PolicyVersion, *, content: str, title: str = "") -> PolicyVersion:
    check_capability(actor, Capability.EDIT_POLICY, "您的角色无权修改政策参数。")
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("region").get(pk=version.pk)
    check_in_scope(actor, version.region_id, "政策版本")
    if version.status != VersionStatus.DRAFT:
        raise DomainError(PolicyErrorCode.NOT_DRAFT, "只有草稿可以修改；已发布的版本请另存为新草稿。")
    doc = _parse(content)
    _check_header(doc, version.region)
    version.content, version.title = content, (title or doc.title)[:200]
    version.save()
    check_chain(version)
    record_event(
        actor,
        action="update_policy_draft",
        target=version,
        household_id=None,
        region_code=version.region_id,
        label=str(version),
    )
    return version


@transaction.atomic(durable=True)
def do_publish_version(actor, version: PolicyVersion, *, reason: str) -> PolicyVersion:
    """Publish a draft: from now on it is the region's policy in force. Who, when and why are kept."""
    check_capability(actor, Capability.PUBLISH_POLICY, "您的角色无权发布政策参数。")
    version = PolicyVersion.objects.select_for_update(of=("self",)).select_related("region").get(pk=version.pk)
    check_in_scope(actor, version.region_id, "政策版本")
    if version.status != VersionStatus.DRAFT:
        raise Conflict("该版本已发布或已废弃，不能再次发布。")
    if not reason.strip():
        raise DomainError(PolicyErrorCode.INVALID_DOCUMENT, "发布说明：不能为空，请写明调整依据。", {"field": "reason"})
    _parse(version.content)
    check_chain(version)
    version.status, version.published_at = VersionStatus.PUBLISHED, timezone.now()
    version.published_by = actor if getattr(actor, "pk", None) else None
    version.publish_reason = reason.strip()[:500]
    version.save()
    record_event(
        actor,
        action="publish_policy",
        target=version,
        household_id=None,
        region_code=version.region_id,
        reason=reason,
        label=str(version),
    )
    return version


@transaction.atomic(durable=True)
def do_discard_draft(actor, version: PolicyVersion) -> PolicyVersion:
    check_capability(actor, Capability.EDIT_POLICY, "您的角色无权废弃政策草稿。")
    version = PolicyVersion.objects.select_for_update(of=("self",)).get(pk=version.pk)
    check_in_scope(actor, version.region_id, "政策版本")
    if version.status != VersionStatus.DRAFT:
        raise DomainError(PolicyErrorCode.NOT_DRAFT, "只有草稿可以废弃。")
    version.status = VersionStatus.DISCARDED
    version.save(update_fields=["status", "updated_at"])
    record_event(
        actor,
        action="discard_policy_draft",
        target=version,
        household_id=None,
        region_code=version.region_id,
        label=str(version),
    )
    return version


@transaction.atomic
def load_policy_file(content: str, *, reason: str = "系统初始化导入") -> tuple[PolicyVersion, bool]:
    """Install a document as the published version of its region unless identical content is already
    the current one (used by ``manage.py load_policies`` for the shipped examples). Return (version, created)."""
    doc = _parse(content)
    region = _policy_region(doc.region_code)
    current = PolicyVersion.objects.filter(region=region, status=VersionStatus.PUBLISHED).order_by("-number").first()
    if current is not None and current.content == content:
        return current, False
    number = (PolicyVersion.objects.filter(region=region).aggregate(m=Max("number"))["m"] or 0) + 1
    version = PolicyVersion.objects.create(
        region=region,
        number=number,
        title=doc.title[:200],
        content=content,
        status=VersionStatus.PUBLISHED,
        published_at=timezone.now(),
        publish_reason=reason,
        based_on=current,
    )
    record_event(
        None,
        action="publish_policy",
        target=version,
        household_id=None,
        region_code=region.code,
        reason=reason,
        label=str(version),
    )
    return version, True
