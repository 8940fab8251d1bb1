"""残疾人两项补贴 (the two disability subsidies, 国发〔2015〕52号, §5).

The living subsidy goes to disabled people in dibao households (optionally near-dibao); the care
subsidy to grade 1–2 disabled people who need long-term care, and where a region extends it, to
grade 3–4 intellectual or mental disability. Overlaps (§5): tekun support or work-injury care
pay excludes both; orphans get no living subsidy; other elderly/veteran/retired-cadre care
benefits are compared with the subsidies and the higher is kept (择高).
"""

from __future__ import annotations

from .explain import ProgrammeResult, Trace
from .facts import DISABILITY_CATEGORY_LABELS, OTHER_BENEFIT_LABELS
from .means import Context, MemberView
from .money import ZERO

CHOOSE_HIGHER_KINDS = frozenset({"elderly_care_subsidy", "veteran_disability", "retired_cadre_care"})


def assess_member(
    ctx: Context,
    m: MemberView,
    status: str,
    is_tekun: bool,
    child_kind: str | None,
    tl: Trace,
    tc: Trace,
) -> list[ProgrammeResult]:
    """Return the living and care subsidy results of one disabled member.

    ``status`` is the member's tier in the cascade (``dibao`` also for 单人户 and 渐退);
    ``child_kind`` is ``orphan``/``de_facto_orphan`` when the member receives that allowance.
    ``tl`` and ``tc`` collect the steps of the living and the care subsidy.
    """
    d = m.facts.disability
    if d is None:
        return []
    values = ctx.policy.values
    living = ProgrammeResult("disability_living_subsidy", False, person_id=m.person_id, tier=f"{d.grade} 级")
    care = ProgrammeResult("disability_care_subsidy", False, person_id=m.person_id, tier=f"{d.grade} 级")
    who = f"{m.who}（{DISABILITY_CATEGORY_LABELS[d.category]}残疾 {d.grade} 级）"
    if is_tekun:
        for t in (tl, tc):
            t.add("§5", "{} 已纳入特困供养，不享受两项补贴", who)
        return [living, care]
    if any(b.kind == "work_injury_care" for b in m.facts.other_benefits):
        for t in (tl, tc):
            t.add("§5", "{} 已享受工伤保险生活护理费，不享受两项补贴", who)
        return [living, care]
    living_amount = values["disability_subsidies.living_amounts"][d.grade - 1]
    if status not in values["disability_subsidies.living_statuses"]:
        tl.add(
            "§5",
            "{} 所在家庭不是低保{}家庭，不享受困难残疾人生活补贴",
            who,
            "或低保边缘" if "near_dibao" in values["disability_subsidies.living_statuses"] else "",
        )
    elif child_kind == "orphan" or (
        child_kind == "de_facto_orphan" and values["disability_subsidies.de_facto_orphan_no_living"]
    ):
        tl.add("§5", "{} 已领取孤儿（或事实无人抚养儿童）基本生活费，不享受生活补贴，可享受护理补贴", who)
    elif living_amount > ZERO:
        living.eligible, living.monthly_amount = True, living_amount
        tl.add("§5", "{} 困难残疾人生活补贴 {} 元/月", who, living_amount)
    care_amount = values["disability_subsidies.care_amounts"][d.grade - 1]
    covered = d.grade <= 2 or d.category in ("intellectual", "mental")
    if not covered or care_amount <= ZERO:
        tc.add("§5", "{} 不在重度残疾人护理补贴范围", who)
    elif not m.facts.needs_long_term_care:
        tc.add("§5", "{} 未经评定需长期照护（照护超过 6 个月），不享受护理补贴", who)
    else:
        care.eligible, care.monthly_amount = True, care_amount
        tc.add("§5", "{} 重度残疾人护理补贴 {} 元/月", who, care_amount)
    others = [b for b in m.facts.other_benefits if b.kind in CHOOSE_HIGHER_KINDS]
    subsidy = living.monthly_amount + care.monthly_amount
    if values["disability_subsidies.choose_higher"] and others and subsidy > ZERO:
        other_total = sum((b.monthly_amount for b in others), ZERO)
        names = "、".join(OTHER_BENEFIT_LABELS[b.kind] for b in others)
        # "择高" does not say what a tie does (§5); the policy decides, by default keeping what is paid.
        keeps_other = (
            other_total >= subsidy if values["disability_subsidies.tie_keeps_other"] else other_total > subsidy
        )
        if keeps_other:
            for t in (tl, tc):
                t.add(
                    "§5 择高",
                    "{} 已享受{} {} 元 ≥ 两项补贴 {} 元，择高领取原待遇，不发两项补贴",
                    who,
                    names,
                    other_total,
                    subsidy,
                )
            for r in (living, care):
                r.eligible, r.monthly_amount = False, ZERO
        else:
            for t in (tl, tc):
                t.add(
                    "§5 择高",
                    "{} 两项补贴 {} 元 {} {} {} 元，择高领取两项补贴（原待遇停发）",
                    who,
                    subsidy,
                    ">" if subsidy > other_total else "=",
                    names,
                    other_total,
                )
    return [living, care]
