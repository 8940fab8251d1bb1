"""Disbursement API: bank layouts, a payroll's bank file, its return file, its printed register."""

from __future__ import annotations

from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.core.errors import DomainError
from doudi.payments.bankfiles import selectors
from doudi.payments.bankfiles.models import BankLayout
from doudi.payments.bankfiles.services import do_write_bank_file
from doudi.payments.register.selectors import register_payroll_get
from doudi.payments.register.services import do_print_register
from doudi.payments.returns.services import import_return_file
from doudi.payments.selectors import payroll_get


class BankLayoutSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankLayout
        fields = [
            "id",
            "name",
            "bank_name",
            "region",
            "file_format",
            "encoding",
            "header_line",
            "totals_line",
            "amount_unit",
            "columns",
            "active",
        ]


TAG = "payments"
FILE = OpenApiResponse(OpenApiTypes.BINARY, description="文件")


class ReturnUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="银行回盘文件（CSV 或 XLSX）")


class ReturnResultSerializer(serializers.Serializer):
    payroll = serializers.IntegerField()
    payroll_status = serializers.CharField()
    created = serializers.BooleanField()
    record_count = serializers.IntegerField()
    paid_count = serializers.IntegerField()
    failed_count = serializers.IntegerField()
    failed_amount = serializers.CharField()


class BankLayoutListApi(APIView):
    @extend_schema(
        operation_id="payments_bank_layouts",
        summary="银行文件格式",
        responses={200: BankLayoutSerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request):
        return Response(BankLayoutSerializer(selectors.layout_list(actor=request.user), many=True).data)


class BankFileApi(APIView):
    """POST ``{"layout": name or id}``: the bank file itself (CSV or XLSX), logged; the payroll becomes sent."""

    class InputSerializer(serializers.Serializer):
        layout = serializers.CharField(max_length=60)

    @extend_schema(
        operation_id="payments_bank_file",
        summary="生成银行发放文件",
        request=InputSerializer,
        responses={200: FILE},
        tags=[TAG],
    )
    def post(self, request, payroll_id: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payroll = payroll_get(actor=request.user, payroll_id=payroll_id)
        value = data.validated_data["layout"]
        layout = (
            selectors.layout_get(actor=request.user, layout_id=int(value))
            if value.isdigit()
            else selectors.layout_get(actor=request.user, name=value)
        )
        result = do_write_bank_file(request.user, payroll, layout=layout, channel="api")
        response = FileResponse(
            result.handle, as_attachment=True, filename=result.bank_file.file_name, content_type=result.content_type
        )
        response["X-Record-Count"] = str(result.bank_file.record_count)
        response["X-Total-Amount"] = str(result.bank_file.total_amount)
        response["X-SHA256"] = result.bank_file.sha256
        return response


class ReturnImportApi(APIView):
    """POST multipart ``file``: apply a bank return file (to ``payroll_id`` when given, else to its references')."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="导入银行回盘文件",
        request={"multipart/form-data": ReturnUploadSerializer},
        responses={201: ReturnResultSerializer, 200: ReturnResultSerializer},
        tags=[TAG],
    )
    def post(self, request, payroll_id: int | None = None):
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("payment_invalid", "回盘文件：请上传文件（字段 file）。", {"field": "file"})
        payroll = payroll_get(actor=request.user, payroll_id=payroll_id) if payroll_id is not None else None
        result = import_return_file(request.user, name=upload.name, data=upload.read(), payroll=payroll)
        record = result.return_import
        return Response(
            {
                "payroll": result.payroll.pk,
                "payroll_status": result.payroll.status,
                "created": result.created,
                "record_count": record.record_count,
                "paid_count": record.paid_count,
                "failed_count": record.failed_count,
                "failed_amount": str(record.failed_amount),
            },
            status=201 if result.created else 200,
        )


class RegisterApi(APIView):
    """GET ``?type=pdf|xlsx&village=CODE``: the printed register (masked unless the role exports in full)."""

    @extend_schema(
        operation_id="payments_register",
        summary="发放名册（签字用）",
        parameters=[
            OpenApiParameter("type", str, enum=["pdf", "xlsx"], description="文件类型"),
            OpenApiParameter("village", str, description="村（社区）区划代码，留空为全部"),
        ],
        responses={200: FILE},
        tags=[TAG],
    )
    def get(self, request, payroll_id: int):
        payroll = register_payroll_get(actor=request.user, payroll_id=payroll_id)
        fmt = request.query_params.get("type", "pdf")  # not ``format``: DRF reads that one itself
        if fmt not in ("pdf", "xlsx"):
            raise DomainError("payment_invalid", "type：应为 pdf 或 xlsx。", {"field": "type"})
        printed = do_print_register(
            request.user, payroll, village=request.query_params.get("village") or None, fmt=fmt, channel="api"
        )
        if printed.content is not None:
            return HttpResponse(printed.content, content_type=printed.content_type)
        return FileResponse(
            printed.handle, as_attachment=True, filename=printed.file_name, content_type=printed.content_type
        )
