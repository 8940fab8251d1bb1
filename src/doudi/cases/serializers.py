"""Output serializers of the case API (identifiers are never shown here: names and numbers only)."""

from __future__ import annotations

from rest_framework import serializers

from doudi.cases.models import Enrolment
from doudi.cases.selectors import CaseDetail, Inbox, amount_in_month
from doudi.cases.workflow import TRANSITIONS


class CaseSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(label="案件编号")
    kind = serializers.CharField(label="类型")
    kind_label = serializers.CharField(source="get_kind_display", label="类型名称")
    status = serializers.CharField(label="状态")
    status_label = serializers.CharField(source="get_status_display", label="状态名称")
    version = serializers.IntegerField(label="版本", help_text="办理下一步时作为 expected_version 提交")
    household_id = serializers.IntegerField()
    household_number = serializers.CharField(source="household.number", label="户编号")
    head_name = serializers.CharField(source="household.head_name", label="户主")
    applicant_name = serializers.SerializerMethodField(label="申请人/对象")
    region_code = serializers.CharField(source="region_id", label="村/社区代码")
    programmes = serializers.ListField(child=serializers.CharField(), label="申请项目")
    special = serializers.BooleanField(label="情况复杂")
    minor_case = serializers.BooleanField(label="未成年人案件（不公示）")
    relative_flag = serializers.BooleanField(label="近亲属备案")
    opened_on = serializers.DateField(label="申请日期")
    accepted_on = serializers.DateField(label="受理日期", allow_null=True)
    decided_on = serializers.DateField(label="确认日期", allow_null=True)
    closed_on = serializers.DateField(label="办结日期", allow_null=True)
    next_due_on = serializers.SerializerMethodField(label="最近到期日")

    class Meta:
        ref_name = "CaseSummary"

    def get_applicant_name(self, case) -> str:
        return case.applicant.name if case.applicant_id else ""

    def get_next_due_on(self, case) -> str | None:
        due = getattr(case, "next_due_on", None)
        return due.isoformat() if due else None


class _EventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    on = serializers.DateField(label="办理日期")
    actor_name = serializers.CharField(label="办理人")
    action = serializers.CharField()
    label = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    note = serializers.CharField()
    data = serializers.JSONField()
    assessment_id = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "CaseEvent"


class _DeadlineSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    started_on = serializers.DateField()
    amount = serializers.IntegerField()
    unit = serializers.CharField()
    due_on = serializers.DateField(allow_null=True, help_text="为空：工作日历尚未收录该年份")
    met_on = serializers.DateField(allow_null=True)
    cancelled = serializers.BooleanField()
    basis = serializers.CharField()

    class Meta:
        ref_name = "CaseDeadline"


class _NoticeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round = serializers.IntegerField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    place = serializers.CharField()
    opinion = serializers.CharField()
    status = serializers.CharField()
    assessment_id = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "CasePublicNotice"


class _ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    notice_id = serializers.IntegerField()
    received_on = serializers.DateField()
    raised_by = serializers.CharField()
    content = serializers.CharField()
    status = serializers.CharField()
    findings = serializers.CharField()
    resolved_on = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "CaseObjection"


class _SurveySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    visited_on = serializers.DateField()
    methods = serializers.ListField(child=serializers.CharField())
    findings = serializers.CharField()
    investigator_1 = serializers.CharField(source="investigator_1.display_name")
    investigator_2 = serializers.CharField(source="investigator_2.display_name")
    signed_1_at = serializers.DateTimeField()
    signed_2_at = serializers.DateTimeField(allow_null=True)
    photo_ids = serializers.SerializerMethodField()

    class Meta:
        ref_name = "CaseSurvey"

    def get_photo_ids(self, survey) -> list[int]:
        return [p.attachment_id for p in survey.photos.all()]


class _VerificationSerializer(serializers.Serializer):
    result = serializers.CharField()
    result_label = serializers.CharField(source="get_result_display")
    items = serializers.ListField(child=serializers.CharField())
    summary = serializers.CharField()
    checked_on = serializers.DateField()

    class Meta:
        ref_name = "CaseVerification"


class _CommunityReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    held_on = serializers.DateField(label="评议日期")
    attendees = serializers.IntegerField(label="到会人数")
    approvals = serializers.IntegerField(label="同意人数")
    summary = serializers.CharField(label="评议情况")
    recorded_by = serializers.CharField(source="recorded_by.display_name", allow_null=True, label="录入人")

    class Meta:
        ref_name = "CaseCommunityReview"


class _LineSerializer(serializers.Serializer):
    programme = serializers.CharField()
    person_id = serializers.IntegerField(allow_null=True)
    person_name = serializers.SerializerMethodField()
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    one_off_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    tier = serializers.CharField()
    end_month = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "CaseDecisionLine"

    def get_person_name(self, line) -> str:
        return line.person.name if line.person_id else ""


