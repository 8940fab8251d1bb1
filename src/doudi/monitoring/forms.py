"""Forms of the monitoring pages: the inbox filter, bulk assignment, the outcome of an alert, a referral."""

from __future__ import annotations

from django import forms

from doudi.monitoring.models import AlertClass, Outcome, Severity
from doudi.policy.engine.parameters import MONITORING_RULE_LABELS

ANY = [("", "全部")]


class AlertFilterForm(forms.Form):
    rule = forms.ChoiceField(label="预警规则", required=False, choices=ANY + list(MONITORING_RULE_LABELS.items()))
    alert_class = forms.ChoiceField(label="预警类别", required=False, choices=ANY + list(AlertClass.choices))
    severity = forms.ChoiceField(label="预警级别", required=False, choices=ANY + list(Severity.choices))
    due = forms.ChoiceField(
        label="核查期限", required=False, choices=[*ANY, ("overdue", "已超期"), ("today", "今天及以前到期")]
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("open", "待核查"), ("resolved", "已处理"), ("cleared", "信号消失，自动关闭"), ("all", "全部")],
    )


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label="分派给")

    def __init__(self, *args, assignees=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "请选择")] + [(str(u.pk), label) for u, label in assignees]


class OutcomeForm(forms.Form):
    findings = forms.CharField(
        label="核查情况", widget=forms.Textarea(attrs={"rows": 3}), help_text="上门或电话核实的时间、对象和结果"
    )
    outcome = forms.ChoiceField(label="处理结果", widget=forms.RadioSelect)
    reason = forms.CharField(
        label="理由", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="核实无需处理的须写明理由"
    )

    def __init__(self, *args, rule: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = [c for c in Outcome.choices if c[0] != Outcome.CONFIRM_DEATH or rule == "death"]
        self.fields["outcome"].choices = choices


class ReferralForm(forms.Form):
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    reason = forms.CharField(label="困难情况", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class StaffForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    post = forms.CharField(label="职务", max_length=60, help_text="如 民政助理员、村委会主任、村民政协理员")
    region = forms.CharField(
        label="所在地区代码", max_length=12, required=False, help_text="乡镇或村的区划代码，不填为本级"
    )
    start_on = forms.DateField(label="任职开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_on = forms.DateField(label="任职结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class StaffRelativeForm(forms.Form):
    worker = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label="近亲属姓名", max_length=50)
    id_number = forms.CharField(label="近亲属公民身份号码", max_length=18)
    relation = forms.ChoiceField(label="关系")

    def __init__(self, *args, **kwargs):
        from doudi.monitoring.services.staff import RELATIONS

        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = [("", "请选择")] + [(r, r) for r in RELATIONS]


class StaffImportForm(forms.Form):
    file = forms.FileField(label="名单文件", help_text="CSV（UTF-8 或 GBK）或 XLSX，按模板填写")


class StaffEndForm(forms.Form):
    staff = forms.IntegerField(widget=forms.HiddenInput)
    end_on = forms.DateField(label="任职结束日期", widget=forms.DateInput(attrs={"type": "date"}))
