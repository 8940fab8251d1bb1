"""Forms of the registry pages.

Forms check only the shape of the input (a date is a date, a required field is filled in). The
rules of the domain (a valid ID number, one head per household, one household per person) are
checked once, by ``PersonInput.clean`` and the services, and their ``DomainError`` is shown
next to the field it names (see ``doudi.core.web.add_domain_error``).
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from doudi.accounts.scope import scope_filter
from doudi.regions.models import AreaType, Level, Region
from doudi.registry.models import EVIDENCE_MODELS, Evidence, EvidenceSource, Gender, Relation
from doudi.registry.validation import PersonInput

# A <select> beyond this many regions is unusable; above it the user types the code instead.
MAX_REGION_OPTIONS = 600

# DomainError.extra["field"] → form field, where the two names differ.
PERSON_FIELD_MAP = {"hukou_region": "hukou_region_code"}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ChineseMessagesMixin:
    """Name the field in "required" errors, as domain messages do: "姓名：不能为空。"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = f"{field.label}：不能为空。"
            if isinstance(field, forms.DateField):
                field.error_messages["invalid"] = f"{field.label}：不是有效日期（格式 YYYY-MM-DD）。"


def _relative_label(region: Region, root: Region | None) -> str:
    if root is not None and region.full_name.startswith(root.full_name) and region.code != root.code:
        return region.full_name[len(root.full_name) :]
    return region.full_name or region.name


# The region tree changes only when ``load_regions`` runs, yet every list page and form needs the
# user's villages: keep them per (scope, levels) for a few minutes in each process. The benchmark
# (docs/benchmarks.md, household list) measured 13 ms of a 26 ms page in building this list.
_REGIONS_TTL = 300.0
_regions_cache: dict[tuple[str, tuple[int, ...]], tuple[float, list[Region] | None]] = {}


def scoped_regions(user, *, levels: tuple[int, ...]) -> list[Region] | None:
    """Return the regions of the given levels in the user's subtree, or None when there are too many."""
    key = (str(getattr(user, "region_id", "") or ""), levels)
    cached = _regions_cache.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _REGIONS_TTL:
        return cached[1]
    qs = scope_filter(user, Region.objects.filter(level__in=levels), "code").order_by("code")
    regions = list(qs.only("code", "name", "full_name", "level")[: MAX_REGION_OPTIONS + 1])
    result = None if len(regions) > MAX_REGION_OPTIONS else regions
    if len(_regions_cache) > 1000:
        _regions_cache.clear()
    _regions_cache[key] = (now, result)
    return result


def forget_scoped_regions(**_kwargs) -> None:
    """Drop the cached region lists (connected to Region saves and deletes)."""
    _regions_cache.clear()
    _choices_cache.clear()


_choices_cache: dict[int, tuple[list, list[tuple[str, str]]]] = {}


def region_choices(user, regions: list[Region]) -> list[tuple[str, str]]:
    """Return (code, indented label) pairs; the same list object for the same cached regions."""
    cached = _choices_cache.get(id(regions))
    if cached is not None and cached[0] is regions:
        return cached[1]
    root = user.region
    choices = [
        (r.code, ("　" * max(0, r.level - (root.level if root else 1) - 1)) + _relative_label(r, root)) for r in regions
    ]
    if len(_choices_cache) > 1000:
        _choices_cache.clear()
    _choices_cache[id(regions)] = (regions, choices)
    return choices


class FastSelect(forms.Select):
    """A <select> rendered in one pass instead of one template per <option>.

    A county user's list of 200+ villages took most of a page's rendering time through Django's
    per-option widget templates; the HTML is the same. The options' HTML is built once per list of
    choices (the region lists are cached per scope) and only the selected option changes.
    """

    _options_html: dict[int, tuple[list, str]] = {}

    # The caller's own list (``option_source``): Django copies ``choices`` when it is assigned.
    option_source: list | None = None

    def _options(self) -> str:
        choices = self.option_source if self.option_source is not None else list(self.choices)
        cached = self._options_html.get(id(choices))
        if cached is not None and cached[0] is choices:
            return cached[1]
        html = "".join(f'<option value="{escape(v)}">{escape(label)}</option>' for v, label in choices)
        if len(self._options_html) > 1000:
            self._options_html.clear()
        self._options_html[id(choices)] = (choices, html)
        return html

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        options = self._options()
        if value not in (None, ""):
            marker = f'<option value="{escape(value)}">'
            options = options.replace(marker, marker[:-1] + " selected>", 1)
        return mark_safe(f"<select{flatatt(final_attrs)}>{options}</select>")


