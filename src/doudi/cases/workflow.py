"""The case state machine, as data: which step may move a case from which status, and who may take it.

A case is one application through the one window (一门受理, rules.md §1.8), a change report, a
termination (§2.6) or a temporary-assistance request (§4). Every step is a ``Transition``: the
statuses it starts from, the statuses it may lead to, and the capability the actor needs
(``doudi.accounts.roles``). Services call ``check_transition`` before doing anything; the inbox
(``selectors.inbox``) reads the same table to list what each role can do next, so the two can
never disagree.

Main path::

    submitted ─┬─ record_missing_materials → materials_pending ─ accept ─┐
               └─ accept ─────────────────────────────────────────────────┴→ accepted
    accepted ─ record_survey + countersign_survey → surveyed (verification recorded any time before the opinion)
    surveyed ─ start_public_notice → in_notice (or awaiting_confirmation for minors: never posted)
    in_notice ─ record_objection → objection ─ resolve_objection → in_notice (new opinion, new notice)
    in_notice (notice over) / awaiting_confirmation ─ confirm_case → approved | refused
    approved ─ enrol → enrolled            refused ─ record_refusal_notice → closed

Temporary assistance may take the fast track: submitted/accepted ─ decide_fast_grant →
paperwork_pending ─ complete_paperwork → closed. Any open case may be withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from doudi.accounts.roles import Capability
from doudi.cases.errors import CaseError, CaseErrorCode


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已申请待受理")
    MATERIALS_PENDING = "materials_pending", _("待补齐材料")
    ACCEPTED = "accepted", _("已受理待调查")
    SURVEYED = "surveyed", _("已调查待初审")
    IN_NOTICE = "in_notice", _("公示中")
    OBJECTION = "objection", _("公示异议复查中")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("待审核确认")
    APPROVED = "approved", _("已确认待纳入")
    REFUSED = "refused", _("不予确认待告知")
    ENROLLED = "enrolled", _("已执行")
    PAPERWORK_PENDING = "paperwork_pending", _("已先行救助待补办手续")
    CLOSED = "closed", _("已办结")
    WITHDRAWN = "withdrawn", _("已撤回")


S = CaseStatus

# Who acts next on an open case (what the case page tells a user with nothing to do on it).
NEXT_ACTOR = {
    S.SUBMITTED: "乡镇（街道）受理",
    S.MATERIALS_PENDING: "申请人补齐材料后由乡镇（街道）受理",
    S.ACCEPTED: "两名调查人员入户调查",
    S.SURVEYED: "乡镇（街道）提出初审意见并公示",
    S.IN_NOTICE: "公示期满后乡镇（街道）报县级审核",
    S.OBJECTION: "乡镇（街道）复查异议",
    S.AWAITING_CONFIRMATION: "县级民政部门审核确认",
    S.APPROVED: "县级民政部门纳入保障并发放",
    S.REFUSED: "县级民政部门书面告知申请人",
    S.PAPERWORK_PENDING: "经办人员补办审批手续",
}
TERMINAL = frozenset({S.ENROLLED, S.CLOSED, S.WITHDRAWN})
OPEN = frozenset(set(S) - TERMINAL)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    targets: frozenset[str]  # empty: the step records something and leaves the status as it is
    capability: str
    who: str  # the role sentence shown when a user lacks the capability

    def leads_to(self, status: str) -> bool:
        return status in self.targets or (not self.targets and status in self.sources)


def _t(name, label, sources, targets, capability, who) -> Transition:
    return Transition(name, label, frozenset(sources), frozenset(targets), capability, who)


_INTAKE = "村（社区）专干或乡镇经办人员"
_TOWNSHIP = "乡镇经办人员"
_COUNTY = "县级审核人员"

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("open_application", "登记申请", (), (S.SUBMITTED,), Capability.ACCEPT_APPLICATION, _INTAKE),
        _t(
            "record_missing_materials",
            "一次性告知补齐材料",
            (S.SUBMITTED, S.MATERIALS_PENDING),
            (S.MATERIALS_PENDING,),
            Capability.ACCEPT_APPLICATION,
            _INTAKE,
        ),
        _t(
            "accept_application",
            "受理",
            (S.SUBMITTED, S.MATERIALS_PENDING),
            (S.ACCEPTED,),
            Capability.ACCEPT_APPLICATION,
            _INTAKE,
        ),
        _t(
            "record_verification",
            "录入信息核对结果",
            (S.ACCEPTED, S.SURVEYED),
            (),
            Capability.VERIFY_CASE,
            _TOWNSHIP,
        ),
        _t("record_survey", "录入入户调查", (S.ACCEPTED,), (), Capability.SURVEY, _INTAKE),
        _t("countersign_survey", "第二调查人签字", (S.ACCEPTED,), (S.SURVEYED,), Capability.SURVEY, _INTAKE),
        _t("record_community_review", "录入民主评议", (S.SURVEYED,), (), Capability.VERIFY_CASE, _TOWNSHIP),
        _t(
            "start_public_notice",
            "提出初审意见并公示",
            (S.SURVEYED,),
            (S.IN_NOTICE, S.AWAITING_CONFIRMATION),
            Capability.VERIFY_CASE,
            _TOWNSHIP,
        ),
        _t("record_objection", "登记公示异议", (S.IN_NOTICE,), (S.OBJECTION,), Capability.VERIFY_CASE, _TOWNSHIP),
        _t(
            "resolve_objection",
            "异议复查并重新公示",
            (S.OBJECTION,),
            (S.IN_NOTICE,),
            Capability.VERIFY_CASE,
            _TOWNSHIP,
        ),
        _t(
            "confirm_case",
            "审核确认",
            (S.IN_NOTICE, S.AWAITING_CONFIRMATION),
            (S.APPROVED, S.REFUSED),
            Capability.CONFIRM_CASE,
            _COUNTY,
        ),
        _t("enrol", "纳入保障（执行决定）", (S.APPROVED,), (S.ENROLLED,), Capability.MANAGE_ENROLMENT, _TOWNSHIP),
        _t(
            "record_refusal_notice",
            "书面告知不予确认",
            (S.REFUSED,),
            (S.CLOSED,),
            Capability.VERIFY_CASE,
            _TOWNSHIP,
        ),
        _t(
            "decide_fast_grant",
            "小额快救/先行救助",
            (S.SUBMITTED, S.MATERIALS_PENDING, S.ACCEPTED),
            (S.PAPERWORK_PENDING,),
            Capability.DECIDE_FAST_GRANT,
            _TOWNSHIP,
        ),
        _t(
            "complete_paperwork",
            "补办手续",
            (S.PAPERWORK_PENDING,),
            (S.CLOSED,),
            Capability.DECIDE_FAST_GRANT,
            _TOWNSHIP,
        ),
        _t("withdraw_case", "撤回申请", OPEN - {S.APPROVED}, (S.WITHDRAWN,), Capability.ACCEPT_APPLICATION, _INTAKE),
    )
}

# Steps that do not move the case and may be taken while it is open (declarations, referrals, files).
SIDE_STEPS: dict[str, str] = {
    "declare_relative": Capability.ACCEPT_APPLICATION,
    "check_relative": Capability.CONFIRM_CASE,
    "create_referral": Capability.ACCEPT_APPLICATION,
    "record_referral_outcome": Capability.ACCEPT_APPLICATION,
    "add_attachment": Capability.ACCEPT_APPLICATION,
    "report_change": Capability.ACCEPT_APPLICATION,
    "schedule_reviews": Capability.MANAGE_ENROLMENT,
    "complete_review": Capability.CONFIRM_CASE,
    "suspend_enrolment": Capability.MANAGE_ENROLMENT,
}


def check_transition(name: str, status: str) -> Transition:
    """Return the transition ``name`` if a case in ``status`` may take it; raise ``CaseError`` otherwise."""
    transition = TRANSITIONS[name]
    if status not in transition.sources:
        raise CaseError(
            CaseErrorCode.TRANSITION_NOT_ALLOWED,
            f"案件当前状态为“{CaseStatus(status).label}”，不能{transition.label}。",
            {"status": status, "step": name},
        )
    return transition


def steps_from(status: str) -> list[Transition]:
    """Return the transitions a case in ``status`` may take, in the order of the table."""
    return [t for t in TRANSITIONS.values() if status in t.sources]


def statuses_for(capability_holder) -> set[str]:
    """Return the statuses in which ``capability_holder`` (a user) has a next step to take."""
    return {s for t in TRANSITIONS.values() if capability_holder.can(t.capability) for s in t.sources}
