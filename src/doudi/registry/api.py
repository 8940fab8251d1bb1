"""The registry API: households, persons and their dated evidence.

One class per operation, each with its own input and output serializers and no rules of its
own: reads go through ``doudi.registry.selectors`` (which apply the user's region scope, so a
record outside it is answered with the same 404 as a missing one), writes through
``doudi.registry.services`` (which validate, write the audit rows and check versions).

Writes are ``POST …/<action>/`` in the HackSoft manner, and are refused (403) to roles that
may not edit the registry before any record is looked up, so they learn nothing about IDs.
Identifiers (ID number, phone, bank account) are masked everywhere except in
``GET /api/persons/{id}/full/``, whose every answer is logged as a ``RecordAccess``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability
from doudi.audit.services import log_record_access
from doudi.core.api import ApiPagination, validated
from doudi.core.masking import mask_bank_account, mask_field, mask_id_number, mask_phone
from doudi.regions.models import AreaType, prefix_of
from doudi.registry import moves, selectors, services
from doudi.registry.models import (
    EVIDENCE_MODELS,
    EvidenceSource,
    Gender,
    HouseholdStatus,
    Person,
    Relation,
)
from doudi.registry.validation import PersonInput

TAG = "registry"


class CanEditRegistry(BasePermission):
    """Refuse roles without ``edit_registry`` (city supervisor, auditor) before any lookup.

    Raises the domain's ``PermissionDenied`` so that the answer carries the domain's message.
    """

    def has_permission(self, request, view) -> bool:
        check_capability(request.user, Capability.EDIT_REGISTRY, "您的角色无权修改登记信息。")
        return True


WRITE_PERMISSIONS = [IsAuthenticated, CanEditRegistry]


RegistryPagination = ApiPagination  # the name the case API imports


def paginated_response(view: APIView, request, queryset, serializer_class) -> Response:
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _plain(value: Any) -> Any:
    """Money as a string (never a float), dates in ISO form."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------
# Output serializers shared by several operations
# ---------------------------------------------------------------------------------------------


class MaskedCharField(serializers.CharField):
    """A read-only string shown through a masking function (``doudi.core.masking``)."""

    def __init__(self, masker, **kwargs):
        self.masker = masker
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return self.masker(value)


class EvidenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.SerializerMethodField(label="类别")
    kind_label = serializers.CharField(label="类别名称")
    person_id = serializers.IntegerField(label="人员")
    valid_from = serializers.DateField(label="生效日期")
    valid_to = serializers.DateField(label="失效日期", allow_null=True)
    source = serializers.ChoiceField(label="来源", choices=EvidenceSource.choices)
    note = serializers.CharField(label="说明")
    values = serializers.SerializerMethodField(label="内容")
    recorded_at = serializers.DateTimeField(label="登记时间")
    # Demo and imported evidence has no recording user: the answer is null, and the schema says so.
    recorded_by = serializers.CharField(
        source="recorded_by.display_name", default=None, allow_null=True, label="登记人"
    )
    superseded_at = serializers.DateTimeField(label="被更正时间", allow_null=True)

    class Meta:
        ref_name = "Evidence"

    def get_kind(self, row) -> str:
        return row.kind()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_values(self, row) -> dict[str, Any]:
        """Return the evidence's values; identifiers (a 残疾人证号 holds the ID number) masked unless the
        caller is the logged full record (context ``unmasked``)."""
        if self.context.get("unmasked"):
            return {name: _plain(getattr(row, name)) for name in row.value_fields}
        return {name: _plain(mask_field(name, getattr(row, name))) for name in row.value_fields}


class _RegionRefSerializer(serializers.Serializer):
    code = serializers.CharField(label="区划代码")
    full_name = serializers.CharField(label="全称")

    class Meta:
        ref_name = "RegionRef"


