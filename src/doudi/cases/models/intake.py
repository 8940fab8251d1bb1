"""The one-flow intake's idempotency record: a phone's submission key, the household and case it made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IntakeSubmission(models.Model):
    """One family registered through the phone intake flow (``services.family_intake``).

    ``key`` is the UUID the phone generated when the worker began the form; it is sent with every
    retry of the submission. The unique constraint makes a second insert of the same key fail, so a
    retry after a dropped connection returns the household and case of the first, never new ones.
    """

    key = models.UUIDField(_("提交标识"))
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("家庭"), on_delete=models.PROTECT, related_name="+"
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    photo_count = models.PositiveSmallIntegerField(_("照片数"), default=0)

    class Meta:
        verbose_name = _("上门受理提交")
        verbose_name_plural = _("上门受理提交")
        constraints = [models.UniqueConstraint(fields=["key"], name="intake_submission_key_unique")]

    def __str__(self) -> str:
        return f"{self.key}"
