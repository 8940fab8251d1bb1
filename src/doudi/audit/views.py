"""The audit log: changes (AuditEvent) and full-record views (RecordAccess) in the user's region."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from doudi.accounts.roles import Capability
from doudi.accounts.scope import scope_filter
from doudi.audit.labels import action_choices
from doudi.audit.models import AuditEvent, RecordAccess
from doudi.core.web import require_capability

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[("events", "变更记录"), ("access", "完整信息查看记录")]
    )
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.ChoiceField(label="操作", required=False)
    actor = forms.ChoiceField(label="操作人", required=False)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "全部"), *action_choices()]
        people = scope_filter(user, get_user_model().objects.filter(is_active=True), "region__code")
        self.fields["actor"].choices = [("", "全部")] + [
            (str(u.pk), f"{u.display_name}（{u.username}）") for u in people.order_by("username")[:500]
        ]
        for name in ("date_from", "date_to"):
            self.fields[name].error_messages["invalid"] = f"{self.fields[name].label}：不是有效日期。"

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "截止日期：不能早于起始日期。")
        return data


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
@require_capability(Capability.VIEW_AUDIT)
def event_list(request):
    """List what changed and who saw full records, in the user's region, newest first."""
    user = request.user
    form = AuditFilterForm(user, request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    kind = data.get("kind") or "events"
    model = RecordAccess if kind == "access" else AuditEvent
    qs = scope_filter(user, model.objects.select_related("actor"), "region_code")
    if data.get("date_from"):
        qs = qs.filter(at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        qs = qs.filter(at__lt=_day_start(data["date_to"] + timedelta(days=1)))
    if data.get("actor"):
        qs = qs.filter(actor_id=data["actor"])
    if data.get("action") and kind == "events":
        qs = qs.filter(action=data["action"])
    if form.is_bound and not form.is_valid():
        qs = qs.none()
    page = Paginator(qs.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    if kind == "access":
        _name_accesses(page.object_list)
    return render(request, "audit/event_list.html", {"form": form, "page": page, "kind": kind})


def _name_accesses(rows) -> None:
    """Give each full-record view the names the auditor reads: the person, the household (its head) and
    the region, instead of the bare ids (#5296) and region codes (one query each for the page)."""
    from doudi.regions.models import Region
    from doudi.registry.models import Household, Person

    rows = list(rows)
    people = dict(Person.objects.filter(pk__in={r.person_id for r in rows if r.person_id}).values_list("pk", "name"))
    households = dict(
        Household.objects.filter(pk__in={r.household_id for r in rows if r.household_id}).values_list("pk", "head_name")
    )
    regions = dict(
        Region.objects.filter(pk__in={r.region_code for r in rows if r.region_code}).values_list("pk", "name")
    )
    for r in rows:
        r.person_name = people.get(r.person_id, "")
        r.household_name = f"{households[r.household_id]}户" if households.get(r.household_id) else ""
        r.region_name = regions.get(r.region_code, r.region_code)
