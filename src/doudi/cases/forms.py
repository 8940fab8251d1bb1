"""Forms of the case pages: one per step, each carrying the case ``version`` it was shown.

Forms check only the shape of the input (required, dates, numbers) and say so in Chinese; the
rules of the procedure are the services' (``doudi.cases.services``), whose ``DomainError``
messages the views place beside the field they name.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone

from doudi.cases.models import AttachmentCategory, Channel, Programme
from doudi.cases.services.intake import CHANGE_KINDS
from doudi.cases.services.investigation import SURVEY_METHODS
from doudi.cases.services.temporary import TRACKS
from doudi.policy.engine.facts import TEMPORARY_EVENT_LABELS, TEMPORARY_KIND_LABELS

COMMON_MATERIALS = (
    "户口簿、身份证复印件",
    "家庭经济状况核对授权书（全体成员签字）",
    "收入证明（工资、务工、经营等）",
    "残疾人证或疾病诊断证明",
    "医疗、教育等支出票据",
    "婚姻状况证明",
    "在校学生学籍证明",
)
UPLOAD_ACCEPT = "image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf"
IMAGE_ACCEPT = "image/jpeg,image/png,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A file input taking several files at once; ``cleaned_data`` holds a list (maybe empty)."""

    def __init__(self, *args, accept: str = UPLOAD_ACCEPT, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [d for d in data if d] if isinstance(data, list | tuple) else [data] if data else []
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [single(d, initial) for d in files]


def _date_input(**kw) -> forms.DateField:
    return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kw)


def _text(label: str, *, rows: int = 3, required: bool = True, max_length: int = 2000, **kw) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), **kw
    )


def _not_future(value: date | None, label: str) -> date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(f"{label}：不能晚于今天。")
    return value


# Django's own messages ("该字段是必填项。", "确保该变量包含不超过 … 字符") do not say which field
# they are about; a field's message names it, as the services' messages do ("调查日期：不能晚于今天。").
_NAMED_MESSAGES = {
    "required": "{label}：必填，请填写。",
    "max_length": "{label}：不能超过 %(limit_value)d 个字（现有 %(show_value)d 个字）。",
    "min_value": "{label}：不能小于 %(limit_value)s。",
    "max_value": "{label}：不能大于 %(limit_value)s。",
}
_NAMED_INVALID = {
    forms.DateField: "{label}：请填写有效的日期。",
    forms.IntegerField: "{label}：请填写整数。",
    forms.DecimalField: "{label}：请填写数字。",
}


def name_the_fields_in_errors(form: forms.BaseForm) -> None:
    """Give each field of ``form`` messages that begin with its label, where it has Django's own."""
    for field in form.fields.values():
        if not field.label:
            continue
        label = str(field.label).split("（")[0]
        defaults: dict = {}
        for klass in reversed(type(field).__mro__):
            defaults.update(getattr(klass, "default_error_messages", {}))
        messages = dict(_NAMED_MESSAGES)
        for klass, text in _NAMED_INVALID.items():
            if isinstance(field, klass):
                messages["invalid"] = text
        for code, text in messages.items():
            current = field.error_messages.get(code)
            if current is None or str(current) == str(defaults.get(code)):
                field.error_messages[code] = text.format(label=label)


class StepForm(forms.Form):
    """A step on a case: carries the version the user saw (``AlreadyHandled`` when it moved on)."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, case=None, actor=None, **kwargs):
        self.case = case
        self.actor = actor
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        name_the_fields_in_errors(self)
        if case is not None and not self.is_bound:
            self.initial.setdefault("expected_version", case.version)

    def values(self) -> dict:
        """Return the service's keyword arguments."""
        return dict(self.cleaned_data)


# ---------------------------------------------------------------- intake


