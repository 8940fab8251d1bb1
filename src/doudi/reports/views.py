"""Statistics pages: the table for a region and month (or quarter), its export and print view, and the
households behind each figure. Thin: selectors read."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from doudi.accounts.scope import scope_prefix
from doudi.core.errors import DomainError
from doudi.core.web import http_errors
from doudi.regions.models import Region
from doudi.reports import selectors
from doudi.reports.exports import table_csv, table_xlsx


def _default_region(user) -> str:
    prefix = scope_prefix(user)
    return prefix.ljust(12, "0") if prefix.isdigit() else ""


def _last_month() -> date:
    from django.utils import timezone

    return selectors.add_months(timezone.localdate().replace(day=1), -1)


def _params(request):
    region_code = (request.GET.get("region") or _default_region(request.user)).strip()
    period = request.GET.get("period") if request.GET.get("period") in selectors.PERIODS else "month"
    try:
        month = selectors.month_of(request.GET["month"]) if request.GET.get("month") else _last_month()
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return region_code, month, period


@login_required
@http_errors
def table(request):
    region_code, month, period = _params(request)
    t = selectors.monthly_table(request.user, region_code, month, period)
    fmt = request.GET.get("format")
    name = f"社会救助统计表_{t.region_code}_{t.month:%Y%m}{'_季' if period == 'quarter' else ''}"
    if fmt == "xlsx":
        resp = HttpResponse(
            table_xlsx(t), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.xlsx"
        return resp
    if fmt == "csv":
        resp = HttpResponse(table_csv(t), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.csv"
        return resp
    from doudi.reports.views_dashboard import month_choices, region_choices

    children = Region.objects.filter(parent_id=t.region_code).order_by("code")
    template = "reports/print.html" if request.GET.get("print") else "reports/table.html"
    return render(
        request,
        template,
        {
            "t": t,
            "children": children,
            "no_drill": selectors.NO_DRILL,
            "month_value": f"{t.month:%Y-%m}",
            "periods": selectors.PERIODS,
            "months": month_choices(t.month),
            "region_options": region_choices(request.user, Region.objects.get(pk=t.region_code)),
        },
    )


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


@login_required
@http_errors
def drill(request):
    region_code, m, period = _params(request)
    key = request.GET.get("key", "")
    if not key:  # no figure chosen: the table itself
        return redirect(f"{reverse('reports:table')}?region={region_code}&month={m:%Y-%m}&period={period}")
    if key not in selectors.FIGURES or key in selectors.NO_DRILL:
        raise Http404("统计项不存在")
    households = selectors.drill_households(request.user, region_code, m, key, period)
    region = Region.objects.get(pk=region_code)
    query = f"region={region_code}&month={m:%Y-%m}&period={period}"
    page = Paginator(households, 50).get_page(request.GET.get("page"))
    label = selectors.FIGURES[key][0]
    return render(
        request,
        "reports/drill.html",
        {
            "region": region,
            "label": label,
            "period_label": selectors.period_label(m, period),
            "page": page,
            "back": f"?{query}",
            "query": f"{query}&key={key}",
        },
    )
