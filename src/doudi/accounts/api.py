"""The accounts API: obtain, list and revoke named API tokens, and "who am I"."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.models import ApiToken, TokenRevokeReason
from doudi.accounts.roles import CAPABILITIES, Role
from doudi.accounts.selectors import api_token_get, api_token_list
from doudi.accounts.tokens import (
    DEFAULT_CLIENT_NAME,
    NAME_MAX_LENGTH,
    do_create_api_token,
    do_issue_api_token,
    do_revoke_api_token,
)
from doudi.core.api import validated
from doudi.core.errors import DomainError


class AccountsErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    NO_TOKEN_IN_REQUEST = "no_token_in_request"


class TokenOutputSerializer(serializers.Serializer):
    """One API token as its user sees it: never the key, which is shown only once."""

    id = serializers.IntegerField()
    name = serializers.CharField(label="客户端名称")
    key_prefix = serializers.CharField(label="令牌开头", help_text="令牌的前 8 位，用于区分令牌")
    created_at = serializers.DateTimeField(label="创建时间")
    last_used_at = serializers.DateTimeField(label="最近使用", allow_null=True, help_text="每分钟至多记录一次")
    expires_at = serializers.DateTimeField(label="到期时间")
    revoked_at = serializers.DateTimeField(label="注销时间", allow_null=True)
    revoked_reason = serializers.ChoiceField(
        label="注销原因", choices=TokenRevokeReason.choices, allow_blank=True, help_text="未注销时为空"
    )
    status = serializers.CharField(source="status_label", label="状态")

    class Meta:
        ref_name = "ApiToken"


class ErrorOutputSerializer(serializers.Serializer):
    """The house error format, as ``doudi.core.api.exception_handler`` writes it."""

    code = serializers.CharField(label="错误代码")
    message = serializers.CharField(label="说明")
    extra = serializers.DictField(label="附加信息")

    class Meta:
        ref_name = "AccountsError"


def _lifetime_field():
    return serializers.IntegerField(
        label="有效期（天）",
        required=False,
        min_value=1,
        help_text=f"不填则为 {settings.API_TOKEN_DEFAULT_DAYS} 天，最长 {settings.API_TOKEN_MAX_DAYS} 天",
    )


class UserOutputSerializer(serializers.Serializer):
    """The signed-in user: role, region (the scope of every answer) and capabilities."""

    id = serializers.IntegerField()
    username = serializers.CharField(label="用户名")
    full_name = serializers.CharField(label="姓名")
    role = serializers.ChoiceField(label="角色", choices=Role.choices)
    role_label = serializers.CharField(source="get_role_display", label="角色名称")
    region_code = serializers.CharField(source="region_id", allow_null=True, label="所属区划代码")
    region_name = serializers.CharField(source="region.full_name", allow_null=True, default=None, label="所属区划")
    capabilities = serializers.SerializerMethodField(label="权限")

    class Meta:
        ref_name = "CurrentUser"

    def get_capabilities(self, user) -> list[str]:
        return sorted(CAPABILITIES.get(user.role, ())) if user.is_active else []


class TokenCreateApi(APIView):
    """Exchange a user name and password for a named API token.

    The password is checked through ``django.contrib.auth.authenticate`` with the request, so
    django-axes counts failed API logins with the page logins and locks both alike. Each client
    names itself (``client_name``); a client that logs in again under the same name replaces
    its earlier token, and the tokens of other clients are untouched.
    """

    authentication_classes: list = []  # no session, so no CSRF check on a token request
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(label="用户名", max_length=150)
        password = serializers.CharField(label="密码", max_length=128, trim_whitespace=False)
        client_name = serializers.CharField(
            label="客户端名称",
            max_length=NAME_MAX_LENGTH,
            required=False,
            help_text=f"例如“区县夜间导入任务”；不填为“{DEFAULT_CLIENT_NAME}”。同名客户端再次获取时，原令牌注销",
        )
        expires_in_days = _lifetime_field()

        class Meta:
            ref_name = "TokenCreateInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(
            label="令牌", help_text="只显示这一次，请妥善保存。请求头：Authorization: Token <令牌>"
        )
        token_info = TokenOutputSerializer(label="令牌信息")
        user = UserOutputSerializer()

        class Meta:
            ref_name = "TokenCreateOutput"

    @extend_schema(
        operation_id="auth_token_create",
        summary="用用户名和密码换取令牌",
        auth=[],
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(ErrorOutputSerializer, description="用户名或密码错误、参数有误"),
            429: OpenApiResponse(ErrorOutputSerializer, description="登录失败次数过多，账号暂时锁定"),
        },
        tags=["auth"],
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        # The Django request, not DRF's wrapper: axes marks a lockout on it.
        http_request = request._request
        user = authenticate(request=http_request, username=data["username"], password=data["password"])
        if getattr(http_request, "axes_locked_out", False):
            # Answer in JSON here; left set, AxesMiddleware would replace it with the HTML lockout page.
            http_request.axes_locked_out = False
            minutes = round(settings.AXES_COOLOFF_TIME * 60)
            raise Throttled(detail=f"登录失败次数过多，账号已暂时锁定，请 {minutes} 分钟后再试。")
        if user is None:
            raise DomainError(AccountsErrorCode.INVALID_CREDENTIALS, "用户名或密码错误。", {"field": "password"})
        issued = do_issue_api_token(
            user,
            request=http_request,
            name=data.get("client_name") or DEFAULT_CLIENT_NAME,
            days=data.get("expires_in_days"),
        )
        output = {"token": issued.key, "token_info": issued.token, "user": user}
        return Response(self.OutputSerializer(output).data)


class TokenRevokeApi(APIView):
    """Revoke the token this request is made with; the user's other clients keep theirs."""

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="注销本次请求所用的令牌",
        request=None,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise DomainError(
                AccountsErrorCode.NO_TOKEN_IN_REQUEST,
                "本次请求未使用令牌：请在请求头中带上要注销的令牌，或用 /api/auth/tokens/{id}/revoke/ 注销指定令牌。",
            )
        do_revoke_api_token(request.user, request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListApi(APIView):
    """List the signed-in user's own tokens, newest first: the valid ones and those ended in the last 30 days.

    Not paginated: a user holds at most ``MAX_ACTIVE_TOKENS`` valid tokens, and older ended
    ones are left to the audit log.
    """

    @extend_schema(
        operation_id="auth_tokens_list",
        summary="我的令牌",
        responses={200: TokenOutputSerializer(many=True)},
        tags=["auth"],
    )
    def get(self, request):
        return Response(TokenOutputSerializer(api_token_list(actor=request.user), many=True).data)


class TokenNewApi(APIView):
    """Create a named token for the signed-in user (no password needed: the user is signed in)."""

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(label="客户端名称", max_length=NAME_MAX_LENGTH, help_text="例如“区县夜间导入任务”")
        expires_in_days = _lifetime_field()

        class Meta:
            ref_name = "TokenNewInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(
            label="令牌", help_text="只显示这一次，请妥善保存。请求头：Authorization: Token <令牌>"
        )
        token_info = TokenOutputSerializer(label="令牌信息")

        class Meta:
            ref_name = "TokenNewOutput"

    @extend_schema(
        operation_id="auth_tokens_create",
        summary="为一个客户端新建令牌",
        request=InputSerializer,
        responses={201: OutputSerializer},
        tags=["auth"],
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        issued = do_create_api_token(request.user, name=data["name"], days=data.get("expires_in_days"))
        output = {"token": issued.key, "token_info": issued.token}
        return Response(self.OutputSerializer(output).data, status=status.HTTP_201_CREATED)


class TokenRevokeByIdApi(APIView):
    """Revoke one of the signed-in user's own tokens; another user's token is "not found" (404)."""

    @extend_schema(
        operation_id="auth_tokens_revoke",
        summary="注销我的某个令牌",
        request=None,
        responses={200: TokenOutputSerializer},
        tags=["auth"],
    )
    def post(self, request, token_id: int):
        token = do_revoke_api_token(request.user, api_token_get(actor=request.user, id=token_id))
        return Response(TokenOutputSerializer(token).data)


class MeApi(APIView):
    """Return the signed-in user, with the role and region that scope every other answer."""

    @extend_schema(
        operation_id="me", summary="当前用户（角色、辖区、权限）", responses={200: UserOutputSerializer}, tags=["auth"]
    )
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)
