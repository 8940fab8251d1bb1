"""The case page (header, timeline, next-step forms, files, documents) and the steps posted from it."""

from __future__ import annotations

from datetime import date

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.cases import forms, selectors, services
from doudi.cases.errors import AlreadyHandled
from doudi.cases.models import AttachmentCategory, CaseKind, DecisionOutcome, ReferralStatus, RelativeStatus
from doudi.cases.services.common import check_step_capability
from doudi.cases.views.steps import STEPS, available_steps, check_uploads, make_form, perform, upload_all
from doudi.core.errors import Conflict, DomainError
from doudi.core.labels import yes_no
from doudi.core.web import add_domain_error, http_errors, or_404, require_capability
from doudi.policy.engine.explain import PROGRAMME_LABELS
from doudi.registry import selectors as registry_selectors


def case_url(case_id: int, anchor: str = "") -> str:
    return reverse("cases:detail", args=[case_id]) + (f"#{anchor}" if anchor else "")


def _result_of(record) -> dict | None:
    """Return an assessment record's result shaped for ``policy/_result.html`` (``on`` as a date)."""
    if record is None:
        return None
    result = dict(record.result)
    try:
        result["on"] = date.fromisoformat(result.get("on", ""))
    except ValueError:
        result["on"] = record.on
    return result


def _names_of(record) -> dict[str, str]:
    if record is None:
        return {}
    return {str(m["person_id"]): m.get("name") or str(m["person_id"]) for m in record.facts.get("members", [])}


def _proposal(case) -> list[dict]:
    """Return the eligible programmes of the noticed opinion: what an approval grants."""
    record = case.opinion_assessment
    if record is None:
        return []
    names = _names_of(record)
    rows = []
    for p in record.result.get("programmes", []):
        if not p.get("eligible"):
            continue
        if (case.kind == CaseKind.TEMPORARY) != (p["programme"] == "temporary"):
            continue
        rows.append(
            {
                "label": p.get("label") or PROGRAMME_LABELS.get(p["programme"], p["programme"]),
                "person": names.get(str(p.get("person_id") or ""), "全户") if p.get("person_id") else "全户",
                "tier": p.get("tier") or "",
                "monthly": p.get("monthly_amount"),
                "one_off": p.get("one_off_amount"),
            }
        )
    return rows


def _preserved(form) -> list[tuple[str, str]]:
    """Return what the user typed into ``form`` as (label, value) lines, to show after a conflict."""
    rows = []
    for name, field in form.fields.items():
        if name == "expected_version" or field.widget.is_hidden:
            continue
        value = form.data.getlist(form.add_prefix(name)) if hasattr(form.data, "getlist") else None
        value = [v for v in (value or []) if v]
        if isinstance(field, django_forms.BooleanField):  # a ticked box is sent as "on"
            value = [yes_no(True)] if value else []
        choices = dict(getattr(field, "choices", None) or [])
        value = [str(choices.get(v, choices.get(_int_or(v), v))) for v in value]
        if value:
            rows.append((str(field.label), "、".join(value)))
    return rows


def _int_or(value):
    return int(value) if str(value).isdigit() else value


def _rebind_with_version(form, version: int):
    """Return ``form``'s data bound again with the current version, so the typed text is kept."""
    data = form.data.copy()
    data[form.add_prefix("expected_version")] = str(version)
    return data


def current_assessment(case, step_names: set[str], today: date) -> dict | None:
    """Return the household's assessment as registered today, for the 初审 and 审核确认 forms.

    The township sees what its opinion will propose before giving it; the county sees whether the
    family's situation has changed since the notice. Nothing is stored. ``None`` when neither step
    is on the page, or when no policy is in force (the step itself then says why).
    """
    if not step_names & {"start_public_notice", "confirm_case"}:
        return None
    from doudi.cases.assessing import preview_case

    try:
        result, facts = preview_case(case, on=today)
    except DomainError:
        return None
    data = result.to_dict()
    data["on"] = today
    names = {str(m["person_id"]): m.get("name") or str(m["person_id"]) for m in facts.get("members", [])}
    noticed = case.opinion_assessment
    # Compared as numbers: the engine's nothing is 0, the record's 0.00.
    changed = noticed is not None and noticed.total_monthly != result.total_monthly
    return {"result": data, "names": names, "changed": changed, "noticed": noticed}


def status_text(case, detail, today: date) -> str:
    """Return the case's status as the page shows it: what the case waits for, also between steps.

    A notice whose period has ended reads 待审核确认 even before the nightly job closes it, and a
    survey signed by one investigator says it waits for the second.
    """
    if case.status == "in_notice":
        running = [n for n in detail.notices if n.status == "running"]
        if running and max(n.ends_on for n in running) < today:
            ended = max(n.ends_on for n in running)
            return f"公示期满待审核确认（公示已于 {ended:%Y-%m-%d} 期满）"
    if case.status == "accepted":
        pending = next((s for s in detail.surveys if not s.complete), None)
        if pending is not None:
            return f"入户调查待第二调查人（{pending.investigator_2.display_name}）签字"
    return case.get_status_display()


