"""一次申请、分类认定 (§3.2): one assessment, every programme, JSON output."""

import json
from datetime import date
from decimal import Decimal

from ..cascade import assess
from ..facts import ExpenseFact
from ..facts_loader import facts_from_dict
from .factories import household, member, sample_policy

D = Decimal


def test_cascade_order_and_status():
    """The first tier that fits is the household's status (特困 → 低保 → 边缘 → 刚性, §3.2)."""
    p = sample_policy()
    alone_elder = household(member(born="1940-01-01", has_capable_supporter=False))
    assert assess(alone_elder, p).status == "extreme_poverty"
    assert assess(household(member(income=500, category="transfer")), p).status == "dibao"
    assert assess(household(member(income=900, category="transfer")), p).status == "near_dibao"
    rigid = household(member(income=2000, category="transfer"), rigid_expenses_12m=(ExpenseFact("medical", D(30000)),))
    assert assess(rigid, p).status == "rigid_expense"
    assert assess(household(member(income=9000, category="transfer")), p).status == "none"


def test_full_household_end_to_end_from_json():
    """A realistic 沅江 household: dibao with supplements, both disability subsidies, a child allowance."""
    payload = {
        "as_of": "2025-03-01",
        "area_type": "rural",
        "household_id": "YJ-0001",
        "members": [
            {
                "person_id": "grandma",
                "birth_date": "1944-02-29",
                "relation": "applicant",
                "incomes": [{"category": "basic_pension_base", "monthly_amount": "153"}],
            },
            {
                "person_id": "uncle",
                "birth_date": "1978-04-02",
                "relation": "child",
                "disability": {"category": "intellectual", "grade": 2},
                "needs_long_term_care": True,
            },
            {
                "person_id": "grandson",
                "birth_date": "2013-09-01",
                "relation": "grandchild",
                "schooling": "compulsory",
                "parents": [{"situation": "deceased"}, {"situation": "imprisoned", "since": "2023-05-01"}],
            },
            {
                "person_id": "aunt",
                "birth_date": "1982-01-01",
                "relation": "child",
                "incomes": [{"category": "wage", "monthly_amount": "1000"}],
            },
        ],
    }
    a = assess(facts_from_dict(payload), sample_policy())
    assert a.status == "dibao"
    dibao = a.get("dibao")
    # counted income: aunt's wage 1000 − employment cost 30% × 485 = 854.50; pension base exempt.
    # gap = 485 × 4 − 854.50 = 1085.50; supplements: grandma 81 → elderly 48.50, uncle severe 97.00,
    # grandson minor 48.50 → 194.00.
    assert dibao.monthly_amount == D("1279.50")
    assert dibao.per_member == {"grandma": D("48.50"), "uncle": D("97.00"), "grandson": D("48.50")}
    assert a.get("disability_living_subsidy", "uncle").monthly_amount == D(277)
    assert a.get("disability_care_subsidy", "uncle").monthly_amount == D(277)
    assert a.get("de_facto_orphan", "grandson").monthly_amount == D(1651)
    longevity = a.get("longevity_allowance", "grandma")
    assert longevity.eligible and longevity.monthly_amount == D(50)
    assert a.total_monthly == D("1279.50") + 277 + 277 + 1651 + 50

    data = a.to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert data["total_monthly"] == "3534.50"
    assert data["programmes"][0]["programme"] == "dibao"
    assert "差额 = 485.00 × 4 人 − 家庭月计算收入 854.50 = 1,085.50 元" in text
    assert all(step["rule_ref"].startswith("§") for p in data["programmes"] for step in p["steps"])


def test_policy_of_another_date_can_be_applied():
    """Simulations re-assess today's facts under another date's policy (2024: urban 700)."""
    h = household(member(income=500, category="transfer"))
    assert assess(h, sample_policy(date(2024, 6, 1))).get("dibao").monthly_amount == D("200.00")
    assert assess(h, sample_policy()).get("dibao").monthly_amount == D("240.00")


def test_disabled_programmes_are_not_assessed():
    from .factories import make_policy

    p = make_policy({"longevity.enabled": False, "extreme_poverty.enabled": False})
    a = assess(household(member(born="1930-01-01", has_capable_supporter=False)), p)
    assert a.get("longevity_allowance") is None and a.get("extreme_poverty") is None
    assert a.status == "dibao"


def test_explanations_call_members_by_name_when_given(policy_2025):
    """Steps name the member ("王芳 重度残疾增发…"), not the internal person id."""
    spouse = member("p2", "1978-08-12", disability=("physical", 1), name="王芳")
    result = assess(household(member("p1", "1975-03-02"), spouse), policy_2025)
    texts = [s.text_zh for p in result.programmes for s in p.steps]
    assert any(t.startswith("王芳 ") for t in texts)
    assert not any(t.startswith("p2 ") for t in texts)
