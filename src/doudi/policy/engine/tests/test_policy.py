"""Policy documents and resolution: dates, inheritance, completeness, and refused documents."""

from datetime import date
from decimal import Decimal

import pytest

from ..documents import document_from_mapping, document_to_dict, load_document, validate_document
from ..errors import PolicyError
from ..policy import Policy, resolve
from .factories import sample_documents, sample_policy

D = Decimal


@pytest.mark.parametrize(
    ("on", "urban", "rural", "tekun_urban"),
    [
        (date(2024, 6, 1), 700, 460, 910),
        (date(2024, 12, 31), 700, 460, 910),
        (date(2025, 1, 1), 740, 485, 962),
    ],
    ids=["2024 range", "last day of 2024", "2025 seed figures from 1 January"],
)
def test_resolution_by_date(on, urban, rural, tekun_urban):
    p = sample_policy(on)
    assert p.areas["urban"].dibao_standard == urban
    assert p.areas["rural"].dibao_standard == rural
    assert p.areas["urban"].tekun_basic_living == tekun_urban


def test_county_overrides_province_and_sources_are_recorded():
    p = sample_policy()
    assert p.region_code == "430981"
    assert p["dibao.supplement_severe_disability"] == D("0.2")  # from 益阳
    assert p["temporary.cap_multiple"] == D(10)  # from 湖南
    assert p.sources["dibao.standard_urban"].startswith("沅江市（430981）2025-01-01")
    assert p.sources["temporary.cap_multiple"].startswith("湖南省")


def test_before_any_value_the_policy_is_incomplete():
    with pytest.raises(PolicyError) as exc:
        resolve(list(sample_documents()), date(2023, 6, 1))
    assert any("缺少必需参数 dibao.standard_urban（城市低保标准）" in p for p in exc.value.problems)


def test_a_later_document_overrides_only_its_own_dates():
    county = document_from_mapping(
        {
            "document": {"region_code": "430981", "region_name": "沅江市", "level": "county"},
            "dibao": {"standard_urban": [{"from": "2025-07-01", "value": 720}]},
        }
    )
    docs = [*sample_documents()[:2], sample_documents()[2], county]
    assert resolve(docs, date(2025, 6, 30)).areas["urban"].dibao_standard == 740
    assert resolve(docs, date(2025, 7, 1)).areas["urban"].dibao_standard == 720


def test_document_round_trips_through_json():
    for doc in sample_documents():
        again = document_from_mapping(document_to_dict(doc))
        assert again == doc


HEAD = '[document]\nregion_code = "430981"\nregion_name = "沅江市"\nlevel = "county"\n'