class _PersonBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(label="姓名")
    gender = serializers.ChoiceField(label="性别", choices=Gender.choices)
    birth_date = serializers.DateField(label="出生日期")
    household_id = serializers.IntegerField(label="所在家庭", allow_null=True)
    relation = serializers.ChoiceField(label="与户主关系", choices=Relation.choices, allow_blank=True)
    hukou_region_code = serializers.CharField(source="hukou_region_id", allow_null=True, label="户籍地")
    hukou_type = serializers.ChoiceField(label="户籍性质", choices=AreaType.choices, allow_blank=True)
    residence_address = serializers.CharField(label="居住地址")
    bank_name = serializers.CharField(label="开户银行")
    death_date = serializers.DateField(label="死亡日期", allow_null=True)
    version = serializers.IntegerField(label="版本", help_text="修改时作为 expected_version 提交")


class PersonMaskedSerializer(_PersonBaseSerializer):
    """A person as lists show it: ID number, phone and bank account masked."""

    id_number = MaskedCharField(mask_id_number, label="公民身份号码（脱敏）")
    phone = MaskedCharField(mask_phone, label="手机号（脱敏）")
    bank_account = MaskedCharField(mask_bank_account, label="银行账号（脱敏）")

    class Meta:
        ref_name = "PersonMasked"


class _HouseholdSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(label="户编号")
    region = _RegionRefSerializer(label="所在村/社区")
    area_type = serializers.ChoiceField(label="城乡类别", choices=AreaType.choices)
    address = serializers.CharField(label="居住地址")
    head_name = serializers.CharField(label="户主姓名")
    member_count = serializers.IntegerField(label="成员数")
    status = serializers.ChoiceField(label="状态", choices=HouseholdStatus.choices)
    version = serializers.IntegerField(label="版本", help_text="修改时作为 expected_version 提交")
    updated_at = serializers.DateTimeField(label="更新时间")

    class Meta:
        ref_name = "HouseholdSummary"


class _MemberSerializer(PersonMaskedSerializer):
    evidence = EvidenceOutputSerializer(many=True, source="current_evidence", label="现行证据")

    class Meta:
        ref_name = "HouseholdMember"


class HouseholdDetailOutputSerializer(_HouseholdSummarySerializer):
    note = serializers.CharField(label="备注")
    created_at = serializers.DateTimeField(label="创建时间")
    members = _MemberSerializer(many=True, source="current_members", label="现有成员")

    class Meta:
        ref_name = "HouseholdDetail"


def _household_detail(household, actor) -> dict:
    """Return the household's detail answer: current members (masked) with the evidence ``actor`` may see."""
    members = selectors.household_members(household)
    evidence = selectors.visible_evidence(actor=actor, person_ids=[m.pk for m in members])
    for member in members:
        member.current_evidence = [row for rows in evidence.values() for row in rows if row.person_id == member.pk]
    household.current_members = members
    return HouseholdDetailOutputSerializer(household).data


def _person_evidence(person, actor) -> list:
    return [row for rows in selectors.visible_evidence(actor=actor, person_ids=[person.pk]).values() for row in rows]


# ---------------------------------------------------------------------------------------------
# Input serializers shared by several operations
# ---------------------------------------------------------------------------------------------

_OPTIONAL_TEXT = {"required": False, "allow_blank": True}
_DERIVED_HELP = "可不填（由身份证号得出）；填写时须与身份证号一致"


