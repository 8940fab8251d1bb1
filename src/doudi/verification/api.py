"""The verification API: department feed batches (upload, list, detail with set-aside rows) and household reports.

Uploads take multipart form data (``file``, ``department``, ``period``, optional ``region``) and answer with the
batch; re-sending the same file answers ``unchanged: true`` with the existing batch. Lists are scoped like the
pages; ID numbers in set-aside rows are masked.
"""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.core.api import validated
from doudi.core.errors import NotFound
from doudi.core.masking import mask_id_number
from doudi.verification import services
from doudi.verification.feeds.loading import load_feed
from doudi.verification.feeds.schemas import DEPARTMENT_CHOICES
from doudi.verification.feeds.selectors import batch_get, visible_batches
from doudi.verification.models import FeedBatch, ItemStatus, ReportPurpose, VerificationReport

TAG = "verification"


def batch_data(batch: FeedBatch) -> dict:
    return {
        "id": batch.pk,
        "department": batch.department,
        "department_label": batch.get_department_display(),
        "period": batch.period,
        "region": batch.region_id,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "file_name": batch.file_name,
        "file_format": batch.file_format,
        "checksum": batch.checksum,
        "row_count": batch.row_count,
        "good_count": batch.good_count,
        "bad_count": batch.bad_count,
        "uploaded_by": batch.uploaded_by.username if batch.uploaded_by_id else None,
        "uploaded_at": batch.uploaded_at.isoformat(),
        "superseded_by": batch.superseded_by_id,
        "purged": batch.purged_at is not None,
    }


def _error_data(e) -> dict:
    """A set-aside row, its ID number masked in the value and in the reason that quotes it."""
    value = mask_id_number(e.value) if "身份证" in e.column or "身份号码" in e.column else e.value
    reason = e.reason.replace(e.value, value) if e.value else e.reason
    return {"row": e.row_number, "column": e.column, "value": value, "reason": reason}


class UploadInput(serializers.Serializer):
    file = serializers.FileField(label="数据文件")
    department = serializers.ChoiceField(label="数据类型", choices=DEPARTMENT_CHOICES)
    period = serializers.RegexField(label="所属期", regex=r"^\d{4}-\d{2}$", max_length=7)
    region = serializers.CharField(label="数据地区", max_length=12, required=False, allow_blank=True)


class FeedListApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=[TAG], summary="部门数据批次列表", responses={200: dict}, operation_id="verification_feeds_list"
    )
    def get(self, request):
        check_capability(request.user, Capability.VIEW_FEEDS)
        qs = visible_batches(request.user).select_related("uploaded_by").order_by("-uploaded_at", "-id")
        if request.query_params.get("department"):
            qs = qs.filter(department=request.query_params["department"])
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response({"results": [batch_data(b) for b in qs[:500]]})

    @extend_schema(tags=[TAG], summary="上传部门数据文件", request=UploadInput, responses={201: dict, 200: dict})
    def post(self, request):
        check_capability(request.user, Capability.LOAD_FEEDS, "您的角色无权上传部门数据。")
        data = validated(UploadInput, request.data)
        upload = data["file"]
        result = load_feed(
            request.user,
            upload,
            file_name=upload.name,
            department=data["department"],
            period=data["period"],
            region_code=data.get("region") or None,
            channel="api",
        )
        body = {"batch": batch_data(result.batch), "unchanged": result.unchanged, "message": result.message}
        body["superseded"] = result.superseded.pk if result.superseded else None
        return Response(body, status=status.HTTP_200_OK if result.unchanged else status.HTTP_201_CREATED)


class FeedDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary="部门数据批次及问题行", responses={200: dict})
    def get(self, request, batch_id: int):
        check_capability(request.user, Capability.VIEW_FEEDS)
        batch = batch_get(actor=request.user, batch_id=batch_id)
        body = batch_data(batch)
        if request.user.can(Capability.LOAD_FEEDS):
            body["errors"] = [_error_data(e) for e in batch.errors.all()[:5000]]
        return Response(body)


class ReportInput(serializers.Serializer):
    on = serializers.DateField(label="核对日期", required=False)
    purpose = serializers.ChoiceField(label="核对类型", choices=ReportPurpose.choices, default=ReportPurpose.REQUEST)


def report_data(report: VerificationReport) -> dict:
    return {
        "id": report.pk,
        "household": report.household_id,
        "case": report.case_id,
        "as_of": report.as_of.isoformat(),
        "purpose": report.purpose,
        "overall": report.overall,
        "overall_label": report.get_overall_display(),
        "overall_text": report.overall_text,
        "policy": report.policy_text,
        "missing": report.missing,
        "items": [
            {
                "id": i.pk,
                "person": i.person_id,
                "member": i.member_name,
                "topic": i.topic,
                "topic_label": i.get_topic_display(),
                "source": i.source,
                "department": i.department,
                "evidence_rows": i.batches,
                "found": i.found_text,
                "found_amount": str(i.found_amount) if i.found_amount is not None else None,
                "declared": i.declared_text,
                "threshold": i.threshold_text,
                "threshold_amount": str(i.threshold_amount) if i.threshold_amount is not None else None,
                "rule": i.rule,
                "conclusion": i.conclusion,
                "conclusion_label": i.get_conclusion_display(),
                "conclusion_text": i.conclusion_text,
            }
            for i in report.items.filter(status=ItemStatus.ACTIVE).order_by("person_id", "id")
        ],
    }


class HouseholdReportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary="生成家庭经济状况核对报告", request=ReportInput, responses={201: dict})
    def post(self, request, household_id: int):
        from doudi.registry.models import Household

        check_capability(request.user, Capability.VIEW_FEEDS)
        household = Household.objects.filter(pk=household_id).first()
        if household is None:
            raise NotFound("家庭")
        check_in_scope(request.user, household.region_id, "家庭")
        data = validated(ReportInput, request.data)
        on = data.get("on") or date.today()
        report = services.do_build_report(request.user, household, on=on, purpose=data["purpose"])
        return Response(report_data(report), status=status.HTTP_201_CREATED)


class ReportDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary="核对报告", responses={200: dict})
    def get(self, request, report_id: int):
        check_capability(request.user, Capability.VIEW_FEEDS)
        report = services.visible_reports(request.user).filter(pk=report_id).first()
        if report is None:
            raise NotFound("核对报告")
        return Response(report_data(report))
