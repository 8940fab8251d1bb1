"""我的待办 (the inbox), the case search, and the bulk actions taken from the inbox.

A bulk action is one service call per case, each with the version the user was shown, so a case
someone else moved on is reported as failed and the others still go through.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.cases import forms, selectors, services
from doudi.cases.services.common import check_step_capability
from doudi.cases.workflow import TRANSITIONS
from doudi.core.errors import DomainError
from doudi.core.web import http_errors
from doudi.regions.models import Region

PAGE_SIZE = 25

# Steps staff take on many cases at once, with the label of the button and the service call.
BULK_ACTIONS = {
    "confirm_case": (
        "批量确认纳入（按公示金额）",
        lambda user, case, version: services.do_confirm_case(user, case, approve=True, expected_version=version),
    ),
    "enrol": (
        "批量纳入保障",
        lambda user, case, version: services.do_enrol(user, case, expected_version=version),
    ),
}


def step_label(name: str) -> str:
    if name == "periodic_review":
        return "定期复核"
    if name == "check_relative":
        return "近亲属备案核查"
    return TRANSITIONS[name].label if name in TRANSITIONS else name


@login_required
def inbox(request):
    """Return the user's to-do list: counts by step, filters, overdue first in red, bulk actions."""
    user = request.user
    box = selectors.inbox(actor=user)
    villages = dict(Region.objects.filter(pk__in={i.case.region_id for i in box.items}).values_list("pk", "name"))
    steps = [(name, step_label(name)) for name in box.counts if name != "periodic_review"]
    form = forms.InboxFilterForm(
        request.GET or None, steps=steps, villages=sorted(villages.items(), key=lambda kv: kv[0])
    )
    items = box.items
    if form.is_bound and form.is_valid():
        f = form.cleaned_data
        if f.get("step"):
            items = [i for i in items if f["step"] in i.steps]
        if f.get("village"):
            items = [i for i in items if i.case.region_id == f["village"]]
        if f.get("kind"):
            items = [i for i in items if i.case.kind == f["kind"]]
        if f.get("overdue"):
            items = [i for i in items if i.overdue]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    shown_steps = Counter(s for i in page.object_list for s in i.steps)
    bulk = [
        (name, label) for name, (label, _call) in BULK_ACTIONS.items() if shown_steps.get(name) and _can(user, name)
    ]
    rows = [
        {
            "item": i,
            "village": villages.get(i.case.region_id, ""),
            "labels": [step_label(s) for s in i.steps],
            "overdue_days": (box.today - i.due_on).days if i.overdue else 0,
            "bulk": [s for s in i.steps if s in BULK_ACTIONS],
        }
        for i in page.object_list
    ]
    counts = [(name, step_label(name), n) for name, n in box.counts.items()]
    return render(
        request,
        "cases/inbox.html",
        {
            "box": box,
            "form": form,
            "page": page,
            "rows": rows,
            "counts": counts,
            "bulk_actions": bulk,
            "filtered": len(items),
            "reviews_due": box.reviews[:10],
            "can_intake": user.can(Capability.ACCEPT_APPLICATION) and user.can(Capability.EDIT_REGISTRY),
        },
    )


def _can(user, step: str) -> bool:
    return user.can(TRANSITIONS[step].capability)


@login_required
@http_errors
@require_POST
def bulk_action(request):
    """Take one step on each selected case with its own version; report each case's result."""
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        return render(request, "cases/bulk_result.html", {"error": "请选择批量办理的事项。", "rows": []}, status=400)
    check_step_capability(request.user, action)
    label, call = BULK_ACTIONS[action]
    ids = []
    for raw in request.POST.getlist("case"):
        if raw.isdigit() and int(raw) not in ids:
            ids.append(int(raw))
    if not ids:
        return render(
            request,
            "cases/bulk_result.html",
            {"error": "请先勾选要办理的案件。", "rows": [], "label": label},
            status=400,
        )
    rows = []
    for case_id in ids:
        version = request.POST.get(f"v{case_id}", "")
        case = None
        try:
            case = selectors.case_get(actor=request.user, case_id=case_id)
            if not version.isdigit():
                raise DomainError("invalid", "缺少案件版本，请刷新后重试。")
            call(request.user, case, int(version))
        except DomainError as exc:
            rows.append({"case_id": case_id, "case": case, "ok": False, "message": exc.message})
        else:
            rows.append({"case_id": case_id, "case": case, "ok": True, "message": "已办理"})
    done = sum(1 for r in rows if r["ok"])
    return render(
        request,
        "cases/bulk_result.html",
        {"rows": rows, "label": label, "done": done, "failed": len(rows) - done},
    )


@login_required
def case_list(request):
    """Search the cases of the user's region (all statuses), newest first."""
    form = forms.CaseSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.case_list(
        actor=request.user,
        status=data.get("status") or None,
        kind=data.get("kind") or None,
        q=data.get("q", ""),
        household_id=int(request.GET["household"]) if request.GET.get("household", "").isdigit() else None,
    )
    page = Paginator(qs.order_by("-opened_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/case_list.html", {"form": form, "page": page})
