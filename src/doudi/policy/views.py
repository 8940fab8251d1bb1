"""Policy pages: versions (read, draft, publish), and the assessment worksheet and household assessment.

Views are thin: they call ``services``, ``selectors`` and ``assessment`` and show every
``DomainError`` message on the page.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.core.errors import DomainError, NotFound, PermissionDenied
from doudi.core.labels import parameter_value
from doudi.policy import editor, services
from doudi.policy.assessment import (
    assess_facts,
    can_record_assessment,
    do_assess_household,
    preview_household_assessment,
)
from doudi.policy.engine import FactsError, facts_from_dict
from doudi.policy.engine.parameters import PROGRAMME_LABELS, SPECS
from doudi.policy.forms import DraftForm, HouseholdWorksheetForm, MemberFormSet, PublishForm, worksheet_to_document
from doudi.policy.models import AssessmentRecord, VersionStatus
from doudi.policy.selectors import document_of, policy_for, published_version, version_get, version_list
from doudi.registry.selectors import household_get, household_members


def _require(user, capability: str) -> None:
    if not user.can(capability):
        raise DjangoPermissionDenied


def _parse_day(value: str | None) -> date:
    try:
        return date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return timezone.localdate()


@login_required
def version_list_view(request):
    versions = version_list(actor=request.user)
    return render(request, "policy/version_list.html", {"versions": versions})


@login_required
def version_detail_view(request, version_id: int):
    try:
        version = version_get(actor=request.user, version_id=version_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    on = _parse_day(request.GET.get("on"))
    doc = document_of(version)
    rows = []
    resolved, error = None, ""
    try:
        drafts = {version.region_id: version} if version.status == VersionStatus.DRAFT else None
        resolved = policy_for(version.region_id, on, drafts=drafts).policy
    except DomainError as exc:
        error = exc.message
    groups: dict[str, dict] = {}
    for spec in SPECS:
        own = doc.entry_on(spec.key, on)
        programme = spec.key.split(".")[0]
        group = groups.setdefault(
            programme, {"label": PROGRAMME_LABELS.get(programme, programme), "rows": [], "own": 0}
        )
        group["own"] += bool(own)
        group["rows"].append(
            {
                "spec": spec,
                "own": parameter_value(spec, own.value) if own else "",
                "period": own.period_zh() if own else "",
                "resolved": parameter_value(spec, resolved[spec.key]) if resolved is not None else "",
                "source": resolved.sources.get(spec.key, "默认值") if resolved is not None else "",
            }
        )
    rows = list(groups.values())
    changes = None
    if version.status == VersionStatus.DRAFT:
        before = published_version(version.region_id)
        changes = editor.diff(doc, document_of(before) if before else None)
    return render(
        request,
        "policy/version_detail.html",
        {
            "changes": changes,
            "version": version,
            "on": on,
            "rows": rows,
            "error": error,
            "publish_form": PublishForm(),
            "can_edit": request.user.can(Capability.EDIT_POLICY),
            "can_publish": request.user.can(Capability.PUBLISH_POLICY),
        },
    )


@login_required
def draft_new_view(request):
    _require(request.user, Capability.EDIT_POLICY)
    based_on = None
    if request.GET.get("based_on"):
        try:
            based_on = version_get(actor=request.user, version_id=int(request.GET["based_on"]))
        except (NotFound, ValueError) as exc:
            raise Http404 from exc
    form = DraftForm(request.POST or None, initial={"content": based_on.content if based_on else ""})
    region_code = request.POST.get("region") or (based_on.region_id[:6] if based_on else "")
    if request.method == "POST" and form.is_valid():
        try:
            version = services.do_create_draft(
                request.user,
                region_code=region_code,
                content=form.cleaned_data["content"],
                title=form.cleaned_data["title"],
                based_on=based_on,
            )
        except DomainError as exc:
            form.add_error("content", exc.message)
        else:
            messages.success(request, f"已保存草稿：{version}")
            return redirect("policy:version_detail", version_id=version.pk)
    return render(request, "policy/draft_form.html", {"form": form, "based_on": based_on, "region": region_code})


@login_required
def draft_edit_view(request, version_id: int):
    _require(request.user, Capability.EDIT_POLICY)
    try:
        version = version_get(actor=request.user, version_id=version_id)
    except NotFound as exc:
        raise Http404 from exc
    form = DraftForm(request.POST or None, initial={"content": version.content, "title": version.title})
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_draft(
                request.user, version, content=form.cleaned_data["content"], title=form.cleaned_data["title"]
            )
        except DomainError as exc:
            form.add_error("content", exc.message)
        else:
            messages.success(request, "草稿已保存。")
            return redirect("policy:version_detail", version_id=version.pk)
    return render(request, "policy/draft_form.html", {"form": form, "version": version})


@login_required
def draft_params_view(request, version_id: int):
    """The draft as a form: each parameter with its label, unit, value in force, new value and start date."""
    _require(request.user, Capability.EDIT_POLICY)
    try:
        version = version_get(actor=request.user, version_id=version_id)
    except NotFound as exc:
        raise Http404 from exc
    if version.status != VersionStatus.DRAFT:
        messages.error(request, "只有草稿可以修改；已发布的版本请另存为新草稿。")
        return redirect("policy:version_detail", version_id=version.pk)
    doc = document_of(version)
    try:
        in_force = policy_for(version.region_id, timezone.localdate()).policy
    except DomainError:
        in_force = None
    errors: dict[str, str] = {}
    other: list[str] = []
    if request.method == "POST":
        text, errors, other = editor.apply(doc, request.POST)
        if text is not None:
            try:
                services.do_update_draft(request.user, version, content=text, title=version.title)
            except DomainError as exc:
                errors, other = editor.split_problems(exc.extra.get("problems") or [exc.message])
            else:
                messages.success(request, "草稿已保存。")
                return redirect("policy:version_detail", version_id=version.pk)
        elif not errors and not other:
            messages.info(request, "没有修改任何参数。")
            return redirect("policy:version_detail", version_id=version.pk)
    groups = editor.rows(doc, in_force, request.POST if request.method == "POST" else None)
    for group in groups:
        for row in group["rows"]:
            row.error = errors.get(row.key, "")
        group["errors"] = sum(bool(r.error) for r in group["rows"])
        group["own"] = sum(bool(r.own) for r in group["rows"])
    return render(request, "policy/draft_params.html", {"version": version, "groups": groups, "other_errors": other})


@login_required
@require_POST
def publish_view(request, version_id: int):
    _require(request.user, Capability.PUBLISH_POLICY)
    try:
        version = version_get(actor=request.user, version_id=version_id)
        form = PublishForm(request.POST)
        reason = form.data.get("reason", "")
        services.do_publish_version(request.user, version, reason=reason)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已发布：{version.region.name} 第 {version.number} 版。")
    return redirect("policy:version_detail", version_id=version_id)


@login_required
@require_POST
def discard_view(request, version_id: int):
    _require(request.user, Capability.EDIT_POLICY)
    try:
        version = version_get(actor=request.user, version_id=version_id)
        services.do_discard_draft(request.user, version)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "草稿已废弃。")
    return redirect("policy:version_detail", version_id=version_id)


@login_required
def worksheet_view(request):
    """Fill in a household by hand and see what it qualifies for, with the explanation (试算)."""
    _require(request.user, Capability.ASSESS)
    initial_region = (request.user.region_id or "")[:6]
    form = HouseholdWorksheetForm(request.POST or None, initial={"region": initial_region})
    # Members' birth dates are checked against the assessment date (``plausibility``).
    on = form.cleaned_data.get("on") if request.method == "POST" and form.is_valid() else None
    formset = MemberFormSet(request.POST or None, prefix="m", form_kwargs={"on": on})
    result, problems, versions, names = None, [], [], {}
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.is_blank()]
        names = {str(i): m.get("name") or f"成员{i}" for i, m in enumerate(members, start=1)}
        document = worksheet_to_document(form.cleaned_data, members)
        try:
            facts = facts_from_dict(document)
            result, versions = assess_facts(facts, form.cleaned_data["region"], form.cleaned_data["on"])
        except FactsError as exc:
            problems = exc.problems
        except DomainError as exc:
            problems = list((exc.extra or {}).get("problems") or [exc.message])
    return render(
        request,
        "policy/worksheet.html",
        {
            "form": form,
            "formset": formset,
            "result": result,
            "problems": problems,
            "versions": versions,
            "names": names,
        },
    )


@login_required
def household_assessment_view(request, household_id: int):
    """Assess a registered household from its recorded evidence.

    POST runs the assessment: roles that keep households' files store it; a supervisor sees the
    same result as a preview and nothing is written (``can_record_assessment``).
    """
    try:
        household = household_get(actor=request.user, household_id=household_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    names = {str(p.pk): p.name for p in household_members(household)}
    result, record = None, None
    keeps = can_record_assessment(request.user)
    on = _parse_day(request.POST.get("on") or request.GET.get("on"))
    if request.method == "POST":
        try:
            if keeps:
                result, record = do_assess_household(request.user, household, on=on)
            else:
                result, _versions, _facts = preview_household_assessment(request.user, household, on=on)
        except PermissionDenied as exc:
            raise DjangoPermissionDenied from exc
        except DomainError as exc:
            messages.error(request, exc.message)
    records = AssessmentRecord.objects.filter(household=household).prefetch_related("policy_versions")[:10]
    return render(
        request,
        "policy/household_assessment.html",
        {
            "household": household,
            "result": result,
            "record": record,
            "records": records,
            "on": on,
            "names": names,
            "can_assess": request.user.can(Capability.ASSESS),
            "keeps": keeps,
        },
    )