def render_detail(request, case_id: int, *, bound: dict | None = None, conflict: str = "", status: int = 200):
    """Render the case page; ``bound`` holds forms (by step name) that failed and are shown again."""
    user = request.user
    bound = bound or {}
    detail = selectors.case_detail(actor=user, case_id=case_id)
    case = detail.case
    members = registry_selectors.household_members(case.household)
    today = timezone.localdate()
    preserved = []
    step_forms = []
    for name in available_steps(detail, user):
        spec = STEPS[name]
        form = bound.get(name)
        if form is not None and conflict:
            form = make_form(name, detail, user, members, data=_rebind_with_version(form, case.version))
            form.is_valid()  # show it filled in, with field errors if any
        if name == "check_relative":
            for declaration in detail.relatives:
                if declaration.status != RelativeStatus.DECLARED:
                    continue
                own = (
                    form
                    if form is not None and str(form.data.get("check_relative-declaration")) == str(declaration.pk)
                    else None
                )
                own = own or make_form(
                    name, detail, user, members, initial={"declaration": declaration.pk, "visited_on": today}
                )
                step_forms.append({"name": name, "spec": spec, "form": own, "declaration": declaration})
            continue
        step_forms.append({"name": name, "spec": spec, "form": form or make_form(name, detail, user, members)})
    offered = {s["name"] for s in step_forms}
    for name, form in bound.items():
        # A refused step the page did not offer (e.g. posted from an old page) still shows its error.
        if name in STEPS and name not in offered and not conflict:
            step_forms.insert(0, {"name": name, "spec": STEPS[name], "form": form})
    if conflict:
        for name, form in bound.items():
            if name not in offered and hasattr(form, "fields"):
                preserved += _preserved(form)
    can_accept = user.can(Capability.ACCEPT_APPLICATION)
    final = next(
        (d for d in detail.decisions if d.outcome in (DecisionOutcome.APPROVED, DecisionOutcome.REFUSED)), None
    )
    fast = next(
        (d for d in detail.decisions if d.outcome in (DecisionOutcome.FAST_GRANT, DecisionOutcome.HELP_FIRST)), None
    )
    open_deadlines = [d for d in detail.deadlines if d.is_open]
    due = min((d.due_on for d in open_deadlines if d.due_on), default=None)
    timeline = [
        {"event": e, "result": _result_of(e.assessment), "names": _names_of(e.assessment)}
        for e in reversed(detail.events)
    ]
    context = {
        "detail": detail,
        "case": case,
        "members": members,
        "programme_labels": [PROGRAMME_LABELS.get(p, p) for p in case.programmes],
        "step_forms": [s for s in step_forms if s["spec"].primary],
        "other_forms": [s for s in step_forms if not s["spec"].primary],
        "timeline": timeline,
        "due_on": due,
        "overdue_days": (today - min(d.due_on for d in detail.overdue)).days if detail.overdue else 0,
        "deadlines": [{"d": d, "overdue": d in detail.overdue} for d in detail.deadlines if not d.cancelled],
        "proposal": _proposal(case),
        "final_decision": final,
        "fast_decision": fast,
        "notice_board": case.status == "in_notice" and not case.minor_case,
        "can_accept": can_accept,
        "upload_form": bound.get("upload") or forms.AttachmentForm(prefix="upload"),
        "referral_form": bound.get("referral") or forms.ReferralForm(prefix="referral"),
        "open_referrals": [r for r in detail.referrals if r.status == ReferralStatus.OPEN],
        "outcome_form": bound.get("referral_outcome"),
        "conflict": conflict,
        "preserved": preserved,
        "today": today,
        "pending_survey": next((s for s in detail.surveys if not s.complete), None),
        "status_text": status_text(case, detail, today),
        "current": current_assessment(case, offered, today),
        "blocked": [
            {"name": name, "spec": STEPS[name], "reason": reason}
            for name, reason in detail.blocked_steps
            if name in STEPS and name not in offered
        ],
    }
    return render(request, "cases/case_detail.html", context, status=status)


@login_required
@http_errors
def case_detail(request, pk: int):
    return render_detail(request, pk)


