"""Roles and what each may do.

A role says *what* a user may do; the user's region says *where*. Both are checked in
``doudi.accounts.scope``, the one place every page, API, export and admin screen goes through.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VILLAGE_WORKER = "village_worker", _("村/社区专干")
    TOWNSHIP_OFFICER = "township_officer", _("乡镇经办")
    COUNTY_REVIEWER = "county_reviewer", _("县级审核")
    COUNTY_FINANCE = "county_finance", _("县级资金审批")
    CITY_SUPERVISOR = "city_supervisor", _("市级监管")
    AUDITOR = "auditor", _("审计（只读）")
    ADMINISTRATOR = "administrator", _("系统管理员")


class Capability(models.TextChoices):
    EDIT_REGISTRY = "edit_registry", _("维护户籍与家庭信息")
    IMPORT_REGISTRY = "import_registry", _("批量导入")
    EXPORT_UNMASKED = "export_unmasked", _("导出完整证件号")
    MANAGE_REGIONS = "manage_regions", _("更正区划城乡类别")
    MANAGE_USERS = "manage_users", _("管理用户")
    VIEW_AUDIT = "view_audit", _("查看审计日志")
    ASSESS = "assess", _("救助评估")
    EDIT_POLICY = "edit_policy", _("起草政策参数")
    PUBLISH_POLICY = "publish_policy", _("发布政策参数")
    MANAGE_CALENDAR = "manage_calendar", _("录入工作日历（节假日与调休）")
    ACCEPT_APPLICATION = "accept_application", _("受理申请")
    SURVEY = "survey", _("入户调查")
    VERIFY_CASE = "verify_case", _("核对、初审与公示")
    DECIDE_FAST_GRANT = "decide_fast_grant", _("临时救助小额快救、先行救助")
    CONFIRM_CASE = "confirm_case", _("审核确认")
    MANAGE_ENROLMENT = "manage_enrolment", _("保障对象管理")
    VIEW_FEEDS = "view_feeds", _("查看部门数据")
    LOAD_FEEDS = "load_feeds", _("上传部门数据")
    HANDLE_ALERTS = "handle_alerts", _("处理监测预警")
    RUN_MONITORING = "run_monitoring", _("运行监测规则")
    MANAGE_STAFF = "manage_staff", _("维护经办人员名单")
    MAKE_PAYROLL = "make_payroll", _("编制发放名册")
    APPROVE_PAYROLL = "approve_payroll", _("审批发放名册")


# Cases (rules.md §1.8): village workers take applications and survey; townships verify, post the
# notice and decide fast temporary grants; counties confirm. Enrolment is kept by townships and counties.
# Standards are set by provinces and cities (rules.md §1.1, S1 art.10): a county drafts its own
# parameters, a city supervisor or an administrator publishes them.
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VILLAGE_WORKER: frozenset(
        {
            Capability.EDIT_REGISTRY,
            Capability.IMPORT_REGISTRY,
            Capability.ASSESS,
            Capability.ACCEPT_APPLICATION,
            Capability.SURVEY,
            Capability.HANDLE_ALERTS,
        }
    ),
    Role.TOWNSHIP_OFFICER: frozenset(
        {
            Capability.EDIT_REGISTRY,
            Capability.IMPORT_REGISTRY,
            Capability.ASSESS,
            Capability.ACCEPT_APPLICATION,
            Capability.SURVEY,
            Capability.VERIFY_CASE,
            Capability.DECIDE_FAST_GRANT,
            Capability.MANAGE_ENROLMENT,
            Capability.VIEW_FEEDS,
            Capability.HANDLE_ALERTS,
        }
    ),
    Role.COUNTY_REVIEWER: frozenset(
        {
            Capability.EDIT_REGISTRY,
            Capability.IMPORT_REGISTRY,
            Capability.EXPORT_UNMASKED,
            Capability.VIEW_AUDIT,
            Capability.ASSESS,
            Capability.EDIT_POLICY,
            Capability.VERIFY_CASE,
            Capability.CONFIRM_CASE,
            Capability.MANAGE_ENROLMENT,
            Capability.VIEW_FEEDS,
            Capability.LOAD_FEEDS,
            Capability.HANDLE_ALERTS,
            Capability.RUN_MONITORING,
            Capability.MANAGE_STAFF,
            Capability.MAKE_PAYROLL,
        }
    ),
    # Maker and checker (issue #9): the county reviewer makes the payroll, the finance officer approves it.
    Role.COUNTY_FINANCE: frozenset(
        {Capability.VIEW_AUDIT, Capability.MANAGE_ENROLMENT, Capability.MAKE_PAYROLL, Capability.APPROVE_PAYROLL}
    ),
    Role.CITY_SUPERVISOR: frozenset(
        {
            Capability.VIEW_AUDIT,
            Capability.ASSESS,
            Capability.EDIT_POLICY,
            Capability.PUBLISH_POLICY,
            Capability.VIEW_FEEDS,
        }
    ),
    Role.AUDITOR: frozenset({Capability.VIEW_AUDIT}),
    Role.ADMINISTRATOR: frozenset(set(Capability)),
}


def has_capability(role: str, capability: str) -> bool:
    return capability in CAPABILITIES.get(role, frozenset())
