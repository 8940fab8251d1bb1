"""The demo caseload and payrolls: enrol the households the policy engine finds eligible, with start
months spread over past years, some amount changes, phase-outs and exits, then make two payrolls.

Called by ``manage.py demo_payroll`` (``scripts/run`` after ``seed_demo_cases``) and by the
benchmark. Enrolments are written in bulk (two INSERTs), the engine's baseline run is the policy
simulation's (``policy.simulation.runner.simulate``): one household = one payee (the head) per
programme, the household's amount for that programme as the monthly amount.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import numpy as np
from django.db import transaction

from doudi.cases.models import Enrolment, EnrolmentChange
from doudi.cases.services.common import add_months, month_start
from doudi.registry.models import Person

# Monthly programmes a household head is enrolled in by the demo (per-person subsidies are left to cases).
DEMO_PROGRAMMES = ("extreme_poverty", "dibao", "near_dibao", "longevity_allowance")


def eligible_households(county_code: str, on: date) -> list[tuple[int, str, int]]:
    """Return (household id, programme, amount in fen) for every household the engine finds eligible."""
    from doudi.policy.simulation.assess import PROGRAMME_INDEX
    from doudi.policy.simulation.runner import SimulationRequest, simulate

    result = simulate(None, SimulationRequest(region_code=county_code, on=on), processes=1)
    outcome = result.outcome
    out = []
    for programme in DEMO_PROGRAMMES:
        if programme not in PROGRAMME_INDEX:
            continue
        p = PROGRAMME_INDEX[programme]
        amounts = outcome.amount[0, :, p]
        hit = np.nonzero(outcome.eligible[0, :, p] & (amounts > 0))[0]
        out += [(int(outcome.hh[i]), programme, int(amounts[i])) for i in hit]
    return out


@transaction.atomic
def enrol_caseload(county_code: str, *, on: date, seed: int = 2025, years: int = 5) -> int:
    """Enrol the eligible households of a county never enrolled in the programme (so running it again
    adds nothing); return the number of enrolments."""
    rng = random.Random(seed)
    rows = eligible_households(county_code, on)
    heads = dict(
        Person.objects.filter(household_id__in={h for h, _, _ in rows}, relation="head").values_list(
            "household_id", "pk"
        )
    )
    taken = set(Enrolment.objects.filter(person_id__in=heads.values()).values_list("person_id", "programme"))
    regions = dict(Person.objects.filter(pk__in=heads.values()).values_list("pk", "household__region_id"))
    members: dict[int, list[int]] = {}
    for household_id, pk in Person.objects.filter(household_id__in=heads).values_list("household_id", "pk"):
        members.setdefault(household_id, []).append(pk)
    this_month = month_start(on)
    enrolments, plans = [], []
    for household_id, programme, fen in sorted(rows):
        person_id = heads.get(household_id)
        if person_id is None or (person_id, programme) in taken:
            continue
        amount = (Decimal(fen) / 100).quantize(Decimal("0.01"))
        start = add_months(this_month, -rng.randint(1, years * 12))
        fate = rng.random()
        changes = [(start, amount, "active", "审批纳入")]
        status, end = "active", None
        if fate < 0.15:  # an amount change in between (a review)
            when = add_months(start, rng.randint(1, max(1, _months(start, this_month))))
            earlier = (amount * Decimal(rng.choice(["0.8", "0.9", "1.1"]))).quantize(Decimal("0.01"))
            changes = [(start, earlier, "active", "审批纳入"), (when, amount, "active", "复核调整金额")]
        elif fate < 0.20:  # exited some time ago
            end = add_months(start, rng.randint(0, max(0, _months(start, this_month) - 2)))
            status = "ended"
        elif fate < 0.23 and programme == "dibao":  # phasing out now
            changes.append((add_months(this_month, -1), (amount / 2).quantize(Decimal("0.01")), "phasing_out", "渐退"))
            changes.append((add_months(this_month, 2), Decimal("0"), "ended", "渐退期满"))
            status, end = "phasing_out", add_months(this_month, 1)
        enrolments.append(
            Enrolment(
                household_id=household_id,
                person_id=person_id,
                region_id=regions[person_id],
                programme=programme,
                status=status,
                start_month=start,
                end_month=end,
                monthly_amount=changes[-1][1] if status != "ended" else amount,
                end_reason="复核不再符合条件" if status == "ended" else "",
                covered=sorted(members.get(household_id, [person_id]))
                if programme != "longevity_allowance"
                else [person_id],
            )
        )
        if status == "ended":
            changes.append((add_months(end, 1), Decimal("0"), "ended", "复核不再符合条件"))
        plans.append(changes)
    created = Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    EnrolmentChange.objects.bulk_create(
        [
            EnrolmentChange(enrolment=e, effective_month=m, monthly_amount=a, status=s, reason=r)
            for e, changes in zip(created, plans, strict=True)
            for m, a, s, r in changes
        ],
        batch_size=5000,
    )
    # The payees' benefit cards (一卡通): most payees without an account get one; a few stay without
    # (the payroll check lists them).
    missing = list(
        Person.objects.filter(pk__in={e.person_id for e in created}, bank_account="").values_list("pk", flat=True)
    )
    cards = [
        Person(pk=pk, bank_name="沅江农商银行", bank_account=f"621799{seed % 1000:03d}{pk:010d}")
        for pk in missing
        if rng.random() < 0.97
    ]
    Person.objects.bulk_update(cards, ["bank_name", "bank_account"], batch_size=5000)
    return len(created)


def _months(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def make_payrolls(
    county_code: str, *, month: date, maker, checker, programmes=("dibao", "extreme_poverty", "longevity_allowance")
):
    """Last month's payroll approved (findings explained, or held where paying as usual is not allowed:
    no account, deceased, exclusive programmes), this month's generated as a draft."""
    from doudi.payments.models import FindingStatus, Payroll, PayrollFinding
    from doudi.payments.services import approval
    from doudi.payments.services.checks import NOT_EXPLAINABLE
    from doudi.payments.services.generation import generate_payroll

    made = []
    county = county_code.ljust(12, "0")
    for programme in programmes:
        before = add_months(month, -1)
        last = Payroll.objects.filter(region_id=county, programme=programme, month=before).first()
        if last is None or not last.is_locked:
            last = generate_payroll(maker, region_code=county_code, programme=programme, month=before)
            for finding in PayrollFinding.objects.filter(payroll=last, status=FindingStatus.OPEN):
                if finding.check_code in NOT_EXPLAINABLE:  # no account, deceased, exclusive: never paid as usual
                    approval.do_handle_finding(maker, finding.pk, how=approval.HOLD, explanation="演示：核实前暂停发放")
                else:
                    approval.do_handle_finding(
                        maker, finding.pk, how="explained", explanation="演示：已入户核实，照常发放"
                    )
            approval.do_submit(maker, last.pk)
            made.append(approval.do_approve(checker, last.pk))
        now = Payroll.objects.filter(region_id=county, programme=programme, month=month).first()
        if now is None or now.status == "draft":
            made.append(generate_payroll(maker, region_code=county_code, programme=programme, month=month))
    return made
