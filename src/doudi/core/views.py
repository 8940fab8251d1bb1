"""The home page (我的工作台): what the user's role needs first, in the user's region only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from doudi.accounts.roles import Capability
from doudi.accounts.scope import scope_filter
from doudi.audit.models import AuditEvent
from doudi.core.context_processors import first_url
from doudi.registry import selectors
from doudi.registry.models import Person

RECENT_CHANGES = 10

# Shortcuts: (url names tried in order, label, description, capability or None). A shortcut shows
# when the role has the capability and the page exists, so nothing here names a role.
SHORTCUTS = (
    (
        ("cases:intake",),
        "上门受理",
        "在手机上一次登记家庭、成员、情况和照片，试算后受理申请",
        Capability.ACCEPT_APPLICATION,
    ),
    (("registry:household_create",), "新建家庭", "登记新家庭及其成员", Capability.EDIT_REGISTRY),
    (("registry:household_list",), "家庭查询", "按身份证号、姓名、户编号查找", None),
    (
        ("registry:import_list", "registry:imports:import_list"),
        "批量导入",
        "从 Excel 导入家庭与成员",
        Capability.IMPORT_REGISTRY,
    ),
    (("policy:worksheet",), "救助试算", "填写家庭情况，看可享受的救助及依据", Capability.ASSESS),
    (("simulation:form",), "政策模拟", "调整标准，看哪些家庭纳入、退出或变化", Capability.EDIT_POLICY),
    (("registry:imports:export", "registry:export"), "导出", "导出本辖区家庭（Excel）", Capability.EXPORT_UNMASKED),
    (("reports:dashboard",), "统计看板", "本辖区保障人数、资金、趋势与下级地区排名", None),
    (("reports:table",), "统计报表", "按月、季度生成社会救助统计表，导出 Excel", None),
    (("reports:work_report",), "工作总结文稿", "自动生成半年、年度工作总结的数据段落，可下载编辑", None),
    (("audit:event_list",), "审计日志", "谁在何时改了什么、查看了什么", Capability.VIEW_AUDIT),
    (("regions:browse",), "区划城乡类别维护", "更正村/社区的城镇、农村类别", Capability.MANAGE_REGIONS),
    (("admin:accounts_user_changelist",), "用户", "账号、角色与所属区划", Capability.MANAGE_USERS),
)


def shortcuts_for(user) -> list[dict]:
    result = []
    for names, label, description, capability in SHORTCUTS:
        if capability and not user.can(capability):
            continue
        url = first_url(names)
        if url:
            result.append({"url": url, "label": label, "description": description})
    return result


@login_required
def home(request):
    user = request.user
    households = selectors.household_list(actor=user)
    persons = scope_filter(user, Person.objects.filter(household__status="active"), "household__region__code")
    recent = scope_filter(user, AuditEvent.objects.select_related("actor"), "region_code").order_by("-at", "-id")
    context = {
        "household_count": households.count(),
        "person_count": persons.count(),
        "recent": recent[:RECENT_CHANGES],
        "shortcuts": shortcuts_for(user),
        "can_view_audit": user.can(Capability.VIEW_AUDIT),
    }
    return render(request, "core/home.html", context)
