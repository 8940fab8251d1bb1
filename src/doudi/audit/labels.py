"""Chinese names of the actions recorded in the audit trail, for pages and filters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

BASE_ACTIONS = {
    "create_household": _("新建家庭"),
    "update_household": _("修改家庭信息"),
    "add_member": _("添加成员"),
    "update_person": _("修改人员信息"),
    "remove_member": _("成员迁出/死亡"),
    "set_area_type": _("更正城乡类别"),
    "area_type_follows_region": _("城乡类别随区划更正"),
    "create_api_token": _("新建接口令牌"),
    "revoke_api_token": _("注销接口令牌"),
    "generate_demo": _("生成演示数据"),
}


def action_choices() -> list[tuple[str, str]]:
    """Return (action, label) for every known action, evidence kinds included."""
    from doudi.registry.models import EVIDENCE_MODELS  # the trail itself does not depend on the registry

    choices = [(k, str(v)) for k, v in BASE_ACTIONS.items()]
    for kind, model in EVIDENCE_MODELS.items():
        choices.append((f"record_{kind}", f"登记{model.kind_label}"))
        choices.append((f"correct_{kind}", f"更正{model.kind_label}"))
    return choices


def action_label(action: str) -> str:
    return dict(action_choices()).get(action, action)
