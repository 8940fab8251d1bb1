"""Dated evidence about persons: income, assets, disability, illness, capacity, self-care, schooling,
rigid expenses, a child's parents' situation, the need for long-term care, the legal supporters'
ability to support (特困's third condition), where a person is cared for (home or an institution) and
a member not counted in the household (serving a sentence, a conscript …).

Evidence is bitemporal and never overwritten. ``valid_from``/``valid_to`` say when a fact was
true in the world; ``recorded_at``/``superseded_at`` say when doudi knew it. A correction or an
end date supersedes the old row and inserts a new one, so that both "what was true on D" and
"what did we know on D" (the basis of a past decision) can be answered.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EvidenceSource(models.TextChoices):
    DECLARED = "declared", _("申请人申报")
    SURVEY = "survey", _("入户调查")
    VERIFICATION = "verification", _("信息核对")
    IMPORT = "import", _("批量导入")
    DEPARTMENT = "department", _("部门数据")


class Evidence(models.Model):
    person = models.ForeignKey("registry.Person", verbose_name=_("人员"), on_delete=models.PROTECT)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=EvidenceSource.choices, default="declared")
    note = models.CharField(_("说明"), max_length=200, blank=True)
    # Evidence is always read through its person: the recording times and users need no indexes of
    # their own (users are deactivated, never deleted), and the millions of evidence rows pay for each.
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    superseded_at = models.DateTimeField(_("被更正时间"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    # Fields a user fills in for this kind of evidence (shown in forms, diffs and the history).
    value_fields: tuple[str, ...] = ()
    kind_label = ""

    class Meta:
        abstract = True
        ordering = ["valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.kind_label}（{self.valid_from:%Y-%m-%d} 起）"

    @classmethod
    def kind(cls) -> str:
        return cls._meta.model_name


def _evidence_constraints(name: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
            name=f"{name}_dates_ordered",
        )
    ]


class IncomeCategory(models.TextChoices):
    WAGES = "wages", _("工资性收入")
    BUSINESS = "business", _("经营净收入")
    PROPERTY = "property", _("财产净收入")
    TRANSFER = "transfer", _("转移净收入")
    OTHER = "other", _("其他应计入收入")
    # Items that rules.md §1.5 lists as not counted; the policy decides, the registry records.
    PREFERENTIAL_PENSION = "preferential_pension", _("优待抚恤金")
    FAMILY_PLANNING = "family_planning", _("计划生育奖励与扶助金")
    SCHOLARSHIP = "scholarship", _("奖学金")
    HEROISM_AWARD = "heroism_award", _("见义勇为等奖励性补助")
    ASSISTANCE = "assistance", _("政府发放的社会救助款物")
    BASIC_PENSION = "basic_pension", _("城乡居民基本养老保险基础养老金")
    DISABILITY_SUBSIDY = "disability_subsidy", _("残疾人两项补贴")
    LOCAL_EXEMPT = "local_exempt", _("地方规定不计入的其他收入")


class Income(Evidence):
    category = models.CharField(_("收入类别"), max_length=24, choices=IncomeCategory.choices)
    monthly_amount = models.DecimalField(_("月收入（元）"), max_digits=12, decimal_places=2)
    value_fields = ("category", "monthly_amount")
    kind_label = _("收入")

    class Meta(Evidence.Meta):
        verbose_name = _("收入")
        verbose_name_plural = _("收入")
        constraints = [
            *_evidence_constraints("income"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="income_amount_non_negative"),
        ]


class AssetKind(models.TextChoices):
    DEPOSIT = "deposit", _("银行存款")
    SECURITIES = "securities", _("有价证券/基金")
    INSURANCE = "insurance", _("商业保险")
    VEHICLE = "vehicle", _("机动车")
    REAL_ESTATE = "real_estate", _("房产")
    # Shops, workshops, garages: most local rules refuse dibao to a family owning one (rules.md §1.6).
    NON_RESIDENTIAL = "non_residential", _("非居住类房屋（商铺、厂房、车库等）")
    BUSINESS_SHARE = "business_share", _("企业出资/股份")
    OTHER = "other", _("其他财产")


class Asset(Evidence):
    kind_of_asset = models.CharField(_("财产类别"), max_length=16, choices=AssetKind.choices)
    value = models.DecimalField(_("价值（元）"), max_digits=14, decimal_places=2, default=0)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    area_sqm = models.DecimalField(_("面积（㎡）"), max_digits=9, decimal_places=2, null=True, blank=True)
    # A disabled person's functional mobility vehicle is exempt in most local rules (rules.md §1.6).
    exempt = models.BooleanField(_("生产生活必需（可豁免）"), default=False)
    description = models.CharField(_("描述"), max_length=100, blank=True)
    value_fields = ("kind_of_asset", "value", "quantity", "area_sqm", "exempt", "description")
    kind_label = _("财产")

    class Meta(Evidence.Meta):
        verbose_name = _("财产")
        verbose_name_plural = _("财产")
        constraints = [
            *_evidence_constraints("asset"),
            models.CheckConstraint(condition=Q(value__gte=0), name="asset_value_non_negative"),
        ]


class DisabilityCategory(models.TextChoices):
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class Disability(Evidence):
    category = models.CharField(_("残疾类别"), max_length=16, choices=DisabilityCategory.choices)
    grade = models.PositiveSmallIntegerField(_("残疾等级"), choices=[(i, f"{i}级") for i in (1, 2, 3, 4)])
    card_number = models.CharField(_("残疾人证号"), max_length=24, blank=True)
    # What the disability costs the family each month (rehabilitation, aids, care): deducted from the
    # household's income where the policy says so (means test, rules.md §1.4).
    monthly_costs = models.DecimalField(
        _("月康复护理支出（元）"), max_digits=12, decimal_places=2, default=0, blank=True
    )
    value_fields = ("category", "grade", "card_number", "monthly_costs")
    kind_label = _("残疾")

    class Meta(Evidence.Meta):
        verbose_name = _("残疾")
        verbose_name_plural = _("残疾")
        constraints = _evidence_constraints("disability")


class Illness(Evidence):
    diagnosis = models.CharField(_("疾病名称"), max_length=100)
    serious = models.BooleanField(_("重特大疾病"), default=False)
    monthly_self_paid = models.DecimalField(_("月自付医疗费（元）"), max_digits=12, decimal_places=2, default=0)
    # 慢特病长期服药: a dibao supplement where the policy lists it (rules.md §1.8).
    chronic_medication = models.BooleanField(_("慢特病需长期服药"), default=False)
    value_fields = ("diagnosis", "serious", "monthly_self_paid", "chronic_medication")
    kind_label = _("疾病")

    class Meta(Evidence.Meta):
        verbose_name = _("疾病")
        verbose_name_plural = _("疾病")
        constraints = [
            *_evidence_constraints("illness"),
            models.CheckConstraint(condition=Q(monthly_self_paid__gte=0), name="illness_self_paid_non_negative"),
        ]


class LabourCapacityLevel(models.TextChoices):
    FULL = "full", _("有劳动能力")
    PARTIAL = "partial", _("部分丧失劳动能力")
    NONE = "none", _("无劳动能力")


class LabourCapacity(Evidence):
    level = models.CharField(_("劳动能力"), max_length=8, choices=LabourCapacityLevel.choices)
    value_fields = ("level",)
    kind_label = _("劳动能力")

    class Meta(Evidence.Meta):
        verbose_name = _("劳动能力")
        verbose_name_plural = _("劳动能力")
        constraints = _evidence_constraints("labourcapacity")


class SelfCare(Evidence):
    """The six-item self-care assessment (rules.md §2.4): True means the person cannot do it."""

    unable_eat = models.BooleanField(_("不能自主吃饭"), default=False)
    unable_dress = models.BooleanField(_("不能自主穿衣"), default=False)
    unable_transfer = models.BooleanField(_("不能自主上下床"), default=False)
    unable_toilet = models.BooleanField(_("不能自主如厕"), default=False)
    unable_walk = models.BooleanField(_("不能室内自主行走"), default=False)
    unable_bathe = models.BooleanField(_("不能自主洗澡"), default=False)
    value_fields = ("unable_eat", "unable_dress", "unable_transfer", "unable_toilet", "unable_walk", "unable_bathe")
    kind_label = _("生活自理能力")

    class Meta(Evidence.Meta):
        verbose_name = _("生活自理能力评估")
        verbose_name_plural = _("生活自理能力评估")
        constraints = _evidence_constraints("selfcare")

    @property
    def unable_count(self) -> int:
        return sum(bool(getattr(self, f)) for f in self.value_fields)

    @property
    def tier_label(self) -> str:
        n = self.unable_count
        return "全自理" if n == 0 else ("半失能" if n <= 3 else "全失能")


class SchoolStage(models.TextChoices):
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("中等职业学校")
    COLLEGE = "college", _("大专")
    UNDERGRADUATE = "undergraduate", _("本科")
    POSTGRADUATE = "postgraduate", _("研究生")


class Schooling(Evidence):
    stage = models.CharField(_("就读阶段"), max_length=16, choices=SchoolStage.choices)
    institution = models.CharField(_("学校"), max_length=100, blank=True)
    full_time = models.BooleanField(_("全日制"), default=True)
    value_fields = ("stage", "institution", "full_time")
    kind_label = _("就学")

    class Meta(Evidence.Meta):
        verbose_name = _("就学")
        verbose_name_plural = _("就学")
        constraints = _evidence_constraints("schooling")


class ExpenseCategory(models.TextChoices):
    """Rigid spending counted by 刚性支出困难家庭 (rules.md §3.2): the engine's ``EXPENSE_LABELS`` codes."""

    MEDICAL = "medical", _("医疗支出（自付）")
    EDUCATION = "education", _("教育支出")
    DISABILITY_REHAB = "disability_rehab", _("残疾康复支出")
    LIVING = "living", _("生活支出")
    OTHER = "other", _("其他刚性支出")


