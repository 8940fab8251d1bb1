"""Pages of department data (部门数据) and verification reports (核对报告). Thin: selectors read, services write."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_in_scope
from doudi.audit.services import log_record_access
from doudi.core.errors import DomainError
from doudi.core.labels import money
from doudi.core.masking import mask_id_number
from doudi.core.spreadsheets import csv_bytes
from doudi.core.web import require_capability
from doudi.verification import services
from doudi.verification.feeds import schemas as S
from doudi.verification.feeds.loading import load_feed, normalize_header
from doudi.verification.feeds.selectors import batch_get, batch_rows, visible_batches
from doudi.verification.models import (
    Conclusion,
    FeedMapping,
    ItemSource,
    ItemStatus,
    ReportItem,
    ReportPurpose,
    Topic,
    VerificationReport,
)

ROWS_PER_PAGE = 50
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class UploadForm(forms.Form):
    department = forms.ChoiceField(
        label="数据类型", choices=S.DEPARTMENT_CHOICES, error_messages={"required": "请选择数据类型。"}
    )
    period = forms.CharField(
        label="所属期（年月）",
        max_length=10,
        help_text="如 2026-03 或 2026年3月：数据所描述或提取的月份。",
        error_messages={"required": "请填写所属期。"},
    )
    file = forms.FileField(
        label="数据文件",
        help_text="CSV（UTF-8 或 GBK）、XLSX 或 Parquet，第 1 行为表头。",
        error_messages={"required": "请选择要上传的文件。", "empty": "文件是空的。", "invalid": "没有收到文件。"},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.parquet,text/csv"}),
    )

    def clean_period(self) -> str:
        """A month as people type it (2026年3月, 2026/3, 2026.3, 202603) becomes 2026-03; the rest is left to
        the loader, which refuses it in Chinese."""
        typed = self.cleaned_data["period"].strip()
        match = re.fullmatch(r"(\d{4})\s*(?:年|/|\.|-)?\s*(\d{1,2})\s*月?", typed)
        if match and 1 <= int(match.group(2)) <= 12:
            return f"{match.group(1)}-{int(match.group(2)):02d}"
        return typed


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(column: S.Column, value) -> str:
    """A cell as shown: an amount as 1,234.50 (thousands separators, two decimals), the rest as ``_display``."""
    if column.type == S.AMOUNT and value not in (None, ""):
        return money(value)
    return _display(value)


def _masked_row(schema: S.FeedSchema, row: dict) -> list[str]:
    out = []
    for c in schema.columns:
        value = _cell(c, row.get(c.code))
        out.append(mask_id_number(value) if c.type == S.ID else value)
    return out


@login_required
@require_capability(Capability.VIEW_FEEDS)
def feed_list(request):
    """The batches the user may see; county users (上传部门数据) upload here."""
    can_load = request.user.can(Capability.LOAD_FEEDS)
    form = UploadForm(request.POST or None, request.FILES or None) if can_load else None
    if request.method == "POST":
        if not can_load:
            raise Http404
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD_BYTES:
                form.add_error("file", f"文件超过 {MAX_UPLOAD_BYTES // 1048576} MB：请拆分或改用 Parquet 格式。")
            else:
                try:
                    result = load_feed(
                        request.user,
                        upload,
                        file_name=upload.name,
                        department=form.cleaned_data["department"],
                        period=form.cleaned_data["period"],
                    )
                except DomainError as exc:
                    field = exc.extra.get("field") if exc.extra else None
                    form.add_error(field if field in form.fields else "file", exc.message)
                else:
                    messages.success(request, result.message)
                    return redirect("verification:batch_detail", result.batch.pk)
    batches = visible_batches(request.user).select_related("region", "uploaded_by")
    department = request.GET.get("department", "")
    if department in S.SCHEMAS:
        batches = batches.filter(department=department)
    page = Paginator(batches.order_by("-uploaded_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "verification/feed_list.html",
        {"form": form, "page": page, "departments": S.DEPARTMENT_CHOICES, "department": department},
    )


@login_required
@require_capability(Capability.VIEW_FEEDS)
def batch_detail(request, pk: int):
    batch = batch_get(actor=request.user, batch_id=pk)
    schema = S.SCHEMAS[batch.department]
    raw_page = request.GET.get("page", "1")
    page_number = max(int(raw_page), 1) if raw_page.isdigit() else 1
    total, rows = batch_rows(request.user, batch, offset=(page_number - 1) * ROWS_PER_PAGE, limit=ROWS_PER_PAGE)
    errors = list(batch.errors.all()[:200]) if request.user.can(Capability.LOAD_FEEDS) else []
    for e in errors:
        e.shown = mask_id_number(e.value) if e.column in ("公民身份号码", "户主身份证号") else e.value
        # The reason quotes the value (公民身份号码“…”无效): masked there too.
        e.shown_reason = e.reason.replace(e.value, e.shown) if e.value else e.reason
    pages = max((total + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE, 1)
    batch.encoding_label = batch.encoding.replace("带 BOM", "带签名")
    return render(
        request,
        "verification/batch_detail.html",
        {
            "batch": batch,
            "schema": schema,
            "rows": [(r["row_number"], zip(schema.columns, _masked_row(schema, r), strict=True)) for r in rows],
            "total": total,
            "page_number": page_number,
            "pages": pages,
            "errors": errors,
            "can_load": request.user.can(Capability.LOAD_FEEDS),
        },
    )


@login_required
@require_safe
@require_capability(Capability.LOAD_FEEDS)
def batch_errors(request, pk: int):
    """The set-aside rows of a batch as CSV (row, column, value, reason); downloading them is logged."""
    batch = batch_get(actor=request.user, batch_id=pk)
    rows = [["行号", "列", "原值", "原因"]]
    rows += [[e.row_number, e.column, e.value, e.reason] for e in batch.errors.all()]
    log_record_access(
        request.user,
        person_id=None,
        household_id=None,
        region_code=batch.region_id,
        channel="web",
        detail=f"下载部门数据问题行：第{batch.pk}批",
    )
    response = HttpResponse(csv_bytes(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="feed-{batch.pk}-errors.csv"'
    return response


@login_required
@require_safe
@require_capability(Capability.VIEW_FEEDS)
def batch_row(request, pk: int, row: int):
    """One row in full (ID number unmasked): only in the user's subtree, and logged."""
    batch = batch_get(actor=request.user, batch_id=pk)
    _, rows = batch_rows(request.user, batch, row_number=row, limit=1)
    if not rows:
        raise Http404("该行不存在或不在您的管辖范围内。")
    data = rows[0]
    log_record_access(
        request.user,
        person_id=data.get("person_id"),
        household_id=None,
        region_code=data.get("region_code") or batch.region_id,
        channel="web",
        detail=f"查看部门数据完整行：第{batch.pk}批第{row}行",
    )
    schema = S.SCHEMAS[batch.department]
    fields = [(c.header, _cell(c, data.get(c.code))) for c in schema.columns]
    return render(request, "verification/batch_row.html", {"batch": batch, "row": row, "fields": fields})


