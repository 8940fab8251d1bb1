"""The work report page (工作总结文稿): preview of the generated section beside its table, .docx download."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from doudi.core.web import http_errors
from doudi.regions.models import Region
from doudi.reports import selectors, workreport
from doudi.reports.views import _default_region, _last_month
from doudi.reports.views import _params as _table_params
from doudi.reports.views_dashboard import month_choices, region_choices

REPORT_PERIODS = {"half": "半年工作总结", "year": "年度工作总结"}


@login_required
@http_errors
def work_report(request):
    region_code = (request.GET.get("region") or _default_region(request.user)).strip()
    month = _table_params(request)[1] if request.GET.get("month") else _last_month()
    period = request.GET.get("period") if request.GET.get("period") in REPORT_PERIODS else "half"
    report = workreport.narrative(request.user, region_code, month, period)
    if request.GET.get("format") == "docx":
        name = quote(f"{report.title}.docx")
        resp = HttpResponse(
            workreport.docx_bytes(report),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return resp
    return render(
        request,
        "reports/work_report.html",
        {
            "report": report,
            "t": report.table,
            "periods": REPORT_PERIODS,
            "period": period,
            "month_value": f"{report.table.month:%Y-%m}",
            "no_drill": selectors.NO_DRILL,
            "months": month_choices(report.table.month),
            "region_options": region_choices(request.user, Region.objects.get(pk=report.table.region_code)),
        },
    )
