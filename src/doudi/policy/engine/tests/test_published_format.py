"""Policies entered as bureaus publish them (issue #12): each feature with a real configuration.

岳阳县 2024: rural dibao 5,400 元/年, 特困 urban and institutional 910, rural dispersed 585.
中山市 2024: one urban-rural standard 1,225 元/月, no county level and no province document above it.
沅江市 2025: 特困基本生活标准 = 1.3 × 低保标准, rounded up to the yuan (485 × 1.3 = 630.5 → 631).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ..cascade import assess
from ..documents import document_from_mapping, document_to_dict, load_document
from ..errors import PolicyError
from ..facts import VehicleFact
from ..policy import resolve
from .factories import household, member, sample_documents

D = Decimal
HUNAN, YIYANG, _ = sample_documents()
ELDER = "1950-01-01"

YUEYANG = """
[document]
region_code = "430621"
region_name = "岳阳县"
level = "county"
title = "岳阳县 2024 年城乡低保和特困供养标准"
effective = 2024-01-01

[dibao]
standard_urban = 700                                  # 910 ÷ 1.3
standard_rural = { value = 5400, per = "year", note = "县政府公布为每人每年 5400 元" }

[extreme_poverty]
basic_living_method = "amount"
basic_living_urban = 910
basic_living_rural = 585
institution_basic_living = "urban"                   # 城市和集中供养 910 元
"""

ZHONGSHAN = """
[document]
region_code = "442000"
region_name = "中山市"
level = "prefecture"
title = "中山市 2024 年城乡低保标准"

[general]
disposable_income_urban = 72000
disposable_income_rural = 72000

[dibao]
standard = 1225
"""


def yuanjiang(rounding: str, extra: str = "", effective: str = "") -> str:
    return f"""
[document]
region_code = "430981"
region_name = "沅江市"
level = "county"
title = "沅江市 2025 年城乡低保和特困供养标准"
{effective}

[dibao]
standard_urban = 740
standard_rural = 485
{extra}

