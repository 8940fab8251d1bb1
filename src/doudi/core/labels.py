"""The one place where a code that reaches a person gets its Chinese name, and where figures get their form.

Pages (through the ``doudi_ui`` template filters), PDFs, exports and messages read from here:

- ``action_label``: the audit trail's actions (``case_open_application``, ``publish_policy``,
  ``record_income``…). Case steps take the label of the workflow's transition, evidence kinds the
  evidence model's name, so a new step or kind is named where it is defined, once.
- ``programme_label``: programme keys in notes, timelines and decisions (``dibao`` → 最低生活保障).
- ``policy_value``: a policy parameter's coded value (``gap`` → 差额补助).
- ``yes_no``, ``money``, ``percent``: booleans, amounts (thousands separators, two decimals) and
  ratios (0.2 → 20%).

An unknown code is returned unchanged rather than hidden, so the page test that reads every page
(``core/tests/labels``) sees it and fails.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from doudi.policy.engine.explain import PROGRAMME_LABELS

# Actions that are neither a case step nor an evidence kind.
BASE_ACTIONS = {
    "create_household": "新建家庭",
    "update_household": "修改家庭信息",
    "add_member": "添加成员",
    "update_person": "修改人员信息",
    "remove_member": "成员迁出/死亡",
    "join_household": "迁入家庭",
    "split_household": "分户",
    "merge_household": "合户",
    "set_area_type": "更正城乡类别",
    "area_type_follows_region": "城乡类别随区划更正",
    "flag_change": "登记待核变化",
    "flag_change_pending": "登记待核变化（待处理）",
    "commit_import": "批量导入",
    "migrate_enrolment": "迁移导入保障对象",
    "confirm_roster_amount": "核对迁移导入金额",
    "create_api_token": "新建接口令牌",
    "revoke_api_token": "注销接口令牌",
    "generate_demo": "生成演示数据",
    "feed_load": "导入部门数据",
    "verification_report": "生成核对报告",
    "verification_manual_item": "补录核对项目",
    "verification_recheck": "核对异议复核",
    "create_policy_draft": "新建政策草稿",
    "update_policy_draft": "修改政策草稿",
    "discard_policy_draft": "放弃政策草稿",
    "publish_policy": "发布政策",
    "suspend_enrolment": "暂停发放",
    "resume_enrolment": "恢复发放",
    "record_death": "登记死亡",
    "end_enrolment_death": "因死亡停发",
    "export_enrolments": "导出保障对象名册",
    "complete_review": "完成复核",
    "case_due_task": "到期任务",
    "run_monitoring": "运行监测规则",
    "assign_alert": "分派监测预警",
    "resolve_alert": "处理监测预警",
    "refer_person": "纳入其他困难人员监测",
    "export_alerts": "导出监测预警",
    "staff_add": "登记经办人员",
    "staff_change": "变更经办人员名单",
    "staff_relative_add": "登记经办人员近亲属",
    "write_bank_file": "生成银行发放文件",
    "import_bank_returns": "导入银行回盘文件",
    "clear_account_flag": "解除银行账户异常",
    "save_bank_layout": "保存银行文件格式",
    "print_payroll_register": "打印发放名册",
    "generate_payroll": "生成发放名册",
    "submit_payroll": "提交发放名册审批",
    "approve_payroll": "审批发放名册",
    "return_payroll": "退回发放名册",
    "handle_payroll_finding": "处理发放核查发现",
    "recovery_repaid": "追缴款已退回",
    "recovery_offset": "追缴款抵扣",
    "recovery_written_off": "追缴款核销",
}

# Case steps outside the workflow's transitions (side steps and the system's own steps).
CASE_SIDE_STEPS = {
    "declare_relative": "登记近亲属备案",
    "check_relative": "核查近亲属备案",
    "create_referral": "转介",
    "record_referral_outcome": "登记转介结果",
    "add_attachment": "上传材料",
    "report_change": "登记变化情况",
    "schedule_reviews": "安排复核",
    "complete_review": "完成复核",
    "suspend_enrolment": "暂停发放",
    "end_notice": "公示期满",
    "close_notice": "公示期满",
    "due_task": "到期任务",
    "open_termination": "启动终止保障",
    "periodic_review": "定期复核",
    "stop_enrolment": "停止保障",
    "change_amount": "调整保障金额",
}

# Coded values of policy parameters whose catalogue entry (``ParamSpec.choice_labels``) has none.
POLICY_VALUES = {
    "gap": "差额补助",
    "banded": "分档补助",
    "highest_only": "就高不叠加",
    "cumulative": "累加",
    "0.01": "取整到分",
    "0.1": "取整到角",
    "1": "取整到元",
    "half_up": "四舍五入",
    "half_even": "银行家舍入",
    "down": "舍去",
    "up": "进一",
    "none": "不扣除",
    "standard": "按低保标准",
    "minimum_wage": "按月最低工资",
    "income": "按本人劳动收入",
    "amount": "直接规定金额",
    "multiple": "低保标准的倍数",
    "addition": "低保标准加固定金额",
    "minimum_wage_ratio": "月最低工资的比例",
    "2021": "2021 年残疾标准",
    "2016": "2016 年残疾标准",
    "next_month": "次月",
    "decision_month": "决定当月",
    "application_month": "申请当月",
    "urban": "城市",
    "rural": "农村",
}


def case_step_label(step: str) -> str:
    """Return the Chinese name of a case step (a transition or a side step), or ``step`` itself."""
    from doudi.cases.workflow import TRANSITIONS  # the label map does not make core depend on cases at import

    if step in TRANSITIONS:
        return TRANSITIONS[step].label
    return CASE_SIDE_STEPS.get(step, step)


def action_choices() -> list[tuple[str, str]]:
    """Return (action, label) of every known audit action: base actions, case steps, evidence kinds."""
    from doudi.cases.workflow import TRANSITIONS
    from doudi.registry.models import EVIDENCE_MODELS  # the trail itself does not depend on the registry

    choices = dict(BASE_ACTIONS)
    for step in [*TRANSITIONS, *CASE_SIDE_STEPS]:
        choices[f"case_{step}"] = "案件：" + case_step_label(step)
    for kind, model in EVIDENCE_MODELS.items():
        choices[f"record_{kind}"] = f"登记{model.kind_label}"
        choices[f"correct_{kind}"] = f"更正{model.kind_label}"
        choices[f"end_{kind}"] = f"终止{model.kind_label}"
    return list(choices.items())


def action_label(action: str) -> str:
    return dict(action_choices()).get(action, action)


ACCESS_CHANNELS = {"page": "页面", "api": "接口", "export": "导出", "admin": "管理后台"}


def channel_label(channel: str) -> str:
    """Return how a full record was opened (``RecordAccess.channel``), in Chinese."""
    return ACCESS_CHANNELS.get(channel, channel)


def target_type_label(target_type: str) -> str:
    """Return the Chinese name of an audited object's type: the model's own verbose name.

    ``AuditEvent.target_type`` is a model name (``household``, ``apitoken``…); the trail keeps the
    code, the name comes from the model, so a new model is labelled without touching this map.
    """
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.model_name == target_type:
            return str(model._meta.verbose_name)
    return target_type


def programme_label(code: str) -> str:
    return PROGRAMME_LABELS.get(code, code)


def policy_value(value, choice_labels: dict[str, str] | None = None) -> str:
    """Return a coded policy value as a person reads it (``gap`` → 差额补助)."""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, str):
        return (choice_labels or {}).get(value) or POLICY_VALUES.get(value) or PROGRAMME_LABELS.get(value, value)
    return str(value)


def parameter_value(spec, value) -> str:
    """Return a policy parameter's value (of catalogue entry ``spec``) as a worker reads it.

    Ratios as percentages, amounts of yuan with separators, coded choices by name, bands and age
    tiers as sentences, lists joined with 、.
    """
    if value is None or value == "":
        return "（未设置）"
    if isinstance(value, bool):
        return yes_no(value)
    if spec is not None and spec.kind == "bands":
        return "；".join(f"人均收入低于标准的 {percent(b.below)} 发 {percent(b.pay)}" for b in value) or "（无）"
    if spec is not None and spec.kind == "age_tiers":
        return "；".join(_age_tier(t) for t in value) or "（无）"
    if isinstance(value, list | tuple):
        return "、".join(parameter_value(spec, v) for v in value) or "（无）"
    kind = getattr(spec, "kind", "")
    if kind in ("ratio", "ratios"):
        return percent(value)
    if kind in ("amount", "amounts"):
        return money(value)
    return policy_value(value, getattr(spec, "choice_labels", None))


def _age_tier(tier) -> str:
    ages = f"{tier.min_age} 周岁及以上" if tier.max_age is None else f"{tier.min_age}–{tier.max_age - 1} 周岁"
    return f"{ages} {money(tier.amount)} 元/月" + ("（限困难家庭）" if tier.means_test else "")


def rule_section(rule: str) -> str:
    """Return a rule reference without its bracketed source ids (``§1.7 [L S35]`` → ``§1.7``)."""
    return re.sub(r"\s*\[[^\]]*\]", "", rule or "").strip()


def yes_no(value) -> str:
    if value is None or value == "":
        return "—"
    return "是" if value else "否"


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money(value) -> str:
    """Return an amount of yuan as ``1,234.50``; an empty value as ``—``."""
    number = _decimal(value)
    return "—" if number is None else f"{number:,.2f}"


def percent(value) -> str:
    """Return a ratio as a percentage (``0.2`` → ``20%``, ``0.125`` → ``12.5%``)."""
    number = _decimal(value)
    if number is None:
        return "—"
    text = f"{number * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
