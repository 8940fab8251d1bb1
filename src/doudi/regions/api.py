"""The regions API: look up regions of the user's subtree by code or name, and walk down the tree."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.core.api import validated
from doudi.regions.models import AreaType, Level
from doudi.regions.selectors import region_children, region_get_in_scope, region_list


class RegionOutputSerializer(serializers.Serializer):
    code = serializers.CharField(label="区划代码", help_text="12 位统计用区划代码")
    name = serializers.CharField(label="名称")
    full_name = serializers.CharField(label="全称")
    level = serializers.ChoiceField(label="级别", choices=Level.choices)
    level_label = serializers.CharField(source="get_level_display", label="级别名称")
    parent_code = serializers.CharField(source="parent_id", allow_null=True, label="上级区划代码")
    area_type = serializers.ChoiceField(label="城乡类别", choices=AreaType.choices, allow_blank=True)

    class Meta:
        ref_name = "Region"


_CODE_PARAMETER = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description="区划代码：2、4、6、9 或 12 位（不足 12 位按级别补零）"
)


class RegionListApi(APIView):
    """Find regions of the user's subtree by code prefix (digits) or name fragment.

    Without ``q`` the answer starts with the user's own region. Regions outside the subtree are
    never returned.
    """

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(label="查询", required=False, default="", allow_blank=True, max_length=80)
        limit = serializers.IntegerField(label="条数", required=False, default=20, min_value=1, max_value=200)

        class Meta:
            ref_name = "RegionListFilter"

    @extend_schema(
        operation_id="regions_list",
        summary="按代码或名称查找本辖区的区划",
        parameters=[FilterSerializer],
        responses={200: RegionOutputSerializer(many=True)},
        tags=["regions"],
    )
    def get(self, request):
        filters = validated(self.FilterSerializer, request.query_params)
        regions = region_list(actor=request.user, query=filters["q"], limit=filters["limit"])
        return Response(RegionOutputSerializer(regions, many=True).data)


class RegionDetailApi(APIView):
    """Return one region of the user's subtree; 404 for a region outside it, as for a missing one."""

    @extend_schema(
        operation_id="regions_retrieve",
        summary="区划详情",
        parameters=[_CODE_PARAMETER],
        responses={200: RegionOutputSerializer},
        tags=["regions"],
    )
    def get(self, request, code: str):
        region = region_get_in_scope(actor=request.user, code=code)
        return Response(RegionOutputSerializer(region).data)


class RegionChildrenApi(APIView):
    """Return the direct children of a region of the user's subtree (a township's villages …)."""

    @extend_schema(
        operation_id="regions_children",
        summary="下级区划",
        parameters=[_CODE_PARAMETER],
        responses={200: RegionOutputSerializer(many=True)},
        tags=["regions"],
    )
    def get(self, request, code: str):
        region = region_get_in_scope(actor=request.user, code=code)
        children = region_children(actor=request.user, region=region)
        return Response(RegionOutputSerializer(children, many=True).data)
