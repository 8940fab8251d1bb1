"""Template context shared by every page: the navigation for the user's role."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = [("core:home", "首页"), ("registry:household_list", "家庭查询")]
    if user.can("import_registry"):
        items.append(("registry:import_list", "批量导入"))
    if user.can("view_audit"):
        items.append(("audit:event_list", "审计日志"))
    nav = []
    for name, label in items:
        try:
            nav.append({"url": reverse(name), "label": label, "name": name})
        except NoReverseMatch:
            continue
    return {"nav_items": nav}
