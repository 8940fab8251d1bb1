"""Demo case work for the demo county 沅江市 (430981): ``manage.py seed_demo_cases``.

About forty low-income households, mostly of 草尾镇 (the demo village worker's and township
officer's region), are taken through the real case services (never by writing rows) to a spread of
stages, so that every demo user's inbox has work in it: submitted, 一次性告知补齐材料, accepted (one
survey awaiting its countersignature), surveyed, in public notice, notice over and awaiting the
county, approved, enrolled (with start months), refused (one told in writing, one not yet),
temporary assistance (a 小额快救 granted and waiting for paperwork, one waiting for the decision)
and a few overdue. Each case's steps are dated in the past with the services' ``today=``.

Cases after the home survey need two village workers of the same village: they are in 立新村
(``village_worker`` and ``village_worker3``); earlier stages use the rest of 草尾镇 (opened by the
township officer) and 韩家汊社区 (``village_worker2``). The households and stages drawn depend only
on ``seed`` and the registry; the dates count back from ``today``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from doudi.accounts.demo import DEMO_PASSWORD, DEMO_USERS
from doudi.accounts.models import User
from doudi.cases import calendar, services
from doudi.cases.models import Case, CaseKind, Enrolment
from doudi.cases.procedure import procedure_for
from doudi.policy.assessment import assess_facts
from doudi.policy.facts_bridge import facts_from_snapshot
from doudi.regions.models import Region, pad_code
from doudi.registry.models import Household, HouseholdStatus
from doudi.registry.selectors import household_as_of

COUNTY = "430981"
TOWNSHIP = "430981114"  # 草尾镇
VILLAGE = "430981114201"  # 立新村: the two demo village workers
OTHER_VILLAGE = "430981006001"  # 韩家汊社区: village_worker2
DEMO_NOTE = "演示案件"

# Stages of the 立新村 cases, in the order households are given to them (eligible households first
# to the stages that need an approval), and of the other cases.
VILLAGE_STAGES = (  # (stage, eligible wanted: True only / False preferred / None any)
    ("enrolled", True),
    ("approved", True),
    ("awaiting_confirmation", True),
    ("in_notice", True),
    ("awaiting_confirmation_overdue", True),
    ("refused", False),
    ("surveyed", None),
    ("survey_unsigned", None),
    ("refused_closed", False),
    ("enrolled", True),
    ("in_notice", None),
    ("submitted", None),
    ("enrolled", True),
    ("approved", True),
)
STRICT = frozenset({"enrolled", "approved"})
TOWNSHIP_STAGES = (
    ("submitted", 6),
    ("materials_pending", 5),
    ("accepted", 5),
    ("accepted_overdue", 2),
    ("fast_grant", 2),
    ("fast_pending_overdue", 1),
)
OTHER_STAGES = (("submitted", 2), ("materials_pending", 1), ("accepted", 1))
MISSING = (
    ("户口簿复印件", "身份证复印件"),
    ("家庭成员收入证明",),
    ("残疾证复印件", "银行账户信息"),
    ("医疗费用票据",),
)
FINDINGS = (
    "家中无稳定收入，住房简陋，主要靠务农和亲友接济。",
    "户主患慢性病需长期服药，家庭劳动力不足。",
    "老人独居，子女在外务工且收入低，生活困难属实。",
    "家庭成员中有残疾人，需专人照料，收入与申报一致。",
)


@dataclass
class SeedReport:
    today: date
    stages: Counter = field(default_factory=Counter)
    enrolments: int = 0
    skipped: str = ""
    note: str = ""

    @property
    def cases(self) -> int:
        return sum(self.stages.values())


def demo_cases_exist() -> bool:
    return Case.objects.filter(region__code__startswith=COUNTY).exists()


def ensure_village_worker3() -> User:
    """Create ``village_worker3`` (the second investigator of 立新村) like ``ensure_demo_users``."""
    spec = next(s for s in DEMO_USERS if s.username == "village_worker3")
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        user = User(username=spec.username, full_name=spec.full_name, role=spec.role)
        user.region = Region.objects.get(code=pad_code(spec.region_code))
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _eligible(household: Household, on: date, known_at) -> bool:
    facts = facts_from_snapshot(household_as_of(household, on=on, known_at=known_at))
    result, _ = assess_facts(facts, household.region_id, on)
    return any(p.eligible and (p.monthly_amount or 0) > 0 for p in result.programmes)


def _pool(prefix: str, *, exclude: str = "", limit: int = 60) -> list[Household]:
    qs = Household.objects.filter(region__code__startswith=prefix, status=HouseholdStatus.ACTIVE)
    if exclude:
        qs = qs.exclude(region__code__startswith=exclude)
    return list(qs.order_by("number")[: limit * 4])


class Seeder:
    def __init__(self, *, seed: int, today: date, users: dict[str, User]):
        self.rng = random.Random(seed)
        self.today = today
        self.u = users
        self.known_at = timezone.now()

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    # ------------------------------------------------------------------ steps
    def _v(self, case: Case) -> int:
        return Case.objects.values_list("version", flat=True).get(pk=case.pk)

    def open(self, actor, household, on, **kw) -> Case:
        return services.do_open_application(actor, household, today=on, note=DEMO_NOTE, **kw)

    def missing(self, actor, case, on) -> None:
        items = list(self.rng.choice(MISSING))
        services.do_record_missing_materials(actor, case, items=items, expected_version=self._v(case), today=on)

    def accept(self, actor, case, on) -> None:
        services.do_accept_application(actor, case, expected_version=self._v(case), today=on)

    def verify(self, case, on) -> None:
        services.do_record_verification(
            self.u["township_officer"],
            case,
            summary="已调取部门数据核对，结论见核对报告",  # a typed conclusion could contradict the report
            expected_version=self._v(case),
            today=on,
        )

    def survey(self, case, on, *, countersign: bool = True) -> None:
        services.do_record_survey(
            self.u["village_worker"],
            case,
            visited_on=on,
            findings=self.rng.choice(FINDINGS),
            co_investigator=self.u["village_worker3"],
            expected_version=self._v(case),
            today=on,
        )
        if countersign:
            services.do_countersign_survey(self.u["village_worker3"], case, expected_version=self._v(case), today=on)

    def notice(self, case, on) -> None:
        services.do_start_public_notice(
            self.u["township_officer"],
            case,
            opinion="经入户调查和信息核对，同意纳入",
            place="村务公开栏",
            expected_version=self._v(case),
            today=on,
        )

    def confirm(self, case, on, *, approve: bool) -> None:
        services.do_confirm_case(
            self.u["county_reviewer"],
            case,
            approve=approve,
            reasons="" if approve else "经核查，家庭人均收入高于当地低保标准，不符合救助条件。",
            expected_version=self._v(case),
            today=on,
        )

    # ------------------------------------------------------------------ stages
    def village_case(self, household: Household, stage: str) -> None:
        """Take a 立新村 case to ``stage``; ``start`` is how many days ago it was opened."""
        worker = self.u["village_worker"]
        start = {
            "enrolled": 70,
            "approved": 40,
            "awaiting_confirmation": 20,
            "awaiting_confirmation_overdue": 45,
            "in_notice": 10,
            "surveyed": 6,
            "survey_unsigned": 4,
            "refused": 25,
            "refused_closed": 35,
            "submitted": 1,
        }[stage]
        case = self.open(worker, household, self.day(start))
        if stage == "submitted":
            return
        self.accept(worker, case, self.day(start - 1))
        if stage == "survey_unsigned":
            self.survey(case, self.day(start - 2), countersign=False)
            return
        self.verify(case, self.day(start - 2))
        self.survey(case, self.day(start - 3))
        if stage == "surveyed":
            return
        notice_on = self.day(2 if stage == "in_notice" else start - 5)
        self.notice(case, notice_on)
        if stage.startswith(("in_notice", "awaiting_confirmation")):
            return
        decided = notice_on + timedelta(days=9)
        self.confirm(case, decided, approve=stage in ("approved", "enrolled"))
        if stage == "enrolled":
            services.do_enrol(self.u["township_officer"], case, expected_version=self._v(case), today=decided)
        elif stage == "refused_closed":
            services.do_record_refusal_notice(
                self.u["township_officer"],
                case,
                notified_on=decided + timedelta(days=1),
                method="送达书面告知书",
                expected_version=self._v(case),
                today=decided + timedelta(days=1),
            )

    def early_case(self, actor, household: Household, stage: str) -> None:
        """Take a case up to acceptance (or a temporary-assistance fast track) to ``stage``."""
        if stage.startswith("fast"):
            overdue = stage == "fast_pending_overdue"
            opened = self.day(8 if overdue else 2)
            need = {
                "kind": "emergency",
                "event": self.rng.choice(("fire", "sudden_illness", "traffic_accident")),
                "occurred_on": opened - timedelta(days=1),
                "amount": "1200" if overdue else "800",
                "fast": True,
            }
            case = self.open(actor, household, opened, kind=CaseKind.TEMPORARY, temporary_need=need)
            if not overdue:
                cap = procedure_for(case.region_id, opened).fast_grant_cap(household.area_type)
                services.do_decide_fast_grant(
                    self.u["township_officer"],
                    case,
                    track="fast_grant",
                    amount=min(Decimal(800), cap // 10 * 10),
                    reasons="突发困难，生活难以为继，先行小额救助",
                    expected_version=self._v(case),
                    today=opened,
                )
            return
        start = {"submitted": self.rng.randint(0, 3), "materials_pending": 6, "accepted": 3, "accepted_overdue": 25}[
            stage
        ]
        case = self.open(actor, household, self.day(start))
        if stage == "materials_pending":
            self.missing(actor, case, self.day(start - 1))
        elif stage.startswith("accepted"):
            self.accept(actor, case, self.day(start - 1))


def _draw(households: list[Household], n: int, on: date, known_at, *, eligible: bool | None):
    """Return up to ``n`` households taken out of ``households`` (eligible first when asked)."""
    picked = []
    for hh in list(households):
        if len(picked) == n:
            break
        if eligible is None or _eligible(hh, on, known_at) == eligible:
            picked.append(hh)
            households.remove(hh)
    return picked


def _low_income_first(households: list[Household], rng: random.Random, on: date, known_at) -> list[Household]:
    """Shuffle (deterministically), then put the households assessed eligible first."""
    rng.shuffle(households)
    return sorted(households, key=lambda hh: not _eligible(hh, on, known_at))


def seed_demo_cases(*, seed: int = 2025, today: date | None = None) -> SeedReport:
    """Create the demo cases; do nothing (and say why) if the county already has cases."""
    asked = today or timezone.localdate()
    report = SeedReport(today=asked)
    if calendar.covered_years()[1] < asked.year + 1 and not calendar.bureau_entries()[1] >= {asked.year + 1}:
        report.note = (
            f"工作日历尚未收录 {asked.year + 1} 年的节假日安排：跨年的办理期限暂按周一至周五计算，"
            "录入后由每日任务重新计算。"
        )
    if demo_cases_exist():
        report.skipped = "沅江市已有案件，演示案件不再重复生成。"
        return report
    users = {u.username: u for u in User.objects.filter(username__in=[s.username for s in DEMO_USERS])}
    users["village_worker3"] = ensure_village_worker3()
    missing = {"village_worker", "village_worker2", "township_officer", "county_reviewer"} - set(users)
    if missing:
        raise ValueError("缺少演示用户：" + "、".join(sorted(missing)) + "，请先运行 manage.py create_demo_users。")
    s = Seeder(seed=seed, today=report.today, users=users)
    on, known_at = report.today, s.known_at

    village = _pool(VILLAGE)
    s.rng.shuffle(village)
    for stage, wanted in VILLAGE_STAGES:
        # An approval needs an eligible opinion; a refusal reads best on a household that is not.
        chosen = _draw(village, 1, on, known_at, eligible=wanted)
        if not chosen and stage not in STRICT:
            chosen = _draw(village, 1, on, known_at, eligible=None)
        for hh in chosen:
            s.village_case(hh, stage)
            report.stages[stage] += 1

    township = _low_income_first(_pool(TOWNSHIP, exclude=VILLAGE, limit=30)[:120], s.rng, on, known_at)
    for stage, count in TOWNSHIP_STAGES:
        for hh in township[:count]:
            s.early_case(users["township_officer"], hh, stage)
            report.stages[stage] += 1
        township = township[count:]

    other = _low_income_first(_pool(OTHER_VILLAGE, limit=10)[:30], s.rng, on, known_at)
    for stage, count in OTHER_STAGES:
        for hh in other[:count]:
            s.early_case(users["village_worker2"], hh, stage)
            report.stages[stage] += 1
        other = other[count:]

    report.enrolments = Enrolment.objects.filter(case__note=DEMO_NOTE).count()
    return report
