"""The printed payroll register (发放名册) for signing, PDF or XLSX, one village or all the user's villages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from doudi.core.errors import DomainError
from doudi.core.web import http_errors
from doudi.payments.register.selectors import register_payroll_get, register_payrolls
from doudi.payments.register.services import do_print_register


@login_required
@require_safe
def register_list(request):
    """The registers of the user's villages for the approved payrolls (a village worker's way in)."""
    return render(request, "payments/register_list.html", {"rows": register_payrolls(request.user)})


@login_required
@require_safe
@http_errors
def register_download(request, payroll_id: int, fmt: str):
    user = request.user
    payroll = register_payroll_get(actor=user, payroll_id=payroll_id)
    village = request.GET.get("village") or None
    try:
        printed = do_print_register(user, payroll, village=village, fmt=fmt)
    except DomainError as exc:
        if exc.code in ("not_found", "permission_denied"):
            raise
        messages.error(request, exc.message)
        return redirect("payments:payroll_disbursement", payroll.pk)
    if printed.content is not None:
        response = HttpResponse(printed.content, content_type=printed.content_type)
        response["Content-Disposition"] = _disposition(printed.file_name, inline=False)
        return response
    return FileResponse(
        printed.handle, as_attachment=True, filename=printed.file_name, content_type=printed.content_type
    )


def _disposition(name: str, *, inline: bool) -> str:
    from urllib.parse import quote

    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(name)}"
