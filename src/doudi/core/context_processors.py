"""Template context shared by every page: the navigation for the user's capabilities."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from doudi.accounts.roles import Capability, Role

# (url names tried in order, label, capability or None, namespace that marks the item current)
NAV = (
    (("core:home",), "我的工作台", None, "core"),
    (("cases:inbox",), "我的待办", None, "cases"),
    (("registry:household_list",), "家庭查询", None, "registry"),
    (("registry:import_list", "registry:imports:import_list"), "批量导入", Capability.IMPORT_REGISTRY, "imports"),
    (("regions:browse",), "区划", None, "regions"),
    (("cases:enrolment_list",), "保障对象", Capability.MANAGE_ENROLMENT, "cases"),
    (("verification:feed_list",), "部门数据", Capability.VIEW_FEEDS, "verification"),
    (("monitoring:inbox",), "监测预警", Capability.HANDLE_ALERTS, "monitoring"),
    (("monitoring:overview",), "监测概况", None, "monitoring"),
    (("payments:payroll_list",), "资金发放", Capability.MAKE_PAYROLL, "payments"),
    (("payments:register_list",), "发放名册", None, "payments"),
    (("reports:dashboard",), "统计看板", None, "reports"),
    (("reports:table",), "统计报表", None, "reports"),
    (("policy:version_list",), "救助政策", None, "policy"),
    (("simulation:form",), "政策模拟", Capability.ASSESS, "simulation"),
    (("audit:event_list",), "审计日志", Capability.VIEW_AUDIT, "audit"),
)

# Items left out for the users who can do the capability: those reach the page from another item
# (the alert inbox links to the overview; a city supervisor, who has no inbox, needs the item).
NAV_UNLESS = {"monitoring:overview": Capability.HANDLE_ALERTS}

# Items only for some roles: the village and township workers print the signing register of their
# villages (those who make payrolls print it from the payroll's bank page).
NAV_ROLES = {"payments:register_list": frozenset({Role.VILLAGE_WORKER, Role.TOWNSHIP_OFFICER})}


def first_url(names) -> str | None:
    """Return the first of ``names`` that resolves, so that links to pages not built yet simply vanish."""
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    match = getattr(request, "resolver_match", None)
    # The innermost namespace marks the current item: /registry/imports/ is 批量导入, not 家庭查询.
    innermost = match.namespaces[-1] if match and match.namespaces else ""
    path = getattr(request, "path", "")
    nav = []
    for names, label, capability, namespace in NAV:
        if capability and not user.can(capability):
            continue
        if names[0] in NAV_UNLESS and user.can(NAV_UNLESS[names[0]]):
            continue
        if names[0] in NAV_ROLES and getattr(user, "role", None) not in NAV_ROLES[names[0]]:
            continue
        url = first_url(names)
        if url is None:
            continue
        nav.append({"url": url, "label": label, "current": False, "namespace": namespace})
    # Of the items of the current namespace, the one whose address is the longest start of the page's
    # marks it: /cases/enrolments/ is 保障对象, /cases/12/ is 我的待办 (both in "cases").
    candidates = [i for i in nav if i["namespace"] == innermost]
    prefixed = [i for i in candidates if i["url"] != "/" and path.startswith(i["url"])]
    chosen = max(prefixed, key=lambda i: len(i["url"]), default=candidates[0] if candidates else None)
    if chosen is not None:
        chosen["current"] = True
    return {"nav_items": nav}
