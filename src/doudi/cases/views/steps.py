"""The steps a case page offers: which form each uses, which service it calls, when it shows.

``available_steps`` decides what the page offers from ``case_detail``'s next steps (the workflow's
own answer) plus the reactive steps the inbox leaves out (一次性告知, 民主评议, 异议, 撤回, 近亲属
备案). ``perform`` calls the one service of a step with the form's values and returns the
success message; every ``DomainError`` it raises is the view's to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from doudi.accounts.models import User
from doudi.accounts.roles import Capability
from doudi.cases import forms, selectors, services
from doudi.cases.errors import AlreadyHandled, CaseError, CaseErrorCode
from doudi.cases.models import AttachmentCategory, Case, RelativeStatus
from doudi.cases.services.attachments import max_bytes, sniff
from doudi.cases.services.investigation import may_co_investigate
from doudi.cases.workflow import OPEN, TRANSITIONS, CaseStatus


@dataclass(frozen=True)
class StepSpec:
    form: type[forms.StepForm]
    title: str
    submit: str
    primary: bool = True  # shown open under 下一步办理; secondary steps are folded under 其他事项
    danger: bool = False


STEPS: dict[str, StepSpec] = {
    "accept_application": StepSpec(forms.AcceptForm, "受理", "受理"),
    "record_missing_materials": StepSpec(
        forms.MissingMaterialsForm, "一次性告知补齐材料", "生成一次性告知", primary=False
    ),
    "decide_fast_grant": StepSpec(forms.FastGrantForm, "小额快救 / 先行救助", "决定救助"),
    "record_verification": StepSpec(forms.VerificationForm, "录入家庭经济状况核对结果", "保存核对结果"),
    "record_survey": StepSpec(forms.SurveyForm, "入户调查（第一调查人）", "保存并签字"),
    "countersign_survey": StepSpec(forms.CountersignForm, "第二调查人签字", "签字确认"),
    "record_community_review": StepSpec(forms.CommunityReviewForm, "民主评议", "保存评议结果", primary=False),
    "start_public_notice": StepSpec(forms.NoticeStartForm, "提出初审意见并公示", "提出初审意见"),
    "record_objection": StepSpec(forms.ObjectionForm, "登记公示异议", "登记异议", primary=False),
    "resolve_objection": StepSpec(forms.ResolveObjectionForm, "异议复查并重新公示", "保存复查并重新公示"),
    "confirm_case": StepSpec(forms.ConfirmForm, "审核确认", "提交审核结论"),
    "record_refusal_notice": StepSpec(forms.RefusalNoticeForm, "书面告知不予确认", "记录已告知并办结"),
    "enrol": StepSpec(forms.EnrolForm, "纳入保障（执行决定）", "纳入保障"),
    "complete_paperwork": StepSpec(forms.PaperworkForm, "补办手续", "补办完成并办结"),
    "check_relative": StepSpec(forms.CheckRelativeForm, "近亲属备案核查（县级入户）", "保存核查结果"),
    "declare_relative": StepSpec(forms.DeclareRelativeForm, "近亲属备案", "备案", primary=False),
    "withdraw_case": StepSpec(forms.WithdrawForm, "撤回申请", "撤回", primary=False, danger=True),
}


def available_steps(detail: selectors.CaseDetail, user) -> list[str]:
    """Return the steps the page offers ``user`` on the case, the procedure's next steps first."""
    case = detail.case
    steps = [s for s in detail.next_steps if s in STEPS]
    extra = []
    can_accept = user.can(Capability.ACCEPT_APPLICATION)
    can_verify = user.can(Capability.VERIFY_CASE)
    if "accept_application" in steps:
        extra.append("record_missing_materials")
    if case.status == CaseStatus.SURVEYED and can_verify:
        extra.append("record_community_review")
    if case.status == CaseStatus.IN_NOTICE and can_verify:
        extra.append("record_objection")
    if case.status in OPEN and can_accept:
        extra.append("declare_relative")
    if case.status in TRANSITIONS["withdraw_case"].sources and can_accept:
        extra.append("withdraw_case")
    return steps + [s for s in extra if s not in steps]


def co_investigators(case: Case, actor) -> list[User]:
    """Return the active users who may sign a survey of ``case`` with ``actor``: survey capability,
    the case's village within their region."""
    codes, node = [], case.region
    while node is not None:
        codes.append(node.code)
        node = node.parent
    candidates = User.objects.filter(is_active=True, region_id__in=codes).exclude(pk=actor.pk).select_related("region")
    return sorted(
        (u for u in candidates if may_co_investigate(u, case.region_id)),
        key=lambda u: (u.region_id != case.region_id, u.display_name),
    )


def make_form(step: str, detail: selectors.CaseDetail, user, members, data=None, files=None, **extra):
    """Return the form of ``step`` for the case page (bound when ``data`` is given)."""
    case = detail.case
    spec = STEPS[step]
    kwargs = {"case": case, "actor": user, "prefix": step}
    if step == "record_survey":
        kwargs["members"] = members
        kwargs["co_investigators"] = co_investigators(case, user)
        kwargs["images"] = [a for a in detail.attachments if a.content_type in ("image/jpeg", "image/png")]
    if step == "confirm_case":
        kwargs["default_start"] = default_start_month(case)
    kwargs.update(extra)
    return spec.form(data, files, **kwargs) if data is not None else spec.form(**kwargs)


