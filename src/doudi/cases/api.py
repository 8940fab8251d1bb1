"""The case API under /api/cases/: one class per step, each calling one service and nothing else.

Every write names the ``expected_version`` of the case it was shown (409 "已被他人处理" when
someone acted first) and is refused (403) to roles that may not take the step *before* the case is
looked up, so that a refused user learns nothing about case numbers. Reads go through
``doudi.cases.selectors`` (404 for missing and out-of-region alike). Every step answers with the
case detail, so a client always holds the current version and next steps.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.models import User
from doudi.cases import selectors, services
from doudi.cases.models import AttachmentCategory, CaseKind, Channel, Programme, ReviewOutcome
from doudi.cases.serializers import (
    AttachmentSerializer,
    CaseDetailSerializer,
    CaseSummarySerializer,
    EnrolmentSerializer,
    InboxSerializer,
    ReviewTaskSerializer,
)
from doudi.cases.services.common import check_step_capability
from doudi.cases.services.intake import CHANGE_KINDS
from doudi.cases.services.investigation import SURVEY_METHODS
from doudi.cases.services.temporary import TRACKS
from doudi.core.api import validated
from doudi.policy.engine.facts import TEMPORARY_EVENT_LABELS, TEMPORARY_KIND_LABELS
from doudi.registry import selectors as registry_selectors
from doudi.registry.api import RegistryPagination, paginated_response

TAG = "cases"
_TEXT = {"allow_blank": True, "required": False, "default": ""}


def _version(**kw):
    return serializers.IntegerField(label="版本", min_value=1, help_text="读取案件时的 version", **kw)


def _detail(request, case_id: int) -> Response:
    return Response(CaseDetailSerializer(selectors.case_detail(actor=request.user, case_id=case_id)).data)


def _documented(operation_id: str, summary: str):
    """Document a step class's ``post`` with its own input serializer and the case-detail answer."""

    def wrap(cls):
        def post(self, request, *args, **kwargs):
            return CaseStepApi.post(self, request, *args, **kwargs)

        cls.post = extend_schema(
            operation_id=operation_id,
            summary=summary,
            request=cls.InputSerializer,
            responses={200: CaseDetailSerializer},
            tags=[TAG],
        )(post)
        return cls

    return wrap


class CaseStepApi(APIView):
    """One step on one case: capability first, then the scoped lookup, then the service."""

    step = ""

    class InputSerializer(serializers.Serializer):
        expected_version = _version()

    def perform(self, request, case, data: dict) -> None:  # pragma: no cover - every subclass overrides
        raise NotImplementedError

    def post(self, request, case_id: int):
        check_step_capability(request.user, self.step)
        data = dict(validated(self.InputSerializer, request.data))
        case = selectors.case_get(actor=request.user, case_id=case_id)
        self.perform(request, case, data)
        return _detail(request, case.pk)


# ---------------------------------------------------------------- reads


class InboxApi(APIView):
    """Return the user's work list: cases needing the user's next step, soonest due first, and reviews due."""

    @extend_schema(operation_id="cases_inbox", summary="我的待办", responses={200: InboxSerializer}, tags=[TAG])
    def get(self, request):
        return Response(InboxSerializer(selectors.inbox(actor=request.user)).data)


