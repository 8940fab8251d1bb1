"""The payroll API under /api/payments/: list, detail, generate, submit, approve, return, handle a finding
(已说明 / 暂停发放 / 已解决, as on the page).

Writes call one service each; reads go through ``selectors`` (404 for missing and out-of-scope alike).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability
from doudi.core.api import validated
from doudi.payments import selectors
from doudi.payments.errors import PaymentError, PaymentErrorCode
from doudi.payments.models import Payroll, PayrollFinding
from doudi.payments.services import approval
from doudi.payments.services.generation import generate_payroll, parse_month


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2025-04"})
class MonthField(serializers.DateField):
    """A payroll's month, written YYYY-MM (the first day of the month is stored)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayrollFinding
        fields = [
            "id",
            "check_code",
            "subject",
            "person",
            "household",
            "lines",
            "detail",
            "alert",
            "status",
            "explanation",
        ]


class PayrollSerializer(serializers.ModelSerializer):
    month = MonthField()

    class Meta:
        model = Payroll
        fields = [
            "id",
            "region",
            "programme",
            "month",
            "status",
            "maker",
            "checker",
            "generated_at",
            "submitted_at",
            "approved_at",
            "line_count",
            "person_count",
            "household_count",
            "total_amount",
            "normal_amount",
            "arrears_amount",
            "reissue_amount",
            "adjustment_amount",
            "version",
        ]


class GenerateInput(serializers.Serializer):
    region = serializers.RegexField(r"^\d{6}(\d{6})?$", label="县级区划代码")
    programme = serializers.CharField(max_length=32, label="项目")
    month = serializers.RegexField(r"^\d{4}-\d{2}$", label="发放月份")
    expected_version = serializers.IntegerField(required=False, allow_null=True, label="版本")


class ActionInput(serializers.Serializer):
    expected_version = serializers.IntegerField(label="版本")


class ReturnInput(ActionInput):
    reason = serializers.CharField(max_length=300, label="退回原因")


class FindingInput(serializers.Serializer):
    """``explained`` 已说明（照常发放; refused for no_account, deceased, exclusive_programmes), ``held``
    暂停发放 (the finding's lines leave the payroll, paid later as 补发 while owed), ``resolved`` 已解决."""

    how = serializers.ChoiceField(choices=list(approval.HOW_CHOICES), label="处理方式")
    explanation = serializers.CharField(max_length=300, label="说明")


def _detail(actor, payroll) -> dict:
    data = PayrollSerializer(payroll).data
    data["findings"] = FindingSerializer(selectors.findings(actor, payroll), many=True).data
    data["townships"] = [
        {
            k: (str(v) if v is not None and k in ("total", "arrears", "other", "last", "diff") else v)
            for k, v in t.items()
        }
        for t in selectors.totals_by_township(actor, payroll)
    ]
    return data


class PayrollListApi(APIView):
    @extend_schema(responses=PayrollSerializer(many=True))
    def get(self, request):
        month = request.query_params.get("month")
        qs = selectors.payroll_list(
            actor=request.user,
            month=parse_month(month) if month else None,
            status=request.query_params.get("status") or None,
            programme=request.query_params.get("programme") or None,
        )
        return Response(PayrollSerializer(qs[:500], many=True).data)


class PayrollGenerateApi(APIView):
    @extend_schema(request=GenerateInput, responses={201: PayrollSerializer})
    def post(self, request):
        check_capability(request.user, Capability.MAKE_PAYROLL)
        data = validated(GenerateInput, request.data)
        payroll = generate_payroll(
            request.user,
            region_code=data["region"],
            programme=data["programme"],
            month=data["month"],
            expected_version=data.get("expected_version"),
        )
        return Response(_detail(request.user, payroll), status=201)


class PayrollDetailApi(APIView):
    @extend_schema(responses=PayrollSerializer)
    def get(self, request, payroll_id: int):
        return Response(_detail(request.user, selectors.payroll_get(actor=request.user, payroll_id=payroll_id)))


class _Action(APIView):
    capability = Capability.MAKE_PAYROLL
    input = ActionInput

    def act(self, request, payroll_id, data):  # pragma: no cover
        raise NotImplementedError

    def post(self, request, payroll_id: int):
        check_capability(request.user, self.capability)
        data = validated(self.input, request.data)
        try:
            payroll = self.act(request, payroll_id, data)
        except PaymentError as exc:
            if exc.code != PaymentErrorCode.OPEN_FINDINGS:
                raise
            # As on the page: keep the re-run checks the refusal rolled back, so a 已解决 finding still
            # found is 待处理 again in the detail, and the error names the findings as they now are.
            still_open = approval.keep_checks(request.user, payroll_id)
            raise PaymentError(exc.code, exc.message, {"findings": [f.pk for f in still_open]}) from None
        return Response(_detail(request.user, payroll))


@extend_schema(request=ActionInput, responses=PayrollSerializer)
class PayrollSubmitApi(_Action):
    def act(self, request, payroll_id, data):
        return approval.do_submit(request.user, payroll_id, expected_version=data["expected_version"])


@extend_schema(request=ActionInput, responses=PayrollSerializer)
class PayrollApproveApi(_Action):
    capability = Capability.APPROVE_PAYROLL

    def act(self, request, payroll_id, data):
        return approval.do_approve(request.user, payroll_id, expected_version=data["expected_version"])


@extend_schema(request=ReturnInput, responses=PayrollSerializer)
class PayrollReturnApi(_Action):
    capability = Capability.APPROVE_PAYROLL
    input = ReturnInput

    def act(self, request, payroll_id, data):
        return approval.do_return(
            request.user, payroll_id, reason=data["reason"], expected_version=data["expected_version"]
        )


class FindingHandleApi(APIView):
    @extend_schema(request=FindingInput, responses=FindingSerializer)
    def post(self, request, finding_id: int):
        check_capability(request.user, Capability.MAKE_PAYROLL)
        data = validated(FindingInput, request.data)
        finding = approval.do_handle_finding(request.user, finding_id, how=data["how"], explanation=data["explanation"])
        return Response(FindingSerializer(finding).data)


class LedgerApi(APIView):
    @extend_schema(responses=None)
    def get(self, request):
        p = request.query_params
        rows = selectors.ledger(
            actor=request.user,
            programme=p.get("programme") or None,
            month_from=parse_month(p["from"]) if p.get("from") else None,
            month_to=parse_month(p["to"]) if p.get("to") else None,
        )
        return Response(
            [
                {
                    k: (f"{v:%Y-%m}" if k == "month" else str(v) if k not in ("programme", "region") else v)
                    for k, v in r.items()
                }
                for r in rows
            ]
        )