class RegionChoiceField(forms.Field):
    """A region code chosen from a cached list: validated by set membership, not by re-normalising
    the choices on every request."""

    widget = FastSelect

    def __init__(self, *, choices: list, also_valid=None, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices
        self.widget.choices = choices
        self.widget.option_source = choices
        self.codes = {str(v) for v, _label in choices if v}
        # A code that is not offered in the list but still a fine filter (e.g. the user's own county,
        # which the list shows as "全部"): checked only when the fast set lookup misses.
        self.also_valid = also_valid

    def clean(self, value):
        value = super().clean(value) or ""
        if value and value not in self.codes and not (self.also_valid and self.also_valid(value)):
            if not (value.isdigit() and len(value) in (2, 4, 6, 9, 12)):
                raise forms.ValidationError(f"{self.label}：“{value[:20]}”不是有效的区划代码，请从列表中选择。")
            raise forms.ValidationError(f"{self.label}：“{value}”不在您的管辖范围内或不可选，请从列表中选择。")
        return value


_placeholder_cache: dict[int, tuple[list, list]] = {}


def _with_placeholder(choices: list) -> list:
    """Return the choices behind a "please choose" option, the same list object each time."""
    cached = _placeholder_cache.get(id(choices))
    if cached is None or cached[0] is not choices:
        if len(_placeholder_cache) > 1000:
            _placeholder_cache.clear()
        cached = (choices, [("", "请选择"), *choices])
        _placeholder_cache[id(choices)] = cached
    return cached[1]


class VillageField(forms.CharField):
    """A village of the user's subtree: a <select> when the subtree is small, else a 12-digit code."""

    def __init__(self, user, **kwargs):
        self.villages = scoped_regions(user, levels=(Level.VILLAGE,))
        kwargs.setdefault("label", _("所在村/社区"))
        kwargs.setdefault("error_messages", {"required": "所在村/社区：请选择。"})
        if self.villages is not None:
            kwargs["widget"] = FastSelect(choices=[("", "请选择"), *region_choices(user, self.villages)])
            kwargs["widget"].option_source = _with_placeholder(region_choices(user, self.villages))
        else:
            kwargs.setdefault("help_text", _("请输入 12 位村/社区区划代码"))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and self.villages is not None and value not in {v.code for v in self.villages}:
            raise forms.ValidationError("所在村/社区：不是您管辖范围内的村/社区。")


_all_option_cache: dict[int, tuple[list, list]] = {}


def _with_all_option(choices: list) -> list:
    """Return the choices behind a "whole scope" option, the same list object each time."""
    cached = _all_option_cache.get(id(choices))
    if cached is None or cached[0] is not choices:
        if len(_all_option_cache) > 1000:
            _all_option_cache.clear()
        cached = (choices, [("", "全部（本辖区）"), *choices])
        _all_option_cache[id(choices)] = cached
    return cached[1]


def _existing_in_scope(user, code: str) -> bool:
    """True for the 12-digit code of a region that exists inside the user's subtree (their own included)."""
    from doudi.accounts.scope import region_in_scope

    return (
        code.isdigit() and len(code) == 12 and region_in_scope(user, code) and Region.objects.filter(code=code).exists()
    )


class HouseholdSearchForm(ChineseMessagesMixin, forms.Form):
    q = forms.CharField(
        label=_("查询"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "身份证号 / 姓名 / 户编号", "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("active", "在册"), ("closed", "已注销"), ("all", "全部")]
    )
    programme = forms.ChoiceField(
        label=_("救助项目"),
        required=False,
        choices=[],
        error_messages={"invalid_choice": "救助项目：没有这个救助项目，请从列表中选择。"},
    )
    benefit = forms.ChoiceField(
        label=_("享受状态"),
        required=False,
        choices=[],
        error_messages={"invalid_choice": "享受状态：请从列表中选择。"},
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        root_level = user.region.level if user.region else Level.VILLAGE
        levels = tuple(range(root_level + 1, min(root_level + 2, Level.VILLAGE) + 1))
        regions = (scoped_regions(user, levels=levels) or []) if levels else []
        choices = _with_all_option(region_choices(user, regions))
        self.fields["region"] = RegionChoiceField(
            label=_("区划"), required=False, choices=choices, also_valid=lambda code: _existing_in_scope(user, code)
        )
        if not regions:
            self.fields["region"].widget = forms.HiddenInput()
        self._benefit_choices()
        self.order_fields(["q", "region", "status", "programme", "benefit"])

    def _benefit_choices(self) -> None:
        from doudi.cases.models import EnrolmentStatus, Programme  # the cases app builds on the registry

        self.fields["programme"].choices = [("", "全部"), *Programme.choices]
        self.fields["benefit"].choices = [
            ("", "不限"),
            ("live", "在保（未停发）"),
            *EnrolmentStatus.choices,
            ("none", "未享受"),
        ]


class PersonForm(ChineseMessagesMixin, forms.Form):
    """A new person: what ``PersonInput`` takes. Gender and birth date follow from the ID number."""

    id_number = forms.CharField(
        label=_("公民身份号码"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    gender = forms.ChoiceField(
        label=_("性别"),
        required=False,
        choices=[("", "按身份证号"), *Gender.choices],
        help_text=_("可不填；填写时须与身份证号一致"),
    )
    hukou_type = forms.ChoiceField(label=_("户籍性质"), required=False, choices=[("", "—"), *AreaType.choices])
    hukou_region_code = forms.CharField(
        label=_("户籍地区划代码"), required=False, max_length=12, help_text=_("可不填；6 至 12 位代码")
    )
    residence_address = forms.CharField(label=_("居住地址"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("手机号"), required=False, max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    bank_name = forms.CharField(label=_("开户银行"), required=False, max_length=60)
    bank_account = forms.CharField(
        label=_("银行账号"), required=False, max_length=40, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )

    def __init__(self, *args, head: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if head:
            self.fields["relation"].choices = [(Relation.HEAD, Relation.HEAD.label)]
            self.fields["relation"].initial = Relation.HEAD
            self.fields["relation"].widget = forms.HiddenInput()
        else:
            self.fields["relation"].choices = [("", "请选择"), *[c for c in Relation.choices if c[0] != Relation.HEAD]]

    def to_input(self) -> PersonInput:
        d = self.cleaned_data
        return PersonInput(
            id_number=d["id_number"],
            name=d["name"],
            relation=d["relation"],
            gender=d.get("gender") or None,
            hukou_region_code=d.get("hukou_region_code", ""),
            hukou_type=d.get("hukou_type", ""),
            residence_address=d.get("residence_address", ""),
            phone=d.get("phone", ""),
            bank_name=d.get("bank_name", ""),
            bank_account=d.get("bank_account", ""),
        )


MemberFormSet = forms.formset_factory(PersonForm, extra=1, max_num=20, validate_max=True)


class HouseholdCreateForm(ChineseMessagesMixin, forms.Form):
    address = forms.CharField(label=_("居住地址"), required=False, max_length=200)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)
    joined_on = forms.DateField(label=_("登记日期"), required=False, widget=DateInput(), help_text=_("不填则为今天"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"region": VillageField(user), **self.fields}
        if self.fields["region"].villages and len(self.fields["region"].villages) == 1:
            self.fields["region"].initial = self.fields["region"].villages[0].code


class MemberAddForm(PersonForm):
    joined_on = forms.DateField(label=_("加入日期"), required=False, widget=DateInput(), help_text=_("不填则为今天"))


class HouseholdEditForm(ChineseMessagesMixin, forms.Form):
    address = forms.CharField(label=_("居住地址"), required=False, max_length=200)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)
    expected_version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"region": VillageField(user), **self.fields}


class PersonEditForm(ChineseMessagesMixin, forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    hukou_type = forms.ChoiceField(label=_("户籍性质"), required=False, choices=[("", "—"), *AreaType.choices])
    hukou_region_code = forms.CharField(label=_("户籍地区划代码"), required=False, max_length=12)
    residence_address = forms.CharField(label=_("居住地址"), required=False, max_length=200)
    phone = forms.CharField(
        label=_("手机号"), required=False, max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    bank_name = forms.CharField(label=_("开户银行"), required=False, max_length=60)
    bank_account = forms.CharField(label=_("银行账号"), required=False, max_length=40)
    reason = forms.CharField(label=_("修改原因"), required=False, max_length=200)
    expected_version = forms.IntegerField(widget=forms.HiddenInput())


class RemoveMemberForm(ChineseMessagesMixin, forms.Form):
    MOVED_OUT, DIED = "moved_out", "died"
    kind = forms.ChoiceField(
        label=_("变动类型"), choices=[(MOVED_OUT, "迁出"), (DIED, "死亡")], widget=forms.RadioSelect, initial=MOVED_OUT
    )
    left_on = forms.DateField(label=_("迁出/死亡日期"), widget=DateInput())
    reason = forms.CharField(label=_("变动原因"), max_length=100)

    def clean_left_on(self):
        value = self.cleaned_data["left_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("迁出/死亡日期：不能晚于今天。")
        return value


class EvidenceFormBase(ChineseMessagesMixin, forms.Form):
    model: type[Evidence]

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end <= start:
            self.add_error("valid_to", "失效日期：应晚于生效日期。")
        return data

    def values(self) -> dict:
        """The value fields filled in; an optional amount left empty is its default (0)."""
        out = {}
        for name in self.model.value_fields:
            if name in self.cleaned_data:
                value = self.cleaned_data[name]
                field = self.model._meta.get_field(name)
                out[name] = field.get_default() if value is None and field.blank and field.has_default() else value
        return out


def _name_errors(field: forms.Field, label: str) -> None:
    """Begin a field's "not a choice", "not an amount" and "negative" errors with ``label``."""
    field.error_messages["invalid_choice"] = f"{label}：“%(value)s”不是可选的值。"
    if isinstance(field, forms.DecimalField):
        field.error_messages["invalid"] = f"{label}：不是有效金额。"
        field.validators = [
            MinValueValidator(v.limit_value, message=f"{label}：不能为负数。")
            if isinstance(v, MinValueValidator)
            else v
            for v in field.validators
        ]


def _value_fields(model: type[Evidence]) -> dict[str, forms.Field]:
    """Return the form fields of an evidence kind; a refused value is named with its kind and field."""
    fields = {}
    for name in model.value_fields:
        model_field = model._meta.get_field(name)
        kwargs = {"min_value": Decimal(0)} if model_field.get_internal_type() == "DecimalField" else {}
        field = model_field.formfield(**kwargs)
        _name_errors(field, f"{model.kind_label}·{model_field.verbose_name}")
        if getattr(field, "choices", None):  # Django's blank choice reads "---------"
            field.choices = [("", "请选择") if value == "" else (value, label) for value, label in field.choices]
        fields[name] = field
    return fields


def _date_field(model, name: str, *, required: bool) -> forms.DateField:
    label = model._meta.get_field(name).verbose_name
    return forms.DateField(label=label, required=required, widget=DateInput())


def evidence_form_class(kind: str) -> type[EvidenceFormBase]:
    """Return the form to record a new piece of evidence of ``kind``."""
    model = EVIDENCE_MODELS[kind]
    attrs = {
        "model": model,
        **_value_fields(model),
        "valid_from": _date_field(model, "valid_from", required=True),
        "valid_to": _date_field(model, "valid_to", required=False),
        "source": forms.ChoiceField(label=_("来源"), choices=EvidenceSource.choices, initial=EvidenceSource.DECLARED),
        "note": forms.CharField(label=_("说明"), required=False, max_length=200),
    }
    return type(f"{model.__name__}Form", (EvidenceFormBase,), attrs)


def evidence_correct_form_class(kind: str) -> type[EvidenceFormBase]:
    """Return the form to correct a piece of evidence: new values or dates, and the reason."""
    model = EVIDENCE_MODELS[kind]
    attrs = {
        "model": model,
        **_value_fields(model),
        "valid_from": _date_field(model, "valid_from", required=True),
        "valid_to": _date_field(model, "valid_to", required=False),
        "reason": forms.CharField(label=_("更正原因"), max_length=200),
    }
    return type(f"{model.__name__}CorrectForm", (EvidenceFormBase,), attrs)


class EvidenceEndForm(ChineseMessagesMixin, forms.Form):
    valid_to = forms.DateField(label=_("终止日期"), widget=DateInput(), help_text=_("该情况自此日起不再成立"))
    reason = forms.CharField(label=_("终止原因"), max_length=200)

    def __init__(self, *args, valid_from: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.valid_from = valid_from

    def clean_valid_to(self):
        value = self.cleaned_data["valid_to"]
        if value <= self.valid_from:
            raise forms.ValidationError(f"终止日期：应晚于生效日期 {self.valid_from:%Y-%m-%d}。")
        return value


class AsOfForm(ChineseMessagesMixin, forms.Form):
    on = forms.DateField(label=_("查看日期"), widget=DateInput())
    known_at = forms.DateTimeField(
        label=_("按当时掌握的信息（可选）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("留空为目前掌握的信息；填写某次决定的时间，可看到当时依据的事实"),
    )