class PersonInputSerializer(serializers.Serializer):
    """What a user supplies about a new person; gender and birth date are derived from the ID number."""

    id_number = serializers.CharField(label="公民身份号码", max_length=24)
    name = serializers.CharField(label="姓名", max_length=50)
    relation = serializers.ChoiceField(label="与户主关系", choices=Relation.choices)
    gender = serializers.ChoiceField(
        label="性别", choices=Gender.choices, required=False, allow_null=True, help_text=_DERIVED_HELP
    )
    birth_date = serializers.DateField(label="出生日期", required=False, allow_null=True, help_text=_DERIVED_HELP)
    hukou_region_code = serializers.CharField(label="户籍地区划代码", max_length=12, **_OPTIONAL_TEXT)
    hukou_type = serializers.ChoiceField(label="户籍性质", choices=AreaType.choices, **_OPTIONAL_TEXT)
    residence_address = serializers.CharField(label="居住地址", max_length=200, **_OPTIONAL_TEXT)
    phone = serializers.CharField(label="手机号", max_length=20, **_OPTIONAL_TEXT)
    bank_name = serializers.CharField(label="开户银行", max_length=60, **_OPTIONAL_TEXT)
    bank_account = serializers.CharField(label="银行账号", max_length=40, **_OPTIONAL_TEXT)

    class Meta:
        ref_name = "PersonInput"


class HeadInputSerializer(PersonInputSerializer):
    """The head of a new household: the relation is always 户主."""

    relation = serializers.HiddenField(default=Relation.HEAD)

    class Meta:
        ref_name = "HeadInput"


def _person_input(data: dict) -> PersonInput:
    return PersonInput(**data)


# ---------------------------------------------------------------------------------------------
# Households
# ---------------------------------------------------------------------------------------------


class HouseholdListApi(APIView):
    """List the households of the user's subtree, searched and filtered, 50 a page."""

    pagination_class = RegistryPagination

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(
            label="查询",
            max_length=50,
            help_text="18 位身份证号（任一成员）、户编号或区划代码前缀、或成员姓名（完全一致）",
            **_OPTIONAL_TEXT,
        )
        region = serializers.RegexField(
            r"^\d{2,12}$",
            label="区划",
            help_text="区划代码（2 至 12 位），只列出该区划内的家庭",
            error_messages={"invalid": "应为 2 至 12 位数字的区划代码。"},
            **_OPTIONAL_TEXT,
        )
        status = serializers.ChoiceField(
            label="状态",
            choices=[*HouseholdStatus.choices, ("all", "全部")],
            required=False,
            default=HouseholdStatus.ACTIVE,
        )

        class Meta:
            ref_name = "HouseholdListFilter"

    class OutputSerializer(_HouseholdSummarySerializer):
        head_id_number = serializers.SerializerMethodField(label="户主身份证号（脱敏）")

        class Meta:
            ref_name = "HouseholdListItem"

        def get_head_id_number(self, household) -> str:
            return mask_id_number(household.heads[0].id_number) if household.heads else ""

    @extend_schema(
        operation_id="households_list",
        summary="家庭列表（证件号脱敏）",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request):
        filters = validated(self.FilterSerializer, request.query_params)
        region = filters.get("region", "")
        households = selectors.household_list(
            actor=request.user,
            q=filters.get("q", ""),
            region_code=prefix_of(region) if len(region) == 12 else region,
            status="" if filters["status"] == "all" else filters["status"],
        ).prefetch_related(Prefetch("members", Person.objects.filter(relation=Relation.HEAD), to_attr="heads"))
        return paginated_response(self, request, households, self.OutputSerializer)


class HouseholdDetailApi(APIView):
    """Return a household with its current members (identifiers masked) and their current evidence."""

    @extend_schema(
        operation_id="households_retrieve",
        summary="家庭详情（成员证件号脱敏）",
        responses={200: HouseholdDetailOutputSerializer},
        tags=[TAG],
    )
    def get(self, request, household_id: int):
        household = selectors.household_get(actor=request.user, household_id=household_id)
        return Response(_household_detail(household, request.user))


