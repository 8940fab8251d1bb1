"""The result records as the API and the decision pages read them: every key and every figure.

``Assessment.to_dict`` is what ``doudi assess`` prints and the API returns; ``EngineError.as_dict``
is the error body the API shows. Both are pinned whole here, so a renamed key or a figure shown
unformatted fails a test rather than a page.
"""

from datetime import date
from decimal import Decimal

import pytest

from ..errors import EngineError, FactsError, PolicyError
from ..explain import PROGRAMME_LABELS, Assessment, NullTrace, ProgrammeResult, Step, Trace

D = Decimal


def sample_assessment() -> Assessment:
    dibao = ProgrammeResult(
        "dibao",
        True,
        monthly_amount=D("1279.5"),
        tier="A",
        per_member={"b": D("48.5"), "a": D(97)},
        steps=[Step("§1.7", "差额 1085.50 元（规则 §1.7）")],
    )
    temporary = ProgrammeResult("temporary", True, one_off_amount=D("2960"), valid_until=date(2025, 6, 30))
    care_a = ProgrammeResult("disability_care_subsidy", True, monthly_amount=D(100), person_id="a")
    care_b = ProgrammeResult("disability_care_subsidy", True, monthly_amount=D(277), person_id="b")
    care_c = ProgrammeResult("disability_care_subsidy", False, monthly_amount=D(50), person_id="c")
    refused = ProgrammeResult("near_dibao", False, monthly_amount=D(999), one_off_amount=D(7))
    return Assessment(
        household_id="H1",
        on=date(2025, 3, 1),
        region_code="430981",
        status="dibao",
        programmes=[dibao, temporary, care_a, care_b, care_c, refused],
        notes=[Step("§3.2", "分类认定")],
    )


def test_assessment_to_dict_pins_every_key_and_figure():
    assert sample_assessment().to_dict() == {
        "household_id": "H1",
        "on": "2025-03-01",
        "region_code": "430981",
        "status": "dibao",
        "total_monthly": "1656.50",  # 1279.50 + 100 + 277; the refused 50 and 999 are not paid
        "total_one_off": "2960.00",  # the refused 7 is not paid
        "programmes": [
            {
                "programme": "dibao",
                "label": "最低生活保障",
                "eligible": True,
                "tier": "A",
                "person_id": "",
                "monthly_amount": "1279.50",
                "one_off_amount": "0.00",
                "per_member": {"a": "97.00", "b": "48.50"},
                "valid_until": None,
                "steps": [{"rule_ref": "§1.7", "text_zh": "差额 1085.50 元（规则 §1.7）"}],
            },
            {
                "programme": "temporary",
                "label": "临时救助",
                "eligible": True,
                "tier": "",
                "person_id": "",
                "monthly_amount": "0.00",
                "one_off_amount": "2960.00",
                "per_member": {},
                "valid_until": "2025-06-30",
                "steps": [],
            },
            {
                "programme": "disability_care_subsidy",
                "label": "重度残疾人护理补贴",
                "eligible": True,
                "tier": "",
                "person_id": "a",
                "monthly_amount": "100.00",
                "one_off_amount": "0.00",
                "per_member": {},
                "valid_until": None,
                "steps": [],
            },
            {
                "programme": "disability_care_subsidy",
                "label": "重度残疾人护理补贴",
                "eligible": True,
                "tier": "",
                "person_id": "b",
                "monthly_amount": "277.00",
                "one_off_amount": "0.00",
                "per_member": {},
                "valid_until": None,
                "steps": [],
            },
            {
                "programme": "disability_care_subsidy",
                "label": "重度残疾人护理补贴",
                "eligible": False,
                "tier": "",
                "person_id": "c",
                "monthly_amount": "50.00",
                "one_off_amount": "0.00",
                "per_member": {},
                "valid_until": None,
                "steps": [],
            },
            {
                "programme": "near_dibao",
                "label": "低保边缘家庭",
                "eligible": False,
                "tier": "",
                "person_id": "",
                "monthly_amount": "999.00",
                "one_off_amount": "7.00",
                "per_member": {},
                "valid_until": None,
                "steps": [],
            },
        ],
        "notes": [{"rule_ref": "§3.2", "text_zh": "分类认定"}],
    }


@pytest.mark.parametrize(
    ("programme", "expected"),
    [
        ("disability_care_subsidy", D(377)),  # a 100 + b 277; c is refused
        ("dibao", D("1279.5")),
        ("temporary", D(0)),  # one-off only
        ("near_dibao", D(0)),  # refused
        ("orphan", D(0)),  # not assessed
    ],
)
def test_amount_sums_the_eligible_monthly_amounts_of_one_programme(programme, expected):
    amount = sample_assessment().amount(programme)
    assert amount == expected
    assert type(amount) is Decimal  # even when nothing is paid: callers format it with money.fmt


def test_get_finds_a_programme_and_a_member():
    a = sample_assessment()
    assert a.get("disability_care_subsidy").person_id == "a"
    assert a.get("disability_care_subsidy", "c").eligible is False
    assert a.get("disability_care_subsidy", "z") is None
    assert a.get("orphan") is None


def test_label_falls_back_to_the_code_only_for_unknown_programmes():
    assert all(ProgrammeResult(code, True).label == label for code, label in PROGRAMME_LABELS.items())
    assert ProgrammeResult("unknown_code", True).label == "unknown_code"


def test_trace_formats_decimals_with_two_places_and_cites_the_rule():
    t = Trace()
    t.add("§1.2", "标准 {} 元，{} 人", D("740"), 3)
    t.add("§1.3", "无数字")
    assert [s.to_dict() for s in t.steps] == [
        {"rule_ref": "§1.2", "text_zh": "标准 740.00 元，3 人（规则 §1.2）"},
        {"rule_ref": "§1.3", "text_zh": "无数字（规则 §1.3）"},
    ]
    n = NullTrace()
    n.add("§1.2", "标准 {} 元", D(740))
    assert n.steps == [] and n.enabled is False and t.enabled is True


@pytest.mark.parametrize(
    ("cls", "code"),
    [(FactsError, "invalid_facts"), (PolicyError, "invalid_policy"), (EngineError, "engine_error")],
)
def test_error_body_as_the_api_shows_it(cls, code):
    err = cls(["成员[1].出生日期: 必填", "城乡类别: 必填"], ["members[0].birth_date", "area_type"])
    assert err.as_dict() == {
        "code": code,
        "message": "成员[1].出生日期: 必填；城乡类别: 必填",
        "extra": {
            "problems": ["成员[1].出生日期: 必填", "城乡类别: 必填"],
            "paths": ["members[0].birth_date", "area_type"],
        },
    }
    assert str(err) == "成员[1].出生日期: 必填；城乡类别: 必填"
    assert cls(["x"]).extra == {"problems": ["x"], "paths": []}
