"""Simulation pages: the form, a run's progress and summary, and the downloads of changed households.

Small regions are simulated inside the request; bigger ones run as a background task
(``policy.tasks.run_simulation``) while the run page polls its progress. Every page needs the
``assess`` capability, and a run can be read only by the person who started it.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from doudi.accounts.roles import Capability
from doudi.core.errors import DomainError, NotFound
from doudi.policy.simulation import store
from doudi.policy.simulation.export import changed_csv, changed_xlsx
from doudi.policy.simulation.forms import SimulationForm
from doudi.policy.simulation.runner import prepare

INLINE_LIMIT = 20_000  # households simulated within the request; above this a background task runs


def _require_assess(user) -> None:
    if not user.can(Capability.ASSESS):
        raise DjangoPermissionDenied


def _run(request, run_id: str) -> dict:
    _require_assess(request.user)
    try:
        return store.run_get(actor=request.user, run_id=run_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
def simulation_form_view(request):
    _require_assess(request.user)
    # "模拟此草稿" on a draft's page opens this form with the draft and its region chosen.
    initial = {k: request.GET[k] for k in ("draft", "region") if request.GET.get(k)}
    form = SimulationForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        simulation = form.to_request()
        try:
            prepared = prepare(request.user, simulation)
        except NotFound:
            form.add_error("region", "所选地区不存在或不在您的管辖范围内。")
        except DomainError as exc:
            field = exc.extra.get("field")
            form.add_error(field if field in ("region", "draft") else None, exc.message)
        else:
            total = len(prepared.ids)
            run_id = store.create_run(request.user, simulation, total=total, region_name=prepared.region.full_name)
            if total < INLINE_LIMIT:
                store.execute(run_id)
            else:
                from doudi.policy.tasks import run_simulation

                transaction.on_commit(partial(run_simulation.enqueue, run_id))
            return redirect("simulation:run", run_id=run_id)
    return render(request, "policy/simulation/form.html", {"form": form})


@login_required
def run_view(request, run_id: str):
    run = _run(request, run_id)
    result = store.result_of(run_id) if run["status"] == "done" else None
    return render(
        request,
        "policy/simulation/run.html",
        {"run": run, "result": result, "percent": _percent(run), "on": date.fromisoformat(run["request"]["on"])},
    )


def _percent(run: dict) -> int:
    return 100 if run["status"] == "done" else int(100 * run["done"] / run["total"]) if run["total"] else 0


@login_required
def run_status_view(request, run_id: str):
    run = _run(request, run_id)
    return JsonResponse(
        {
            "status": run["status"],
            "done": run["done"],
            "total": run["total"],
            "percent": _percent(run),
            "error": run["error"],
        }
    )


@login_required
def download_view(request, run_id: str, fmt: str):
    run = _run(request, run_id)
    if run["status"] != "done":
        raise Http404("模拟尚未完成。")
    table = store.changed_of(run_id)
    name = f"模拟测算_{run['region_name']}_{run['request']['on']}_变化家庭.{fmt}"
    if fmt == "csv":
        response = HttpResponse(changed_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            changed_xlsx(table),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f"attachment; filename=\"simulation.{fmt}\"; filename*=UTF-8''{quote(name)}"
    return response
