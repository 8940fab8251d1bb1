"""Rigid expenses, a child's parents' situation, the need for long-term care and the legal supporters'
situation (issue 11): recorded
as dated evidence on the household page and through the API, never overwritten, fed to the engine;
impossible facts refused with a Chinese message naming the field on each registry road."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from doudi.audit.models import AuditEvent
from doudi.core import labels
from doudi.core.errors import DomainError
from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.registry import services
from doudi.registry.identity import make_id_number
from doudi.registry.models import (
    CareNeed,
    CareSetting,
    ChildBenefitChoice,
    Exclusion,
    JobRefusal,
    LegalSupporter,
    OtherBenefit,
    ParentSituation,
    Person,
    RigidExpense,
)
from doudi.registry.selectors import household_as_of
from doudi.registry.tests import factories as f
from doudi.registry.validation import PersonInput

pytestmark = pytest.mark.django_db

NEW_KINDS = {
    "rigidexpense": {"category": "medical", "amount_12m": "36000.00", "description": "透析"},
    "parentsituation": {"parent": "father", "situation": "imprisoned", "parent_name": "张大"},
    "careneed": {"needs_long_term_care": True, "assessed_by": "县残联"},
    "legalsupporter": {"situation": "incapable", "basis": "独子服刑在押"},
    "caresetting": {"setting": "institution", "institution": "草尾镇敬老院"},
    "exclusion": {"reason": "conscript", "detail": "2024年9月入伍"},
    "jobrefusal": {"offer": "县人社局推荐的保洁岗位", "stated_reason": "嫌工资低"},
    "otherbenefit": {"benefit": "work_injury_care", "monthly_amount": "1200.00"},
    "childbenefitchoice": {"choice": "child_allowance", "guardian": "祖母李四"},
}


@pytest.fixture
def family(regions, users):
    """A 立新村 household: the head and one child (born 2010)."""
    hh = f.household(regions["lixin"], actor=users["village_worker"], members=1, joined_on=date(2015, 1, 1))
    return hh, Person.objects.get(household=hh, relation="head"), Person.objects.get(household=hh, relation="child")


def both_facts(household, on: date):
    """The household's facts as a case reads them (the facts bridge) and as the simulation does (bulk)."""
    from doudi.policy.simulation.extract import chunks
    from doudi.policy.simulation.facts import build_facts

    (bulk,) = [x for chunk in chunks(household.region_id, on, timezone.now()) for x in build_facts(chunk, on)]
    return facts_from_snapshot(household_as_of(household, on=on)), bulk


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# ------------------------------------------------------------------------- recorded and shown


@pytest.mark.parametrize("kind", list(NEW_KINDS))
def test_each_new_kind_is_recorded_from_the_household_page_and_shown(client, family, users, kind):
    hh, head, child = family
    client.force_login(users["village_worker"])
    url = reverse("registry:evidence_create", args=[child.pk, kind])
    page = client.get(url).content.decode()
    model = {
        "rigidexpense": RigidExpense,
        "parentsituation": ParentSituation,
        "careneed": CareNeed,
        "legalsupporter": LegalSupporter,
        "caresetting": CareSetting,
        "exclusion": Exclusion,
        "jobrefusal": JobRefusal,
        "otherbenefit": OtherBenefit,
        "childbenefitchoice": ChildBenefitChoice,
    }[kind]
    for name in model.value_fields:
        assert f'name="{name}"' in page
    post = {
        "valid_from": "2024-10-01",
        "source": "survey",
        **{k: v for k, v in NEW_KINDS[kind].items() if v is not True},
    }
    if NEW_KINDS[kind].get("needs_long_term_care"):
        post["needs_long_term_care"] = "on"
    response = client.post(url, post)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = model.objects.get(person=child)
    assert row.valid_from == date(2024, 10, 1) and row.recorded_by == users["village_worker"]
    assert AuditEvent.objects.filter(action=f"record_{kind}", household_id=hh.pk).exists()
    detail = client.get(reverse("registry:household_detail", args=[hh.pk])).content.decode()
    assert str(model.kind_label) in detail
    expected = {
        "rigidexpense": labels.money(Decimal("36000")),
        "parentsituation": "服刑在押",
        "careneed": "县残联",
        "legalsupporter": "法定义务人无履行能力",
        "caresetting": "草尾镇敬老院",
        "exclusion": "现役义务兵",
        "jobrefusal": "县人社局推荐的保洁岗位",
        "otherbenefit": "工伤保险生活护理费",
        "childbenefitchoice": "儿童基本生活费",
    }
    assert expected[kind] in detail
    # The person page offers the new kinds among its evidence forms.
    person_page = client.get(reverse("registry:person_detail", args=[head.pk])).content.decode()
    assert reverse("registry:evidence_create", args=[head.pk, kind]) in person_page


