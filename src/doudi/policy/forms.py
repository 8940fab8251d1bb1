"""Forms of the policy pages: the assessment worksheet and the draft editor."""

from __future__ import annotations

from datetime import date

from django import forms

from doudi.policy.assessment import assessment_date_problem
from doudi.policy.engine.facts import (
    CHILD_CHOICE_LABELS,
    DISABILITY_CATEGORY_LABELS,
    EXCLUSION_LABELS,
    EXPENSE_LABELS,
    LABOUR_CAPACITY_LABELS,
    OTHER_BENEFIT_LABELS,
    PARENT_SITUATION_LABELS,
    RELATION_LABELS,
    RESIDENCE_LABELS,
    SCHOOLING_LABELS,
)
from doudi.policy.plausibility import birth_date_problem, region_code_problem

BLANK = [("", "—")]
PARENTS = (("father", "父亲"), ("mother", "母亲"))


def _expense_field(category: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=f"近12个月{EXPENSE_LABELS[category]}（元）", min_value=0, decimal_places=2, required=False
    )


def _situation_field(word: str) -> forms.ChoiceField:
    return forms.ChoiceField(label=f"{word}情形", choices=BLANK + list(PARENT_SITUATION_LABELS.items()), required=False)


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )


class NamedErrorsMixin:
    """Begin every field error with the field's label ("出生日期：…"), as the domain messages do."""

    def full_clean(self):
        super().full_clean()
        for name, errors in list(getattr(self, "_errors", {}).items()):
            if name not in self.fields:
                continue
            label = str(self.fields[name].label)
            named = [m if m.startswith(f"{label}：") else f"{label}：{m}" for m in errors]
            self._errors[name] = self.error_class(named, renderer=self.renderer)