def default_start_month(case: Case):
    """Return the start month ``do_confirm_case`` uses when none is given (shown pre-filled)."""
    from django.utils import timezone

    from doudi.cases.procedure import procedure_for
    from doudi.cases.services.common import add_months, month_start
    from doudi.core.errors import DomainError

    today = timezone.localdate()
    try:
        rule = procedure_for(case.region_id, today).benefit_start
    except DomainError:
        return None
    return {
        "next_month": add_months(month_start(today), 1),
        "decision_month": month_start(today),
        "application_month": month_start(case.opened_on),
    }.get(rule)


def check_uploads(files, *, images_only: bool = False) -> str:
    """Return the Chinese reason the first unacceptable file is refused, or "" when all are fine.

    The service checks again; checking first means a refused file writes nothing at all.
    """
    for f in files:
        head = f.read(16)
        f.seek(0)
        kind = sniff(head)
        if f.size == 0:
            return f"{f.name}：文件为空。"
        if f.size > max_bytes():
            return f"{f.name}：文件大小 {f.size / 1048576:.1f} MB 超过上限 {max_bytes() / 1048576:.0f} MB。"
        if kind is None or (images_only and kind[0] == "application/pdf"):
            allowed = "JPG、PNG 图片" if images_only else "JPG、PNG 图片或 PDF 文件"
            return f"{f.name}：只接受 {allowed}（按文件内容识别，不看扩展名）。"
    return ""


def upload_all(user, case: Case, files, *, category: str, note: str = "") -> list:
    return [
        services.do_add_attachment(user, case, upload=f, original_name=f.name, category=category, note=note)
        for f in files
    ]


# ---------------------------------------------------------------- performing a step


def _survey(user, case: Case, form: forms.SurveyForm) -> str:
    d = form.cleaned_data
    version = d["expected_version"]
    co = User.objects.filter(pk=d["co_investigator"], is_active=True).first()
    photos = d.get("photos") or []
    ids = list(d.get("photo_ids") or [])
    if photos:
        problem = check_uploads(photos, images_only=True)
        if problem:
            raise CaseError(CaseErrorCode.ATTACHMENT_INVALID, f"调查照片：{problem}", {"field": "photos"})
        if case.version != version:
            raise AlreadyHandled(case.number)
        # Each upload is a step of its own (timeline, audit) and moves the version on by one.
        ids += [a.pk for a in upload_all(user, case, photos, category=AttachmentCategory.SURVEY, note="入户调查照片")]
        version += len(photos)
    services.do_record_survey(
        user,
        case,
        visited_on=d["visited_on"],
        findings=form.findings_text(),
        co_investigator=co,
        methods=d["methods"],
        photo_ids=ids,
        expected_version=version,
    )
    return f"已保存入户调查记录，待第二调查人 {co.display_name} 登录签字。"


def _check_relative(user, case: Case, form) -> str:
    declaration = selectors.relative_get(actor=user, declaration_id=form.cleaned_data["declaration"])
    if declaration.case_id != case.pk or declaration.status != RelativeStatus.DECLARED:
        raise AlreadyHandled(case.number)
    services.do_check_relative(user, declaration, **form.values())
    return "已记录近亲属备案核查结果。"


SERVICES: dict[str, Callable] = {
    "accept_application": services.do_accept_application,
    "record_missing_materials": services.do_record_missing_materials,
    "decide_fast_grant": services.do_decide_fast_grant,
    "record_verification": services.do_record_verification,
    "countersign_survey": services.do_countersign_survey,
    "record_community_review": services.do_record_community_review,
    "start_public_notice": services.do_start_public_notice,
    "record_objection": services.do_record_objection,
    "resolve_objection": services.do_resolve_objection,
    "confirm_case": services.do_confirm_case,
    "record_refusal_notice": services.do_record_refusal_notice,
    "enrol": services.do_enrol,
    "complete_paperwork": services.do_complete_paperwork,
    "declare_relative": services.do_declare_relative,
    "withdraw_case": services.do_withdraw_case,
}

MESSAGES = {
    "accept_application": "已受理，办理时限开始计算。",
    "record_missing_materials": "已记录一次性告知，可打印告知书交申请人。",
    "decide_fast_grant": "已决定先行给予临时救助，请在时限内补办手续。",
    "record_verification": "已录入核对结果。",
    "countersign_survey": "已签字，入户调查完成。",
    "record_community_review": "已录入民主评议结果。",
    "start_public_notice": "已提出初审意见。",
    "record_objection": "已登记异议，公示中止，请复查。",
    "resolve_objection": "已记录复查结果并重新公示。",
    "record_refusal_notice": "已记录书面告知，案件办结。",
    "enrol": "已纳入保障。",
    "complete_paperwork": "补办手续完成，案件办结。",
    "declare_relative": "已近亲属备案，须经县级入户核查后方可审核确认。",
    "withdraw_case": "申请已撤回。",
}


def perform(step: str, user, case: Case, form) -> str:
    """Take ``step`` on ``case`` with the form's values; return the success message."""
    if step == "record_survey":
        return _survey(user, case, form)
    if step == "check_relative":
        return _check_relative(user, case, form)
    result = SERVICES[step](user, case, **form.values())
    if step == "confirm_case":
        return "已确认纳入，请打印决定书。" if result.outcome == "approved" else "已决定不予确认，请打印告知书并送达。"
    if step == "start_public_notice" and result is None:
        return "已提出初审意见（未成年人或变更案件不公示），已报县级审核确认。"
    if step == "start_public_notice":
        return f"已提出初审意见并公示至 {result.ends_on:%Y-%m-%d}。"
    if step == "enrol":
        warned = [
            f"{e.person.name} {e.get_programme_display()}：{e.payment_warning}" for e in result if e.payment_warning
        ]
        if warned:
            return MESSAGES[step] + "请注意发放提醒（补正前不予发放）：" + "；".join(warned) + "。"
    return MESSAGES[step]
