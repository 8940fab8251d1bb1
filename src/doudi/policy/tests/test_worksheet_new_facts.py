"""The worksheet records the facts that 刚性支出, 孤儿/事实无人抚养儿童 and 护理补贴 need (issue 11)."""

from __future__ import annotations

import re

from django.urls import reverse

from doudi.policy.tests.test_views import _worksheet, login


def _eligible(text: str) -> list[str]:
    """Return the summaries of the programmes shown as eligible (badge 符合), tags stripped."""
    found = re.findall(r'<details class="programme eligible".*?<summary>(.*?)</summary>', text, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", s).split()) for s in found]


def test_rigid_expenses_of_twelve_months_make_a_rigid_expense_household(client, published, users):
    login(client, users["village_worker"])
    # Urban, wages 3000 for two: per capita above 1.5 × 740 (near-dibao) and below 51500 / 12.
    data = _worksheet(**{"0": {"wage": "3000"}, "1": {"disability_category": "", "disability_grade": ""}})
    without = client.post(reverse("policy:worksheet"), data).content.decode()
    assert not any("刚性支出困难家庭" in s for s in _eligible(without))
    data.update({"expense_medical": "40000", "expense_education": "6000"})
    text = client.post(reverse("policy:worksheet"), data).content.decode()
    assert any("刚性支出困难家庭" in s for s in _eligible(text)), _eligible(text)
    assert "近 12 个月刚性支出 46,000.00 元（医疗支出 40,000.00、教育支出 6,000.00）" in text


def test_parents_situations_make_an_orphan_and_a_de_facto_orphan(client, published, users):
    login(client, users["village_worker"])
    child = {
        "name": "小军",
        "birth_date": "2015-06-01",
        "relation": "grandchild",
        "disability_category": "",
        "disability_grade": "",
        "father_situation": "deceased",
        "father_since": "2020-01-01",
        "mother_situation": "deceased",
        "mother_since": "2021-01-01",
    }
    text = client.post(reverse("policy:worksheet"), _worksheet(**{"1": child})).content.decode()
    assert any(s.startswith("符合 孤儿基本生活费（小军）") for s in _eligible(text)), _eligible(text)
    child.update({"mother_situation": "lost_contact", "mother_since": "2024-10-01"})
    text = client.post(reverse("policy:worksheet"), _worksheet(**{"1": child})).content.decode()
    assert any(s.startswith("符合 事实无人抚养儿童基本生活费（小军）") for s in _eligible(text)), _eligible(text)
    # Lost contact since 2025-01-01 is under six months on 2025-06-01: no allowance.
    child.update({"mother_since": "2025-01-01"})
    text = client.post(reverse("policy:worksheet"), _worksheet(**{"1": child})).content.decode()
    assert not any("无人抚养" in s or "孤儿" in s for s in _eligible(text))


def test_long_term_care_need_grants_the_care_subsidy(client, published, users):
    login(client, users["village_worker"])
    data = _worksheet(**{"0": {"wage": "3000"}})  # the spouse has a grade-1 physical disability
    text = client.post(reverse("policy:worksheet"), data).content.decode()
    assert not any("重度残疾人护理补贴" in s for s in _eligible(text))
    data = _worksheet(**{"0": {"wage": "3000"}, "1": {"needs_long_term_care": "on"}})
    text = client.post(reverse("policy:worksheet"), data).content.decode()
    assert any(
        s.startswith("符合 重度残疾人护理补贴（配偶）") and s.endswith("277.00 元/月") for s in _eligible(text)
    ), _eligible(text)


def test_member_facts_beyond_the_registry_reach_the_engine(client, published, users):
    """Residence, exclusion, supporter, costs and choices typed on the worksheet are those the engine sees."""
    from doudi.policy.engine import facts_from_dict
    from doudi.policy.forms import HouseholdWorksheetForm, MemberFormSet, worksheet_to_document

    data = _worksheet(
        **{
            "0": {
                "chronic_medication": "on",
                "medical_costs_monthly": "120",
                "disability_costs_monthly": "80",
                "residence": "institution",
                "exclusion": "conscript",
                "has_capable_supporter": "no",
                "job_refusals": "2",
                "child_benefit_choice": "child_allowance",
            }
        }
    )
    data["non_residential_properties"] = "1"
    form = HouseholdWorksheetForm(data)
    assert form.is_valid(), form.errors
    formset = MemberFormSet(data, prefix="m", form_kwargs={"on": form.cleaned_data["on"]})
    assert formset.is_valid(), formset.errors
    facts = facts_from_dict(worksheet_to_document(form.cleaned_data, [f.cleaned_data for f in formset.forms]))
    head = facts.members[0]
    assert (head.chronic_medication, head.medical_costs_monthly, head.disability_costs_monthly) == (
        True,
        120,
        80,
    )
    assert (head.residence, head.exclusion, head.has_capable_supporter, head.job_refusals) == (
        "institution",
        "conscript",
        False,
        2,
    )
    assert head.child_benefit_choice == "child_allowance" and facts.non_residential_properties == 1
    spouse = facts.members[1]
    assert (spouse.residence, spouse.exclusion, spouse.has_capable_supporter) == ("home", None, None)


def test_a_benefit_of_another_department_is_weighed_against_the_disability_subsidies(client, published, users):
    """The worksheet records an overlapping benefit: 工伤保险生活护理费 excludes the two subsidies, a
    老年人护理补贴 is weighed against them and the higher is paid (§5)."""
    login(client, users["village_worker"])

    def post(**spouse) -> str:
        data = _worksheet(**{"0": {"wage": "3000"}, "1": {"needs_long_term_care": "on", **spouse}})
        return client.post(reverse("policy:worksheet"), data).content.decode()

    text = post(other_benefit="work_injury_care", other_benefit_amount="1500")
    assert not any("重度残疾人护理补贴" in s for s in _eligible(text)), _eligible(text)
    assert "已享受工伤保险生活护理费，不享受两项补贴" in text
    text = post(other_benefit="elderly_care_subsidy", other_benefit_amount="300")
    assert not any("重度残疾人护理补贴" in s for s in _eligible(text)), _eligible(text)
    assert "已享受老年人福利/护理补贴 300.00 元 ≥ 两项补贴 277.00 元，择高领取原待遇，不发两项补贴" in text
    text = post(other_benefit="elderly_care_subsidy", other_benefit_amount="100")
    assert any(s.startswith("符合 重度残疾人护理补贴（配偶）") for s in _eligible(text)), _eligible(text)
    assert "两项补贴 277.00 元 &gt; 老年人福利/护理补贴 100.00 元，择高领取两项补贴" in text


def test_an_amount_without_its_benefit_is_refused_on_the_field(client, published, users):
    login(client, users["village_worker"])
    data = _worksheet(**{"1": {"other_benefit_amount": "100"}})
    text = client.post(reverse("policy:worksheet"), data).content.decode()
    assert "填写了待遇月金额时必填。" in text
