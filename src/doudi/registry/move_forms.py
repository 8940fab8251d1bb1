"""Forms of 迁入, 分户 and 合户 (``registry.moves``); shapes only, the rules are the services'.

Kept apart from ``forms.py`` because the split and merge forms are built from the members of the
households concerned (one row per member), which the person forms there never need.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doudi.registry.forms import ChineseMessagesMixin, DateInput, HouseholdCreateForm
from doudi.registry.models import Person, Relation

NOT_HEAD = [c for c in Relation.choices if c[0] != Relation.HEAD]


def _today() -> str:
    return timezone.localdate().isoformat()


class JoinForm(ChineseMessagesMixin, forms.Form):
    """迁入本户: the person is named by the ID number and the name on the ID card."""

    id_number = forms.CharField(
        label=_("公民身份号码"), max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label=_("姓名"), max_length=50, help_text=_("须与登记的姓名一致"))
    relation = forms.ChoiceField(label=_("与户主关系"), choices=[("", "请选择"), *NOT_HEAD])
    joined_on = forms.DateField(label=_("迁入日期"), widget=DateInput())
    reason = forms.CharField(label=_("迁入原因"), max_length=100, help_text=_("如：结婚迁入、投靠亲属"))

    def __init__(self, *args, head_free: bool = False, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("joined_on", _today())
        super().__init__(*args, **kwargs)
        if head_free:  # a household without a head may take one in
            self.fields["relation"].choices = [("", "请选择"), *Relation.choices]


class HouseholdCreateJoinForm(HouseholdCreateForm):
    """The new-household form with the choice to take in persons registered without a household."""

    join_existing = forms.BooleanField(
        label=_("将已有登记、目前不属于任何家庭的人员迁入本户（保留原有记录）"), required=False
    )
    join_reason = forms.CharField(label=_("迁入原因"), required=False, max_length=100)


def _member_label(person: Person) -> str:
    return f"{person.name}（{person.get_relation_display()}，{person.birth_date:%Y}年生）"


class SplitForm(ChineseMessagesMixin, forms.Form):
    """分户: which members leave (``move_<id>``), their relation to the new head (``rel_<id>``), the new head."""

    head = forms.ChoiceField(label=_("新户户主"), widget=forms.RadioSelect)
    split_on = forms.DateField(label=_("分户日期"), widget=DateInput())
    reason = forms.CharField(label=_("分户原因"), max_length=100)
    address = forms.CharField(label=_("新户居住地址"), required=False, max_length=200, help_text=_("不填则与原户相同"))

    def __init__(self, *args, members: list[Person], **kwargs):
        kwargs.setdefault("initial", {}).setdefault("split_on", _today())
        super().__init__(*args, **kwargs)
        self.members = [m for m in members if m.relation != Relation.HEAD]
        self.fields["head"].choices = [(str(m.pk), _member_label(m)) for m in self.members]
        for m in self.members:
            self.fields[f"move_{m.pk}"] = forms.BooleanField(label=_member_label(m), required=False)
            self.fields[f"rel_{m.pk}"] = forms.ChoiceField(
                label=f"{m.name}与新户主关系", choices=NOT_HEAD, initial=Relation.OTHER, required=False
            )

    def rows(self):
        """Yield (member, move field, relation field) for the template."""
        for m in self.members:
            yield m, self[f"move_{m.pk}"], self[f"rel_{m.pk}"]

    def clean(self):
        data = super().clean()
        head = data.get("head")
        moving = {m.pk for m in self.members if data.get(f"move_{m.pk}")}
        if head:
            moving.add(int(head))
        if not moving:
            raise forms.ValidationError("分出成员：请至少选择一名成员。")
        data["members"] = {pk: data.get(f"rel_{pk}") or Relation.OTHER for pk in moving}
        return data


class MergeForm(ChineseMessagesMixin, forms.Form):
    """合户 into this household: the other household by its number, then each member's relation here."""

    source_number = forms.CharField(
        label=_("并入本户的家庭户编号"), max_length=20, help_text=_("该户全部成员迁入本户，原户注销")
    )
    merged_on = forms.DateField(label=_("合户日期"), widget=DateInput())
    reason = forms.CharField(label=_("合户原因"), max_length=100)

    def __init__(self, *args, source_members: list[Person] = (), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("merged_on", _today())
        super().__init__(*args, **kwargs)
        self.source_members = list(source_members)
        for m in self.source_members:
            self.fields[f"rel_{m.pk}"] = forms.ChoiceField(
                label=f"{_member_label(m)}与本户户主关系", choices=NOT_HEAD, initial=Relation.OTHER
            )

    def relation_fields(self):
        return [self[f"rel_{m.pk}"] for m in self.source_members]

    def relations(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"rel_{m.pk}"] for m in self.source_members}
