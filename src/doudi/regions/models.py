"""The administrative-division tree (行政区划).

Codes are stored padded to the 12-digit statistical code and serve as primary keys, so that
every table pointing at a region holds the code itself and a subtree is a prefix match
(``region_id LIKE '430981%'``) that an index answers without a join or a recursive query.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    PROVINCE = 1, _("省级")
    PREFECTURE = 2, _("地级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级")
    VILLAGE = 5, _("村级")


# Significant digits of a code at each level: 43 / 4309 / 430981 / 430981006 / 430981006001.
PREFIX_LENGTH = {Level.PROVINCE: 2, Level.PREFECTURE: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}


class AreaType(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class AreaTypeSource(models.TextChoices):
    DERIVED = "derived", _("按区划代码推定")
    MANUAL = "manual", _("管理员更正")


class Region(models.Model):
    code = models.CharField(_("区划代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=80, db_index=True)
    full_name = models.CharField(_("全称"), max_length=255)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Only villages and communities carry an urban/rural type: it decides the standard that applies.
    area_type = models.CharField(_("城乡类别"), max_length=8, choices=AreaType.choices, blank=True)
    area_type_source = models.CharField(_("城乡类别来源"), max_length=8, choices=AreaTypeSource.choices, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """Return the significant digits that every descendant's code starts with."""
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    def is_ancestor_of(self, other_code: str) -> bool:
        return other_code.startswith(self.prefix)


def pad_code(code: str) -> str:
    """Pad a 2/4/6/9-digit code to the 12-digit form used as the key."""
    return code.ljust(12, "0")


def prefix_of(code: str) -> str:
    """Return the significant prefix of a 12-digit code (the shortest prefix its level implies)."""
    code = pad_code(code)
    if code[2:] == "0" * 10:
        return code[:2]
    if code[4:] == "0" * 8:
        return code[:4]
    if code[6:] == "0" * 6:
        return code[:6]
    if code[9:] == "000":
        return code[:9]
    return code
