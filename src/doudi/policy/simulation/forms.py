"""The simulation form: region within the user's scope, date, a draft and/or parameter overrides."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from doudi.accounts.scope import NO_SCOPE, scope_prefix
from doudi.policy.engine.parameters import PROGRAMME_LABELS, SPECS
from doudi.policy.models import PolicyVersion, VersionStatus
from doudi.policy.selectors import version_list
from doudi.policy.simulation.runner import SimulationRequest
from doudi.regions.models import Level, Region

OVERRIDE_ROWS = 4
MAX_REGION_CHOICES = 400
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def parameter_choices() -> list:
    """Return the parameter catalogue grouped by programme, labelled in Chinese with the unit (the key is the value)."""
    groups: dict[str, list] = {}
    for spec in SPECS:
        unit = f"（{spec.unit}）" if spec.unit else ""
        groups.setdefault(spec.programme, []).append((spec.key, f"{spec.label}{unit}"))
    return [("", "—")] + [(PROGRAMME_LABELS.get(p, p), rows) for p, rows in groups.items()]


def region_choices(actor) -> list[tuple[str, str]]:
    """Return the user's region and the regions below it down to townships (counties only if too many)."""
    prefix = scope_prefix(actor)
    if prefix == NO_SCOPE:
        return []
    own = Region.objects.filter(code=actor.region_id)
    below = Region.objects.filter(code__startswith=prefix, level__lte=Level.TOWNSHIP).exclude(code=actor.region_id)
    if below.count() > MAX_REGION_CHOICES:
        below = below.filter(level__lte=Level.COUNTY)
    rows = list(own) + list(below.order_by("code")[:MAX_REGION_CHOICES])
    indent = {Level.PREFECTURE: "　", Level.COUNTY: "　　", Level.TOWNSHIP: "　　　", Level.VILLAGE: "　　　　"}
    return [(r.code, f"{indent.get(r.level, '')}{r.name}（{r.prefix}）") for r in rows]


class SimulationForm(forms.Form):
    region = forms.ChoiceField(label="测算地区")
    on = forms.DateField(label="评估日期", widget=DATE)
    draft = forms.ModelChoiceField(
        label="草稿版本（可选）", queryset=PolicyVersion.objects.none(), required=False, empty_label="不使用草稿"
    )
    start = forms.DateField(label="所改参数的生效日期（可选，留空表示一直有效）", widget=DATE, required=False)
    by_village = forms.BooleanField(label="按村/社区（而不是乡镇）汇总", required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["region"].choices = region_choices(actor)
        self.fields["on"].initial = timezone.localdate()
        self.fields["draft"].queryset = version_list(actor=actor).filter(status=VersionStatus.DRAFT)
        self.fields["draft"].label_from_instance = lambda v: f"{v.region.name} 第 {v.number} 版：{v.title}"
        choices = parameter_choices()
        for i in range(1, OVERRIDE_ROWS + 1):
            self.fields[f"param_{i}"] = forms.ChoiceField(label=f"参数 {i}", choices=choices, required=False)
            self.fields[f"value_{i}"] = forms.CharField(label=f"取值 {i}", max_length=500, required=False)

    def main_fields(self):
        return [self[name] for name in ("region", "on", "draft", "by_village")]

    def override_rows(self):
        """Return (parameter field, value field) pairs for the template."""
        return [(self[f"param_{i}"], self[f"value_{i}"]) for i in range(1, OVERRIDE_ROWS + 1)]

    def overrides(self) -> tuple[str, ...]:
        data = self.cleaned_data
        return tuple(
            f"{data[f'param_{i}']}={data[f'value_{i}'].strip()}"
            for i in range(1, OVERRIDE_ROWS + 1)
            if data.get(f"param_{i}")
        )

    def clean(self):
        data = super().clean()
        for i in range(1, OVERRIDE_ROWS + 1):
            if data.get(f"param_{i}") and not (data.get(f"value_{i}") or "").strip():
                self.add_error(f"value_{i}", "请填写该参数的模拟取值。")
            if not data.get(f"param_{i}") and (data.get(f"value_{i}") or "").strip():
                self.add_error(f"param_{i}", "请选择要修改的参数。")
        if not self.errors and not data.get("draft") and not self.overrides():
            raise forms.ValidationError("请选择一个草稿版本，或至少修改一个参数。")
        return data

    def to_request(self) -> SimulationRequest:
        data = self.cleaned_data
        return SimulationRequest(
            region_code=data["region"],
            on=data["on"],
            draft_ids=(data["draft"].pk,) if data.get("draft") else (),
            overrides=self.overrides(),
            start=data.get("start"),
            by_village=data.get("by_village", False),
        )