@login_required
@http_errors
@require_POST
def case_step(request, pk: int, step: str):
    """Take one step on a case from its page; on an error show the page again with the form kept."""
    if step not in STEPS:
        raise Http404("没有这个办理事项。")
    user = request.user
    check_step_capability(user, step)  # 403 before the case is looked up
    case = selectors.case_get(actor=user, case_id=pk)
    detail = selectors.case_detail(actor=user, case_id=pk)
    members = registry_selectors.household_members(case.household)
    form = make_form(step, detail, user, members, data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            message = perform(step, user, case, form)
        except (AlreadyHandled, Conflict) as exc:
            return render_detail(request, pk, bound={step: form}, conflict=exc.message, status=409)
        except DomainError as exc:
            add_domain_error(form, exc, {"co_investigator": "co_investigator", "photo_ids": "photos"})
        else:
            messages.success(request, message)
            return redirect(case_url(pk))
    return render_detail(request, pk, bound={step: form}, status=400)


@login_required
@http_errors
@require_POST
def attachment_upload(request, pk: int):
    check_step_capability(request.user, "add_attachment")
    case = selectors.case_get(actor=request.user, case_id=pk)
    form = forms.AttachmentForm(request.POST, request.FILES, prefix="upload")
    if form.is_valid():
        problem = check_uploads(form.cleaned_data["files"])
        if problem:
            form.add_error("files", f"附件：{problem}")
        else:
            try:
                added = upload_all(
                    request.user,
                    case,
                    form.cleaned_data["files"],
                    category=form.cleaned_data["category"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                add_domain_error(form, exc, {"file": "files"})
            else:
                messages.success(request, f"已上传 {len(added)} 个文件。")
                return redirect(case_url(pk, "files"))
    return render_detail(request, pk, bound={"upload": form}, status=400)


@login_required
@http_errors
@require_POST
def referral_create(request, pk: int):
    check_step_capability(request.user, "create_referral")
    case = selectors.case_get(actor=request.user, case_id=pk)
    form = forms.ReferralForm(request.POST, prefix="referral")
    if form.is_valid():
        try:
            services.do_create_referral(request.user, case, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已转介{form.cleaned_data['to_department']}。")
            return redirect(case_url(pk, "referrals"))
    return render_detail(request, pk, bound={"referral": form}, status=400)


@login_required
@http_errors
@require_POST
def referral_outcome(request, pk: int, referral_id: int):
    check_step_capability(request.user, "record_referral_outcome")
    referral = selectors.referral_get(actor=request.user, referral_id=referral_id)
    if referral.case_id != pk:
        raise Http404("转介不存在或不在您的管辖范围内。")
    form = forms.ReferralOutcomeForm(request.POST, prefix=f"outcome{referral_id}")
    if form.is_valid():
        try:
            services.do_record_referral_outcome(request.user, referral, outcome=form.cleaned_data["outcome"])
        except (AlreadyHandled, Conflict) as exc:
            messages.error(request, exc.message)
            return redirect(case_url(pk, "referrals"))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已记录转介办理结果。")
            return redirect(case_url(pk, "referrals"))
    messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect(case_url(pk, "referrals"))


# ---------------------------------------------------------------- opening a case


@login_required
@require_capability(Capability.ACCEPT_APPLICATION)
def case_open(request, household_id: int):
    """发起申请 for a household: the application, the 授权核对 and the scanned papers at once."""
    user = request.user
    household = or_404(registry_selectors.household_get, actor=user, household_id=household_id)
    members = registry_selectors.household_members(household)
    form = forms.OpenApplicationForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        uploads = [
            (AttachmentCategory.APPLICATION, d["application_files"]),
            (AttachmentCategory.AUTHORISATION, d["authorisation_files"]),
            (AttachmentCategory.OTHER, d["other_files"]),
        ]
        problem = check_uploads([f for _c, files in uploads for f in files])
        applicant = next((m for m in members if m.pk == d["applicant"]), None)
        if problem:
            form.add_error(None, f"申请材料：{problem}")
        elif applicant is None:
            form.add_error("applicant", "申请人：请选择本户的成员。")
        else:
            note = "申请人及家庭成员已签署家庭经济状况核对授权书。" + (d.get("note") or "")
            try:
                case = services.do_open_application(
                    user,
                    household,
                    kind=d["kind"],
                    programmes=d["programmes"] if d["kind"] == CaseKind.APPLICATION else ["temporary"],
                    applicant=applicant,
                    channel=d["channel"],
                    special=d["special"],
                    temporary_need=form.temporary_need(),
                    note=note,
                )
            except DomainError as exc:
                add_domain_error(
                    form,
                    exc,
                    {
                        "temporary_need.kind": "need_kind",
                        "temporary_need.event": "need_event",
                        "temporary_need.amount": "need_amount",
                        "temporary_need.occurred_on": "need_occurred_on",
                    },
                )
            else:
                failed = []
                for category, files in uploads:
                    for f in files:
                        try:
                            services.do_add_attachment(user, case, upload=f, original_name=f.name, category=category)
                        except DomainError as exc:
                            failed.append(exc.message)
                for message in failed:
                    messages.warning(request, f"申请已登记，但文件未能保存：{message}")
                messages.success(request, f"已登记申请 {case.number}，请受理或一次性告知需补齐的材料。")
                return redirect(case_url(case.pk))
    return render(
        request,
        "cases/case_open.html",
        {"form": form, "household": household, "members": members},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_capability(Capability.ACCEPT_APPLICATION)
def change_report(request, household_id: int):
    """Report a change of an enrolled household: opens a change case, already accepted."""
    household = or_404(registry_selectors.household_get, actor=request.user, household_id=household_id)
    form = forms.ChangeReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.do_report_change(request.user, household, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记变更案件 {case.number}。")
            return redirect(case_url(case.pk))
    return render(
        request,
        "cases/change_report.html",
        {"form": form, "household": household},
        status=400 if request.method == "POST" else 200,
    )
