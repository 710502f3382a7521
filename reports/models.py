"""Computed indicator values (rollups) and progress against targets. Written only by reports/rollup.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from plans.models import Plan
from schools.models import Region
from targets.models import Indicator, Target
from targets.progress import Status


class IndicatorValue(models.Model):
    """An indicator's numerator and denominator summed over everything under a region in a year.

    Parents' numbers are sums of their children's, so a value is Σ numerator ÷ Σ denominator at
    every level. `value` is None when there is no data (never 0 for missing).
    """

    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="values")
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    numerator = models.DecimalField(_("分子"), max_digits=24, decimal_places=6, null=True)
    denominator = models.DecimalField(_("分母"), max_digits=24, decimal_places=6, null=True)
    value = models.DecimalField(_("指标值"), max_digits=24, decimal_places=6, null=True)
    schools_reporting = models.PositiveIntegerField(_("已填报学校数"), default=0)
    schools_expected = models.PositiveIntegerField(_("应填报学校数"), default=0)
    # Per-unit norms: the units (townships or schools) below this region that fail, as [{"id", "name"}].
    failing_units = models.JSONField(_("未达标单位"), default=list, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("指标计算值")
        verbose_name_plural = _("指标计算值")
        constraints = [models.UniqueConstraint(fields=["indicator", "region", "year"], name="indicatorvalue_unique")]
        indexes = [models.Index(fields=["region", "year"], name="indicatorvalue_region_year")]

    def __str__(self):
        return f"{self.indicator} {self.region} {self.year} = {self.value}"


class TargetProgress(models.Model):
    """Where a plan's target stands for a region in a year: the value judged, its status, the projection."""

    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="progress")
    target_code = models.CharField(_("目标编号"), max_length=20)
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    # The target applied: the region's own, or for rates the nearest ancestor's (see targets/RULES.md).
    target = models.ForeignKey(
        Target, verbose_name=_("适用目标"), null=True, on_delete=models.CASCADE, related_name="+"
    )
    inherited = models.BooleanField(_("沿用上级目标"), default=False)
    value = models.DecimalField(_("评价值"), max_digits=24, decimal_places=6, null=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    expected = models.DecimalField(_("进度线应达值"), max_digits=24, decimal_places=6, null=True)
    projection = models.DecimalField(_("期末预测值"), max_digits=24, decimal_places=6, null=True)
    projected_met = models.BooleanField(_("预计期末达成"), null=True)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("目标进展")
        verbose_name_plural = _("目标进展")
        constraints = [
            models.UniqueConstraint(fields=["plan", "target_code", "region", "year"], name="targetprogress_unique")
        ]
        indexes = [models.Index(fields=["plan", "region", "year"], name="progress_plan_region_year")]

    def __str__(self):
        return f"{self.plan} {self.target_code} {self.region} {self.year}: {self.get_status_display()}"


class RecomputeRequest(models.Model):
    """A township-year whose school data changed and whose rollup is due (coalesces bursts of edits)."""

    class State(models.TextChoices):
        PENDING = "pending", _("待计算")
        RUNNING = "running", _("计算中")

    region = models.ForeignKey(Region, verbose_name=_("街道乡镇"), on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    requested_at = models.DateTimeField(_("请求时间"))
    claim = models.CharField(_("认领标记"), max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("重算请求")
        verbose_name_plural = _("重算请求")
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="recomputerequest_unique")]

    def __str__(self):
        return f"{self.region} {self.year} ({self.get_state_display()})"


class RollupLock(models.Model):
    """A single row that every rollup write locks first, so that runs never interleave their writes."""

    name = models.CharField(max_length=20, unique=True)

    class Meta:
        verbose_name = _("计算锁")
        verbose_name_plural = _("计算锁")

    def __str__(self):
        return self.name
