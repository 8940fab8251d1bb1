"""The region browser: the user's subtree with household and person counts; area-type corrections."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from doudi.accounts.roles import Capability
from doudi.accounts.scope import region_in_scope, scope_filter
from doudi.core.errors import DomainError
from doudi.core.web import add_domain_error, http_errors, require_capability
from doudi.regions import selectors
from doudi.regions.models import AreaType, Level, Region, prefix_of
from doudi.regions.services import do_set_area_type


class AreaTypeForm(forms.Form):
    area_type = forms.ChoiceField(label="城乡类别", choices=AreaType.choices)
    reason = forms.CharField(label="更正原因", max_length=200, error_messages={"required": "更正原因：不能为空。"})


def _region_or_404(user, code: str) -> Region:
    region = selectors.region_get(code)
    if region is None or not region_in_scope(user, region.code):
        raise Http404("区划不存在或不在您的管辖范围内。")
    return region


def _counts(user, region: Region, children: list[Region]) -> tuple[tuple[int, int], dict[str, tuple[int, int]]]:
    """Return the region's (households, persons) and the same per child, from two grouped queries."""
    from doudi.registry.models import Household, Person

    households = scope_filter(user, Household.objects.filter(status="active", region__code__startswith=region.prefix))
    persons = scope_filter(
        user,
        Person.objects.filter(household__status="active", household__region__code__startswith=region.prefix),
        "household__region__code",
    )
    hh_rows = households.values_list("region_id").annotate(n=Count("pk"))
    p_rows = persons.values_list("household__region_id").annotate(n=Count("pk"))
    prefixes = [(c.code, prefix_of(c.code)) for c in children]
    total = [0, 0]
    by_child = {c.code: [0, 0] for c in children}
    for index, rows in ((0, hh_rows), (1, p_rows)):
        for code, n in rows:
            total[index] += n
            for child_code, prefix in prefixes:
                if code.startswith(prefix):
                    by_child[child_code][index] += n
                    break
    return (total[0], total[1]), {k: (v[0], v[1]) for k, v in by_child.items()}


@login_required
@http_errors
def browse(request, code: str = ""):
    user = request.user
    if not code:
        if user.region_id is None:
            return render(request, "regions/region_detail.html", {"region": None})
        code = prefix_of(user.region_id)
    region = _region_or_404(user, code)
    children = list(region.children.order_by("code"))
    total, by_child = _counts(user, region, children)
    rows = [(c, *by_child[c.code]) for c in children]
    # Ancestors above the user's own region are shown as text only: the user cannot open them.
    trail = [(a, region_in_scope(user, a.code)) for a in selectors.ancestors(region)]
    context = {
        "region": region,
        "rows": rows,
        "total": total,
        "trail": trail,
        "can_manage": user.can(Capability.MANAGE_REGIONS),
        "form": AreaTypeForm(initial={"area_type": region.area_type}) if region.level == Level.VILLAGE else None,
    }
    return render(request, "regions/region_detail.html", context)


@login_required
@require_capability(Capability.MANAGE_REGIONS)
def set_area_type(request, code: str):
    region = _region_or_404(request.user, code)
    if region.level != Level.VILLAGE:
        raise Http404("只有村/社区一级可以设置城乡类别。")
    form = AreaTypeForm(request.POST or None, initial={"area_type": region.area_type})
    if request.method == "POST" and form.is_valid():
        try:
            do_set_area_type(
                request.user, region, area_type=form.cleaned_data["area_type"], reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, f"已将 {region.name} 的城乡类别设为“{AreaType(form.cleaned_data['area_type']).label}”。"
            )
            return redirect(reverse("regions:browse_code", args=[prefix_of(region.code)]))
    return render(request, "regions/area_type_form.html", {"region": region, "form": form})
