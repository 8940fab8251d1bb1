"""The statistics API: the table for a region and month as JSON, CSV or XLSX (scope-checked)."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.core.api import validated
from doudi.reports import selectors
from doudi.reports.exports import table_csv, table_xlsx

TAG = "reports"


class TableInput(serializers.Serializer):
    region = serializers.RegexField(label="地区代码", regex=r"^\d{12}$")
    month = serializers.RegexField(label="月份", regex=r"^\d{4}-\d{2}$")
    period = serializers.ChoiceField(label="统计期", choices=list(selectors.PERIODS), default="month")
    format = serializers.ChoiceField(label="格式", choices=["json", "csv", "xlsx"], default="json")


def table_data(t: selectors.StatsTable) -> dict:
    def plain(v):
        return str(v) if isinstance(v, Decimal) else v

    return {
        "region": t.region_code,
        "region_name": t.region_name,
        "month": f"{t.month:%Y-%m}",
        "period": t.period,
        "period_label": t.period_label,
        "produced_at": t.produced_at.isoformat(),
        "figures": {k: plain(v) for k, v in t.figures.items()},
        "rows": [
            {"key": r.key, "section": r.section, "label": r.label, "value": plain(r.value), "unit": r.unit}
            for r in t.rows
        ],
    }


class TableApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG],
        summary="社会救助统计表",
        parameters=[
            OpenApiParameter("region", str, required=True),
            OpenApiParameter("month", str, required=True),
            OpenApiParameter("period", str, enum=list(selectors.PERIODS)),
            OpenApiParameter("format", str, enum=["json", "csv", "xlsx"]),
        ],
        responses={200: dict},
    )
    def get(self, request):
        data = validated(TableInput, request.query_params)
        t = selectors.monthly_table(request.user, data["region"], selectors.month_of(data["month"]), data["period"])
        if data["format"] == "csv":
            return HttpResponse(table_csv(t), content_type="text/csv; charset=utf-8")
        if data["format"] == "xlsx":
            return HttpResponse(
                table_xlsx(t), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        return Response(table_data(t))
