"""Assessing registered households: the record keeps facts, result and the policy versions used."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.core.errors import NotFound
from doudi.policy import services
from doudi.policy.assessment import do_assess_household
from doudi.policy.models import AssessmentRecord
from doudi.policy.tests.conftest import with_urban_standard
from doudi.registry import services as registry
from doudi.registry.models import Person
from doudi.registry.tests import factories as f


@pytest.fixture
def urban_household(regions, users):
    """Three persons in an urban community, the head earning 600 元 a month."""
    hh = f.household(regions["hanjiacha"], actor=users["county_reviewer"], members=2, joined_on=date(2020, 1, 1))
    head = Person.objects.get(household=hh, relation="head")
    registry.do_record_evidence(
        users["county_reviewer"],
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("600")},
        valid_from=date(2024, 1, 1),
    )
    return hh


def test_assessment_is_recorded_with_versions_and_explained(published, users, urban_household):
    result, record = do_assess_household(users["county_reviewer"], urban_household, on=date(2025, 6, 1))
    dibao = result.get("dibao")
    assert result.status == "dibao" and dibao.eligible
    assert any("740.00" in s.text_zh for s in dibao.steps)
    # Urban 740: wages 600 − employment cost 740 × 0.3 = 222 → 378 counted; 740 × 3 − 378 = 1842,
    # + the two children's minor supplement 74.00 each = 1990.00.
    assert dibao.monthly_amount == Decimal("1990.00")
    assert record.total_monthly == result.total_monthly == Decimal("1990.00")
    assert set(record.policy_versions.all()) == set(published.values())
    assert record.facts["members"][0]["incomes"][0]["category"] == "wage"


def test_a_new_standard_changes_the_amount_and_old_records_keep_their_version(published, users, urban_household):
    before, old_record = do_assess_household(users["county_reviewer"], urban_household, on=date(2025, 7, 15))
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=with_urban_standard(published["yuanjiang"].content, 760)
    )
    simulated, none = do_assess_household(
        users["county_reviewer"], urban_household, on=date(2025, 7, 15), drafts={draft.region_id: draft}
    )
    assert none is None and AssessmentRecord.objects.count() == 1
    services.do_publish_version(users["administrator"], draft, reason="提标")
    after, new_record = do_assess_household(users["county_reviewer"], urban_household, on=date(2025, 7, 15))
    # 20 元 more standard × 3 persons, plus the supplements and employment-cost deduction tied to it.
    assert after.get("dibao").monthly_amount - before.get("dibao").monthly_amount == Decimal("70.00")
    # 760: 600 − 228 = 372 counted; 760 × 3 − 372 = 1908, + 76.00 × 2 = 2060.00 (was 1990.00).
    assert (before.get("dibao").monthly_amount, after.get("dibao").monthly_amount) == (
        Decimal("1990.00"),
        Decimal("2060.00"),
    )
    assert any("城市低保标准 760.00" in s.text_zh for s in after.get("dibao").steps)
    assert simulated.get("dibao").monthly_amount == after.get("dibao").monthly_amount
    assert published["yuanjiang"] in old_record.policy_versions.all()
    assert draft in new_record.policy_versions.all()


def test_assessing_outside_scope_is_not_found(published, users, urban_household):
    with pytest.raises(NotFound):
        do_assess_household(users["village_worker"], urban_household, on=date(2025, 6, 1))
