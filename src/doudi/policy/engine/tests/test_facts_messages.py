"""What a worker reads when a household file is refused: the exact Chinese message and its path.

The household file (``doudi assess``, the API) is checked by ``facts_loader``; each problem is
shown to the worker word for word, so these rows pin the whole message, the 1-based Chinese path
and the 0-based JSON path. The limits of the integer fields are pinned at both ends.
"""

import json

import pytest

from ..errors import FactsError
from ..facts_loader import _zh_path, facts_from_dict
from ..money import ZERO


def base(**changes):
    """A minimal valid household with one member, with top-level keys replaced by ``changes``."""
    data = {
        "as_of": "2025-03-01",
        "area_type": "urban",
        "members": [{"person_id": "A", "birth_date": "1980-06-15"}],
    }
    data.update(changes)
    return json.loads(json.dumps(data))


def with_member(**fields):
    return base(members=[{"person_id": "A", "birth_date": "1980-06-15", **fields}])


def refused(data):
    with pytest.raises(FactsError) as exc:
        facts_from_dict(data)
    return list(zip(exc.value.problems, exc.value.extra["paths"], strict=True))


DISABILITY_HINT = '应为对象，例如 {"category": "physical", "grade": 2}'
SELF_CARE_ALL = {k: True for k in ("eating", "dressing", "transfer", "toileting", "walking", "bathing")}
PARENT = {"situation": "deceased"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param([], [("家庭: 应为对象", "$")], id="not an object"),
        pytest.param(
            {"as_of": "2025-03-01", "area_type": "urban"},
            [("成员: 必填", "members")],
            id="members missing",
        ),
        pytest.param(base(members={"person_id": "A"}), [("成员: 应为列表", "members")], id="members not a list"),
        pytest.param(
            base(members=["A", {"person_id": "B", "birth_date": "1980-06-15"}]),
            [("成员[1]: 应为对象", "members[0]")],
            id="member not an object",
        ),
        pytest.param(
            base(area_type="town"),
            [('城乡类别: 不认识的取值 "town"，可选：urban（城市）、rural（农村）', "area_type")],
            id="unknown choice lists every choice",
        ),
        pytest.param(base(household_id=" "), [("家庭编号: 应为非空文本", "household_id")], id="blank household id"),
        pytest.param(with_member(name=""), [("成员[1].姓名: 应为非空文本", "members[0].name")], id="blank name"),
        pytest.param(
            with_member(disability="physical"), [(f"成员[1].残疾: {DISABILITY_HINT}", "members[0].disability")]
        ),
        pytest.param(
            with_member(self_care=SELF_CARE_ALL, self_care_unable=0),
            [("成员[1].生活自理评估: 与“生活自理不能项数”只能填写其一", "members[0].self_care")],
            id="both self-care forms",
        ),
        pytest.param(
            with_member(parents=[PARENT, PARENT, PARENT]),
            [("成员[1].父母: 最多两名父母", "members[0].parents")],
            id="three parents",
        ),
        pytest.param(
            base(vehicles=[{"kind": "car", "value": "1"}, 3]),
            [("机动车[2]: 应为对象", "vehicles[1]")],
            id="vehicle not an object",
        ),
        pytest.param(base(vehicles={"kind": "car"}), [("机动车: 应为列表", "vehicles")], id="vehicles not a list"),
    ],
)
def test_refusal_message_and_path(data, expected):
    assert refused(data) == expected


@pytest.mark.parametrize(
    ("field", "low", "high", "label"),
    [
        ("houses", 0, 1000, "住房套数"),
        ("non_residential_properties", 0, 1000, "非居住类房屋数"),
    ],
)
def test_household_integer_limits_are_inclusive(field, low, high, label):
    assert getattr(facts_from_dict(base(**{field: low})), field) == low
    assert getattr(facts_from_dict(base(**{field: high})), field) == high
    for bad in (low - 1, high + 1):
        assert refused(base(**{field: bad})) == [(f'{label}: 应为 {low} 到 {high} 之间的整数，而不是 "{bad}"', field)]


@pytest.mark.parametrize(
    ("field", "low", "high", "label"),
    [
        ("self_care_unable", 0, 6, "生活自理不能项数"),
        ("job_refusals", 0, 100, "无正当理由拒绝就业次数"),
    ],
)
def test_member_integer_limits_are_inclusive(field, low, high, label):
    assert getattr(facts_from_dict(with_member(**{field: low})).members[0], field) == low
    assert getattr(facts_from_dict(with_member(**{field: high})).members[0], field) == high
    for bad in (low - 1, high + 1):
        assert refused(with_member(**{field: bad})) == [
            (f'成员[1].{label}: 应为 {low} 到 {high} 之间的整数，而不是 "{bad}"', f"members[0].{field}")
        ]


@pytest.mark.parametrize(
    ("unable_items", "count"),
    [((), 0), (("eating",), 1), (("eating", "bathing"), 2), (tuple(SELF_CARE_ALL), 6)],
)
def test_self_care_items_count_the_things_a_person_cannot_do(unable_items, count):
    """Only items answered ``false`` (cannot do it) are counted (§2.3 self-care tiers)."""
    answers = {k: k not in unable_items for k in SELF_CARE_ALL}
    assert facts_from_dict(with_member(self_care=answers)).members[0].self_care_unable == count


def test_two_parents_are_accepted():
    assert len(facts_from_dict(with_member(parents=[PARENT, PARENT])).members[0].parents) == 2


def test_optional_parts_take_their_documented_defaults():
    facts = facts_from_dict(
        {
            **with_member(supporters=[{"is_dibao": True}], other_benefits=[{"kind": "elderly_care_subsidy"}]),
            "vehicles": [{"kind": "motorcycle"}],
        }
    )
    assert facts.vehicles[0].value == ZERO
    m = facts.members[0]
    assert m.name == ""
    assert m.supporters[0].birth_date is None
    assert m.other_benefits[0].monthly_amount == ZERO
    assert facts.current_dibao is None and facts.temporary_need is None
    assert facts.household_id == ""


def test_a_field_without_a_chinese_label_is_shown_by_its_key():
    assert _zh_path(("members", 0, "unknown_key", 2)) == "成员[1].unknown_key[3]"
