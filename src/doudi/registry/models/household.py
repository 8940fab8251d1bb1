"""Households (户), persons and the history of who lived in which household."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from doudi.regions.models import AreaType


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    CLOSED = "closed", _("已注销")


class Household(models.Model):
    number = models.CharField(_("户编号"), max_length=20, unique=True)
    # The village or community where the household lives; its code is the scope key.
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("所在村/社区"), on_delete=models.PROTECT, related_name="households"
    )
    area_type = models.CharField(_("城乡类别"), max_length=8, choices=AreaType.choices)
    address = models.CharField(_("居住地址"), max_length=200, blank=True)
    head_name = models.CharField(_("户主姓名"), max_length=50, blank=True)
    member_count = models.PositiveSmallIntegerField(_("成员数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=HouseholdStatus.choices, default="active")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Users are deactivated, never deleted, so this key needs no index of its own.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["region_id", "number"]
        # Exact-name search needs a plain index; Django's default for db_index=True would add a
        # second, LIKE-pattern index on PostgreSQL that no query uses, and every write pays for it.
        indexes = [
            models.Index(fields=["region", "status", "number"], name="household_region_list"),
            models.Index(fields=["head_name"], name="household_head_name"),
        ]

    def __str__(self) -> str:
        return f"{self.head_name or '（无户主）'}户（{self.number}）"


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    PARENT = "parent", _("父母")
    PARENT_IN_LAW = "parent_in_law", _("岳父母/公婆")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Person(models.Model):
    # Unique and indexed through Meta (a constraint, not unique=True) so that PostgreSQL gets no
    # unused LIKE-pattern twin of either index: imports write millions of persons.
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    # The current household (the history is in Membership); one person, one active household.
    household = models.ForeignKey(
        Household, verbose_name=_("所在家庭"), null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices, blank=True)
    # Not indexed: nothing looks persons up by hukou region, and regions are never deleted.
    hukou_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("户籍地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    hukou_type = models.CharField(_("户籍性质"), max_length=8, choices=AreaType.choices, blank=True)
    residence_address = models.CharField(_("居住地址"), max_length=200, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=60, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=32, blank=True)
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], name="person_id_number_unique"),
            models.UniqueConstraint(fields=["household"], condition=Q(relation="head"), name="one_head_per_household"),
        ]
        indexes = [
            models.Index(fields=["name"], name="person_name"),
            # The payment checks look for an account registered to someone outside the household.
            models.Index(fields=["bank_account"], name="person_bank_account"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_code(self) -> str:
        return self.household.region_id if self.household_id else (self.hukou_region_id or "")


class Membership(models.Model):
    """That ``person`` belonged to ``household`` from ``valid_from`` until ``valid_to`` (exclusive).

    Kept so that "who lived in this household on date D" can be answered after people move,
    marry, die or split off; ``Person.household`` is only the current state.
    """

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("终止登记时间"), null=True, blank=True)
    reason = models.CharField(_("变动原因"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("家庭成员关系")
        verbose_name_plural = _("家庭成员关系")
        ordering = ["valid_from", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(valid_to__isnull=True), name="one_open_membership_per_person"
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="membership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}@{self.household_id} {self.valid_from}–{self.valid_to or ''}"