[extreme_poverty]
basic_living_method = "multiple"
basic_living_multiple = 1.3
basic_living_rounding = "{rounding}"
"""


TEKUN_MULTIPLE = '\n[extreme_poverty]\nbasic_living_method = "multiple"\n'


def policy_of(*texts: str, on: date = date(2024, 6, 1), chain=(HUNAN, YIYANG)):
    return resolve([*chain, *(load_document(t) for t in texts)], on)


def tekun(residence: str, area: str, policy, on=date(2024, 6, 1)):
    m = member("T", born=ELDER, has_capable_supporter=False, residence=residence)
    return assess(household(m, area=area, on=on), policy).get("extreme_poverty", "T")


# ---------------------------------------------------------------- 1. per year, shown as published


def test_a_yearly_standard_is_entered_per_year_and_worked_in_months():
    p = policy_of(YUEYANG)
    assert p.areas["rural"].dibao_standard == D("450")
    assert p.areas["urban"].dibao_standard == D("700")
    assert "农村低保标准 450.00 元/月（公布为 5,400 元/年）" in p.remarks
    a = assess(household(member("A", income=300, category="transfer"), area="rural", on=date(2024, 6, 1)), p)
    assert a.get("dibao").monthly_amount == D("150.00")
    assert a.notes[0].text_zh == "农村低保标准 450.00 元/月（公布为 5,400 元/年）"
    assert any("县政府公布为每人每年 5400 元（岳阳县）" in n.text_zh for n in a.notes)
    # the document keeps the figure as published
    row = document_to_dict(load_document(YUEYANG))["dibao"]["standard_rural"][0]
    assert row == {"value": "5400", "per": "year", "note": "县政府公布为每人每年 5400 元"}


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('{ value = 5400, per = "week" }', 'per 应为 "year"'),
        ('{ value = -5400, per = "year" }', "金额不能为负数"),
    ],
)
def test_a_bad_yearly_entry_is_refused(entry, problem):
    with pytest.raises(PolicyError) as exc:
        load_document(YUEYANG.replace('{ value = 5400, per = "year", note = "县政府公布为每人每年 5400 元" }', entry))
    assert problem in exc.value.message


def test_per_year_only_for_monthly_amounts():
    with pytest.raises(PolicyError) as exc:
        load_document(YUEYANG + '\n[general]\ndisposable_income_rural = { value = 20000, per = "year" }\n')
    assert "不能按年填写" in exc.value.message


# ---------------------------------------------------------------- 2. one urban-rural standard


def test_one_urban_rural_standard_without_a_province_document():
    p = policy_of(ZHONGSHAN, chain=())
    assert (p.areas["urban"].dibao_standard, p.areas["rural"].dibao_standard) == (D("1225"), D("1225"))
    assert p["extreme_poverty.enabled"] is False
    assert "本地区政策未规定特困人员救助供养，不做该项认定" in p.remarks
    a = assess(
        household(member("A", income=1000, category="transfer"), member("B"), area="rural", on=date(2024, 6, 1)), p
    )
    assert a.get("dibao").monthly_amount == D("1450.00")  # 1225 × 2 − 1000
    assert a.get("extreme_poverty") is None


def test_the_same_standard_given_twice_is_refused():
    with pytest.raises(PolicyError) as exc:
        load_document(ZHONGSHAN + "standard_urban = 1225\n")
    assert "城乡统一标准只填这一项，不要再填 dibao.standard_urban" in exc.value.message


@pytest.mark.parametrize(
    ("province", "county", "urban", "rural"),
    [
        ("standard_urban = 800\nstandard_rural = 600", "standard = 700", "700", "700"),
        ("standard = 700", "standard_rural = 650", "700", "650"),
    ],
    ids=["county unifies", "county splits rural"],
)
def test_unified_and_split_standards_layer(province, county, urban, rural):
    head = '[document]\nregion_code = "{}"\nregion_name = "{}"\nlevel = "{}"\n[dibao]\n'
    upper = load_document(head.format("430600", "岳阳市", "prefecture") + province)
    lower = load_document(head.format("430621", "岳阳县", "county") + county + TEKUN_MULTIPLE)
    p = resolve([HUNAN, YIYANG, upper, lower], date(2024, 6, 1))
    assert (p.areas["urban"].dibao_standard, p.areas["rural"].dibao_standard) == (D(urban), D(rural))


# ---------------------------------------------------------------- 3. rounding per derived figure


@pytest.mark.parametrize(
    ("rounding", "rural", "urban"),
    [
        ("payment", "630.50", "962.00"),
        ("up_1", "631.00", "962.00"),
        ("half_up_1", "631.00", "962.00"),
        ("up_0.1", "630.50", "962.00"),
    ],
)
def test_tekun_standard_rounded_on_its_own(rounding, rural, urban):
    p = policy_of(yuanjiang(rounding), on=date(2025, 3, 1))
    assert p.areas["rural"].tekun_basic_living == D(rural)
    assert p.areas["urban"].tekun_basic_living == D(urban)
    assert p.rounding.step == D("0.01")  # payments still to the fen
    a = assess(household(member("A", income="100.25", category="transfer"), area="rural", on=date(2025, 3, 1)), p)
    assert a.get("dibao").monthly_amount == D("384.75")


def test_tekun_rounding_explained():
    p = policy_of(yuanjiang("up_1"), on=date(2025, 3, 1))
    steps = [s.text_zh for s in tekun("home", "rural", p, date(2025, 3, 1)).steps]
    assert any("农村特困基本生活标准 = 低保标准 485.00 × 1.3 = 630.50 元，进一到元为 631.00 元" in s for s in steps)


# ---------------------------------------------------------------- 4. by care setting


@pytest.mark.parametrize(
    ("residence", "area", "basic", "care"),
    [
        ("home", "rural", "585", "190.00"),
        ("home", "urban", "910", "190.00"),
        ("institution", "rural", "910", "285.00"),
        ("institution", "urban", "910", "285.00"),
    ],
)
def test_tekun_basic_standard_by_care_setting(residence, area, basic, care):
    r = tekun(residence, area, policy_of(YUEYANG))
    assert r.eligible
    assert r.monthly_amount == D(basic) + D(care)


def test_institution_by_area_when_not_set():
    p = policy_of(YUEYANG.replace('institution_basic_living = "urban"', ""))
    assert tekun("institution", "rural", p).monthly_amount == D("585") + D("285.00")


# ---------------------------------------------------------------- 5. effective date


def test_parameters_inherit_the_document_effective_date():
    doc = load_document(yuanjiang("up_1", effective="effective = 2025-01-01"))
    assert {e.valid_from for entries in doc.params.values() for e in entries} == {date(2025, 1, 1)}
    with pytest.raises(PolicyError) as exc:
        resolve([HUNAN, YIYANG, doc], date(2024, 12, 31))
    assert exc.value.problems == ["《沅江市 2025 年城乡低保和特困供养标准》自 2025-01-01 起施行，2024-12-31 尚未生效"]
    assert resolve([HUNAN, YIYANG, doc], date(2025, 1, 1)).areas["rural"].dibao_standard == D("485")


def test_an_entry_with_its_own_start_keeps_it():
    extra = "supplement_minor = { from = 2025-07-01, value = 0.2 }"
    doc = load_document(yuanjiang("up_1", extra, "effective = 2025-01-01"))
    assert doc.params["dibao.supplement_minor"][0].valid_from == date(2025, 7, 1)


# ---------------------------------------------------------------- 6. a threshold switched off


OFF = '\n[dibao.property]\nmax_vehicles = { off = true, reason = "本县农村家庭普遍以农用车谋生，不以车辆数量认定" }\n'


@pytest.mark.parametrize(("doc_extra", "eligible"), [("", False), (OFF, True)], ids=["city limit", "county off"])
def test_county_switches_off_the_city_vehicle_limit(doc_extra, eligible):
    p = policy_of(YUEYANG + doc_extra)
    h = household(
        member("A", income=200, category="transfer"),
        area="rural",
        on=date(2024, 6, 1),
        vehicles=(VehicleFact("car", D("30000")),),
    )
    r = assess(h, p).get("dibao")
    assert r.eligible is eligible
    if eligible:
        assert p.property_rules["dibao"].max_vehicles is None
        assert r.monthly_amount == D("250.00")
        assert any("岳阳县不设低保机动车数量上限：本县农村家庭普遍以农用车谋生" in s.text_zh for s in r.steps)


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{ off = true }", "关闭时须写明理由"),
        ('{ off = true, value = 1, reason = "x" }', "不再填写 value"),
        ('{ value = 1, reason = "x" }', "reason 只用于 off = true"),
    ],
)
def test_switching_off_needs_a_reason(entry, problem):
    with pytest.raises(PolicyError) as exc:
        load_document(YUEYANG + f"\n[dibao.property]\nmax_vehicles = {entry}\n")
    assert problem in exc.value.message


def test_a_required_parameter_cannot_be_switched_off():
    with pytest.raises(PolicyError) as exc:
        load_document(YUEYANG.replace("standard_urban = 700", 'standard_urban = { off = true, reason = "x" }'))
    assert "该参数不能关闭" in exc.value.message


# ---------------------------------------------------------------- 7. child allowance and dibao


CHILD_CASES = [
    # grandmother 71 (elderly supplement 10 % = 48.50), grandson de facto orphan (minor 10 % = 48.50); rural 485,
    # no income: 485 × 2 + supplements, or 485 × 1 + 48.50 when the child is not counted.
    ("counted, supplement", "", "1067.00", "民发〔2021〕57号第七条"),
    ("counted, no supplement", "minor_supplement = false", "1018.50", "本地规定领取基本生活费的儿童不再增发"),
    ("not counted", "counted_in_dibao_household = false", "533.50", "按本地政策不计入低保家庭人数"),
]


@pytest.mark.parametrize(("setting", "extra", "dibao", "note"), CHILD_CASES, ids=[c[0] for c in CHILD_CASES])
def test_child_allowance_and_the_household_dibao(setting, extra, dibao, note):
    text = yuanjiang("up_1") + (f"\n[child_allowance]\n{extra}\n" if extra else "")
    p = policy_of(text, on=date(2025, 3, 1))
    gran = member("G", born="1954-01-01", has_capable_supporter=True)
    child = member("C", born="2015-05-01", parents=(("deceased",), ("imprisoned", "2023-05-01")))
    a = assess(household(gran, child, area="rural", on=date(2025, 3, 1)), p)
    assert a.get("de_facto_orphan", "C").eligible
    assert a.get("dibao").monthly_amount == D(dibao)
    assert any(note in n.text_zh for n in a.notes)


# ---------------------------------------------------------------- 8. notes and round trips


@pytest.mark.parametrize(
    "text", [YUEYANG, YUEYANG + OFF, ZHONGSHAN, yuanjiang("up_1", effective="effective = 2025-01-01")]
)
def test_documents_round_trip_through_dicts(text):
    doc = load_document(text)
    assert document_from_mapping(document_to_dict(doc)) == doc
