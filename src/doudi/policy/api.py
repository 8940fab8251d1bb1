"""The policy API: assess a household document or a registered household; read policy versions.

One class per operation with nested serializers; the calculation is the engine's, the scoping
and recording are ``doudi.policy.assessment``'s. An engine error (a bad household document)
comes back as ``{"code": "invalid_facts", "message": …}`` naming each field path in Chinese.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability
from doudi.core.api import validated
from doudi.core.errors import DomainError
from doudi.policy.assessment import (
    assess_facts,
    assessment_date_problem,
    can_record_assessment,
    check_assessment_date,
    do_assess_household,
    preview_household_assessment,
)
from doudi.policy.engine import FactsError, facts_from_dict
from doudi.policy.selectors import version_get, version_list
from doudi.registry.selectors import household_get

TAG = "policy"


class CanAssess(BasePermission):
    def has_permission(self, request, view) -> bool:
        check_capability(request.user, Capability.ASSESS, "您的角色无权进行救助评估。")
        return True


def _versions(versions) -> list[dict]:
    return [
        {"id": v.pk, "region": v.region_id[:6], "region_name": v.region.name, "number": v.number, "status": v.status}
        for v in versions
    ]


def _validate_on(value):
    problem = assessment_date_problem(value)
    if problem:
        raise serializers.ValidationError(problem)
    return value


class AssessDocumentApi(APIView):
    """Assess a household described in the request (the ``doudi assess`` JSON format) — 试算."""

    permission_classes = [IsAuthenticated, CanAssess]

    class InputSerializer(serializers.Serializer):
        region = serializers.CharField(label="地区代码", max_length=12)
        on = serializers.DateField(label="评估日期", required=False, validators=[_validate_on])
        household = serializers.JSONField(label="家庭信息（见 docs/policy-format.md 第 8 节）")

        class Meta:
            ref_name = "AssessDocumentInput"

    @extend_schema(
        tags=[TAG],
        operation_id="policy_assess_document",
        summary="按地区政策试算一个家庭（不留存）",
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        document = data["household"]
        if data.get("on") and isinstance(document, dict):
            document = {**document, "as_of": data["on"].isoformat()}
        try:
            facts = facts_from_dict(document)
        except FactsError as exc:
            raise DomainError(exc.code, f"家庭信息有误：{exc.message}", exc.extra) from exc
        if not data.get("on"):
            check_assessment_date(facts.as_of, field="household.as_of", label="家庭信息·评估日期（as_of）")
        result, versions = assess_facts(facts, data["region"], data.get("on") or facts.as_of)
        return Response({**result.to_dict(), "policy_versions": _versions(versions)})


class HouseholdAssessApi(APIView):
    """Assess a registered household from its recorded evidence; keep the assessment if the role does.

    Roles that keep households' files store the result (``assessment_id``); a city supervisor
    gets the same result as a preview (``kept`` false, ``assessment_id`` null). ``keep: false``
    previews for anyone; ``keep: true`` from a previewing role is refused (403).
    """

    permission_classes = [IsAuthenticated, CanAssess]

    class InputSerializer(serializers.Serializer):
        on = serializers.DateField(label="评估日期", required=False, validators=[_validate_on])
        keep = serializers.BooleanField(
            label="留存评估记录",
            required=False,
            allow_null=True,
            default=None,
            help_text="不填：可留存的角色留存，其他角色只试算；false：只试算；true：必须留存",
        )

        class Meta:
            ref_name = "HouseholdAssessInput"

    @extend_schema(
        tags=[TAG],
        operation_id="households_assess",
        summary="评估登记家庭（经办角色留存评估记录，监管角色只试算）",
        request=InputSerializer,
        responses={200: OpenApiTypes.OBJECT},
    )
    def post(self, request, household_id: int):
        data = validated(self.InputSerializer, request.data)
        keep = data.get("keep")
        if keep is None:
            keep = can_record_assessment(request.user)
        household = household_get(actor=request.user, household_id=household_id)
        if keep:
            result, record = do_assess_household(request.user, household, on=data.get("on"))
            versions = record.policy_versions.select_related("region")
        else:
            result, versions, _facts = preview_household_assessment(request.user, household, on=data.get("on"))
            record = None
        return Response(
            {
                **result.to_dict(),
                "kept": record is not None,
                "assessment_id": record.pk if record else None,
                "policy_versions": _versions(versions),
            }
        )


class PolicyVersionListApi(APIView):
    """The policy versions the user may read: own region, its ancestors and its subtree."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        region = serializers.CharField(source="region_id")
        region_name = serializers.CharField(source="region.name")
        number = serializers.IntegerField()
        status = serializers.CharField()
        title = serializers.CharField()
        published_at = serializers.DateTimeField(allow_null=True)
        publish_reason = serializers.CharField()

        class Meta:
            ref_name = "PolicyVersionSummary"

    @extend_schema(
        tags=[TAG],
        operation_id="policy_versions",
        summary="政策参数版本列表",
        responses={200: OutputSerializer(many=True)},
    )
    def get(self, request):
        return Response(self.OutputSerializer(version_list(actor=request.user), many=True).data)


class PolicyVersionDetailApi(APIView):
    class OutputSerializer(PolicyVersionListApi.OutputSerializer):
        content = serializers.CharField()

        class Meta:
            ref_name = "PolicyVersionDetail"

    @extend_schema(
        tags=[TAG],
        operation_id="policy_version_detail",
        summary="政策参数版本（含参数文件）",
        responses={200: OutputSerializer},
    )
    def get(self, request, version_id: int):
        return Response(self.OutputSerializer(version_get(actor=request.user, version_id=version_id)).data)