class RigidExpense(Evidence):
    """What the family spent on one member for one rigid need over the 12 months before ``valid_from``.

    The household's 近12个月刚性支出 (§3.2) is the sum over its members of the rows valid on the
    assessment date. A declaration goes stale: record its 失效日期 (at most 12 months on) so a
    later assessment does not count last year's spending again.
    """

    category = models.CharField(_("支出类别"), max_length=16, choices=ExpenseCategory.choices)
    amount_12m = models.DecimalField(_("近12个月支出（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("支出说明"), max_length=100, blank=True)
    value_fields = ("category", "amount_12m", "description")
    kind_label = _("刚性支出")

    class Meta(Evidence.Meta):
        verbose_name = _("刚性支出")
        verbose_name_plural = _("刚性支出")
        constraints = [
            *_evidence_constraints("rigidexpense"),
            models.CheckConstraint(condition=Q(amount_12m__gte=0), name="rigidexpense_amount_non_negative"),
        ]


class ParentRole(models.TextChoices):
    FATHER = "father", _("父亲")
    MOTHER = "mother", _("母亲")


class ParentSituationKind(models.TextChoices):
    """A parent's situation (rules.md §6, 民发〔2019〕62号): the engine's ``PARENT_SITUATION_LABELS`` codes."""

    PRESENT = "present", _("正常履行抚养义务")
    DECEASED = "deceased", _("死亡")
    DECLARED_MISSING = "declared_missing", _("宣告失踪")
    UNKNOWN = "unknown", _("查找不到")
    SEVERE_DISABILITY = "severe_disability", _("重残")
    SERIOUS_ILLNESS = "serious_illness", _("重病")
    IMPRISONED = "imprisoned", _("服刑在押")
    DRUG_REHAB = "drug_rehab", _("强制隔离戒毒")
    DETAINED_OTHER = "detained_other", _("被执行其他限制人身自由措施")
    LOST_CONTACT = "lost_contact", _("失联")
    GUARDIANSHIP_REVOKED = "guardianship_revoked", _("被撤销监护资格")
    DEPORTED = "deported", _("被遣送（驱逐）出境")


class ParentSituation(Evidence):
    """A child's father's or mother's situation, recorded on the child.

    ``valid_from`` is the day the situation began (death, sentence, loss of contact …): the
    engine counts the six months of 失联 or the length of a custody measure from it.
    ``valid_to`` is the day it ended (a release, a parent found); for a custody measure with a
    known end it may be recorded ahead.
    """

    parent = models.CharField(_("父/母"), max_length=8, choices=ParentRole.choices)
    situation = models.CharField(_("父/母情形"), max_length=24, choices=ParentSituationKind.choices)
    parent_name = models.CharField(_("父/母姓名"), max_length=50, blank=True)
    value_fields = ("parent", "situation", "parent_name")
    kind_label = _("父母情况")

    class Meta(Evidence.Meta):
        verbose_name = _("父母情况")
        verbose_name_plural = _("父母情况")
        constraints = _evidence_constraints("parentsituation")


class CareNeed(Evidence):
    """Whether a disabled person needs long-term care (长期照护), the test of 重度残疾人护理补贴 (§5)."""

    needs_long_term_care = models.BooleanField(_("需长期照护"), default=True)
    assessed_by = models.CharField(_("评估机构/依据"), max_length=100, blank=True)
    value_fields = ("needs_long_term_care", "assessed_by")
    kind_label = _("长期照护需求")

    class Meta(Evidence.Meta):
        verbose_name = _("长期照护需求")
        verbose_name_plural = _("长期照护需求")
        constraints = _evidence_constraints("careneed")


class SupporterSituation(models.TextChoices):
    """What the township found about a person's legal supporters (法定赡养、抚养、扶养义务人, rules.md §2.2)."""

    NONE = "none", _("无法定义务人")
    INCAPABLE = "incapable", _("法定义务人无履行能力")
    CAPABLE = "capable", _("有具备履行能力的法定义务人")


class LegalSupporter(Evidence):
    """The legal supporters' situation of a person, as the township established it (入户调查, 核对).

    The third condition of 特困 (rules.md §2.2): no legal supporter, or none able to support (the
    supporter is 特困, a 60+ 低保 recipient, 70+ or severely disabled with income and property within
    the rules, imprisoned, missing …). The engine reads only whether a capable supporter exists;
    ``basis`` says why the supporters cannot support, shown in the history and required for that case.
    """

    situation = models.CharField(_("法定义务人情况"), max_length=12, choices=SupporterSituation.choices)
    basis = models.CharField(
        _("认定依据"),
        max_length=200,
        blank=True,
        help_text=_("义务人无履行能力时必填，如：义务人是60周岁以上低保对象、重度残疾且收入财产符合规定、服刑在押"),
    )
    value_fields = ("situation", "basis")
    kind_label = _("法定义务人情况")

    class Meta(Evidence.Meta):
        verbose_name = _("法定义务人情况")
        verbose_name_plural = _("法定义务人情况")
        constraints = _evidence_constraints("legalsupporter")

    def clean(self) -> None:
        super().clean()
        if self.situation == SupporterSituation.INCAPABLE and not (self.basis or "").strip():
            raise ValidationError(
                {"basis": _("法定义务人无履行能力时须写明认定依据（如：义务人是60周岁以上低保对象）。")}
            )


class CareSettingKind(models.TextChoices):
    """The engine's ``RESIDENCE_LABELS`` codes: home (分散供养, 社会散居) or an institution (集中供养/养育)."""

    HOME = "home", _("居家（分散供养/社会散居）")
    INSTITUTION = "institution", _("机构（集中供养/集中养育）")


class CareSetting(Evidence):
    """Where a person is cared for: decides 特困 集中/分散供养 (its basic-living and care standards,
    rules.md §2.4–2.5) and an orphan's 集中养育/社会散居 (§6). Not recorded means at home."""

    setting = models.CharField(_("供养方式"), max_length=12, choices=CareSettingKind.choices)
    institution = models.CharField(
        _("供养服务机构"), max_length=100, blank=True, help_text=_("集中供养/集中养育时必填")
    )
    value_fields = ("setting", "institution")
    kind_label = _("供养方式")

    class Meta(Evidence.Meta):
        verbose_name = _("供养方式")
        verbose_name_plural = _("供养方式")
        constraints = _evidence_constraints("caresetting")

    def clean(self) -> None:
        super().clean()
        if self.setting == CareSettingKind.INSTITUTION and not (self.institution or "").strip():
            raise ValidationError({"institution": _("集中供养须填写供养服务机构名称。")})


class ExclusionReason(models.TextChoices):
    """Members not counted in the household (rules.md §1.2): the engine's ``EXCLUSION_LABELS`` codes."""

    RELIGIOUS = "religious", _("连续三年以上脱离家庭独立生活的宗教教职人员")
    IMPRISONED = "imprisoned", _("在监狱内服刑")
    DRUG_REHAB = "drug_rehab", _("强制隔离戒毒")
    DECLARED_MISSING = "declared_missing", _("宣告失踪")
    CONSCRIPT = "conscript", _("现役义务兵")
    OTHER = "other", _("省级民政部门认定的其他人员")


class Exclusion(Evidence):
    """A member not counted in the household's size and income while the situation lasts
    (``valid_from`` the day it began, ``valid_to`` a release or a return)."""

    reason = models.CharField(_("不计入家庭成员的情形"), max_length=20, choices=ExclusionReason.choices)
    detail = models.CharField(_("说明"), max_length=100, blank=True)
    value_fields = ("reason", "detail")
    kind_label = _("不计入家庭成员")

    class Meta(Evidence.Meta):
        verbose_name = _("不计入家庭成员")
        verbose_name_plural = _("不计入家庭成员")
        constraints = _evidence_constraints("exclusion")


class JobRefusal(Evidence):
    """A suitable job or training offered and refused without good reason (rules.md §1.5): from the
    policy's number of refusals (``dibao.refusal_limit``, 3 nationally) the person's own dibao share
    stops while the income still counts. ``valid_from`` is the day of the refusal; a refusal stops
    counting from ``valid_to`` (ended when the person takes up work or training)."""

    offer = models.CharField(_("介绍的岗位或培训"), max_length=100)
    stated_reason = models.CharField(_("本人所述理由"), max_length=100, blank=True)
    value_fields = ("offer", "stated_reason")
    kind_label = _("拒绝就业")

    class Meta(Evidence.Meta):
        verbose_name = _("拒绝就业")
        verbose_name_plural = _("拒绝就业")
        constraints = _evidence_constraints("jobrefusal")


class OtherBenefitKind(models.TextChoices):
    """Benefits from other departments that overlap the disability subsidies (rules.md §5): the
    engine's ``OTHER_BENEFIT_LABELS`` codes."""

    ELDERLY_CARE_SUBSIDY = "elderly_care_subsidy", _("老年人福利/护理补贴")
    VETERAN_DISABILITY = "veteran_disability", _("因公伤残补贴")
    RETIRED_CADRE_CARE = "retired_cadre_care", _("离休干部护理费")
    WORK_INJURY_CARE = "work_injury_care", _("工伤保险生活护理费")


class OtherBenefit(Evidence):
    """A benefit the person receives from another department: excludes the care subsidy (工伤护理费)
    or is compared with it, the higher one paid (择高, §5)."""

    benefit = models.CharField(_("其他部门待遇"), max_length=24, choices=OtherBenefitKind.choices)
    monthly_amount = models.DecimalField(_("月金额（元）"), max_digits=12, decimal_places=2, default=0)
    value_fields = ("benefit", "monthly_amount")
    kind_label = _("其他部门待遇")

    class Meta(Evidence.Meta):
        verbose_name = _("其他部门待遇")
        verbose_name_plural = _("其他部门待遇")
        constraints = [
            *_evidence_constraints("otherbenefit"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="otherbenefit_amount_non_negative"),
        ]


class ChildBenefitChoiceKind(models.TextChoices):
    """What a child entitled to both chooses (rules.md §6): the engine's ``CHILD_CHOICE_LABELS`` codes."""

    AUTO = "auto", _("按较高者")
    EXTREME_POVERTY = "extreme_poverty", _("特困供养")
    CHILD_ALLOWANCE = "child_allowance", _("儿童基本生活费")


class ChildBenefitChoice(Evidence):
    """The choice a child (or the guardian) made between 特困供养 and 儿童基本生活费, on the child."""

    choice = models.CharField(_("儿童保障选择"), max_length=16, choices=ChildBenefitChoiceKind.choices)
    guardian = models.CharField(_("作出选择的监护人"), max_length=50, blank=True)
    value_fields = ("choice", "guardian")
    kind_label = _("儿童保障选择")

    class Meta(Evidence.Meta):
        verbose_name = _("儿童保障选择")
        verbose_name_plural = _("儿童保障选择")
        constraints = _evidence_constraints("childbenefitchoice")


EVIDENCE_MODELS: dict[str, type[Evidence]] = {
    m.kind(): m
    for m in (
        Income,
        Asset,
        Disability,
        Illness,
        LabourCapacity,
        SelfCare,
        Schooling,
        RigidExpense,
        ParentSituation,
        CareNeed,
        LegalSupporter,
        CareSetting,
        Exclusion,
        JobRefusal,
        OtherBenefit,
        ChildBenefitChoice,
    )
}
