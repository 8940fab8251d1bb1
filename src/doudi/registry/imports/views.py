"""Pages of batch imports (upload, progress, errors, commit/discard) and the XLSX export of a household search."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from doudi.accounts.roles import Capability
from doudi.core.errors import DomainError
from doudi.core.web import http_errors, require_capability
from doudi.regions.models import prefix_of
from doudi.registry.imports import downloads, recovery, roster_review, selectors, services
from doudi.registry.imports.caseload_columns import EVIDENCE, EVIDENCE_TYPE_LABELS, EVIDENCE_USAGE, ROSTER
from doudi.registry.imports.columns import COLUMNS
from doudi.registry.imports.models import DiscrepancyStatus, ImportKind, ImportStatus
from doudi.registry.imports.services import MAX_FILE_BYTES

ERRORS_PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


MAX_NAME_CHARS = 200  # ``ImportBatch.original_name``


class UploadForm(forms.Form):
    # Every message is given here: Django's own would follow the browser's language (English included).
    file = forms.FileField(
        label="导入文件",
        max_length=MAX_NAME_CHARS,
        help_text=f"CSV（UTF-8 或 GBK 编码）或 XLSX，不超过 {MAX_FILE_BYTES // 1048576} MB，第 1 行为表头。",
        error_messages={
            "required": "请选择要上传的文件。",
            "empty": "文件是空的。",
            "invalid": "没有收到文件：请检查表单的编码方式后重新上传。",
            "missing": "没有收到文件：请重新选择文件后上传。",
            "contradiction": "请选择一个文件上传，或取消选择。",
            "max_length": "文件名过长（%(length)d 个字符）：请改为不超过 %(max)d 个字符后重新上传。",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


KIND_COLUMNS = {ImportKind.PERSONS: COLUMNS, ImportKind.EVIDENCE: EVIDENCE.columns, ImportKind.ROSTER: ROSTER.columns}


def _kind(request) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or ImportKind.PERSONS
    return kind if kind in ImportKind.values else ImportKind.PERSONS


def _batch(request, pk: int):
    return selectors.import_batch_get(actor=request.user, batch_id=pk)


def _batch_swept(request, pk: int):
    """Return the batch; first fail it if its background job died (so the page says so even with no worker)."""
    batch = _batch(request, pk)
    if batch.is_running and recovery.sweep_quietly(batch_ids=[batch.pk]):
        batch = _batch(request, pk)
    return batch


@login_required
@require_capability(Capability.IMPORT_REGISTRY)
def import_list(request):
    """Upload a file (and download the template); list the batches of the user's subtree."""
    kind = _kind(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.do_stage_import(request.user, form.cleaned_data["file"], kind=kind)
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, f"已上传“{batch.original_name}”，正在后台校验。")
            return redirect("registry:imports:import_detail", pk=batch.pk)
    page = Paginator(selectors.import_batch_list(actor=request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/imports/import_list.html",
        {
            "form": form,
            "page": page,
            "kind": kind,
            "kinds": [
                (value, label)
                for value, label in ImportKind.choices
                if value != ImportKind.ROSTER or request.user.can(Capability.MANAGE_ENROLMENT)
            ],
            "columns": KIND_COLUMNS[kind],
            "can_review": request.user.can(Capability.MANAGE_ENROLMENT),
            "evidence_usage": [(EVIDENCE_TYPE_LABELS[k], v) for k, v in EVIDENCE_USAGE.items()],
            "max_mb": MAX_FILE_BYTES // 1048576,
        },
    )


@login_required
@require_GET
@require_capability(Capability.IMPORT_REGISTRY)
def import_template(request):
    """Download the empty template as XLSX (default) or CSV."""
    kind = _kind(request)
    stem = downloads.TEMPLATE_NAMES[kind]
    if request.GET.get("format") == "csv":
        response = HttpResponse(downloads.template_csv(kind), content_type="text/csv; charset=utf-8")
        name = f"{stem}.csv"
    else:
        response = HttpResponse(downloads.template_xlsx(kind), content_type=XLSX)
        name = f"{stem}.xlsx"
    response["Content-Disposition"] = _attachment(name)
    return response


def _attachment(name: str) -> str:
    from urllib.parse import quote

    fallback = name.encode("ascii", "ignore").decode() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


@login_required
@require_capability(Capability.IMPORT_REGISTRY)
def import_detail(request, pk: int):
    """Show a batch: progress while it runs, then its summary, its bad rows and the choice to import or discard."""
    batch = _batch_swept(request, pk)
    errors = Paginator(selectors.import_rejected_rows(batch), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/imports/import_detail.html",
        {
            "batch": batch,
            "errors": errors,
            "summary": batch.summary or {},
            "can_commit": batch.status in (ImportStatus.VALIDATED, ImportStatus.FAILED)
            and batch.validated_at is not None
            and batch.valid_rows > 0,
            "can_discard": batch.status in (ImportStatus.VALIDATED, ImportStatus.FAILED),
        },
    )


@login_required
@require_GET
@require_capability(Capability.IMPORT_REGISTRY)
def import_progress(request, pk: int):
    """Return the batch's progress as JSON, for the progress bar."""
    return JsonResponse(selectors.import_progress(_batch_swept(request, pk)))


@login_required
@require_GET
@require_capability(Capability.IMPORT_REGISTRY)
def import_rejected(request, pk: int):
    """Download the batch's rejected rows with a 错误原因 column, as XLSX (default) or CSV."""
    batch = _batch(request, pk)
    stem = batch.original_name.rsplit(".", 1)[0] or "导入"
    if request.GET.get("format") == "csv":
        handle, name, content_type = downloads.rejected_csv(batch), f"{stem}-错误行.csv", "text/csv; charset=utf-8"
    else:
        handle, name, content_type = downloads.rejected_xlsx(batch), f"{stem}-错误行.xlsx", XLSX
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@login_required
@require_POST
@require_capability(Capability.IMPORT_REGISTRY)
def import_commit(request, pk: int):
    """Import the valid rows ("valid") or every row ("all", refused if any is bad)."""
    batch = _batch(request, pk)
    try:
        services.do_commit_import(request.user, batch, valid_only=request.POST.get("mode") != "all")
    except DomainError as exc:
        if exc.code in ("not_found", "permission_denied"):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "已开始导入：全部写入成功后才会生效。")
    return redirect("registry:imports:import_detail", pk=batch.pk)


