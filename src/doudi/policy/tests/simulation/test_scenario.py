"""Overrides are checked by the engine and refused in Chinese naming the parameter; a draft replaces its version."""

from datetime import date
from decimal import Decimal

import pytest

from doudi.core.errors import DomainError
from doudi.policy import services
from doudi.policy.selectors import document_of
from doudi.policy.simulation.scenario import Policies, Scenario, apply_overrides, drafts_of, parse_overrides
from doudi.policy.tests.conftest import with_urban_standard
from doudi.policy.tests.simulation.conftest import ON, RAISE, START


def test_an_unknown_key_is_refused_with_a_suggestion():
    with pytest.raises(DomainError) as err:
        parse_overrides(["dibao.standard_urbn=760"])
    assert "未知参数 dibao.standard_urbn" in err.value.message
    assert "dibao.standard_urban（城市低保标准）" in err.value.message


@pytest.mark.parametrize("text", ["dibao.standard_urban", "=760", "dibao.standard_urban="])
def test_a_malformed_override_is_refused(text):
    with pytest.raises(DomainError, match="应写作 参数名=取值"):
        parse_overrides([text])


def test_a_key_set_twice_is_refused():
    with pytest.raises(DomainError, match="设置了两次"):
        parse_overrides(["dibao.standard_urban=760", "dibao.standard_urban=770"])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("dibao.standard_urban=-5", "金额不能为负数"),
        ("dibao.standard_urban=abc", "不是有效数值"),
        ("dibao.minimum_payment_ratio=1.5", "比例须在 0 到 1 之间"),
        ("dibao.payment_method=lottery", "不认识的取值"),
    ],
)
def test_a_bad_value_is_refused_naming_the_parameter(published, text, reason):
    scenario = Scenario(on=ON, overrides=parse_overrides([text]), start=START)
    with pytest.raises(DomainError) as err:
        Policies(scenario).check("430981")
    key = text.split("=")[0]
    assert err.value.code == "invalid_override"
    assert key in err.value.message and reason in err.value.message
    assert err.value.message.startswith("模拟参数有误")


def test_an_inconsistent_scenario_names_the_parameter_to_change_too(published):
    scenario = Scenario(on=ON, overrides=parse_overrides(["dibao.standard_urban=760"]), start=START)
    with pytest.raises(DomainError) as err:
        Policies(scenario).pair("430981")
    assert err.value.code == "invalid_scenario"
    assert "extreme_poverty.basic_living_urban" in err.value.message and "1.3 倍" in err.value.message


def test_an_override_from_a_date_keeps_the_earlier_values(published):
    doc = apply_overrides(document_of(published["yuanjiang"]), parse_overrides(RAISE), START)
    entries = doc.params["dibao.standard_urban"]
    assert [(e.value, e.valid_from, e.valid_to) for e in entries] == [
        (Decimal(700), date(2024, 1, 1), date(2024, 12, 31)),
        (Decimal(740), date(2025, 1, 1), date(2025, 6, 30)),
        (Decimal(760), START, None),
    ]
    pair = Policies(Scenario(on=ON, overrides=parse_overrides(RAISE), start=START)).pair("430981")
    assert pair.baseline["dibao.standard_urban"] == 740 and pair.scenario["dibao.standard_urban"] == 760
    before = Policies(Scenario(on=date(2025, 6, 1), overrides=parse_overrides(RAISE), start=START)).pair("430981")
    assert before.same


def test_a_province_parameter_can_be_overridden_at_county_level(published):
    scenario = Scenario(on=ON, overrides=parse_overrides(["near_dibao.income_multiple=2"]))
    pair = Policies(scenario).pair("430981")
    assert pair.scenario["near_dibao.income_multiple"] == 2 and pair.baseline["near_dibao.income_multiple"] == 1.5


def test_a_draft_replaces_the_published_version(published, users):
    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=with_urban_standard(published["yuanjiang"].content, 760)
    )
    pair = Policies(Scenario(on=ON, drafts=drafts_of([draft], "430981000000"))).pair("430981")
    assert pair.scenario["dibao.standard_urban"] == 760 and draft in pair.scenario_versions
    with pytest.raises(DomainError, match="不是草稿"):
        drafts_of([published["yuanjiang"]], "430981000000")
    with pytest.raises(DomainError, match="不适用于所选地区"):
        drafts_of([draft], "430902000000")
