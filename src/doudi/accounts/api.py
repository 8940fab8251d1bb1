"""The accounts API: obtain and revoke a token, and "who am I"."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.roles import CAPABILITIES, Role
from doudi.accounts.tokens import do_issue_api_token, do_revoke_api_token
from doudi.core.api import validated
from doudi.core.errors import DomainError


class AccountsErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"


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
    """Exchange a user name and password for an API token.

    The password is checked through ``django.contrib.auth.authenticate`` with the request, so
    django-axes counts failed API logins with the page logins and locks both alike.
    """

    authentication_classes: list = []  # no session, so no CSRF check on a token request
    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(label="用户名", max_length=150)
        password = serializers.CharField(label="密码", max_length=128, trim_whitespace=False)

        class Meta:
            ref_name = "TokenCreateInput"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(label="令牌", help_text="请求头：Authorization: Token <令牌>")
        user = UserOutputSerializer()

        class Meta:
            ref_name = "TokenCreateOutput"

    @extend_schema(
        operation_id="auth_token_create",
        summary="用用户名和密码换取令牌",
        auth=[],
        request=InputSerializer,
        responses={200: OutputSerializer},
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
        token = do_issue_api_token(user, request=http_request)
        return Response(self.OutputSerializer({"token": token.key, "user": user}).data)


class TokenRevokeApi(APIView):
    """Revoke the signed-in user's API token (every client using it is signed out)."""

    @extend_schema(
        operation_id="auth_token_revoke",
        summary="注销当前用户的令牌",
        request=None,
        responses={204: None},
        tags=["auth"],
    )
    def post(self, request):
        do_revoke_api_token(request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    """Return the signed-in user, with the role and region that scope every other answer."""

    @extend_schema(
        operation_id="me", summary="当前用户（角色、辖区、权限）", responses={200: UserOutputSerializer}, tags=["auth"]
    )
    def get(self, request):
        return Response(UserOutputSerializer(request.user).data)
