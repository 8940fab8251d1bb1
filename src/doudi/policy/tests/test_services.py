"""Policy versions: drafts never touch live results, publishing is recorded, bad documents refused."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.audit.models import AuditEvent
from doudi.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doudi.policy import services
from doudi.policy.models import VersionStatus
from doudi.policy.selectors import policy_for, version_list
from doudi.policy.tests.conftest import with_urban_standard

JULY = date(2025, 7, 15)


def test_shipped_examples_resolve_to_the_seed_figures(published):
    policy = policy_for("430981114201", date(2025, 3, 1)).policy
    assert policy["dibao.standard_urban"] == Decimal("740")
    assert policy["dibao.standard_rural"] == Decimal("485")


def test_draft_is_simulated_but_never_live_until_published(published, users):
    county = published["yuanjiang"]
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=with_urban_standard(county.content, 760)
    )
    assert draft.status == VersionStatus.DRAFT and draft.number == 2
    assert policy_for("430981", JULY).policy["dibao.standard_urban"] == Decimal("740")
    simulated = policy_for("430981", JULY, drafts={draft.region_id: draft})
    assert simulated.policy["dibao.standard_urban"] == Decimal("760") and simulated.uses_draft

    services.do_publish_version(users["city_supervisor"], draft, reason="2025年7月起提标")
    assert policy_for("430981", JULY).policy["dibao.standard_urban"] == Decimal("760")
    # The old figure still applies before the change date, and the old version stays readable.
    assert policy_for("430981", date(2025, 6, 30)).policy["dibao.standard_urban"] == Decimal("740")
    event = AuditEvent.objects.get(action="publish_policy", target_id=str(draft.pk))
    assert event.actor == users["city_supervisor"] and event.reason == "2025年7月起提标"
    assert county in version_list(actor=users["county_reviewer"])


def test_county_reviewer_may_draft_but_not_publish(published, users):
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=published["yuanjiang"].content
    )
    with pytest.raises(PermissionDenied):
        services.do_publish_version(users["county_reviewer"], draft, reason="试图发布")
    with pytest.raises(PermissionDenied):
        services.do_create_draft(users["village_worker"], region_code="430981", content=draft.content)


def test_other_county_cannot_draft_or_see_our_drafts(published, users):
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=published["yuanjiang"].content
    )
    with pytest.raises(NotFound):
        services.do_create_draft(
            users["foreign_county_reviewer"], region_code="430981", content=published["yuanjiang"].content
        )
    assert draft not in version_list(actor=users["foreign_county_reviewer"])
    # Ancestors' published documents are readable by everyone below them.
    assert published["hunan"] in version_list(actor=users["foreign_county_reviewer"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("value = 485 }", "value = -485 }"), "standard_rural"),
        (("  { from = 2025-01-01, value = 740 },", "  { from = 2024-06-01, value = 740 },"), "dibao.standard_urban"),
        (('region_code = "430981"', 'region_code = "430902"'), "region_code"),
        (("[dibao]", "[dibao"), "文件格式错误"),
    ],
)
def test_bad_documents_are_refused_naming_the_parameter(published, users, change, message):
    content = published["yuanjiang"].content.replace(*change)
    with pytest.raises(DomainError) as exc:
        services.do_create_draft(users["county_reviewer"], region_code="430981", content=content)
    assert message in exc.value.message
    assert published["yuanjiang"].region.policy_versions.count() == 1


def test_published_version_cannot_be_edited_or_published_twice(published, users):
    with pytest.raises(DomainError, match="只有草稿"):
        services.do_update_draft(users["county_reviewer"], published["yuanjiang"], content="")
    with pytest.raises(Conflict):
        services.do_publish_version(users["administrator"], published["yuanjiang"], reason="再发一次")


def test_publish_needs_a_reason(published, users):
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=published["yuanjiang"].content
    )
    with pytest.raises(DomainError, match="发布说明"):
        services.do_publish_version(users["administrator"], draft, reason=" ")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