@pytest.mark.parametrize("kind", list(NEW_KINDS))
def test_each_new_kind_is_recorded_through_the_api(family, users, kind):
    _hh, _head, child = family
    response = _api(users["village_worker"]).post(
        f"/api/persons/{child.pk}/evidence/record/",
        {"kind": kind, "valid_from": "2024-10-01", "values": NEW_KINDS[kind]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == kind
    assert body["values"] == NEW_KINDS[kind]


def test_a_correction_supersedes_and_the_engine_sees_what_was_known_then(family, users):
    """Rigid spending corrected from 12000 to 36000: the old row stays for a decision made before."""
    hh, head, _child = family
    actor = users["village_worker"]
    first = services.do_record_evidence(
        actor,
        head,
        kind="rigidexpense",
        values={"category": "medical", "amount_12m": Decimal("12000")},
        valid_from=date(2024, 10, 1),
    )
    before_correction = timezone.now()
    services.do_correct_evidence(actor, first, reason="补交住院发票", values={"amount_12m": Decimal("36000")})
    first.refresh_from_db()
    assert first.superseded_at is not None and first.amount_12m == Decimal("12000.00")
    then = facts_from_snapshot(household_as_of(hh, on=date(2025, 1, 1), known_at=before_correction))
    now = facts_from_snapshot(household_as_of(hh, on=date(2025, 1, 1)))
    assert [(e.category, e.amount) for e in then.rigid_expenses_12m] == [("medical", Decimal("12000.00"))]
    assert [(e.category, e.amount) for e in now.rigid_expenses_12m] == [("medical", Decimal("36000.00"))]


def test_parents_reach_the_engine_with_their_dates(family, users):
    hh, _head, child = family
    actor = users["village_worker"]
    services.do_record_evidence(
        actor,
        child,
        kind="parentsituation",
        values={"parent": "mother", "situation": "deceased"},
        valid_from=date(2019, 3, 1),
    )
    services.do_record_evidence(
        actor,
        child,
        kind="parentsituation",
        values={"parent": "father", "situation": "detained_other"},
        valid_from=date(2024, 1, 1),
        valid_to=date(2026, 1, 1),
    )
    facts = facts_from_snapshot(household_as_of(hh, on=date(2025, 1, 1)))
    member = next(m for m in facts.members if m.person_id == str(child.pk))
    assert [(p.situation, p.since, p.until) for p in member.parents] == [
        ("detained_other", date(2024, 1, 1), date(2026, 1, 1)),
        ("deceased", date(2019, 3, 1), None),
    ]
    # After the measure ended, only the mother's situation is valid.
    later = facts_from_snapshot(household_as_of(hh, on=date(2026, 2, 1)))
    assert [p.situation for p in next(m for m in later.members if m.person_id == str(child.pk)).parents] == ["deceased"]


@pytest.mark.parametrize("situation,capable", [(None, None), ("none", False), ("incapable", False), ("capable", True)])
def test_the_supporters_situation_reaches_the_engine_and_the_simulation(family, users, situation, capable):
    """Not recorded is unknown (no 特困), not "no supporter": the case and the simulation read the same."""
    hh, head, _child = family
    if situation:
        services.do_record_evidence(
            users["village_worker"],
            head,
            kind="legalsupporter",
            values={"situation": situation, "basis": "查明" if situation == "incapable" else ""},
            valid_from=date(2024, 6, 1),
        )
    for facts in both_facts(hh, date(2025, 1, 1)):
        assert next(m for m in facts.members if m.person_id == str(head.pk)).has_capable_supporter is capable


@pytest.mark.parametrize("recorded", [False, True])
def test_the_care_setting_and_an_exclusion_reach_the_engine_and_the_simulation(family, users, recorded):
    """Not recorded: at home and counted. Recorded: the head in an institution, the child a conscript
    until 2026 — the case's facts and the simulation's read the same; after the end date, counted again."""
    hh, head, child = family
    actor = users["village_worker"]
    if recorded:
        services.do_record_evidence(
            actor,
            head,
            kind="caresetting",
            values={"setting": "institution", "institution": "敬老院"},
            valid_from=date(2024, 6, 1),
        )
        services.do_record_evidence(
            actor,
            child,
            kind="exclusion",
            values={"reason": "conscript"},
            valid_from=date(2024, 9, 1),
            valid_to=date(2026, 9, 1),
        )
    expected = {str(head.pk): ("institution" if recorded else "home", None),
                str(child.pk): ("home", "conscript" if recorded else None)}  # fmt: skip
    on = date(2025, 1, 1)
    for facts in both_facts(hh, on):
        assert {m.person_id: (m.residence, m.exclusion) for m in facts.members} == expected
    later = facts_from_snapshot(household_as_of(hh, on=date(2026, 10, 1)))
    assert next(m for m in later.members if m.person_id == str(child.pk)).exclusion is None


def test_chronic_medication_and_disability_costs_reach_the_engine_and_the_simulation(family, users):
    hh, head, child = family
    actor = users["village_worker"]
    services.do_record_evidence(
        actor,
        head,
        kind="illness",
        values={"diagnosis": "高血压", "chronic_medication": True},
        valid_from=date(2024, 6, 1),
    )
    services.do_record_evidence(
        actor, child, kind="disability",
        values={"category": "physical", "grade": 2, "monthly_costs": Decimal("320.50")},
        valid_from=date(2024, 6, 1),
    )  # fmt: skip
    on = date(2025, 1, 1)
    expected = {str(head.pk): (True, Decimal("0")), str(child.pk): (False, Decimal("320.50"))}
    for facts in both_facts(hh, on):
        assert {m.person_id: (m.chronic_medication, m.disability_costs_monthly) for m in facts.members} == expected


def test_a_non_residential_property_reaches_the_engine_and_the_simulation(family, users):
    """A shop is not a home: counted apart from the houses, by the case and by the simulation."""
    hh, head, _child = family
    for kind, quantity in (("real_estate", 1), ("non_residential", 2)):
        services.do_record_evidence(
            users["village_worker"], head, kind="asset",
            values={"kind_of_asset": kind, "value": Decimal("90000"), "quantity": quantity},
            valid_from=date(2024, 6, 1),
        )  # fmt: skip
    on = date(2025, 1, 1)
    for facts in both_facts(hh, on):
        assert (facts.houses, facts.non_residential_properties) == (1, 2)


def test_job_refusals_valid_on_the_date_are_counted_by_the_engine_and_the_simulation(family, users):
    hh, head, _child = family
    for day, until in ((date(2024, 3, 1), None), (date(2024, 5, 1), None), (date(2024, 7, 1), date(2024, 12, 1))):
        services.do_record_evidence(
            users["village_worker"], head, kind="jobrefusal", values={"offer": "保洁岗位"},
            valid_from=day, valid_to=until,
        )  # fmt: skip
    for on, expected in ((date(2024, 8, 1), 3), (date(2025, 1, 1), 2)):
        for facts in both_facts(hh, on):
            assert {m.person_id: m.job_refusals for m in facts.members}[str(head.pk)] == expected


def test_other_benefits_and_a_childs_choice_reach_the_engine_and_the_simulation(family, users):
    from doudi.policy.engine.facts import OtherBenefit as OtherBenefitFact

    hh, head, child = family
    actor = users["village_worker"]
    services.do_record_evidence(
        actor,
        head,
        kind="otherbenefit",
        values={"benefit": "work_injury_care", "monthly_amount": Decimal("1200")},
        valid_from=date(2024, 6, 1),
    )
    services.do_record_evidence(
        actor, child, kind="childbenefitchoice", values={"choice": "extreme_poverty"}, valid_from=date(2024, 6, 1),
    )  # fmt: skip
    on = date(2025, 1, 1)
    expected = {
        str(head.pk): ((OtherBenefitFact(kind="work_injury_care", monthly_amount=Decimal("1200.00")),), "auto"),
        str(child.pk): ((), "extreme_poverty"),
    }
    for facts in both_facts(hh, on):
        assert {m.person_id: (m.other_benefits, m.child_benefit_choice) for m in facts.members} == expected


# ------------------------------------------------------------------------- impossible facts


@pytest.mark.parametrize(
    "kind,values,message",
    [
        ("disability", {"category": "physical", "grade": 5}, "残疾·残疾等级："),
        ("disability", {"category": "physical", "grade": 0}, "残疾·残疾等级："),
        ("illness", {"diagnosis": "尿毒症", "monthly_self_paid": "-1"}, "疾病·月自付医疗费（元）：不能为负数（-1）。"),
        ("income", {"category": "wages", "monthly_amount": "-0.01"}, "收入·月收入（元）：不能为负数（-0.01）。"),
        (
            "rigidexpense",
            {"category": "medical", "amount_12m": "-500"},
            "刚性支出·近12个月支出（元）：不能为负数（-500）。",
        ),
        ("asset", {"kind_of_asset": "deposit", "value": "-3"}, "财产·价值（元）：不能为负数（-3）。"),
        (
            "legalsupporter",
            {"situation": "incapable", "basis": " "},
            "法定义务人情况·认定依据：法定义务人无履行能力时须写明认定依据",
        ),
        ("legalsupporter", {"situation": "unknown"}, "法定义务人情况·法定义务人情况："),
        ("caresetting", {"setting": "institution"}, "供养方式·供养服务机构：集中供养须填写供养服务机构名称。"),
        ("exclusion", {"reason": "abroad"}, "不计入家庭成员·不计入家庭成员的情形："),
    ],
)
def test_impossible_evidence_is_refused_by_the_service_and_the_api(family, users, kind, values, message):
    _hh, head, _child = family
    with pytest.raises(DomainError) as refused:
        services.do_record_evidence(
            users["village_worker"], head, kind=kind, values=values, valid_from=date(2024, 1, 1)
        )
    assert message in refused.value.message
    response = _api(users["village_worker"]).post(
        f"/api/persons/{head.pk}/evidence/record/",
        {"kind": kind, "valid_from": "2024-01-01", "values": values},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert message in response.json()["message"]


def test_impossible_evidence_is_refused_on_the_form(client, family, users):
    _hh, head, _child = family
    client.force_login(users["village_worker"])
    page = client.post(
        reverse("registry:evidence_create", args=[head.pk, "rigidexpense"]),
        {"valid_from": "2024-10-01", "source": "declared", "category": "medical", "amount_12m": "-5"},
    ).content.decode()
    assert "刚性支出·近12个月支出（元）：不能为负数。" in page
    assert not RigidExpense.objects.filter(person=head).exists()
    page = client.post(
        reverse("registry:evidence_create", args=[head.pk, "disability"]),
        {"valid_from": "2024-10-01", "source": "declared", "category": "physical", "grade": "5"},
    ).content.decode()
    assert "残疾·残疾等级：“5”不是可选的值。" in page


def test_a_person_born_more_than_120_years_ago_is_refused(regions, users):
    old = make_id_number("430981", date(1890, 1, 5), 11)
    with pytest.raises(DomainError) as refused:
        services.do_create_household(
            users["village_worker"],
            region_code=regions["lixin"].code,
            head=PersonInput(id_number=old, name="李老", relation="head"),
            members=[],
            address="立新村1组",
        )
    assert f"公民身份号码“{old}”无效：出生日期 1890-01-05 早于今天 120 年以上" in refused.value.message


def test_a_region_code_that_does_not_exist_is_named_as_such(users):
    with pytest.raises(DomainError) as refused:
        services.do_create_household(
            users["village_worker"],
            region_code="430981114299",
            head=f.person_input("王五"),
            members=[],
            address="某地",
        )
    assert refused.value.message == "所在村/社区：行政区划代码 430981114299 不存在。"


def test_the_api_refuses_a_person_born_more_than_120_years_ago_and_a_region_that_does_not_exist(users):
    old = make_id_number("430981", date(1890, 1, 5), 11)
    client = _api(users["village_worker"])
    response = client.post(
        reverse("api:household_create"),
        {"region": "430981114201", "head": {"id_number": old, "name": "李老"}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "出生日期 1890-01-05 早于今天 120 年以上" in response.json()["message"]
    response = client.post(
        reverse("api:household_create"),
        {"region": "430981114299", "head": {"id_number": f.id_number(), "name": "王五"}},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"] == "所在村/社区：行政区划代码 430981114299 不存在。"


def test_the_household_form_refuses_a_person_born_more_than_120_years_ago(client, users, regions):
    from doudi.registry.tests.test_views import _create_post

    old = make_id_number("430981", date(1890, 1, 5), 11)
    client.force_login(users["village_worker"])
    response = client.post(reverse("registry:household_create"), _create_post(regions["lixin"].code, old))
    assert response.status_code == 200 and not Person.objects.filter(id_number=old).exists()
    assert "出生日期 1890-01-05 早于今天 120 年以上" in response.context["head_form"].errors["id_number"][0]
