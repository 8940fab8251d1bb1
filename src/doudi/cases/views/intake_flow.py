"""上门受理: the one-flow intake page for a phone, its live estimate, its submission and its offline worker.

The page (``intake``) is filled on the phone step by step; ``intake.js`` keeps what was typed in the
phone's storage and posts it as one JSON document with the photos (``intake_submit``). The estimate
(``intake_estimate``) assesses the typed family without writing anything. ``intake_worker`` serves the
service worker that lets the page be reloaded without a connection.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.cases.models import AttachmentCategory, Channel
from doudi.cases.services import family_intake
from doudi.core.errors import DomainError
from doudi.core.templatetags.doudi_ui import money
from doudi.core.web import require_capability
from doudi.policy.templatetags.policy_ui import status_label
from doudi.regions.models import AreaType, Level
from doudi.registry.forms import PersonForm, evidence_form_class, region_choices, scoped_regions
from doudi.registry.models import EVIDENCE_MODELS

# What "生效日期" means for the kinds where it is not simply "since when this is true".
VALID_FROM_HINTS = {
    "rigidexpense": "生效日期填近12个月的截止日（一般为今天）",
    "parentsituation": "生效日期填该情形开始之日（死亡、服刑、失联等之日）",
    "income": "生效日期填该收入开始之日或申报之日",
    "legalsupporter": "生效日期填查明之日；义务人无履行能力时写明依据（如：义务人是60周岁以上低保对象）",
    "exclusion": "生效日期填该情形开始之日（入狱、入伍等之日）；结束后填失效日期",
    "jobrefusal": "每次无正当理由拒绝就业或培训登记一条，生效日期填拒绝之日",
}
PHOTO_CATEGORIES = [
    c
    for c in AttachmentCategory.choices
    if c[0] in ("identity", "application", "authorisation", "income", "medical", "survey", "other")
]
STATIC_FILES = ("doudi/doudi.css", "cases/cases.css", "cases/intake.css", "cases/intake.js")


def _evidence_templates() -> list[dict]:
    """Return one empty form per evidence kind, rendered once into a <template> the page clones."""
    out = []
    for kind, model in EVIDENCE_MODELS.items():
        form = evidence_form_class(kind)(prefix="__P__", auto_id="__P__-%s")
        fields = [form[name] for name in (*model.value_fields, "valid_from", "valid_to")]
        out.append({"kind": kind, "label": model.kind_label, "fields": fields, "hint": VALID_FROM_HINTS.get(kind, "")})
    return out


def _person_fields(head: bool) -> dict:
    form = PersonForm(prefix="__P__", auto_id="__P__-%s", head=head)
    main = [form[n] for n in ("name", "id_number", "relation", "hukou_type", "residence_address", "phone")]
    bank = [form[n] for n in ("bank_name", "bank_account")]
    return {"main": main, "bank": bank}


@login_required
@require_capability(Capability.ACCEPT_APPLICATION)
def intake(request):
    """The intake page: household, members, evidence, photos, estimate and one submit."""
    user = request.user
    if not user.can(Capability.EDIT_REGISTRY):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的角色无权登记家庭。")
    # A scope with more villages than a <select> can hold (a province's administrator): the code is typed.
    villages = scoped_regions(user, levels=(Level.VILLAGE,))
    choices = region_choices(user, villages) if villages else []
    area_types = {v.code: v.area_type for v in villages or []}
    context = {
        "villages": choices,
        "type_village_code": villages is None,
        "village_area_types": json.dumps(area_types),
        "only_village": choices[0][0] if len(choices) == 1 else "",
        "head": _person_fields(True),
        "member": _person_fields(False),
        "evidence_templates": _evidence_templates(),
        "programmes": family_intake.PROGRAMME_CHOICES,
        "channels": [c for c in Channel.choices if c[0] != Channel.SYSTEM],
        "area_types": AreaType.choices,
        "photo_categories": PHOTO_CATEGORIES,
        "today": timezone.localdate(),
        "urls": {
            "estimate": reverse("cases:intake_estimate"),
            "submit": reverse("cases:intake_submit"),
            "worker": reverse("cases:intake_worker"),
            "page": reverse("cases:intake"),
        },
    }
    return render(request, "cases/intake.html", context)


def _payload(request) -> dict:
    raw = request.POST.get("payload") if request.content_type.startswith("multipart/") else request.body
    try:
        data = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        data = None
    return data if isinstance(data, dict) else {}


def _problems(exc: DomainError, status: int = 400) -> JsonResponse:
    problems = (exc.extra or {}).get("problems") or [{"message": exc.message, "field": (exc.extra or {}).get("field")}]
    return JsonResponse({"ok": False, "message": exc.message, "problems": problems}, status=status)


@login_required
@require_POST
@require_capability(Capability.ASSESS)
def intake_estimate(request):
    """Assess the family as typed (nothing is written); answer the result as an HTML fragment."""
    try:
        family = family_intake.parse_family(request.user, _payload(request))
        result, versions, names = family_intake.estimate_family(request.user, family)
    except DomainError as exc:
        return _problems(exc, status=200)
    html = render_to_string(
        "cases/_intake_estimate.html", {"result": result, "names": names, "versions": versions}, request=request
    )
    eligible = sorted({p.programme for p in result.programmes if p.eligible})
    summary = f"{status_label(result.status)}，月救助金合计 {money(result.total_monthly)} 元"
    return JsonResponse({"ok": True, "html": html, "eligible": eligible, "summary": summary})


@login_required
@require_POST
@require_capability(Capability.ACCEPT_APPLICATION)
def intake_submit(request):
    """Register the household, its members, evidence and photos and open the application, or nothing."""
    user = request.user
    if not user.can(Capability.EDIT_REGISTRY):
        return JsonResponse({"ok": False, "message": "您的角色无权登记家庭。", "problems": []}, status=403)
    data = _payload(request)
    files = request.FILES.getlist("photos")
    meta = data.get("photos") if isinstance(data.get("photos"), list) else []
    photos = []
    for k, upload in enumerate(files):
        info = meta[k] if k < len(meta) and isinstance(meta[k], dict) else {}
        category = info.get("category") if info.get("category") in AttachmentCategory.values else "other"
        photos.append((upload, str(info.get("name") or upload.name or "照片.jpg")[:200], category))
    try:
        family = family_intake.parse_family(user, data, submitting=True)
        outcome = family_intake.do_register_family(user, family, photos=photos)
    except DomainError as exc:
        return _problems(exc)
    household, case = outcome.household, outcome.case
    return JsonResponse(
        {
            "ok": True,
            "replayed": outcome.replayed,
            "household_number": household.number,
            "case_number": case.number,
            "household_url": reverse("registry:household_detail", args=[household.pk]),
            "case_url": reverse("cases:detail", args=[case.pk]),
            "message": (
                f"已登记家庭 {household.number}（户主 {household.head_name}，{household.member_count} 人），"
                f"申请 {case.number} {case.get_status_display()}，照片 {outcome.photo_count} 张。"
            ),
        }
    )


@login_required
def intake_worker(request):
    """The service worker of the intake page: keeps the page and its files for reloading offline."""
    body = render_to_string(
        "cases/intake_sw.js",
        {"page": reverse("cases:intake"), "files": json.dumps([static(f) for f in STATIC_FILES])},
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