@login_required
@require_capability(Capability.VIEW_FEEDS)
def layouts(request):
    return render(request, "verification/layouts.html", {"schemas": list(S.SCHEMAS.values()), "types": S.TYPE_LABELS})


@login_required
@require_capability(Capability.VIEW_FEEDS)
def layout_example(request, department: str):
    from doudi.verification.feeds.examples import example_rows

    schema = S.SCHEMAS.get(department)
    if schema is None:
        raise Http404
    response = HttpResponse(csv_bytes([schema_headers(schema), *example_rows(department)]), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{department}-example.csv"'
    return response


def schema_headers(schema: S.FeedSchema) -> list[str]:
    return [c.header for c in schema.columns]


@login_required
@require_capability(Capability.LOAD_FEEDS)
def mapping_edit(request, department: str):
    """The bureau's column names for one feed: one line per column, 本单位列名 → 标准列."""
    schema = S.SCHEMAS.get(department)
    if schema is None or not request.user.region_id:
        raise Http404
    # Reading the page writes nothing: the mapping row exists once something was saved.
    mapping = FeedMapping.objects.filter(region=request.user.region, department=department).first()
    mapping = mapping or FeedMapping(region=request.user.region, department=department, columns={})
    if request.method == "POST":
        columns = {}
        for c in schema.columns:
            for name in request.POST.get(f"col-{c.code}", "").replace("，", ",").split(","):
                if normalize_header(name):
                    columns[name.strip()[:60]] = c.code
        if columns != (mapping.columns or {}):
            mapping.columns = columns
            mapping.updated_by = request.user
            mapping.save()
            messages.success(request, "已保存列名对照。")
        else:
            messages.info(request, "列名对照没有变化。")
        return redirect("verification:mapping", department)
    by_code: dict[str, list[str]] = {}
    for name, code in (mapping.columns or {}).items():
        by_code.setdefault(code, []).append(name)
    rows = [(c, "，".join(by_code.get(c.code, []))) for c in schema.columns]
    return render(request, "verification/mapping.html", {"schema": schema, "rows": rows, "mapping": mapping})


# --- reports ----------------------------------------------------------------------------------------------


def _household(request, household_id: int):
    from doudi.registry.models import Household

    household = Household.objects.select_related("region").filter(pk=household_id).first()
    if household is None:
        raise Http404("家庭不存在或不在您的管辖范围内。")
    try:
        check_in_scope(request.user, household.region_id, "家庭")
    except DomainError as exc:
        raise Http404(exc.message) from exc
    return household


@login_required
@require_capability(Capability.VIEW_FEEDS)
def household_reports(request, household_id: int):
    """A household's reports; 生成核对报告 on request (any date up to today)."""
    household = _household(request, household_id)
    if request.method == "POST":
        try:
            on = date.fromisoformat(request.POST.get("on") or timezone.localdate().isoformat())
        except ValueError:
            messages.error(request, "核对日期格式不对：应为 YYYY-MM-DD。")
            return redirect("verification:household_reports", household_id)
        if on > timezone.localdate():
            messages.error(request, "核对日期：不能晚于今天。")
            return redirect("verification:household_reports", household_id)
        try:
            report = services.do_build_report(request.user, household, on=on, purpose=ReportPurpose.REQUEST)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("verification:household_reports", household_id)
        return redirect("verification:report_detail", report.pk)
    reports = VerificationReport.objects.filter(household=household).select_related("created_by")[:50]
    return render(
        request,
        "verification/household_reports.html",
        {"household": household, "reports": reports, "today": timezone.localdate()},
    )


def _report(request, pk: int) -> VerificationReport:
    report = services.visible_reports(request.user).select_related("household", "created_by").filter(pk=pk).first()
    if report is None:
        raise Http404("核对报告不存在或不在您的管辖范围内。")
    return report


@login_required
@require_capability(Capability.VIEW_FEEDS)
def report_detail(request, pk: int):
    report = _report(request, pk)
    items = list(report.items.select_related("added_by").order_by("person_id", "id"))
    active = [i for i in items if i.status == ItemStatus.ACTIVE]
    members = []
    seen = set()
    for i in active:
        key = i.person_id or 0
        if key not in seen:
            seen.add(key)
            members.append(
                (i.member_name or "全户（按政策标准检验）", [j for j in active if (j.person_id or 0) == key])
            )
    from doudi.registry.models import Person

    return render(
        request,
        "verification/report_detail.html",
        {
            "report": report,
            "members": members,
            "history": [i for i in items if i.status != ItemStatus.ACTIVE],
            "can_edit": request.user.can(Capability.VERIFY_CASE),
            "can_accept": request.user.can(Capability.EDIT_REGISTRY),
            "acceptable": {t.value for t in services.ACCEPTABLE},
            "topics": Topic.choices,
            "conclusions": [(c, label) for c, label in Conclusion.choices if c != Conclusion.NO_DATA],
            "people": Person.objects.filter(household_id=report.household_id).order_by("pk"),
            "feed": ItemSource.FEED,
        },
    )


def _item(request, report: VerificationReport, item_id) -> ReportItem:
    item = ReportItem.objects.filter(report=report, pk=item_id).select_related("person", "report").first()
    if item is None:
        raise Http404
    return item


@login_required
@require_POST
@require_capability(Capability.VERIFY_CASE)
def report_action(request, pk: int):
    """Manual item, re-check of a disputed item, or acceptance of a feed fact as registry evidence."""
    report = _report(request, pk)
    action = request.POST.get("action")
    try:
        if action == "manual":
            from doudi.registry.models import Person

            person = None
            if request.POST.get("person"):
                person = Person.objects.filter(pk=request.POST["person"], household_id=report.household_id).first()
            services.do_add_manual_item(
                request.user,
                report,
                topic=request.POST.get("topic", ""),
                source_text=request.POST.get("source_text", ""),
                amount=request.POST.get("amount") or None,
                text=request.POST.get("text", ""),
                person=person,
            )
            messages.success(request, "已补录核对项目。")
        elif action == "recheck":
            services.do_recheck_item(
                request.user,
                _item(request, report, request.POST.get("item")),
                evidence=request.POST.get("evidence", ""),
                conclusion=request.POST.get("conclusion", ""),
                text=request.POST.get("text", ""),
            )
            messages.success(request, "已记录复核结果。")
        elif action == "accept":
            services.do_accept_item(request.user, _item(request, report, request.POST.get("item")))
            messages.success(request, "已采纳为登记证据（来源：部门数据），原登记信息未改动。")
        else:
            raise Http404
        report.refresh_from_db()
        services.sync_case_verification(report)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("verification:report_detail", report.pk)