class HouseholdCreateApi(APIView):
    """Register a household in a village of the user's subtree, with its head and other members."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        region = serializers.CharField(label="所在村/社区", max_length=12, help_text="12 位村/社区区划代码")
        address = serializers.CharField(label="居住地址", max_length=200, **_OPTIONAL_TEXT)
        note = serializers.CharField(label="备注", max_length=200, **_OPTIONAL_TEXT)
        joined_on = serializers.DateField(label="入户日期", required=False, help_text="默认今天")
        head = HeadInputSerializer(label="户主")
        members = PersonInputSerializer(many=True, required=False, label="其他成员")
        join_existing = serializers.BooleanField(
            label="迁入已登记人员",
            required=False,
            default=False,
            help_text="为 true 时，已有登记、目前不属于任何家庭的人员（错误 person_without_household）迁入新家庭，"
            "姓名须与登记一致，原有记录保留",
        )
        join_reason = serializers.CharField(label="迁入原因", max_length=100, **_OPTIONAL_TEXT)

        class Meta:
            ref_name = "HouseholdCreateInput"

    @extend_schema(
        operation_id="households_create",
        summary="新建家庭（户主及成员）",
        request=InputSerializer,
        responses={201: HouseholdDetailOutputSerializer},
        tags=[TAG],
    )
    def post(self, request):
        data = validated(self.InputSerializer, request.data)
        household = services.do_create_household(
            request.user,
            region_code=data["region"],
            head=_person_input(data["head"]),
            members=[_person_input(m) for m in data.get("members", [])],
            address=data.get("address", ""),
            note=data.get("note", ""),
            joined_on=data.get("joined_on"),
            join_existing=data.get("join_existing", False),
            join_reason=data.get("join_reason", ""),
        )
        household = selectors.household_get(actor=request.user, household_id=household.pk)
        return Response(_household_detail(household, request.user), status=status.HTTP_201_CREATED)


class HouseholdUpdateApi(APIView):
    """Change a household's address, note or village; 409 if it changed since ``expected_version``."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        expected_version = serializers.IntegerField(label="版本", min_value=1, help_text="读取时的 version")
        reason = serializers.CharField(label="变更原因", max_length=200, **_OPTIONAL_TEXT)
        address = serializers.CharField(label="居住地址", max_length=200, **_OPTIONAL_TEXT)
        note = serializers.CharField(label="备注", max_length=200, **_OPTIONAL_TEXT)
        region = serializers.CharField(label="所在村/社区", max_length=12, required=False, help_text="12 位代码")

        class Meta:
            ref_name = "HouseholdUpdateInput"

    @extend_schema(
        operation_id="households_update",
        summary="修改家庭（地址、备注、所在村/社区）",
        request=InputSerializer,
        responses={200: HouseholdDetailOutputSerializer},
        tags=[TAG],
    )
    def post(self, request, household_id: int):
        data = dict(validated(self.InputSerializer, request.data))
        household = selectors.household_get(actor=request.user, household_id=household_id)
        services.do_update_household(
            request.user,
            household,
            expected_version=data.pop("expected_version"),
            reason=data.pop("reason", ""),
            **data,
        )
        household = selectors.household_get(actor=request.user, household_id=household_id)
        return Response(_household_detail(household, request.user))


class MemberAddApi(APIView):
    """Register a new person as a member of a household.

    An ID number already held by a person who belongs to no household is answered 400
    ``person_without_household`` (``extra.join`` true): take that person in with ``members/join/``.
    """

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(PersonInputSerializer):
        joined_on = serializers.DateField(label="入户日期", required=False, help_text="默认今天")

        class Meta:
            ref_name = "MemberAddInput"

    @extend_schema(
        operation_id="households_members_add",
        summary="添加家庭成员",
        request=InputSerializer,
        responses={201: PersonMaskedSerializer},
        tags=[TAG],
    )
    def post(self, request, household_id: int):
        data = dict(validated(self.InputSerializer, request.data))
        joined_on = data.pop("joined_on", None)
        household = selectors.household_get(actor=request.user, household_id=household_id)
        person = services.do_add_member(request.user, household, person=_person_input(data), joined_on=joined_on)
        return Response(PersonMaskedSerializer(person).data, status=status.HTTP_201_CREATED)