@login_required
@require_POST
@require_capability(Capability.IMPORT_REGISTRY)
def import_revalidate(request, pk: int):
    """Check the batch's file again against the registry as it is now (after rows went stale)."""
    batch = _batch(request, pk)
    try:
        services.do_revalidate_import(request.user, batch)
    except DomainError as exc:
        if exc.code in ("not_found", "permission_denied"):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "已开始重新校验：将按当前的登记数据逐行核对。")
    return redirect("registry:imports:import_detail", pk=batch.pk)


@login_required
@require_POST
@require_capability(Capability.IMPORT_REGISTRY)
def import_discard(request, pk: int):
    """Give up the batch: nothing is imported and its staged rows are deleted."""
    batch = _batch(request, pk)
    try:
        services.do_discard_import(request.user, batch)
    except DomainError as exc:
        if exc.code in ("not_found", "permission_denied"):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "已放弃该批次，未导入任何数据。")
    return redirect("registry:imports:import_detail", pk=batch.pk)


@login_required
@require_capability(Capability.MANAGE_ENROLMENT)
def roster_review_list(request):
    """迁移导入金额与测算不一致: migrated enrolments whose roster amount differs from the computed one."""
    status = request.GET.get("status", DiscrepancyStatus.OPEN)
    status = status if status in (*DiscrepancyStatus.values, "all") else DiscrepancyStatus.OPEN
    batch = request.GET.get("batch", "")
    qs = roster_review.discrepancy_list(
        actor=request.user, status="" if status == "all" else status, batch_id=int(batch) if batch.isdigit() else None
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/imports/roster_review.html",
        {"page": page, "status": status, "statuses": [*DiscrepancyStatus.choices, ("all", "全部")], "batch": batch},
    )


@login_required
@require_POST
@require_capability(Capability.MANAGE_ENROLMENT)
def roster_review_confirm(request, pk: int):
    """Confirm that a listed roster amount was checked and stays as it is."""
    try:
        roster_review.do_confirm_discrepancy(request.user, pk)
    except DomainError as exc:
        if exc.code in ("not_found", "permission_denied"):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "已核对，维持名册金额。")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/registry/imports/roster-review/") else "registry:imports:roster_review")


@login_required
@require_GET
@http_errors
def export(request):
    """Download the current household search (same filters as the household list) as XLSX, one row per person.

    ``unmasked=1`` writes full identifiers; only users with ``export_unmasked`` may ask, and it is logged.
    """
    from doudi.registry.exports import export_households_xlsx
    from doudi.registry.forms import HouseholdSearchForm

    form = HouseholdSearchForm(request.user, request.GET or None)
    if request.GET and not form.is_valid():
        # A filter that cannot be applied must not quietly widen the export to the whole scope.
        return render(
            request,
            "registry/imports/export_refused.html",
            {"errors": _labelled_errors(form)},
            status=400,
        )
    data = form.cleaned_data if request.GET else {}
    status = data.get("status") or "active"
    region = data.get("region") or ""
    q = data.get("q", "")
    result = export_households_xlsx(
        actor=request.user,
        q=q,
        region_code=prefix_of(region) if region else "",
        status="" if status == "all" else status,
        unmasked=request.GET.get("unmasked") == "1",
        detail=f"条件：查询“{q}”，区划“{region or '全部'}”，状态“{status}”，"
        f"救助项目“{data.get('programme') or '全部'}”，享受状态“{data.get('benefit') or '不限'}”。",
        programme=data.get("programme", ""),
        benefit=data.get("benefit", ""),
    )
    name = f"家庭查询导出-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    response = FileResponse(result.file, as_attachment=True, filename=name, content_type=XLSX)
    response["X-Doudi-Rows"] = str(result.persons)
    return response


def _labelled_errors(form) -> list[str]:
    """Return the form's errors, each naming its field ("区划：…") as the domain's messages do."""
    found = []
    for name, errors in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        for message in errors:
            found.append(message if not label or message.startswith(label) else f"{label}：{message}")
    return found