class HouseholdWorksheetForm(NamedErrorsMixin, forms.Form):
    """Household-level facts for the assessment worksheet (试算)."""

    on = forms.DateField(
        label="评估日期", initial=date.today, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    region = forms.CharField(label="地区代码（县级 6 位或村级 12 位）", max_length=12)
    area_type = forms.ChoiceField(label="城乡类别", choices=[("urban", "城市"), ("rural", "农村")])
    financial_assets = forms.DecimalField(label="金融资产合计（元）", min_value=0, decimal_places=2, initial=0)
    houses = forms.IntegerField(label="住房套数", min_value=0, max_value=1000, initial=0)
    non_residential_properties = forms.IntegerField(
        label="非居住类房屋（商铺、办公用房等）", min_value=0, max_value=1000, initial=0, required=False
    )
    cars = forms.IntegerField(label="机动车数量（不含残疾人代步车）", min_value=0, max_value=100, initial=0)
    car_value = forms.DecimalField(label="机动车总价值（元）", min_value=0, decimal_places=2, initial=0)
    business_capital = forms.DecimalField(label="企业出资（元）", min_value=0, decimal_places=2, initial=0)
    # 近12个月刚性支出 (§3.2), one field per category the engine counts (``EXPENSE_LABELS``).
    expense_medical = _expense_field("medical")
    expense_education = _expense_field("education")
    expense_disability_rehab = _expense_field("disability_rehab")
    expense_living = _expense_field("living")
    expense_other = _expense_field("other")
    income_12m = forms.DecimalField(
        label="近12个月家庭总收入（元，可不填）",
        min_value=0,
        decimal_places=2,
        required=False,
        help_text="不填时按月收入 × 12 推算",
    )

    def clean_on(self):
        on = self.cleaned_data["on"]
        problem = assessment_date_problem(on)
        if problem:
            raise forms.ValidationError(f"评估日期：{problem}")
        return on

    def clean_region(self):
        code = self.cleaned_data["region"].strip()
        problem = region_code_problem(code)
        if problem:
            raise forms.ValidationError(f"{problem}。")
        return code


class MemberWorksheetForm(NamedErrorsMixin, forms.Form):
    """One member's facts on the worksheet; a row without name and birth date is ignored."""

    name = forms.CharField(label="姓名/称呼", max_length=20, required=False)
    birth_date = forms.DateField(
        label="出生日期", required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    relation = forms.ChoiceField(label="关系", choices=list(RELATION_LABELS.items()), initial="applicant")
    wage = forms.DecimalField(label="工资/经营月收入", min_value=0, decimal_places=2, required=False)
    transfer = forms.DecimalField(label="转移性月收入", min_value=0, decimal_places=2, required=False)
    exempt = forms.DecimalField(label="不计入月收入", min_value=0, decimal_places=2, required=False)
    disability_category = forms.ChoiceField(
        label="残疾类别", choices=BLANK + list(DISABILITY_CATEGORY_LABELS.items()), required=False
    )
    disability_grade = forms.TypedChoiceField(
        label="残疾等级", choices=BLANK + [(str(i), f"{i}级") for i in (1, 2, 3, 4)], coerce=int, required=False
    )
    serious_illness = forms.BooleanField(label="重特大疾病", required=False)
    labour_capacity = forms.ChoiceField(label="劳动能力", choices=list(LABOUR_CAPACITY_LABELS.items()))
    self_care_unable = forms.TypedChoiceField(
        label="自理不能项数", choices=BLANK + [(str(i), str(i)) for i in range(7)], coerce=int, required=False
    )
    schooling = forms.ChoiceField(label="就学", choices=list(SCHOOLING_LABELS.items()))
    needs_long_term_care = forms.BooleanField(label="经评定需长期照护", required=False)
    chronic_medication = forms.BooleanField(label="慢特病需长期服药", required=False)
    medical_costs_monthly = forms.DecimalField(
        label="月均自付医疗费（元）", min_value=0, decimal_places=2, required=False
    )
    disability_costs_monthly = forms.DecimalField(
        label="月均残疾刚性支出（元）", min_value=0, decimal_places=2, required=False
    )
    residence = forms.ChoiceField(
        label="供养/养育方式", choices=list(RESIDENCE_LABELS.items()), initial="home", required=False
    )
    exclusion = forms.ChoiceField(
        label="不计入家庭成员的原因", choices=BLANK + list(EXCLUSION_LABELS.items()), required=False
    )
    has_capable_supporter = forms.TypedChoiceField(
        label="有履行能力的法定赡养/抚养/扶养人",
        choices=[("", "未查明"), ("yes", "有"), ("no", "无")],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
    )
    job_refusals = forms.IntegerField(label="无正当理由拒绝就业次数", min_value=0, max_value=100, required=False)
    child_benefit_choice = forms.ChoiceField(
        label="儿童保障选择", choices=list(CHILD_CHOICE_LABELS.items()), initial="auto", required=False
    )
    # A benefit of another department that overlaps the two disability subsidies (§5: 择高 or not both).
    other_benefit = forms.ChoiceField(
        label="其他部门同类待遇", choices=BLANK + list(OTHER_BENEFIT_LABELS.items()), required=False
    )
    other_benefit_amount = forms.DecimalField(
        label="其他部门待遇月金额（元）", min_value=0, decimal_places=2, required=False
    )
    # A child's parents (孤儿, 事实无人抚养儿童, §6): situation, since, and until (custody measures).
    father_situation = _situation_field("父亲")
    father_since = _date_field("父亲情形起始日期")
    father_until = _date_field("父亲情形结束日期（限制人身自由措施）")
    mother_situation = _situation_field("母亲")
    mother_since = _date_field("母亲情形起始日期")
    mother_until = _date_field("母亲情形结束日期（限制人身自由措施）")

    def __init__(self, *args, on: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.on = on

    def clean(self):
        data = super().clean()
        birth = data.get("birth_date")
        if birth and self.on and (problem := birth_date_problem(birth, self.on)):
            self.add_error("birth_date", f"{problem}。")
        for parent, _word in PARENTS:
            since, until = data.get(f"{parent}_since"), data.get(f"{parent}_until")
            if (since or until) and not data.get(f"{parent}_situation"):
                self.add_error(f"{parent}_situation", "填写了日期时必填。")
            if since and until and until < since:
                self.add_error(f"{parent}_until", f"早于起始日期 {since.isoformat()}。")
        if data.get("other_benefit_amount") and not data.get("other_benefit"):
            self.add_error("other_benefit", "填写了待遇月金额时必填。")
        return data

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not data.get("name") and not data.get("birth_date")


MemberFormSet = forms.formset_factory(MemberWorksheetForm, extra=0, min_num=1, max_num=20, validate_max=True)


def worksheet_to_document(household: dict, members: list[dict]) -> dict:
    """Return the engine's household document (``facts_from_dict`` format) for the worksheet."""
    doc_members = []
    for index, m in enumerate(members, start=1):
        incomes = []
        if m.get("wage"):
            incomes.append({"category": "wage", "monthly_amount": str(m["wage"])})
        if m.get("transfer"):
            incomes.append({"category": "transfer", "monthly_amount": str(m["transfer"])})
        if m.get("exempt"):
            incomes.append({"category": "local_exempt", "monthly_amount": str(m["exempt"])})
        member = {
            "person_id": str(index),
            "name": m.get("name") or f"成员{index}",
            "birth_date": m["birth_date"].isoformat() if m.get("birth_date") else None,
            "relation": m["relation"],
            "incomes": incomes,
            "serious_illness": bool(m.get("serious_illness")),
            "labour_capacity": m["labour_capacity"],
            "schooling": m["schooling"],
        }
        if m.get("disability_category") and m.get("disability_grade"):
            member["disability"] = {"category": m["disability_category"], "grade": m["disability_grade"]}
        if m.get("self_care_unable") not in (None, ""):
            member["self_care_unable"] = m["self_care_unable"]
        if m.get("needs_long_term_care"):
            member["needs_long_term_care"] = True
        for flag in ("chronic_medication",):
            if m.get(flag):
                member[flag] = True
        for amount in ("medical_costs_monthly", "disability_costs_monthly"):
            if m.get(amount) is not None:
                member[amount] = str(m[amount])
        for choice in ("residence", "exclusion", "child_benefit_choice"):
            if m.get(choice):
                member[choice] = m[choice]
        if m.get("has_capable_supporter") is not None:
            member["has_capable_supporter"] = m["has_capable_supporter"]
        if m.get("job_refusals"):
            member["job_refusals"] = m["job_refusals"]
        if m.get("other_benefit"):
            amount = m.get("other_benefit_amount") or 0
            member["other_benefits"] = [{"kind": m["other_benefit"], "monthly_amount": str(amount)}]
        parents = [
            {
                "situation": m[f"{parent}_situation"],
                "since": m[f"{parent}_since"].isoformat() if m.get(f"{parent}_since") else None,
                "until": m[f"{parent}_until"].isoformat() if m.get(f"{parent}_until") else None,
            }
            for parent, _word in PARENTS
            if m.get(f"{parent}_situation")
        ]
        if parents:
            member["parents"] = parents
        doc_members.append(member)
    vehicles = [
        {"kind": "car", "value": str(household["car_value"] / household["cars"])} for _ in range(household["cars"])
    ]
    return {
        "as_of": household["on"].isoformat(),
        "area_type": household["area_type"],
        "household_id": "worksheet",
        "members": doc_members,
        "financial_assets": str(household["financial_assets"]),
        "houses": household["houses"],
        "non_residential_properties": household.get("non_residential_properties") or 0,
        "vehicles": vehicles,
        "business_capital": str(household["business_capital"]),
        "rigid_expenses_12m": [
            {"category": code, "amount": str(household[f"expense_{code}"])}
            for code in EXPENSE_LABELS
            if household.get(f"expense_{code}")
        ],
        **({"income_12m": str(household["income_12m"])} if household.get("income_12m") is not None else {}),
    }


class DraftForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, required=False)
    content = forms.CharField(
        label="参数文件（TOML）", widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"})
    )


class PublishForm(forms.Form):
    reason = forms.CharField(label="发布说明（调整依据、文号）", max_length=500)