class MemberJoinApi(APIView):
    """迁入: take a registered person who belongs to no household into this household.

    The answer to ``members/add/`` for such a person is ``person_without_household``; this is the
    operation it points to. The person's record and earlier memberships are kept; what another
    region recorded stays out of this region's answers (see ``doudi.registry.moves``).
    """

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        id_number = serializers.CharField(label="公民身份号码", max_length=24)
        name = serializers.CharField(label="姓名", max_length=50, help_text="须与登记的姓名一致")
        relation = serializers.ChoiceField(label="与户主关系", choices=Relation.choices)
        joined_on = serializers.DateField(label="迁入日期")
        reason = serializers.CharField(label="迁入原因", max_length=100)

        class Meta:
            ref_name = "MemberJoinInput"

    @extend_schema(
        operation_id="households_members_join",
        summary="迁入成员（已有登记、目前不属于任何家庭的人员）",
        request=InputSerializer,
        responses={201: PersonMaskedSerializer},
        tags=[TAG],
    )
    def post(self, request, household_id: int):
        data = validated(self.InputSerializer, request.data)
        household = selectors.household_get(actor=request.user, household_id=household_id)
        person = moves.do_join_household(
            request.user,
            household,
            data["id_number"],
            relation=data["relation"],
            joined_on=data["joined_on"],
            reason=data["reason"],
            name=data["name"],
        )
        return Response(PersonMaskedSerializer(person).data, status=status.HTTP_201_CREATED)


class _MoveMemberSerializer(serializers.Serializer):
    person_id = serializers.IntegerField(label="人员")
    relation = serializers.ChoiceField(label="与户主关系", choices=Relation.choices)

    class Meta:
        ref_name = "MoveMember"


class HouseholdSplitApi(APIView):
    """分户: the chosen members leave for a new household of the same village; answers the new household."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        members = _MoveMemberSerializer(many=True, label="分出成员", help_text="与新户主的关系；新户主本人可不列")
        head_id = serializers.IntegerField(label="新户户主")
        split_on = serializers.DateField(label="分户日期")
        reason = serializers.CharField(label="分户原因", max_length=100)
        address = serializers.CharField(label="新户居住地址", max_length=200, **_OPTIONAL_TEXT)

        class Meta:
            ref_name = "HouseholdSplitInput"

    @extend_schema(
        operation_id="households_split",
        summary="分户",
        request=InputSerializer,
        responses={201: HouseholdDetailOutputSerializer},
        tags=[TAG],
    )
    def post(self, request, household_id: int):
        data = validated(self.InputSerializer, request.data)
        household = selectors.household_get(actor=request.user, household_id=household_id)
        new = moves.do_split_household(
            request.user,
            household,
            members={m["person_id"]: m["relation"] for m in data["members"]},
            head_id=data["head_id"],
            split_on=data["split_on"],
            reason=data["reason"],
            address=data.get("address", ""),
        )
        new = selectors.household_get(actor=request.user, household_id=new.pk)
        return Response(_household_detail(new, request.user), status=status.HTTP_201_CREATED)


class HouseholdMergeApi(APIView):
    """合户: every member of ``source_household_id`` joins this household; the source is closed."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        source_household_id = serializers.IntegerField(label="并入本户的家庭")
        relations = _MoveMemberSerializer(
            many=True, required=False, label="成员与本户户主关系", help_text="未列出的成员为“其他”"
        )
        merged_on = serializers.DateField(label="合户日期")
        reason = serializers.CharField(label="合户原因", max_length=100)

        class Meta:
            ref_name = "HouseholdMergeInput"

    @extend_schema(
        operation_id="households_merge",
        summary="合户（另一户并入本户）",
        request=InputSerializer,
        responses={200: HouseholdDetailOutputSerializer},
        tags=[TAG],
    )
    def post(self, request, household_id: int):
        data = validated(self.InputSerializer, request.data)
        target = selectors.household_get(actor=request.user, household_id=household_id)
        source = selectors.household_get(actor=request.user, household_id=data["source_household_id"])
        moves.do_merge_households(
            request.user,
            source,
            target,
            relations={m["person_id"]: m["relation"] for m in data.get("relations", [])},
            merged_on=data["merged_on"],
            reason=data["reason"],
        )
        target = selectors.household_get(actor=request.user, household_id=household_id)
        return Response(_household_detail(target, request.user))


