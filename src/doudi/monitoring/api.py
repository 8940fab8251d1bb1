"""The monitoring API: alerts (list, detail with evidence, outcome), monitoring runs (list, start one).

Scoped like the pages: a user sees and handles only the alerts of their region's subtree, an alert
of another region answers 404 as one that does not exist; ID numbers are masked; reading an alert
(its department evidence) is logged like a registry full record (``RecordAccess``). Recording an
outcome goes through the same service as the alert page (``do_resolve_alert``). Starting a run needs
``RUN_MONITORING`` and a region inside the user's own; the run itself happens in the background
worker (``tasks.run_region``) and shows in the runs list when finished.
"""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope, scope_prefix
from doudi.audit.services import log_record_access
from doudi.core.api import ApiPagination, validated
from doudi.core.errors import DomainError
from doudi.core.masking import mask_id_number
from doudi.monitoring import selectors
from doudi.monitoring.models import Alert, AlertStatus, MonitoringRun, Outcome
from doudi.monitoring.rules import RULE_BY_CODE
from doudi.monitoring.services.alerts import do_resolve_alert
from doudi.policy.engine.parameters import MONITORING_RULE_LABELS
from doudi.regions.models import Region, pad_code, prefix_of

TAG = "monitoring"
STATUS_CHOICES = [*AlertStatus.choices, ("all", "全部")]


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("monitoring_invalid", message, {"field": field})


def alert_data(alert: Alert) -> dict:
    person = alert.person
    return {
        "id": alert.pk,
        "rule": alert.rule,
        "rule_label": MONITORING_RULE_LABELS.get(alert.rule, alert.rule),
        "alert_class": alert.alert_class,
        "alert_class_label": alert.get_alert_class_display(),
        "severity": alert.severity,
        "severity_label": alert.get_severity_display(),
        "summary": alert.summary,
        "status": alert.status,
        "status_label": alert.get_status_display(),
        "household": alert.household_id,
        "household_number": alert.household.number if alert.household_id else None,
        "person": alert.person_id,
        "person_name": person.name if person else None,
        "id_number": mask_id_number(person.id_number) if person else None,
        "region": alert.region_id,
        "region_name": alert.region.name,
        "township": alert.township_id,
        "event_date": alert.event_date.isoformat() if alert.event_date else None,
        "detected_on": alert.detected_on.isoformat(),
        "due_on": alert.due_on.isoformat(),
        "assigned_to": alert.assigned_to.username if alert.assigned_to_id else None,
        "outcome": alert.outcome or None,
        "outcome_label": alert.get_outcome_display() if alert.outcome else None,
        "version": alert.version,
    }


def alert_detail_data(alert: Alert) -> dict:
    rule = RULE_BY_CODE.get(alert.rule)
    return {
        **alert_data(alert),
        "action": rule.action if rule else "",
        "evidence": alert.evidence,
        "findings": alert.findings,
        "outcome_reason": alert.outcome_reason,
        "outcome_case": alert.outcome_case_id,
        "resolved_on": alert.resolved_on.isoformat() if alert.resolved_on else None,
        "cleared_on": alert.cleared_on.isoformat() if alert.cleared_on else None,
    }


def run_data(run: MonitoringRun) -> dict:
    return {
        "id": run.pk,
        "region": run.region_id,
        "region_name": run.region.name,
        "on": run.on.isoformat(),
        "engine": run.engine,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "opened": run.opened,
        "closed": run.closed,
        "unchanged": run.unchanged,
        "by_rule": run.by_rule,
        "started_by": run.started_by.username if run.started_by_id else None,
    }


class AlertFilter(serializers.Serializer):
    status = serializers.ChoiceField(label="状态", choices=STATUS_CHOICES, default=AlertStatus.OPEN)
    rule = serializers.ChoiceField(label="预警规则", choices=list(MONITORING_RULE_LABELS.items()), required=False)
    region = serializers.RegexField(label="地区代码", regex=r"^\d{2,12}$", required=False)


class AlertListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination

    @extend_schema(
        tags=[TAG],
        summary="监测预警列表（本辖区，身份证号脱敏）",
        parameters=[
            OpenApiParameter("status", str, enum=[c for c, _ in STATUS_CHOICES], description="状态，默认待核查"),
            OpenApiParameter("rule", str, enum=list(MONITORING_RULE_LABELS), description="预警规则"),
            OpenApiParameter("region", str, description="地区代码（本辖区内的乡镇、村）"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: dict},
        operation_id="monitoring_alerts_list",
    )
    def get(self, request):
        check_capability(request.user, Capability.HANDLE_ALERTS, "您的角色无权查看监测预警。")
        data = validated(AlertFilter, request.query_params)
        status_ = data["status"]
        qs = selectors.alert_list(
            actor=request.user, status="" if status_ == "all" else status_, rule=data.get("rule", "")
        )
        if data.get("region"):
            code = pad_code(data["region"])
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise _invalid("region", f"地区代码：“{data['region']}”不存在。")
            check_in_scope(request.user, code, "地区")
            qs = qs.filter(region__code__startswith=prefix_of(code))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs.select_related("township"), request, view=self)
        return paginator.get_paginated_response([alert_data(a) for a in page])


class AlertDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=[TAG], summary="监测预警详情及证据（查看将被记录）", responses={200: dict})
    def get(self, request, alert_id: int):
        check_capability(request.user, Capability.HANDLE_ALERTS, "您的角色无权查看监测预警。")
        alert = selectors.alert_get(actor=request.user, alert_id=alert_id)
        log_record_access(
            request.user,
            person_id=alert.person_id,
            household_id=alert.household_id,
            region_code=alert.region_id,
            channel="api",
            detail=f"GET {request.path}",
        )
        return Response(alert_detail_data(alert))


class OutcomeInput(serializers.Serializer):
    outcome = serializers.ChoiceField(label="处理结果", choices=Outcome.choices)
    findings = serializers.CharField(label="核查情况", max_length=4000)
    reason = serializers.CharField(label="理由", max_length=4000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(label="版本", min_value=1)


class AlertOutcomeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=[TAG],
        summary="记录预警核查情况和处理结果",
        request=OutcomeInput,
        responses={200: dict},
        operation_id="monitoring_alert_outcome",
    )
    def post(self, request, alert_id: int):
        check_capability(request.user, Capability.HANDLE_ALERTS, "您的角色无权处理监测预警。")
        alert = selectors.alert_get(actor=request.user, alert_id=alert_id)
        data = validated(OutcomeInput, request.data)
        alert = do_resolve_alert(
            request.user,
            alert,
            outcome=data["outcome"],
            findings=data["findings"],
            reason=data.get("reason", ""),
            expected_version=data["version"],
        )
        alert = selectors.alert_get(actor=request.user, alert_id=alert.pk)
        return Response(alert_detail_data(alert))


class RunInput(serializers.Serializer):
    region = serializers.RegexField(label="地区代码", regex=r"^\d{6}(\d{6})?$")
    on = serializers.DateField(label="监测日期", required=False)


class RunListApi(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = ApiPagination

    @extend_schema(
        tags=[TAG], summary="监测运行记录（本辖区）", responses={200: dict}, operation_id="monitoring_runs_list"
    )
    def get(self, request):
        check_capability(request.user, Capability.HANDLE_ALERTS, "您的角色无权查看监测运行记录。")
        prefix = scope_prefix(request.user)
        qs = MonitoringRun.objects.select_related("region", "started_by").order_by("-started_at", "-id")
        # The runs of the user's subtree and those of the regions above it (a county's run covers its townships).
        qs = qs.filter(Q(region__code__startswith=prefix) | Q(region__code__in=selectors._ancestors(prefix)))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([run_data(r) for r in page])

    @extend_schema(
        tags=[TAG],
        summary="运行本地区的监测规则（后台执行）",
        request=RunInput,
        responses={202: dict},
        operation_id="monitoring_runs_start",
    )
    def post(self, request):
        from doudi.monitoring.tasks import run_region

        check_capability(request.user, Capability.RUN_MONITORING, "您的角色无权运行监测规则。")
        data = validated(RunInput, request.data)
        code = pad_code(data["region"])
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise _invalid("region", f"地区代码：“{data['region']}”不存在。")
        check_in_scope(request.user, code, "地区")
        on = data.get("on")
        result = run_region.enqueue(code, on.isoformat() if on else None, request.user.pk)
        body = {
            "task": str(result.id),
            "region": code,
            "region_name": region.name,
            "on": on.isoformat() if on else None,
            "message": f"已提交{region.name}的监测运行，完成后见运行记录。",
        }
        return Response(body, status=status.HTTP_202_ACCEPTED)
