"""Result types and the step-by-step explanation in Chinese.

Each ``Step`` cites the rules.md section it applies, so a worker (and the citizen reading the
decision letter) can check every figure. Steps are recorded through a ``Trace``; the bulk
simulation passes ``explain=False`` and gets a ``NullTrace`` whose ``add`` does nothing, so no
text is formatted for a million households.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .money import ZERO, fmt, show

PROGRAMME_LABELS = {
    "extreme_poverty": "特困人员救助供养",
    "dibao": "最低生活保障",
    "single_person_dibao": "最低生活保障（单人户）",
    "phase_out": "低保渐退",
    "near_dibao": "低保边缘家庭",
    "rigid_expense": "刚性支出困难家庭",
    "temporary": "临时救助",
    "disability_living_subsidy": "困难残疾人生活补贴",
    "disability_care_subsidy": "重度残疾人护理补贴",
    "orphan": "孤儿基本生活费",
    "de_facto_orphan": "事实无人抚养儿童基本生活费",
    "longevity_allowance": "高龄津贴",
}


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the explanation: the rule applied and the sentence with its figures."""

    rule_ref: str
    text_zh: str

    def to_dict(self) -> dict[str, str]:
        return {"rule_ref": self.rule_ref, "text_zh": self.text_zh}


class Trace:
    """Collects steps; figures given as Decimals are shown as amounts (thousands separators, two decimals)."""

    __slots__ = ("steps",)
    enabled = True

    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, rule_ref: str, template: str, *figures: Any) -> None:
        """Record ``template.format(*figures)``, citing ``rule_ref`` (e.g. ``"§1.7"``)."""
        shown = [show(f) if isinstance(f, Decimal) else f for f in figures]
        text = template.format(*shown) if shown else template
        self.steps.append(Step(rule_ref, f"{text}（规则 {rule_ref}）"))


class NullTrace(Trace):
    """A trace that records nothing, for bulk runs."""

    __slots__ = ()
    enabled = False

    def __init__(self) -> None:
        self.steps = []

    def add(self, rule_ref: str, template: str, *figures: Any) -> None:
        return None


@dataclass(slots=True)
class ProgrammeResult:
    """The outcome of one programme for the household or one member.

    ``monthly_amount`` is payable every month; ``one_off_amount`` is paid once (temporary
    assistance). ``per_member`` maps person ids to their share where the programme pays people
    rather than households. ``tier`` holds the band, care tier or category that applied.
    """

    programme: str
    eligible: bool
    monthly_amount: Decimal = ZERO
    one_off_amount: Decimal = ZERO
    tier: str = ""
    person_id: str = ""
    per_member: dict[str, Decimal] = field(default_factory=dict)
    valid_until: date | None = None
    steps: list[Step] = field(default_factory=list)

    @property
    def label(self) -> str:
        return PROGRAMME_LABELS.get(self.programme, self.programme)

    def to_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "label": self.label,
            "eligible": self.eligible,
            "tier": self.tier,
            "person_id": self.person_id,
            "monthly_amount": fmt(self.monthly_amount),
            "one_off_amount": fmt(self.one_off_amount),
            "per_member": {k: fmt(v) for k, v in sorted(self.per_member.items())},
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass(slots=True)
class Assessment:
    """Everything one application (一次申请) is entitled to, programme by programme.

    ``status`` is the household's tier in the cascade (§3.2 辽宁-style 分类认定):
    ``extreme_poverty`` (every member is tekun), ``dibao``, ``near_dibao``, ``rigid_expense``
    or ``none``. ``programmes`` lists eligible results first; ineligible screening results are
    kept so the explanation says why a tier was refused.
    """

    household_id: str
    on: date
    region_code: str
    status: str
    programmes: list[ProgrammeResult]
    notes: list[Step] = field(default_factory=list)

    @property
    def total_monthly(self) -> Decimal:
        return sum((p.monthly_amount for p in self.programmes if p.eligible), ZERO)

    @property
    def total_one_off(self) -> Decimal:
        return sum((p.one_off_amount for p in self.programmes if p.eligible), ZERO)

    def get(self, programme: str, person_id: str = "") -> ProgrammeResult | None:
        """Return the result for a programme (and member, for per-person programmes), if any."""
        for p in self.programmes:
            if p.programme == programme and (not person_id or p.person_id == person_id):
                return p
        return None

    def amount(self, programme: str) -> Decimal:
        """Return the eligible monthly total of one programme across members."""
        return sum((p.monthly_amount for p in self.programmes if p.programme == programme and p.eligible), ZERO)

    def to_dict(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "on": self.on.isoformat(),
            "region_code": self.region_code,
            "status": self.status,
            "total_monthly": fmt(self.total_monthly),
            "total_one_off": fmt(self.total_one_off),
            "programmes": [p.to_dict() for p in self.programmes],
            "notes": [s.to_dict() for s in self.notes],
        }