class HouseholdHistoryApi(APIView):
    """List the household's audit trail, newest first (identifiers in it are stored masked)."""

    pagination_class = RegistryPagination

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        at = serializers.DateTimeField(label="时间")
        actor = serializers.CharField(source="actor.display_name", default=None, label="操作人")
        action = serializers.CharField(label="操作")
        target_type = serializers.CharField(label="对象类型")
        target_id = serializers.CharField(label="对象编号")
        target_label = serializers.CharField(label="对象")
        changes = serializers.JSONField(
            label="变更内容", help_text="{字段: {label, old, new}}；证件号、手机号、银行账号为脱敏值"
        )
        reason = serializers.CharField(label="原因")

        class Meta:
            ref_name = "HouseholdHistoryEvent"

    @extend_schema(
        operation_id="households_history",
        summary="家庭变更记录",
        responses={200: OutputSerializer(many=True)},
        tags=[TAG],
    )
    def get(self, request, household_id: int):
        household = selectors.household_get(actor=request.user, household_id=household_id)
        events = selectors.household_history(actor=request.user, household=household)
        return paginated_response(self, request, events, self.OutputSerializer)


class HouseholdAsOfApi(APIView):
    """Answer "what was true of this household on ``on``, as known at ``known_at``" (default: now).

    Members are those whose membership covered the day; evidence is what was valid that day and
    recorded, and not yet corrected, at ``known_at``: pass a past decision's time to see its basis.
    """

    class FilterSerializer(serializers.Serializer):
        on = serializers.DateField(label="日期", help_text="YYYY-MM-DD")
        known_at = serializers.DateTimeField(label="知悉时间", required=False, help_text="ISO 8601，默认现在")

        class Meta:
            ref_name = "HouseholdAsOfFilter"

    class OutputSerializer(serializers.Serializer):
        class MemberSerializer(serializers.Serializer):
            person = PersonMaskedSerializer()
            relation = serializers.ChoiceField(label="与户主关系", choices=Relation.choices)
            evidence = serializers.SerializerMethodField(label="当日有效证据")

            class Meta:
                ref_name = "HouseholdAsOfMember"

            @extend_schema_field(EvidenceOutputSerializer(many=True))
            def get_evidence(self, member):
                rows = [row for rows in member.evidence.values() for row in rows]
                return EvidenceOutputSerializer(rows, many=True).data

        household = _HouseholdSummarySerializer()
        on = serializers.DateField(label="日期")
        known_at = serializers.DateTimeField(label="知悉时间")
        members = MemberSerializer(many=True, label="当日成员")

        class Meta:
            ref_name = "HouseholdAsOf"

    @extend_schema(
        operation_id="households_as_of",
        summary="某日的家庭情况（可指定知悉时间）",
        parameters=[FilterSerializer],
        responses={200: OutputSerializer},
        tags=[TAG],
    )
    def get(self, request, household_id: int):
        filters = validated(self.FilterSerializer, request.query_params)
        household = selectors.household_get(actor=request.user, household_id=household_id)
        snapshot = selectors.household_as_of(
            household, on=filters["on"], known_at=filters.get("known_at"), actor=request.user
        )
        return Response(self.OutputSerializer(snapshot).data)


# ---------------------------------------------------------------------------------------------
# Persons
# ---------------------------------------------------------------------------------------------