class CaseListApi(APIView):
    """List the cases of the user's region, newest first, 50 a page."""

    pagination_class = RegistryPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.CharField(label="状态", **_TEXT)
        kind = serializers.ChoiceField(label="类型", choices=CaseKind.choices, required=False)
        household = serializers.IntegerField(label="家庭 ID", required=False)
        q = serializers.CharField(label="查询", max_length=50, help_text="案件编号、户主姓名或户编号", **_TEXT)
        open = serializers.BooleanField(label="只看办理中", required=False, default=False)

        class Meta:
            ref_name = "CaseListFilter"

    @extend_schema(
        operation_id="cases_list",
        summary="案件列表",
        parameters=[FilterSerializer],
        responses={200: CaseSummarySerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request):
        f = validated(self.FilterSerializer, request.query_params)
        qs = selectors.case_list(
            actor=request.user,
            status=f.get("status") or None,
            kind=f.get("kind"),
            household_id=f.get("household"),
            q=f.get("q", ""),
            open_only=f.get("open", False),
        )
        return paginated_response(self, request, qs, CaseSummarySerializer)


class CaseDetailApi(APIView):
    """Return a case with its timeline, time limits, records, decisions, files and the user's next steps."""

    @extend_schema(operation_id="cases_retrieve", summary="案件详情", responses={200: CaseDetailSerializer}, tags=[TAG])
    def get(self, request, case_id: int):
        return _detail(request, case_id)


# ---------------------------------------------------------------- intake


class _NeedSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(label="类型", choices=list(TEMPORARY_KIND_LABELS.items()))
    event = serializers.ChoiceField(label="事由", choices=list(TEMPORARY_EVENT_LABELS.items()))
    occurred_on = serializers.DateField(label="发生日期")
    amount = serializers.DecimalField(label="困难金额", max_digits=12, decimal_places=2, min_value=0)
    other_aid = serializers.DecimalField(
        label="已获其他救助", max_digits=12, decimal_places=2, min_value=0, required=False, default=0
    )
    fast = serializers.BooleanField(label="申请小额快救/先行救助", required=False, default=False)

    class Meta:
        ref_name = "TemporaryNeedInput"


class CaseOpenApi(APIView):
    """Register an application (or a temporary-assistance request) of a household."""

    class InputSerializer(serializers.Serializer):
        household_id = serializers.IntegerField(label="家庭 ID")
        kind = serializers.ChoiceField(
            label="类型",
            choices=[(CaseKind.APPLICATION, "救助申请"), (CaseKind.TEMPORARY, "临时救助申请")],
            required=False,
            default=CaseKind.APPLICATION,
        )
        programmes = serializers.ListField(
            label="申请项目",
            child=serializers.ChoiceField(choices=[*Programme.choices, ("temporary", "临时救助")]),
            required=False,
            default=list,
        )
        applicant_id = serializers.IntegerField(label="申请人 ID", required=False, help_text="默认户主")
        channel = serializers.ChoiceField(
            label="申请方式",
            choices=[c for c in Channel.choices if c[0] != Channel.SYSTEM],
            required=False,
            default=Channel.WINDOW,
        )
        special = serializers.BooleanField(label="情况复杂", required=False, default=False)
        temporary_need = _NeedSerializer(label="临时救助事由", required=False)
        note = serializers.CharField(label="备注", max_length=500, **_TEXT)

        class Meta:
            ref_name = "CaseOpenInput"

    @extend_schema(
        operation_id="cases_open",
        summary="登记申请",
        request=InputSerializer,
        responses={201: CaseDetailSerializer},
        tags=[TAG],
    )
    def post(self, request):
        check_step_capability(request.user, "open_application")
        data = validated(self.InputSerializer, request.data)
        household = registry_selectors.household_get(actor=request.user, household_id=data["household_id"])
        applicant = (
            registry_selectors.person_get(actor=request.user, person_id=data["applicant_id"])
            if data.get("applicant_id")
            else None
        )
        case = services.do_open_application(
            request.user,
            household,
            kind=data["kind"],
            programmes=data["programmes"],
            applicant=applicant,
            channel=data["channel"],
            special=data["special"],
            temporary_need=data.get("temporary_need"),
            note=data["note"],
        )
        response = _detail(request, case.pk)
        response.status_code = 201
        return response


@_documented("cases_missing_materials", "一次性告知补齐材料")
class MissingMaterialsApi(CaseStepApi):
    step = "record_missing_materials"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        items = serializers.ListField(label="需补齐的材料", child=serializers.CharField(max_length=100), min_length=1)
        note = serializers.CharField(label="说明", max_length=500, **_TEXT)

        class Meta:
            ref_name = "CaseMissingMaterialsInput"

    def perform(self, request, case, data):
        services.do_record_missing_materials(request.user, case, **data)


@_documented("cases_accept", "受理")
class AcceptApi(CaseStepApi):
    step = "accept_application"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        special = serializers.BooleanField(
            label="情况复杂（延长总时限）", required=False, allow_null=True, default=None
        )

        class Meta:
            ref_name = "CaseAcceptInput"

    def perform(self, request, case, data):
        services.do_accept_application(request.user, case, **data)


@_documented("cases_withdraw", "撤回申请")
class WithdrawApi(CaseStepApi):
    step = "withdraw_case"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        reason = serializers.CharField(label="撤回原因", max_length=300)

        class Meta:
            ref_name = "CaseWithdrawInput"

    def perform(self, request, case, data):
        services.do_withdraw_case(request.user, case, **data)


@_documented("cases_declare_relative", "近亲属备案")
class DeclareRelativeApi(CaseStepApi):
    step = "declare_relative"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        staff_name = serializers.CharField(label="工作人员/干部姓名", max_length=50)
        staff_position = serializers.CharField(label="职务", max_length=100)
        relation = serializers.CharField(label="亲属关系", max_length=50)

        class Meta:
            ref_name = "CaseDeclareRelativeInput"

    def perform(self, request, case, data):
        services.do_declare_relative(request.user, case, **data)


class CheckRelativeApi(APIView):
    """Record the county's check of a near-relative declaration."""

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        visited_on = serializers.DateField(label="县级入户核查日期")
        findings = serializers.CharField(label="核查情况", max_length=2000)
        irregular = serializers.BooleanField(label="发现违规", required=False, default=False)

        class Meta:
            ref_name = "CaseCheckRelativeInput"

    @extend_schema(
        operation_id="cases_check_relative",
        summary="近亲属备案核查",
        request=InputSerializer,
        responses={200: CaseDetailSerializer},
        tags=[TAG],
    )
    def post(self, request, declaration_id: int):
        check_step_capability(request.user, "check_relative")
        data = validated(self.InputSerializer, request.data)
        declaration = selectors.relative_get(actor=request.user, declaration_id=declaration_id)
        services.do_check_relative(request.user, declaration, **data)
        return _detail(request, declaration.case_id)


class ReferralCreateApi(APIView):
    """Hand a need of a case to another department or a charity."""

    class InputSerializer(serializers.Serializer):
        to_department = serializers.CharField(label="转介单位", max_length=100)
        need = serializers.CharField(label="需求", max_length=2000)

        class Meta:
            ref_name = "CaseReferralInput"

    @extend_schema(
        operation_id="cases_referral_create",
        summary="转介",
        request=InputSerializer,
        responses={200: CaseDetailSerializer},
        tags=[TAG],
    )
    def post(self, request, case_id: int):
        check_step_capability(request.user, "create_referral")
        data = validated(self.InputSerializer, request.data)
        case = selectors.case_get(actor=request.user, case_id=case_id)
        services.do_create_referral(request.user, case, **data)
        return _detail(request, case.pk)


class ReferralOutcomeApi(APIView):
    """Record what came of a referral."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.CharField(label="办理结果", max_length=2000)

        class Meta:
            ref_name = "CaseReferralOutcomeInput"

    @extend_schema(
        operation_id="cases_referral_outcome",
        summary="转介反馈",
        request=InputSerializer,
        responses={200: CaseDetailSerializer},
        tags=[TAG],
    )
    def post(self, request, referral_id: int):
        check_step_capability(request.user, "record_referral_outcome")
        data = validated(self.InputSerializer, request.data)
        referral = selectors.referral_get(actor=request.user, referral_id=referral_id)
        services.do_record_referral_outcome(request.user, referral, **data)
        return _detail(request, referral.case_id)


class ReportChangeApi(APIView):
    """Report a change of an enrolled household (new member, death, income …): opens a change case."""

    class InputSerializer(serializers.Serializer):
        household_id = serializers.IntegerField(label="家庭 ID")
        change_kind = serializers.ChoiceField(label="变更类型", choices=list(CHANGE_KINDS.items()))
        occurred_on = serializers.DateField(label="变化日期")
        note = serializers.CharField(label="变化情况", max_length=500)
        person_id = serializers.IntegerField(label="相关人员 ID", required=False)

        class Meta:
            ref_name = "CaseReportChangeInput"

    @extend_schema(
        operation_id="cases_report_change",
        summary="报告家庭情况变更",
        request=InputSerializer,
        responses={201: CaseDetailSerializer},
        tags=[TAG],
    )
    def post(self, request):
        check_step_capability(request.user, "report_change")
        data = validated(self.InputSerializer, request.data)
        household = registry_selectors.household_get(actor=request.user, household_id=data["household_id"])
        person = (
            registry_selectors.person_get(actor=request.user, person_id=data["person_id"])
            if data.get("person_id")
            else None
        )
        case = services.do_report_change(
            request.user,
            household,
            change_kind=data["change_kind"],
            occurred_on=data["occurred_on"],
            note=data["note"],
            person=person,
        )
        response = _detail(request, case.pk)
        response.status_code = 201
        return response


# ---------------------------------------------------------------- investigation and notice


@_documented("cases_verification", "录入信息核对结果")
class VerificationApi(CaseStepApi):
    step = "record_verification"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        summary = serializers.CharField(label="核对说明", max_length=2000, required=False, default="", allow_blank=True)
        checked_on = serializers.DateField(label="核对日期", required=False)

        class Meta:
            ref_name = "CaseVerificationInput"

    def perform(self, request, case, data):
        services.do_record_verification(request.user, case, **data)


@_documented("cases_survey", "录入入户调查（第一调查人）")
class SurveyApi(CaseStepApi):
    step = "record_survey"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        visited_on = serializers.DateField(label="调查日期")
        findings = serializers.CharField(label="调查情况", max_length=5000)
        co_investigator_id = serializers.IntegerField(label="第二调查人（用户 ID）")
        methods = serializers.ListField(
            label="调查方式",
            child=serializers.ChoiceField(choices=list(SURVEY_METHODS.items())),
            required=False,
            default=["home_visit"],
        )
        photo_ids = serializers.ListField(
            label="调查照片（附件 ID）", child=serializers.IntegerField(), required=False, default=list
        )

        class Meta:
            ref_name = "CaseSurveyInput"

    def perform(self, request, case, data):
        co = User.objects.filter(pk=data.pop("co_investigator_id"), is_active=True).first()
        services.do_record_survey(request.user, case, co_investigator=co, **data)


@_documented("cases_survey_countersign", "第二调查人签字")
class CountersignApi(CaseStepApi):
    step = "countersign_survey"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()

        class Meta:
            ref_name = "CaseCountersignInput"

    def perform(self, request, case, data):
        services.do_countersign_survey(request.user, case, **data)


@_documented("cases_community_review", "录入民主评议")
class CommunityReviewApi(CaseStepApi):
    step = "record_community_review"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        held_on = serializers.DateField(label="评议日期")
        attendees = serializers.IntegerField(label="到会人数", min_value=1)
        approvals = serializers.IntegerField(label="同意人数", min_value=0)
        summary = serializers.CharField(label="评议情况", max_length=2000)

        class Meta:
            ref_name = "CaseCommunityReviewInput"

    def perform(self, request, case, data):
        services.do_record_community_review(request.user, case, **data)


@_documented("cases_notice_start", "提出初审意见并公示")
class NoticeStartApi(CaseStepApi):
    step = "start_public_notice"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        opinion = serializers.CharField(label="初审意见", max_length=2000)
        place = serializers.CharField(label="公示地点", max_length=200, **_TEXT)
        post = serializers.BooleanField(label="公示", required=False, default=True, help_text="仅变更案件可不公示")

        class Meta:
            ref_name = "CaseNoticeStartInput"

    def perform(self, request, case, data):
        services.do_start_public_notice(request.user, case, **data)


@_documented("cases_objection", "登记公示异议")
class ObjectionApi(CaseStepApi):
    step = "record_objection"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        content = serializers.CharField(label="异议内容", max_length=2000)
        raised_by = serializers.CharField(label="异议人", max_length=100, **_TEXT)
        received_on = serializers.DateField(label="收到日期", required=False)

        class Meta:
            ref_name = "CaseObjectionInput"

    def perform(self, request, case, data):
        services.do_record_objection(request.user, case, **data)


@_documented("cases_objection_resolve", "异议复查并重新公示")
class ObjectionResolveApi(CaseStepApi):
    step = "resolve_objection"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        upheld = serializers.BooleanField(label="异议成立")
        findings = serializers.CharField(label="复查情况", max_length=2000)
        opinion = serializers.CharField(label="新的初审意见", max_length=2000)
        place = serializers.CharField(label="公示地点", max_length=200)

        class Meta:
            ref_name = "CaseObjectionResolveInput"

    def perform(self, request, case, data):
        services.do_resolve_objection(request.user, case, **data)


# ---------------------------------------------------------------- decision and enrolment


@_documented("cases_confirm", "审核确认或不予确认")
class ConfirmApi(CaseStepApi):
    step = "confirm_case"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        approve = serializers.BooleanField(label="确认纳入")
        reasons = serializers.CharField(label="理由", max_length=2000, **_TEXT)
        start_month = serializers.DateField(label="起始月份", required=False, help_text="默认按政策（确认的次月）")
        review_months = serializers.IntegerField(label="复核间隔（月）", min_value=1, required=False)

        class Meta:
            ref_name = "CaseConfirmInput"

    def perform(self, request, case, data):
        services.do_confirm_case(request.user, case, **data)


@_documented("cases_refusal_notice", "书面告知不予确认")
class RefusalNoticeApi(CaseStepApi):
    step = "record_refusal_notice"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        notified_on = serializers.DateField(label="告知日期")
        method = serializers.CharField(label="告知方式", max_length=50)

        class Meta:
            ref_name = "CaseRefusalNoticeInput"

    def perform(self, request, case, data):
        services.do_record_refusal_notice(request.user, case, **data)


@_documented("cases_enrol", "纳入保障（执行决定）")
class EnrolApi(CaseStepApi):
    step = "enrol"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()

        class Meta:
            ref_name = "CaseEnrolInput"

    def perform(self, request, case, data):
        services.do_enrol(request.user, case, **data)


@_documented("cases_fast_grant", "小额快救/先行救助")
class FastGrantApi(CaseStepApi):
    step = "decide_fast_grant"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        track = serializers.ChoiceField(label="方式", choices=[(str(k), v) for k, v in TRACKS.items()])
        amount = serializers.DecimalField(label="金额", max_digits=12, decimal_places=2, min_value=0)
        reasons = serializers.CharField(label="理由", max_length=2000)

        class Meta:
            ref_name = "CaseFastGrantInput"

    def perform(self, request, case, data):
        services.do_decide_fast_grant(request.user, case, **data)


@_documented("cases_paperwork", "补办手续")
class PaperworkApi(CaseStepApi):
    step = "complete_paperwork"

    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        summary = serializers.CharField(label="补办情况", max_length=2000)

        class Meta:
            ref_name = "CasePaperworkInput"

    def perform(self, request, case, data):
        services.do_complete_paperwork(request.user, case, **data)


class AttachmentUploadApi(APIView):
    """Upload a JPG, PNG or PDF file to a case (multipart: ``file``, ``category``, ``note``)."""

    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(label="文件")
        category = serializers.ChoiceField(
            label="类别", choices=AttachmentCategory.choices, required=False, default=AttachmentCategory.OTHER
        )
        note = serializers.CharField(label="说明", max_length=200, **_TEXT)

        class Meta:
            ref_name = "CaseAttachmentInput"

    @extend_schema(
        operation_id="cases_attachment_upload",
        summary="上传附件",
        request={"multipart/form-data": InputSerializer},
        responses={201: AttachmentSerializer},
        tags=[TAG],
    )
    def post(self, request, case_id: int):
        check_step_capability(request.user, "add_attachment")
        data = validated(self.InputSerializer, request.data)
        case = selectors.case_get(actor=request.user, case_id=case_id)
        upload = data["file"]
        attachment = services.do_add_attachment(
            request.user, case, upload=upload, original_name=upload.name, category=data["category"], note=data["note"]
        )
        return Response(AttachmentSerializer(attachment).data, status=201)


# ---------------------------------------------------------------- enrolments and reviews


class EnrolmentListApi(APIView):
    """List enrolments of the user's region; with ``month`` each shows what it pays in that month."""

    pagination_class = RegistryPagination  # documents the page envelope the answer has

    class FilterSerializer(serializers.Serializer):
        household = serializers.IntegerField(label="家庭 ID", required=False)
        status = serializers.CharField(label="状态", **_TEXT)
        programme = serializers.CharField(label="项目", **_TEXT)
        month = serializers.DateField(label="月份", required=False, help_text="YYYY-MM-01")

        class Meta:
            ref_name = "EnrolmentListFilter"

    @extend_schema(
        operation_id="enrolments_list",
        summary="保障对象列表",
        parameters=[FilterSerializer],
        responses={200: EnrolmentSerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request):
        f = validated(self.FilterSerializer, request.query_params)
        qs = selectors.enrolment_list(
            actor=request.user,
            household_id=f.get("household"),
            status=f.get("status") or None,
            programme=f.get("programme") or None,
        ).prefetch_related("changes")
        paginator = RegistryPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        data = EnrolmentSerializer(page, many=True, context={"month": f.get("month")}).data
        return paginator.get_paginated_response(data)


class _EnrolmentStepApi(APIView):
    class InputSerializer(serializers.Serializer):
        expected_version = _version()
        from_month = serializers.DateField(label="自何月起")
        reason = serializers.CharField(label="原因", max_length=300)

        class Meta:
            ref_name = "EnrolmentSuspendInput"

    service = None

    def _run(self, request, enrolment_id: int):
        check_step_capability(request.user, "suspend_enrolment")
        data = validated(self.InputSerializer, request.data)
        enrolment = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
        type(self).service(request.user, enrolment, **data)
        enrolment = selectors.enrolment_get(actor=request.user, enrolment_id=enrolment_id)
        return Response(EnrolmentSerializer(enrolment).data)


class EnrolmentSuspendApi(_EnrolmentStepApi):
    """Suspend an enrolment's payments from a month."""

    service = staticmethod(services.do_suspend_enrolment)

    @extend_schema(
        operation_id="enrolments_suspend",
        summary="暂停发放",
        request=_EnrolmentStepApi.InputSerializer,
        responses={200: EnrolmentSerializer},
        tags=[TAG],
    )
    def post(self, request, enrolment_id: int):
        return self._run(request, enrolment_id)


class EnrolmentResumeApi(_EnrolmentStepApi):
    """Resume a suspended enrolment from a month."""

    service = staticmethod(services.do_resume_enrolment)

    @extend_schema(
        operation_id="enrolments_resume",
        summary="恢复发放",
        request=_EnrolmentStepApi.InputSerializer,
        responses={200: EnrolmentSerializer},
        tags=[TAG],
    )
    def post(self, request, enrolment_id: int):
        return self._run(request, enrolment_id)


class ReviewListApi(APIView):
    """List open review tasks of the user's region, soonest first."""

    pagination_class = RegistryPagination

    class FilterSerializer(serializers.Serializer):
        due_before = serializers.DateField(label="到期日不晚于", required=False)

        class Meta:
            ref_name = "ReviewListFilter"

    @extend_schema(
        operation_id="reviews_list",
        summary="复核与到期任务",
        parameters=[FilterSerializer],
        responses={200: ReviewTaskSerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request):
        f = validated(self.FilterSerializer, request.query_params)
        qs = selectors.review_task_list(actor=request.user, due_before=f.get("due_before"))
        return paginated_response(self, request, qs, ReviewTaskSerializer)


class ReviewCompleteApi(APIView):
    """Complete a periodic review: unchanged, adjust, phase out or end (county)."""

    class InputSerializer(serializers.Serializer):
        outcome = serializers.ChoiceField(
            label="复核结果",
            choices=[c for c in ReviewOutcome.choices if c[0] in ("unchanged", "adjust", "phase_out", "end")],
        )
        reasons = serializers.CharField(label="理由", max_length=2000, **_TEXT)

        class Meta:
            ref_name = "ReviewCompleteInput"

    @extend_schema(
        operation_id="reviews_complete",
        summary="完成定期复核",
        request=InputSerializer,
        responses={200: ReviewTaskSerializer},
        tags=[TAG],
    )
    def post(self, request, task_id: int):
        check_step_capability(request.user, "complete_review")
        data = validated(self.InputSerializer, request.data)
        task = selectors.review_task_get(actor=request.user, task_id=task_id)
        services.do_complete_review(request.user, task, **data)
        return Response(ReviewTaskSerializer(selectors.review_task_get(actor=request.user, task_id=task_id)).data)


class ReviewScheduleApi(APIView):
    """Create the missing periodic-review tasks of the user's region."""

    class OutputSerializer(serializers.Serializer):
        created = serializers.IntegerField(label="新建复核任务数")

        class Meta:
            ref_name = "ReviewScheduleOutput"

    @extend_schema(
        operation_id="reviews_schedule",
        summary="生成定期复核任务",
        request=None,
        responses={200: OutputSerializer},
        tags=[TAG],
    )
    def post(self, request):
        check_step_capability(request.user, "schedule_reviews")
        return Response({"created": services.do_schedule_reviews(request.user)})
