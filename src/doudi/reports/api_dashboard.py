"""The dashboard API: the dashboard's figures of a region as JSON (scope-checked)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.core.api import validated
from doudi.reports import dashboard as d
from doudi.reports import selectors


class DashboardInput(serializers.Serializer):
    region = serializers.RegexField(label="地区代码", regex=r"^\d{12}$")
    month = serializers.RegexField(label="月份", regex=r"^\d{4}-\d{2}$", required=False)


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _row(row: dict) -> dict:
    return {k: _plain(v) for k, v in row.items()}


class DashboardApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["reports"],
        summary="统计看板",
        operation_id="reports_dashboard",
        parameters=[OpenApiParameter("region", str, required=True), OpenApiParameter("month", str)],
        responses={200: dict},
    )
    def get(self, request):
        data = validated(DashboardInput, request.query_params)
        month = selectors.month_of(data["month"]) if data.get("month") else None
        board = d.dashboard(request.user, data["region"], month)
        return Response(
            {
                "region": board.region.code,
                "region_name": board.region.full_name or board.region.name,
                "month": f"{board.month:%Y-%m}",
                "headline": _row(board.headline),
                "year_ago": _row(board.year_ago) if board.year_ago else None,
                "trend": [_row(t) for t in board.trend],
                "ranking": [_row(r) for r in board.ranking],
                "cases": board.cases,
                "alerts": board.alerts,
                "payrolls": [_row(p) for p in board.payrolls],
            }
        )