class _PersonWithEvidenceSerializer(PersonMaskedSerializer):
    household = _HouseholdSummarySerializer(allow_null=True, label="所在家庭")
    evidence = serializers.SerializerMethodField(label="现行证据")

    class Meta:
        ref_name = "PersonDetail"

    @extend_schema_field(EvidenceOutputSerializer(many=True))
    def get_evidence(self, person):
        rows = _person_evidence(person, self.context["actor"])
        return EvidenceOutputSerializer(rows, many=True, context={"unmasked": self.context.get("unmasked")}).data


class PersonDetailApi(APIView):
    """Return a person with identifiers masked, the household and the current evidence."""

    @extend_schema(
        operation_id="persons_retrieve",
        summary="人员详情（证件号脱敏）",
        responses={200: _PersonWithEvidenceSerializer},
        tags=[TAG],
    )
    def get(self, request, person_id: int):
        person = selectors.person_get(actor=request.user, person_id=person_id)
        return Response(_PersonWithEvidenceSerializer(person, context={"actor": request.user}).data)


class PersonFullApi(APIView):
    """Return a person's full record, identifiers unmasked; every answer is logged (who, when, whom)."""

    class OutputSerializer(_PersonWithEvidenceSerializer):
        id_number = serializers.CharField(label="公民身份号码")
        phone = serializers.CharField(label="手机号")
        bank_account = serializers.CharField(label="银行账号")

        class Meta:
            ref_name = "PersonFull"

    @extend_schema(
        operation_id="persons_full",
        summary="人员完整信息（不脱敏，查看将被记录）",
        responses={200: OutputSerializer},
        tags=[TAG],
    )
    def get(self, request, person_id: int):
        person = selectors.person_get(actor=request.user, person_id=person_id)
        log_record_access(
            request.user,
            person_id=person.pk,
            household_id=person.household_id,
            region_code=person.region_code,
            channel="api",
            detail=f"GET {request.path}",
        )
        return Response(self.OutputSerializer(person, context={"actor": request.user, "unmasked": True}).data)


class PersonUpdateApi(APIView):
    """Change a person's details (not the ID number); 409 if changed since ``expected_version``."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        expected_version = serializers.IntegerField(label="版本", min_value=1, help_text="读取时的 version")
        reason = serializers.CharField(label="变更原因", max_length=200, **_OPTIONAL_TEXT)
        name = serializers.CharField(label="姓名", max_length=50, required=False)
        relation = serializers.ChoiceField(label="与户主关系", choices=Relation.choices, required=False)
        hukou_region_code = serializers.CharField(label="户籍地区划代码", max_length=12, **_OPTIONAL_TEXT)
        hukou_type = serializers.ChoiceField(label="户籍性质", choices=AreaType.choices, **_OPTIONAL_TEXT)
        residence_address = serializers.CharField(label="居住地址", max_length=200, **_OPTIONAL_TEXT)
        phone = serializers.CharField(label="手机号", max_length=20, **_OPTIONAL_TEXT)
        bank_name = serializers.CharField(label="开户银行", max_length=60, **_OPTIONAL_TEXT)
        bank_account = serializers.CharField(label="银行账号", max_length=40, **_OPTIONAL_TEXT)

        class Meta:
            ref_name = "PersonUpdateInput"

    @extend_schema(
        operation_id="persons_update",
        summary="修改人员信息",
        request=InputSerializer,
        responses={200: PersonMaskedSerializer},
        tags=[TAG],
    )
    def post(self, request, person_id: int):
        data = dict(validated(self.InputSerializer, request.data))
        person = selectors.person_get(actor=request.user, person_id=person_id)
        person = services.do_update_person(
            request.user,
            person,
            expected_version=data.pop("expected_version"),
            reason=data.pop("reason", ""),
            **data,
        )
        return Response(PersonMaskedSerializer(person).data)


class MemberRemoveApi(APIView):
    """End a person's membership of the current household (moved out, married out, died)."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        left_on = serializers.DateField(label="迁出日期")
        reason = serializers.CharField(label="变动原因", max_length=100)
        death_date = serializers.DateField(label="死亡日期", required=False, allow_null=True)

        class Meta:
            ref_name = "MemberRemoveInput"

    @extend_schema(
        operation_id="persons_remove",
        summary="成员迁出/注销",
        request=InputSerializer,
        responses={200: PersonMaskedSerializer},
        tags=[TAG],
    )
    def post(self, request, person_id: int):
        data = validated(self.InputSerializer, request.data)
        person = selectors.person_get(actor=request.user, person_id=person_id)
        if data.get("death_date"):
            # A death ends the person's benefits and opens the household's change case too.
            from doudi.cases.services.death import do_record_death  # the cases app builds on the registry

            person = do_record_death(
                request.user, person, death_date=data["death_date"], source="api", reason=data["reason"]
            ).person
        else:
            person = services.do_remove_member(request.user, person, left_on=data["left_on"], reason=data["reason"])
        return Response(PersonMaskedSerializer(person).data)


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------