BAD = [
    ("[dibao]\nstandard_urban = -5\n", "参数 dibao.standard_urban（城市低保标准）: 金额不能为负数"),
    (
        "[dibao]\nminimum_payment_ratio = 1.2\n",
        "参数 dibao.minimum_payment_ratio（最低发放比例）: 比例须在 0 到 1 之间",
    ),
    ("[dibao]\nphase_out_taper = [1, 1.5]\nphase_out_months = 2\n", "比例须在 0 到 1 之间"),
    ("[dibao]\nphase_out_taper = [0.6, 0.8]\nphase_out_months = 2\n", "发放比例不得逐月增加"),
    ("[dibao]\nphase_out_taper = [1, 0.8]\nphase_out_months = 3\n", "有 2 项，应与渐退期月数 3 相同"),
    (
        "[dibao]\nstandard_urban = [\n {from = 2025-01-01, value = 740},\n"
        " {from = 2025-06-01, to = 2025-12-31, value = 760},\n]\n",
        "参数 dibao.standard_urban（城市低保标准）: 时段 2025-01-01 至 不限 与 2025-06-01 至 2025-12-31 重叠",
    ),
    (
        "[dibao]\nstandard_urban = [{from = 2025-06-01, to = 2025-01-01, value = 740}]\n",
        "结束日期 2025-01-01 早于开始日期",
    ),
    (
        "[dibao]\nstandard_urban = 740\nstandard_rural = 800\n",
        "参数 dibao.standard_rural（农村低保标准）: 800.00 元高于城市低保标准 740.00 元",
    ),
    ("[dibao]\nstandrd_urban = 740\n", "未知参数 dibao.standrd_urban，是否为 dibao.standard_urban？"),
    ('[dibao]\npayment_method = "lump"\n', '不认识的取值 "lump"'),
    ("[dibao]\nbands = [{below = 0.5, pay = 0.5}, {below = 1, pay = 0.8}]\n", "发放比例高于上一档"),
    ("[dibao]\nbands = [{below = 0.5, pay = 1}]\n", "最后一档的 below 必须为 1"),
    (
        "[near_dibao]\nincome_multiple = 2.5\n",
        "参数 near_dibao.income_multiple（低保边缘收入倍数）: 2.5 不在允许范围",
    ),
    ("[rigid_expense]\nvalidity_months = 18\n", "18 个月，须在 1 到 12 之间"),
    ("[temporary]\nfast_grant_multiple = 2\n", "小额快救不得超过 1 个月低保标准"),
    ("[child_allowance]\norphan_community = 500\n", "500.00 元低于国家最低标准 600 元"),
    ("[extreme_poverty]\ncare_home = [100, 50, 300]\n", "三档须按全自理、半失能、全失能递增"),
    ("[extreme_poverty]\ncare_home = [100, 200]\n", "应有 3 项，实际 2 项"),
    (
        "[longevity]\ntiers = [{min_age = 80, max_age = 90, amount = 50}, {min_age = 85, amount = 100}]\n",
        "年龄重叠",
    ),
    ('[disability_subsidies]\nliving_statuses = ["dibao", "rich"]\n', "不认识的类别 rich"),
]


@pytest.mark.parametrize(("body", "expected"), BAD, ids=[b[1][:40] for b in BAD])
def test_bad_documents_are_refused_with_the_parameter_named(body, expected):
    with pytest.raises(PolicyError) as exc:
        load_document(HEAD + body)
    assert any(expected in p for p in exc.value.problems), exc.value.problems


def test_validate_document_lists_problems_without_raising():
    import tomllib

    raw = tomllib.loads(HEAD + "[dibao]\nstandard_urban = -1\nminimum_payment_ratio = 2\n")
    assert len(validate_document(raw)) == 2
    assert validate_document(sample_documents()[0]) == []


def test_header_is_checked():
    with pytest.raises(PolicyError) as exc:
        load_document('[document]\nregion_code = "43"\nlevel = "town"\n')
    text = exc.value.message
    assert "region_code" in text and "level" in text and "region_name" in text


def test_syntax_error_is_reported_in_chinese():
    with pytest.raises(PolicyError, match="文件格式错误"):
        load_document("[dibao\n")


def test_resolved_policy_cross_checks_across_levels():
    """Rural ≤ urban also holds when the two values come from different documents (§1.11)."""
    rural_only = document_from_mapping(
        {
            "document": {"region_code": "430981", "region_name": "沅江市", "level": "county"},
            "dibao": {"standard_rural": [{"from": "2025-07-01", "value": 800}]},
        }
    )
    assert validate_document(document_to_dict(rural_only)) == []  # alone it is fine
    with pytest.raises(PolicyError, match=r"800\.00 元高于城市低保标准 740\.00 元"):
        resolve([*sample_documents(), rural_only], date(2025, 7, 1))


def test_conditional_requirements():
    values = dict(sample_policy().values)
    values["general.minimum_wage"] = None
    with pytest.raises(PolicyError, match=r"general\.minimum_wage"):
        Policy.build(values, date(2025, 3, 1))
    values = dict(sample_policy().values)
    values["dibao.payment_method"] = "banded"
    with pytest.raises(PolicyError, match=r"dibao\.bands"):
        Policy.build(values, date(2025, 3, 1))


def test_disabled_programme_needs_no_parameters():
    values = dict(sample_policy().values)
    values.update({"temporary.enabled": False, "temporary.cap_multiple": None})
    assert Policy.build(values, date(2025, 3, 1))["temporary.enabled"] is False
