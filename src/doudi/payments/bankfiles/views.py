"""Disbursement pages: bank layouts, one payroll's bank files and return files, the flagged accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from doudi.accounts.roles import Capability
from doudi.accounts.scope import scope_filter
from doudi.core.errors import DomainError, NotFound
from doudi.core.masking import mask_bank_account
from doudi.core.web import add_domain_error, http_errors
from doudi.payments.bankfiles import selectors as bank_selectors
from doudi.payments.bankfiles.forms import BankLayoutForm
from doudi.payments.bankfiles.models import AccountFlag, BankFile, ReturnImport
from doudi.payments.bankfiles.services import (
    bank_file_summary,
    can_edit_layout,
    can_write_bank_file,
    do_save_bank_layout,
    do_write_bank_file,
)
from doudi.payments.models import LineStatus, PayrollLine
from doudi.payments.register.selectors import villages
from doudi.payments.returns.services import do_clear_account_flag, import_return_file
from doudi.payments.selectors import payroll_get

MAX_UPLOAD = 200 * 1024 * 1024


def _int(value) -> int | None:
    return int(value) if str(value or "").isdigit() else None


@login_required
@http_errors
def layout_list(request):
    layouts = list(bank_selectors.layout_list(actor=request.user))
    for layout in layouts:
        layout.editable = can_edit_layout(request.user, layout)
    return render(
        request,
        "payments/bank_layout_list.html",
        {"layouts": layouts, "can_create": can_edit_layout(request.user, None)},
    )


@login_required
@http_errors
def layout_edit(request, layout_id: int | None = None):
    user = request.user
    layout = bank_selectors.layout_get(actor=user, layout_id=layout_id) if layout_id is not None else None
    if not can_edit_layout(user, layout):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您的角色无权修改该银行文件格式。")
    form = BankLayoutForm(request.POST or None, layout=layout)
    if request.method == "POST" and form.is_valid():
        try:
            saved = do_save_bank_layout(user, layout, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已保存银行文件格式“{saved.name}”。")
            return redirect("payments:bank_layout_list")
    return render(request, "payments/bank_layout_form.html", {"form": form, "layout": layout})


@login_required
@http_errors
def disbursement(request, payroll_id: int):
    """One payroll's bank files, return files, failed payments and the register by village."""
    user = request.user
    payroll = payroll_get(actor=user, payroll_id=payroll_id)
    failed = list(
        scope_filter(user, PayrollLine.objects.filter(payroll=payroll, status=LineStatus.FAILED))
        .select_related("person", "region")
        .order_by("region_id", "person_id")[:500]
    )
    for line in failed:
        line.masked_account = mask_bank_account(line.bank_account)
    return render(
        request,
        "payments/disbursement.html",
        {
            "payroll": payroll,
            "layouts": bank_selectors.layouts_for(payroll.region_id),
            "bank_files": BankFile.objects.filter(payroll=payroll).select_related("layout", "created_by")[:50],
            "imports": ReturnImport.objects.filter(payroll=payroll).select_related("imported_by")[:50],
            "failed": failed,
            "summary": bank_file_summary(payroll),
            "villages": villages(user, payroll),
            "can_write": can_write_bank_file(user),
            "full_identifiers": user.can(Capability.EXPORT_UNMASKED),
        },
    )


@require_POST
@login_required
@http_errors
def bank_file_download(request, payroll_id: int):
    user = request.user
    payroll = payroll_get(actor=user, payroll_id=payroll_id)
    try:
        layout = bank_selectors.layout_get(actor=user, layout_id=_int(request.POST.get("layout")))
        result = do_write_bank_file(user, payroll, layout=layout, channel="export")
    except NotFound:
        messages.error(request, "请选择本县可用的银行文件格式。")
        return redirect("payments:payroll_disbursement", payroll.pk)
    except DomainError as exc:
        if exc.code == "permission_denied":
            raise
        messages.error(request, exc.message)
        return redirect("payments:payroll_disbursement", payroll.pk)
    return FileResponse(
        result.handle, as_attachment=True, filename=result.bank_file.file_name, content_type=result.content_type
    )


@require_POST
@login_required
@http_errors
def returns_upload(request, payroll_id: int):
    user = request.user
    payroll = payroll_get(actor=user, payroll_id=payroll_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "回盘文件：请选择要导入的文件。")
        return redirect("payments:payroll_disbursement", payroll.pk)
    if upload.size > MAX_UPLOAD:
        messages.error(request, "回盘文件：文件过大。")
        return redirect("payments:payroll_disbursement", payroll.pk)
    try:
        result = import_return_file(user, name=upload.name, data=upload.read(), payroll=payroll)
    except DomainError as exc:
        if exc.code in ("permission_denied", "not_found"):
            raise
        for reason in (exc.extra or {}).get("reasons", [])[:30] or [exc.message]:
            messages.error(request, reason)
        messages.error(request, "回盘文件未导入，未作任何更改。")
        return redirect("payments:payroll_disbursement", payroll.pk)
    record = result.return_import
    if result.created:
        messages.success(
            request, f"已导入回盘文件：成功 {record.paid_count} 笔，失败 {record.failed_count} 笔（已登记账户异常）。"
        )
    else:
        messages.info(request, "该回盘文件的结果此前已导入，未作更改。")
    return redirect("payments:payroll_disbursement", payroll.pk)


@login_required
@http_errors
def flag_list(request):
    user = request.user
    flags = (
        scope_filter(user, AccountFlag.objects.all())
        .select_related("person", "household", "region", "line__payroll")
        .order_by("cleared_at", "-flagged_at")[:500]
    )
    rows = []
    for flag in flags:
        flag.masked_account = mask_bank_account(flag.bank_account)
        flag.corrected = flag.person.bank_account != flag.bank_account
        rows.append(flag)
    return render(request, "payments/account_flags.html", {"flags": rows, "can_clear": can_write_bank_file(user)})


@require_POST
@login_required
@http_errors
def flag_clear(request, flag_id: int):
    user = request.user
    flag = scope_filter(user, AccountFlag.objects.filter(pk=flag_id)).first()
    if flag is None:
        raise NotFound("银行账户异常")
    try:
        do_clear_account_flag(user, flag, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.code == "permission_denied":
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "已解除账户异常。")
    return redirect("payments:account_flags")