_KIND_CHOICES = [(kind, str(model.kind_label)) for kind, model in EVIDENCE_MODELS.items()]
_VALUES_HELP = "按类别填写的字段：" + "；".join(
    f"{kind}：{', '.join(model.value_fields)}" for kind, model in EVIDENCE_MODELS.items()
)


class EvidenceRecordApi(APIView):
    """Record a new dated fact about a person (income, asset, disability, illness …)."""

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(label="证据类别", choices=_KIND_CHOICES)
        valid_from = serializers.DateField(label="生效日期")
        valid_to = serializers.DateField(label="失效日期", required=False, allow_null=True)
        source = serializers.ChoiceField(label="来源", choices=EvidenceSource.choices, default=EvidenceSource.DECLARED)
        note = serializers.CharField(label="说明", max_length=200, **_OPTIONAL_TEXT)
        values = serializers.DictField(label="内容", help_text=_VALUES_HELP)

        class Meta:
            ref_name = "EvidenceRecordInput"

    @extend_schema(
        operation_id="persons_evidence_record",
        summary="登记证据（收入、财产、残疾等）",
        request=InputSerializer,
        responses={201: EvidenceOutputSerializer},
        tags=[TAG],
    )
    def post(self, request, person_id: int):
        data = validated(self.InputSerializer, request.data)
        person = selectors.person_get(actor=request.user, person_id=person_id)
        row = services.do_record_evidence(
            request.user,
            person,
            kind=data["kind"],
            values=data["values"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            source=data["source"],
            note=data.get("note", ""),
        )
        return Response(EvidenceOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class EvidenceCorrectApi(APIView):
    """Supersede a fact with a corrected copy; the old row stays for "what did we know then".

    ``end`` with ``valid_to`` records that the fact stopped being true on that date.
    """

    permission_classes = WRITE_PERMISSIONS

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(label="更正原因", max_length=200)
        values = serializers.DictField(label="更正后的内容", required=False, help_text=_VALUES_HELP)
        valid_from = serializers.DateField(label="生效日期", required=False)
        valid_to = serializers.DateField(label="失效日期", required=False, allow_null=True)
        end = serializers.BooleanField(label="终止", required=False, default=False)

        class Meta:
            ref_name = "EvidenceCorrectInput"

    @extend_schema(
        operation_id="evidence_correct",
        summary="更正或终止证据",
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(EVIDENCE_MODELS))],
        request=InputSerializer,
        responses={201: EvidenceOutputSerializer},
        tags=[TAG],
    )
    def post(self, request, kind: str, evidence_id: int):
        data = validated(self.InputSerializer, request.data)
        row = selectors.evidence_get(actor=request.user, kind=kind, evidence_id=evidence_id)
        corrected = services.do_correct_evidence(
            request.user,
            row,
            reason=data["reason"],
            values=data.get("values"),
            valid_from=data.get("valid_from"),
            valid_to=data.get("valid_to"),
            end=data["end"],
        )
        return Response(EvidenceOutputSerializer(corrected).data, status=status.HTTP_201_CREATED)
