"""The dashboard page (统计看板) of a region: thin, the selector in ``dashboard.py`` reads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from doudi.core.web import http_errors
from doudi.reports import dashboard as d
from doudi.reports import selectors
from doudi.reports.views import _default_region
from doudi.reports.views import _params as _table_params


def month_choices(selected) -> list[tuple[str, str]]:
    """The closed months a person can pick (the last three years, newest first, and the one shown):
    a list rather than a month input, which some browsers label in English."""
    from doudi.reports.snapshots import last_closed_month

    last = last_closed_month()
    months = [selectors.add_months(last, -i) for i in range(36)]
    if selected not in months:
        months.append(selected)
    return [(f"{m:%Y-%m}", f"{m.year}年{m.month}月") for m in sorted(months, reverse=True)]


def region_choices(user, region) -> list[tuple[str, str]]:
    """The region shown, the region above it when the user may see it, and the regions below it."""
    from doudi.accounts.scope import scope_prefix
    from doudi.regions.models import Region

    out = []
    prefix = scope_prefix(user)
    parent = Region.objects.filter(pk=region.parent_id).first() if region.parent_id else None
    if parent is not None and prefix.isdigit() and parent.code.startswith(prefix):
        out.append((parent.code, f"上一级：{parent.name}"))
    out.append((region.code, region.name))
    out += [(c.code, c.name) for c in Region.objects.filter(parent=region).order_by("code").only("code", "name")]
    return out


def chart_data(board: d.Dashboard) -> dict:
    """What the charts draw (numbers as numbers, labels in Chinese)."""
    return {
        "months": [f"{t['month'].year}年{t['month'].month}月" for t in board.trend],
        # A month whose snapshot is not built yet is a gap (null), not a zero.
        "dibao_persons": [t["dibao_persons"] if t["built"] else None for t in board.trend],
        "dibao_households": [t["dibao_households"] if t["built"] else None for t in board.trend],
        "tekun_persons": [t["tekun_persons"] if t["built"] else None for t in board.trend],
        "expenditure": [float(t["expenditure_month_wan"]) if t["built"] else None for t in board.trend],
        "rankings": {
            key: {
                "label": label,
                "unit": unit,
                "names": [r["name"] for r in board.ranking],
                "values": [float(r[key]) for r in board.ranking],
            }
            for key, (label, unit) in d.RANKINGS.items()
        },
    }


def headline_cards(board: d.Dashboard) -> list[dict]:
    h, ago = board.headline, board.year_ago or {}
    cards = [
        ("dibao_households", "低保户数", "户", h["dibao_households"]),
        ("dibao_persons", "低保人数", "人", h["dibao_persons"]),
        ("tekun_persons", "特困人员", "人", h["tekun_persons"]),
        ("orphans", "孤儿", "人", h["orphans"]),
        ("de_facto_orphans", "事实无人抚养儿童", "人", h["de_facto_orphans"]),
        ("dibao_avg_amount", "低保月人均补助", "元", h["dibao_avg_amount"]),
        ("expenditure_month", "本月支出", "万元", h["expenditure_month_wan"]),
        ("expenditure_year", "本年累计支出", "万元", h["expenditure_year_wan"]),
    ]
    out = []
    for key, label, unit, value in cards:
        before = ago.get(f"{key}_wan", ago.get(key)) if ago else None
        out.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "value": value,
                "money": unit in ("元",),
                "wan": unit == "万元",
                "change": _signed_percent(d.change_ratio(value, before)) if ago else None,
                "drill": key not in selectors.NO_DRILL and key != "dibao_avg_amount",
            }
        )
    return out


def _signed_percent(ratio) -> str | None:
    """``0.032`` → ``+3.2%`` (the comparison with the same month a year earlier): always one decimal, as
    in the work report, so that cards side by side read alike (+19.4%, +26.8%, not +19.42% beside +26.8%)."""
    from decimal import ROUND_HALF_UP, Decimal

    if ratio is None:
        return None
    points = (abs(Decimal(ratio)) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if not points:
        return "持平"
    return f"{'+' if ratio > 0 else '-'}{points}%"


@login_required
@http_errors
def dashboard(request):
    region_code = (request.GET.get("region") or _default_region(request.user)).strip()
    month = _table_params(request)[1] if request.GET.get("month") else None
    board = d.dashboard(request.user, region_code, month)
    return render(
        request,
        "reports/dashboard.html",
        {
            "board": board,
            "cards": headline_cards(board),
            "chart_data": chart_data(board),
            "month_value": f"{board.month:%Y-%m}",
            "months": month_choices(board.month),
            "region_options": region_choices(request.user, board.region),
            "rankings": d.RANKINGS,
        },
    )