class _DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.CharField()
    outcome_label = serializers.CharField(source="get_outcome_display")
    decided_on = serializers.DateField()
    reasons = serializers.CharField()
    start_month = serializers.DateField(allow_null=True)
    review_months = serializers.IntegerField(allow_null=True)
    notified_on = serializers.DateField(allow_null=True)
    assessment_id = serializers.IntegerField(allow_null=True)
    lines = _LineSerializer(many=True, source="lines.all")

    class Meta:
        ref_name = "CaseDecision"


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()

    class Meta:
        ref_name = "CaseAttachment"


class _RelativeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    staff_name = serializers.CharField()
    staff_position = serializers.CharField()
    relation = serializers.CharField()
    declared_on = serializers.DateField()
    status = serializers.CharField()
    visited_on = serializers.DateField(allow_null=True)
    findings = serializers.CharField()
    irregular = serializers.BooleanField()

    class Meta:
        ref_name = "CaseRelativeDeclaration"


class _ReferralSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    to_department = serializers.CharField()
    need = serializers.CharField()
    referred_on = serializers.DateField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    outcome_on = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "CaseReferral"


class _ChangeSerializer(serializers.Serializer):
    effective_month = serializers.DateField()
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    status = serializers.CharField()
    reason = serializers.CharField()

    class Meta:
        ref_name = "EnrolmentChange"


class EnrolmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    household_id = serializers.IntegerField()
    person_id = serializers.IntegerField()
    person_name = serializers.CharField(source="person.name")
    programme = serializers.CharField()
    programme_label = serializers.CharField(source="get_programme_display")
    tier = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    start_month = serializers.DateField()
    end_month = serializers.DateField(allow_null=True)
    monthly_amount = serializers.DecimalField(max_digits=12, decimal_places=2, label="最近核定月金额")
    covered = serializers.ListField(child=serializers.IntegerField())
    review_months = serializers.IntegerField(allow_null=True)
    automatic = serializers.BooleanField()
    end_reason = serializers.CharField()
    account_holder = serializers.CharField(label="账户户名（空：本人账户）")
    payment_warning = serializers.CharField(label="发放提醒（空：可发放）")
    version = serializers.IntegerField()
    case_id = serializers.IntegerField(allow_null=True)
    changes = _ChangeSerializer(many=True, source="changes.all")
    amount_in_month = serializers.SerializerMethodField(label="所查月份应发金额")

    class Meta:
        ref_name = "Enrolment"

    def get_amount_in_month(self, enrolment: Enrolment) -> str | None:
        month = self.context.get("month")
        return None if month is None else str(amount_in_month(enrolment, month))


class ReviewTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    household_id = serializers.IntegerField()
    household_label = serializers.CharField(source="household.__str__")
    person_id = serializers.IntegerField(allow_null=True)
    enrolment_id = serializers.IntegerField(allow_null=True)
    due_on = serializers.DateField()
    status = serializers.CharField()
    outcome = serializers.CharField()
    reasons = serializers.CharField()
    completed_on = serializers.DateField(allow_null=True)
    case_id = serializers.IntegerField(allow_null=True)

    class Meta:
        ref_name = "CaseReviewTask"


class _StepSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()

    class Meta:
        ref_name = "CaseStep"


class CaseDetailSerializer(serializers.Serializer):
    case = CaseSummarySerializer()
    opinion = serializers.CharField(source="case.opinion")
    opinion_assessment_id = serializers.IntegerField(source="case.opinion_assessment_id", allow_null=True)
    temporary_need = serializers.JSONField(source="case.temporary_need")
    change = serializers.JSONField(source="case.change")
    next_steps = serializers.SerializerMethodField(label="您可以办理的下一步")
    events = _EventSerializer(many=True, label="办理记录")
    deadlines = _DeadlineSerializer(many=True)
    notices = _NoticeSerializer(many=True)
    objections = _ObjectionSerializer(many=True)
    surveys = _SurveySerializer(many=True)
    verifications = _VerificationSerializer(many=True)
    community_reviews = _CommunityReviewSerializer(many=True, label="民主评议")
    decisions = _DecisionSerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    relatives = _RelativeSerializer(many=True)
    referrals = _ReferralSerializer(many=True)
    enrolments = EnrolmentSerializer(many=True)

    class Meta:
        ref_name = "CaseDetail"

    def get_next_steps(self, detail: CaseDetail) -> list[dict[str, str]]:
        return [_step(s) for s in detail.next_steps]


def _step(name: str) -> dict[str, str]:
    return {"name": name, "label": TRANSITIONS[name].label if name in TRANSITIONS else "近亲属备案核查"}


class _InboxItemSerializer(serializers.Serializer):
    case = CaseSummarySerializer()
    steps = serializers.SerializerMethodField()
    due_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField()

    class Meta:
        ref_name = "CaseInboxItem"

    def get_steps(self, item) -> list[dict[str, str]]:
        return [_step(s) for s in item.steps]


class InboxSerializer(serializers.Serializer):
    today = serializers.DateField()
    total = serializers.IntegerField()
    overdue = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField(), label="各步骤待办数")
    items = _InboxItemSerializer(many=True)
    reviews = ReviewTaskSerializer(many=True)

    class Meta:
        ref_name = "CaseInbox"


def inbox_data(inbox: Inbox) -> dict:
    return InboxSerializer(inbox).data
