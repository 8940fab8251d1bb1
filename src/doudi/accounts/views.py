"""The user's own API tokens: list, create (the key shown once), revoke."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from doudi.accounts.selectors import api_token_get, api_token_list
from doudi.accounts.tokens import NAME_MAX_LENGTH, do_create_api_token, do_revoke_api_token
from doudi.core.errors import DomainError
from doudi.core.web import add_domain_error, http_errors


class TokenForm(forms.Form):
    name = forms.CharField(
        label="客户端名称",
        max_length=NAME_MAX_LENGTH,
        help_text="写明谁在用这个令牌，例如“区县夜间导入任务”；每个程序或脚本用自己的令牌。",
        error_messages={
            "required": "客户端名称：不能为空。",
            "max_length": f"客户端名称：最多 {NAME_MAX_LENGTH} 个字。",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not on the class, so that the settings in force (and tests' overrides) apply.
        maximum = settings.API_TOKEN_MAX_DAYS
        message = f"有效期：应为 1 至 {maximum} 天的整数。"
        self.fields["expires_in_days"] = forms.IntegerField(
            label="有效期（天）",
            min_value=1,
            max_value=maximum,
            initial=min(settings.API_TOKEN_DEFAULT_DAYS, maximum),
            help_text=f"1 至 {maximum} 天，到期后需新建令牌。",
            error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
        )
        self.fields["name"].widget.attrs["autocomplete"] = "off"


def _page(request, form: TokenForm, issued=None):
    context = {"form": form, "tokens": api_token_list(actor=request.user), "issued": issued}
    return render(request, "accounts/token_list.html", context)


@never_cache
@login_required
def token_list(request):
    """List the user's tokens; a POST creates one and shows its key on this answer only.

    The key is rendered into this response and nowhere else (no redirect, no session, no
    message): the page is not cached, and reloading it does not show the key again.
    """
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            issued = do_create_api_token(
                request.user, name=form.cleaned_data["name"], days=form.cleaned_data["expires_in_days"]
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"expires_in_days": "expires_in_days"})
        else:
            return _page(request, TokenForm(), issued=issued)
    return _page(request, form)


@require_POST
@login_required
@http_errors
def token_revoke(request, token_id: int):
    """Revoke one of the user's own tokens; another user's is "not found" (404)."""
    token = do_revoke_api_token(request.user, api_token_get(actor=request.user, id=token_id))
    messages.success(request, f"已注销令牌“{token.name}”，使用它的程序将无法再访问系统。")
    return redirect("accounts:token_list")
