"""Properties that must hold for every household (Hypothesis).

* More income never raises a benefit: per programme (each computed on a fixed household) and in
  total through the cascade. Two rules deliberately break this and are excluded from the total
  check, each with its own example test: 渐退 (§1.10) pays a household that has just earned more,
  and 单人户 (§1.4) can pay a disabled member alone more than the household received.
* No amount is ever negative.
* A household's dibao never exceeds standard × members plus its supplements.
* The result does not depend on the order in which members are listed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ..cascade import assess
from ..dibao import assess_dibao
from ..explain import NullTrace
from ..facts import (
    INCOME_LABELS,
    DibaoHistory,
    DisabilityFact,
    HouseholdFacts,
    IncomeFact,
    MemberFacts,
    OtherBenefit,
    ParentFacts,
    TemporaryNeed,
    VehicleFact,
)
from ..means import build_context, household_income, property_ok
from .factories import ON, household, make_policy, member, sample_policy

D = Decimal
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
money = st.integers(0, 400_000).map(lambda cents: D(cents).scaleb(-2))
COUNTED = ("wage", "business", "property", "transfer", "other")


@st.composite
def members(draw, pid: str) -> MemberFacts:
    age_days = draw(st.integers(0, 100 * 366))
    incomes = draw(st.lists(st.builds(IncomeFact, st.sampled_from(sorted(INCOME_LABELS)), money), max_size=3))
    disability = draw(
        st.none()
        | st.builds(
            DisabilityFact,
            st.sampled_from(["physical", "intellectual", "mental", "visual", "hearing"]),
            st.integers(1, 4),
        )
    )
    parents = draw(
        st.lists(
            st.builds(
                ParentFacts,
                st.sampled_from(["present", "deceased", "severe_disability", "lost_contact", "imprisoned"]),
                st.none() | st.dates(date(2020, 1, 1), date(2025, 3, 1)),
            ),
            min_size=0,
            max_size=2,
        )
    )
    return MemberFacts(
        person_id=pid,
        birth_date=ON - timedelta(days=age_days),
        incomes=tuple(incomes),
        disability=disability,
        serious_illness=draw(st.booleans()),
        labour_capacity=draw(st.sampled_from(["full", "partial", "none"])),
        self_care_unable=draw(st.none() | st.integers(0, 6)),
        schooling=draw(st.sampled_from(["none", "compulsory", "high_school", "higher"])),
        residence=draw(st.sampled_from(["home", "institution"])),
        needs_long_term_care=draw(st.booleans()),
        job_refusals=draw(st.integers(0, 3)),
        parents=tuple(parents),
        has_capable_supporter=draw(st.none() | st.booleans()),
        other_benefits=tuple(
            draw(st.lists(st.builds(OtherBenefit, st.just("elderly_care_subsidy"), money), max_size=1))
        ),
        child_benefit_choice=draw(st.sampled_from(["auto", "extreme_poverty", "child_allowance"])),
    )


@st.composite
def households(draw) -> HouseholdFacts:
    n = draw(st.integers(1, 5))
    people = tuple(draw(members(f"M{i}")) for i in range(n))
    need = draw(
        st.none()
        | st.builds(
            TemporaryNeed,
            st.sampled_from(["emergency", "expense"]),
            st.just("other"),
            st.just(date(2025, 2, 1)),
            money,
            st.just(D(0)),
            st.booleans(),
        )
    )
    return HouseholdFacts(
        as_of=ON,
        area_type=draw(st.sampled_from(["urban", "rural"])),
        members=people,
        financial_assets=draw(st.integers(0, 60_000).map(D)),
        vehicles=tuple(
            draw(
                st.lists(
                    st.builds(VehicleFact, st.sampled_from(["car", "motorcycle"]), st.integers(0, 200_000).map(D)),
                    max_size=1,
                )
            )
        ),
        houses=draw(st.integers(0, 2)),
        temporary_need=need,
    )


TOTAL_POLICY = make_policy({"dibao.single_person_enabled": False})


def add_income(h: HouseholdFacts, index: int, category: str, amount: Decimal) -> HouseholdFacts:
    people = list(h.members)
    m = people[index % len(people)]
    people[index % len(people)] = replace(m, incomes=(*m.incomes, IncomeFact(category, amount)))
    return replace(h, members=tuple(people))


def programme_amounts(h: HouseholdFacts, policy, tekun_ids: set[str] | None = None) -> dict[str, Decimal]:
    """Return every programme's amount computed on the whole household as given.

    The cascade moves tekun members out of the household, which changes who is assessed for
    dibao and the subsidies; here the composition is held fixed so that each programme is
    compared with itself. ``tekun_ids`` fixes who counts as tekun for the disability
    subsidies (losing tekun rightly opens them; that is a change of programme, not of amount).
    """
    from .. import disability_subsidies, extreme_poverty, longevity
    from ..near_dibao import assess_near_dibao
    from ..rigid_expense import assess_rigid_expense
    from ..temporary import assess_temporary

    null = NullTrace()
    ctx = build_context(h, policy, ON)
    income = household_income(ctx, ctx.members, null)
    prop = property_ok(ctx, "dibao", income.size, null, "")
    dibao = assess_dibao(ctx, ctx.members, income, prop, null)
    out = {"dibao": dibao.monthly_amount}
    out["near_dibao"] = D(int(assess_near_dibao(ctx, income, null).eligible))
    out["rigid_expense"] = D(int(assess_rigid_expense(ctx, income, null).eligible))
    if h.temporary_need is not None:
        out["temporary"] = assess_temporary(ctx, income, null).one_off_amount
    status = "dibao" if dibao.eligible else ("near_dibao" if out["near_dibao"] else "none")
    for m in ctx.members:
        tekun = extreme_poverty.assess_member(ctx, m, len(ctx.members), null)
        out[f"extreme_poverty:{m.person_id}"] = tekun.monthly_amount
        is_tekun = tekun.eligible if tekun_ids is None else m.person_id in tekun_ids
        if m.facts.disability is not None:
            for r in disability_subsidies.assess_member(ctx, m, status, is_tekun, None, null, null):
                out[f"{r.programme}:{m.person_id}"] = r.monthly_amount
        r = longevity.assess_member(ctx, m, status, null)
        if r is not None:
            out[f"longevity:{m.person_id}"] = r.monthly_amount
    return out


@SETTINGS
@given(households(), st.integers(0, 4), st.sampled_from(COUNTED), money.filter(lambda x: x > 0))
def test_more_income_never_raises_a_benefit(h, index, category, extra):
    """Per programme on a fixed household, and in total through the cascade.

    Excepted: a child who *chose* 特困 over a higher orphan allowance (§2.2: the choice is the
    family's). Income that ends the 特困 support brings the allowance the family had declined, so
    the total rises; ``test_declined_child_allowance_returns_when_tekun_ends`` shows it.
    """
    assume(all(m.child_benefit_choice != "extreme_poverty" for m in h.members))
    richer = add_income(h, index, category, extra)
    policy = sample_policy()
    before = programme_amounts(h, policy)
    tekun_ids = {k.split(":")[1] for k, v in before.items() if k.startswith("extreme_poverty:") and v > 0}
    after = programme_amounts(richer, policy, tekun_ids)
    for key, amount in after.items():
        assert amount <= before[key], key
    total_before = assess(h, TOTAL_POLICY, explain=False)
    total_after = assess(richer, TOTAL_POLICY, explain=False)
    assert total_after.total_monthly <= total_before.total_monthly
    assert total_after.total_one_off <= total_before.total_one_off


def test_declined_child_allowance_returns_when_tekun_ends():
    """An orphan whose family chose 特困 gets the orphan allowance once own income ends 特困 (§2.2, §6)."""
    from datetime import date

    from ..facts import HouseholdFacts, IncomeFact, MemberFacts, ParentFacts

    deceased = (ParentFacts("deceased"), ParentFacts("deceased"))
    child = MemberFacts(
        person_id="c",
        birth_date=date(2015, 3, 1),
        parents=deceased,
        has_capable_supporter=False,
        child_benefit_choice="extreme_poverty",
    )
    h = HouseholdFacts(as_of=date(2025, 3, 1), area_type="urban", members=(child,))
    richer = HouseholdFacts(
        as_of=h.as_of,
        area_type="urban",
        members=(replace(child, incomes=(IncomeFact("wage", D("740")),)),),
    )
    before, after = assess(h, TOTAL_POLICY, explain=False), assess(richer, TOTAL_POLICY, explain=False)
    assert before.get("extreme_poverty").eligible
    assert not after.get("extreme_poverty").eligible
    assert after.get("orphan").eligible
    assert after.total_monthly > before.total_monthly


@SETTINGS
@given(
    households(),
    st.sampled_from(["gap", "banded"]),
    st.sampled_from(["highest_only", "cumulative"]),
    st.sampled_from(["0.01", "1"]),
)
def test_amounts_are_never_negative_and_dibao_is_bounded(h, method, mode, step):
    from ..documents import Band

    policy = make_policy(
        {
            "dibao.payment_method": method,
            "dibao.bands": (Band(D("0.5"), D("1")), Band(D("1"), D("0.5"))),
            "dibao.supplement_mode": mode,
            "general.rounding_step": step,
        }
    )
    a = assess(h, policy, explain=False)
    for p in a.programmes:
        assert p.monthly_amount >= 0 and p.one_off_amount >= 0
    d = a.get("dibao")
    if d is not None and d.eligible:
        tekun = {p.person_id for p in a.programmes if p.programme == "extreme_poverty" and p.eligible}
        n = sum(1 for m in h.members if m.exclusion is None and m.person_id not in tekun)
        std = policy.areas[h.area_type].dibao_standard
        assert d.monthly_amount <= std * n + sum(d.per_member.values(), D(0))


def summary(a):
    return (
        a.status,
        a.total_monthly,
        a.total_one_off,
        sorted(
            (p.programme, p.person_id, p.eligible, p.monthly_amount, p.one_off_amount, p.tier) for p in a.programmes
        ),
    )


@SETTINGS
@given(households(), st.integers(0, 4))
def test_member_order_and_explain_flag_do_not_change_the_result(h, rotate):
    """Members reversed and rotated give the same result; explain=False changes only the text."""
    policy = sample_policy()
    reference = summary(assess(h, policy))
    people = list(h.members)
    k = rotate % len(people)
    for order in (people[::-1], people[k:] + people[:k]):
        assert summary(assess(replace(h, members=tuple(order)), policy)) == reference
    assert summary(assess(h, policy, explain=False)) == reference


def test_phase_out_deliberately_pays_more_to_a_household_that_earned_more():
    """渐退 (§1.10) is the documented exception: income just above the standard keeps the old amount."""
    history = DibaoHistory(D("1000"), exceeded_since=date(2025, 3, 1))
    below = assess(household(member(income=739, category="transfer"), current_dibao=history), sample_policy())
    above = assess(household(member(income=741, category="transfer"), current_dibao=history), sample_policy())
    assert below.total_monthly == D("148.00")
    assert above.total_monthly == D("1000.00")


def test_single_person_rule_can_pay_more_after_a_rise():
    """单人户 (§1.4) is the other exception: crossing the standard can open a member's own dibao."""

    def h(wage):
        return household(member("A", income=wage, category="transfer"), member("B", disability=("physical", 1)))

    below, above = assess(h(1479), sample_policy()), assess(h(1481), sample_policy())
    assert below.status == "dibao" and above.status == "near_dibao"
    assert above.amount("single_person_dibao") > below.amount("dibao")