class OpenApplicationForm(forms.Form):
    """发起申请 for a household: programmes, applicant, channel, the 授权核对 and the papers."""

    kind = forms.ChoiceField(
        label="申请类型",
        choices=[("application", "救助申请（低保、特困等）"), ("temporary", "临时救助申请")],
        widget=forms.RadioSelect,
        initial="application",
    )
    programmes = forms.MultipleChoiceField(
        label="申请项目",
        choices=[c for c in Programme.choices if c[0] not in ("phase_out", "temporary")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="一门受理：系统评估时会同时审查其他可享受的救助。",
    )
    applicant = forms.TypedChoiceField(label="申请人", coerce=int, help_text="默认户主；单人保等可选其他成员。")
    channel = forms.ChoiceField(
        label="申请方式", choices=[c for c in Channel.choices if c[0] != Channel.SYSTEM], initial=Channel.WINDOW
    )
    authorised = forms.BooleanField(
        label="申请人及共同生活的家庭成员已签署家庭经济状况核对授权书（授权核对）",
        error_messages={"required": "授权核对：须由申请人及家庭成员签署核对授权书后才能登记申请。"},
    )
    special = forms.BooleanField(label="情况复杂（可延长办理总时限）", required=False)
    need_kind = forms.ChoiceField(
        label="临时救助类型", choices=[("", "—"), *TEMPORARY_KIND_LABELS.items()], required=False
    )
    need_event = forms.ChoiceField(label="事由", choices=[("", "—"), *TEMPORARY_EVENT_LABELS.items()], required=False)
    need_occurred_on = _date_input(label="发生日期", required=False)
    need_amount = forms.DecimalField(
        label="困难金额（元）", min_value=0, max_digits=12, decimal_places=2, required=False
    )
    need_other_aid = forms.DecimalField(
        label="已获其他救助（元）", min_value=0, max_digits=12, decimal_places=2, required=False
    )
    need_fast = forms.BooleanField(label="申请小额快救/先行救助", required=False)
    note = _text("备注", rows=2, required=False, max_length=400)
    application_files = MultipleFileField(label="申请书扫描件")
    authorisation_files = MultipleFileField(label="核对授权书扫描件")
    other_files = MultipleFileField(label="其他材料（身份证、收入证明等）")

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields_in_errors(self)
        self.fields["applicant"].choices = [(m.pk, f"{m.name}（{m.get_relation_display()}）") for m in members]
        head = next((m for m in members if m.relation == "head"), None)
        if head is not None:
            self.initial.setdefault("applicant", head.pk)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "temporary":
            missing = [
                label
                for name, label in (
                    ("need_kind", "临时救助类型"),
                    ("need_event", "事由"),
                    ("need_occurred_on", "发生日期"),
                    ("need_amount", "困难金额"),
                )
                if not data.get(name)
            ]
            if missing:
                raise forms.ValidationError(f"临时救助申请须填写：{'、'.join(missing)}。")
        elif not data.get("programmes"):
            self.add_error("programmes", "申请项目：至少选择一项。")
        return data

    def temporary_need(self) -> dict | None:
        d = self.cleaned_data
        if d.get("kind") != "temporary":
            return None
        return {
            "kind": d["need_kind"],
            "event": d["need_event"],
            "occurred_on": d["need_occurred_on"],
            "amount": d["need_amount"],
            "other_aid": d.get("need_other_aid") or 0,
            "fast": d.get("need_fast", False),
        }


class AcceptForm(StepForm):
    authorised = forms.BooleanField(
        label="材料齐全，核对授权书已签署",
        error_messages={"required": "受理：请确认材料齐全且已签署家庭经济状况核对授权书。"},
    )
    special = forms.BooleanField(label="情况复杂（延长办理总时限）", required=False)

    def values(self) -> dict:
        d = self.cleaned_data
        return {"expected_version": d["expected_version"], "special": True if d.get("special") else None}


class MissingMaterialsForm(StepForm):
    items = forms.MultipleChoiceField(
        label="需补齐的材料",
        choices=[(m, m) for m in COMMON_MATERIALS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    other_items = _text("其他材料（每行一项）", rows=2, required=False, max_length=1000)
    note = forms.CharField(label="说明", max_length=500, required=False)

    def clean(self):
        data = super().clean()
        items = list(data.get("items") or [])
        items += [line.strip() for line in (data.get("other_items") or "").splitlines() if line.strip()]
        if not items and not self.errors:
            raise forms.ValidationError("需补齐的材料：至少列出一项。")
        data["all_items"] = items
        return data

    def values(self) -> dict:
        d = self.cleaned_data
        return {"expected_version": d["expected_version"], "items": d["all_items"], "note": d.get("note", "")}


class WithdrawForm(StepForm):
    reason = _text("撤回原因", rows=2, max_length=300)


class DeclareRelativeForm(StepForm):
    staff_name = forms.CharField(label="工作人员/村居干部姓名", max_length=50)
    staff_position = forms.CharField(label="职务", max_length=100)
    relation = forms.CharField(label="与申请人的亲属关系", max_length=50)


class CheckRelativeForm(StepForm):
    declaration = forms.IntegerField(widget=forms.HiddenInput)
    visited_on = _date_input(label="县级入户核查日期")
    findings = _text("核查情况")
    irregular = forms.BooleanField(label="发现违规", required=False)

    def clean_visited_on(self):
        return _not_future(self.cleaned_data.get("visited_on"), "县级入户核查日期")

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d.pop("declaration")
        return d


class ReferralForm(forms.Form):
    to_department = forms.CharField(label="转介单位", max_length=100, help_text="如：医保局、教育局、残联、慈善总会")
    need = _text("需求", rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields_in_errors(self)


class ReferralOutcomeForm(forms.Form):
    referral = forms.IntegerField(widget=forms.HiddenInput)
    outcome = _text("办理结果", rows=2)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields_in_errors(self)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label="文件（JPG、PNG 或 PDF）", required=True)
    category = forms.ChoiceField(label="类别", choices=AttachmentCategory.choices, initial=AttachmentCategory.OTHER)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields_in_errors(self)
        self.fields["files"].error_messages["required"] = "文件：请选择要上传的文件。"


# ---------------------------------------------------------------- investigation


class VerificationForm(StepForm):
    """The 核对 step: the report is built from the departments' data; the township may add a note."""

    summary = _text(
        "核对说明（可选）",
        required=False,
        help_text="保存后系统按部门数据生成核对报告（收入、养老金、房产、车辆、市场主体、公积金、死亡、残疾），"
        "核对结果由报告得出；银行存款等可在报告页补录。",
    )
    checked_on = _date_input(label="核对日期", required=False)

    def clean_checked_on(self):
        return _not_future(self.cleaned_data.get("checked_on"), "核对日期")

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        if not d.get("checked_on"):
            d.pop("checked_on", None)
        return d


class SurveyForm(StepForm):
    """入户调查 as the first investigator fills it in at the door, on a phone."""

    visited_on = _date_input(label="调查日期")
    methods = forms.MultipleChoiceField(
        label="调查方式", choices=list(SURVEY_METHODS.items()), widget=forms.CheckboxSelectMultiple
    )
    members_present = forms.MultipleChoiceField(
        label="在场家庭成员", widget=forms.CheckboxSelectMultiple, required=False
    )
    living_conditions = _text("居住及生活条件", rows=2, required=False, max_length=1000)
    findings = _text("调查情况（收入、财产、劳动能力等）", rows=4, max_length=3000)
    co_investigator = forms.TypedChoiceField(label="第二调查人", coerce=int, help_text="由其本人登录后签字确认。")
    photos = MultipleFileField(label="调查照片（JPG/PNG，可多选）", accept=IMAGE_ACCEPT)
    photo_ids = forms.TypedMultipleChoiceField(
        label="已上传的照片", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, members=(), co_investigators=(), images=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].choices = [(m.name, m.name) for m in members]
        self.fields["co_investigator"].choices = [("", "请选择")] + [
            (u.pk, f"{u.display_name}（{u.get_role_display()}）") for u in co_investigators
        ]
        self.fields["photo_ids"].choices = [(a.pk, a.original_name) for a in images]
        if not images:
            del self.fields["photo_ids"]
        self.initial.setdefault("visited_on", timezone.localdate())
        self.initial.setdefault("methods", ["home_visit"])
        self.fields["co_investigator"].error_messages["required"] = "第二调查人：入户调查须由两人进行，请选择。"

    def clean_visited_on(self):
        return _not_future(self.cleaned_data.get("visited_on"), "调查日期")

    def clean_photos(self):
        for f in self.cleaned_data.get("photos") or []:
            if not (f.name or "").lower().endswith((".jpg", ".jpeg", ".png")):
                raise forms.ValidationError(f"调查照片：{f.name} 不是 JPG 或 PNG 图片。")
        return self.cleaned_data.get("photos")

    def findings_text(self) -> str:
        d = self.cleaned_data
        parts = []
        if d.get("members_present"):
            parts.append(f"在场成员：{'、'.join(d['members_present'])}")
        if d.get("living_conditions"):
            parts.append(f"居住及生活条件：{d['living_conditions'].strip()}")
        parts.append(d["findings"].strip())
        return "\n".join(parts)


class CountersignForm(StepForm):
    confirm = forms.BooleanField(
        label="本人参加了此次入户调查，调查记录属实",
        error_messages={"required": "签字：请确认本人参加了调查且记录属实。"},
    )

    def values(self) -> dict:
        return {"expected_version": self.cleaned_data["expected_version"]}


class CommunityReviewForm(StepForm):
    held_on = _date_input(label="评议日期")
    attendees = forms.IntegerField(label="到会人数", min_value=1)
    approvals = forms.IntegerField(label="同意人数", min_value=0)
    summary = _text("评议情况")

    def clean_held_on(self):
        return _not_future(self.cleaned_data.get("held_on"), "评议日期")

    def clean(self):
        data = super().clean()
        attendees, approvals = data.get("attendees"), data.get("approvals")
        if attendees is not None and approvals is not None and approvals > attendees:
            self.add_error("approvals", "同意人数：不能多于到会人数。")
        return data


def notice_place(village: str) -> str:
    """Return where a village posts its notices: 村务公开栏 in a village, 居务公开栏 in a community."""
    return f"{village}村务公开栏" if village.endswith("村") else f"{village}居务公开栏"


class NoticeStartForm(StepForm):
    opinion = _text("初审意见", rows=3)
    place = forms.CharField(label="公示地点", max_length=200, required=False)
    post = forms.BooleanField(label="公示（变更案件可不公示）", required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        case = self.case
        if case is not None:
            self.initial.setdefault("place", notice_place(case.region.name))
            self.initial.setdefault("opinion", "经入户调查和家庭经济状况核对，该户申报情况属实，拟同意。")
            if case.kind != "change":
                del self.fields["post"]
            if case.minor_case:
                del self.fields["place"]

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        d.setdefault("post", True)
        return d


class ObjectionForm(StepForm):
    content = _text("异议内容")
    raised_by = forms.CharField(label="异议人（可匿名）", max_length=100, required=False)
    received_on = _date_input(label="收到日期", required=False)

    def values(self) -> dict:
        d = dict(self.cleaned_data)
        if not d.get("received_on"):
            d.pop("received_on", None)
        return d


class ResolveObjectionForm(StepForm):
    upheld = forms.TypedChoiceField(
        label="复查结论",
        choices=[("0", "异议不成立"), ("1", "异议成立")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    findings = _text("复查情况")
    opinion = _text("新的初审意见", rows=2)
    place = forms.CharField(label="公示地点", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.case is not None:
            self.initial.setdefault("place", notice_place(self.case.region.name))


# ---------------------------------------------------------------- decision and enrolment


class MonthField(forms.DateField):
    """A month typed as ``YYYY-MM`` (``<input type=month>``); cleaned to the first day of the month."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class ConfirmForm(StepForm):
    decision = forms.ChoiceField(
        label="审核结论", choices=[("approve", "确认纳入"), ("refuse", "不予确认")], widget=forms.RadioSelect
    )
    start_month = MonthField(label="起始月份", required=False, help_text="默认按政策确定（一般为确认的次月）。")
    review_months = forms.IntegerField(
        label="复核间隔（月）", min_value=1, max_value=36, required=False, help_text="留空按收入是否稳定自动确定。"
    )
    reasons = _text("理由（不予确认时必填，将写入告知书）", rows=3, required=False)

    def __init__(self, *args, default_start=None, **kwargs):
        super().__init__(*args, **kwargs)
        if default_start is not None:
            self.initial.setdefault("start_month", default_start)
        self.fields["start_month"].error_messages["invalid"] = "起始月份：请按“年-月”填写。"

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("reasons") or "").strip():
            self.add_error("reasons", "不予确认理由：须书面说明理由。")
        return data

    def values(self) -> dict:
        d = self.cleaned_data
        out = {"expected_version": d["expected_version"], "approve": d["decision"] == "approve"}
        out["reasons"] = d.get("reasons") or ""
        if out["approve"] and d.get("start_month"):
            out["start_month"] = d["start_month"]
        if out["approve"] and d.get("review_months"):
            out["review_months"] = d["review_months"]
        return out


class RefusalNoticeForm(StepForm):
    notified_on = _date_input(label="告知日期")
    method = forms.ChoiceField(
        label="告知方式",
        choices=[(m, m) for m in ("当面送达", "邮寄送达", "留置送达", "委托村（居）委会送达")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("notified_on", timezone.localdate())


class EnrolForm(StepForm):
    pass


class FastGrantForm(StepForm):
    track = forms.ChoiceField(
        label="救助方式", choices=[(str(k), v) for k, v in TRACKS.items()], widget=forms.RadioSelect
    )
    amount = forms.DecimalField(label="金额（元）", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    reasons = _text("救助理由", rows=2)


class PaperworkForm(StepForm):
    summary = _text("补办情况", rows=2)


class ChangeReportForm(forms.Form):
    change_kind = forms.ChoiceField(label="变更类型", choices=list(CHANGE_KINDS.items()))
    occurred_on = _date_input(label="变化日期")
    note = _text("变化情况", rows=2, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_the_fields_in_errors(self)

    def clean_occurred_on(self):
        return _not_future(self.cleaned_data.get("occurred_on"), "变化日期")


# ---------------------------------------------------------------- lists


class InboxFilterForm(forms.Form):
    step = forms.ChoiceField(label="待办事项", required=False)
    village = forms.ChoiceField(label="村/社区", required=False)
    kind = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[
            ("", "全部"),
            ("application", "救助申请"),
            ("temporary", "临时救助"),
            ("change", "变更"),
            ("termination", "终止"),
        ],
    )
    overdue = forms.BooleanField(label="只看已超期", required=False)

    def __init__(self, *args, steps=(), villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [("", "全部"), *steps]
        self.fields["village"].choices = [("", "全部"), *villages]


class CaseSearchForm(forms.Form):
    q = forms.CharField(label="查询", max_length=50, required=False, help_text="案件编号、户主姓名或户编号")
    status = forms.ChoiceField(label="状态", required=False)
    kind = InboxFilterForm.base_fields["kind"]

    def __init__(self, *args, **kwargs):
        from doudi.cases.workflow import CaseStatus

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "全部"), *CaseStatus.choices]
