"""Indicators (formulas over data elements, stored as data) and the targets plans set for them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from plans.models import Plan, Section
from schools.models import Department, Region

from .definitions import validate_definition


class Indicator(models.Model):
    """What is measured. `definition` is validated JSON (see targets/definitions.py), never code."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("越高越好")
        LOWER = "lower", _("越低越好")
        TARGET = "target", _("接近目标")

    class Kind(models.TextChoices):
        SHARE_OF_SCHOOLS = "share_schools", _("学校占比")
        SHARE_OF_PEOPLE = "share_people", _("人数占比")
        RATE = "rate", _("比率")
        COUNT = "count", _("数量")
        SUM = "sum", _("总量")
        RATIO = "ratio", _("比值")
        MONEY = "money", _("经费")
        PER_CAPITA = "per_capita", _("生均")
        NORM = "norm", _("达标单位")
        REGION_VALUE = "region_value", _("区域填报值")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    direction = models.CharField(_("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER)
    decimals = models.PositiveSmallIntegerField(_("小数位数"), default=1)
    definition = models.JSONField(_("计算定义"))
    description = models.TextField(_("口径说明"), blank=True)

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        try:
            self.definition = validate_definition(self.definition)
        except ValidationError as exc:
            raise ValidationError({"definition": exc.messages}) from None


class Comparator(models.TextChoices):
    GE = "ge", "≥"
    LE = "le", "≤"
    EQ = "eq", "="
    APPROX = "approx", "≈"
    RANGE = "range", _("区间")


class Target(models.Model):
    """A plan's target for an indicator in a region and year (year empty: by the plan's end)."""

    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="targets")
    section = models.ForeignKey(
        Section, verbose_name=_("所属目标"), null=True, blank=True, on_delete=models.SET_NULL, related_name="targets"
    )
    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.PROTECT, related_name="targets")
    department = models.ForeignKey(
        Department, verbose_name=_("责任科室"), null=True, blank=True, on_delete=models.SET_NULL, related_name="targets"
    )
    code = models.CharField(_("编号"), max_length=20, help_text=_("计划内的目标编号，如 T003"))
    year = models.PositiveSmallIntegerField(_("目标年度"), null=True, blank=True, help_text=_("为空表示计划期末"))
    comparator = models.CharField(_("比较方式"), max_length=8, choices=Comparator.choices)
    value = models.DecimalField(_("目标值"), max_digits=20, decimal_places=4, null=True, blank=True)
    value_max = models.DecimalField(_("区间上限"), max_digits=20, decimal_places=4, null=True, blank=True)
    tolerance = models.DecimalField(_("容差"), max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_value = models.DecimalField(_("基线值"), max_digits=20, decimal_places=4, null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("基线年度"), null=True, blank=True)
    quote = models.TextField(_("原文"), blank=True)
    source_line = models.PositiveIntegerField(_("原文行号"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("目标值")
        verbose_name_plural = _("目标值")
        ordering = ["plan", "code", "region__path", "year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code", "region", "year"], name="target_unique_per_region_year"),
            models.CheckConstraint(
                condition=~Q(comparator="range") | Q(value__isnull=True) | Q(value_max__gte=models.F("value")),
                name="target_range_has_upper_bound",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.display_value}"

    def clean(self):
        errors = {}
        if self.comparator == Comparator.RANGE and self.value is not None and self.value_max is None:
            errors["value_max"] = _("区间目标必须填写上限。")
        if self.comparator == Comparator.APPROX and self.value is not None and self.tolerance is None:
            errors["tolerance"] = _("“左右”目标必须填写容差。")
        if self.plan_id and self.year is not None and self.year not in self.plan.years:
            errors["year"] = _("目标年度必须在计划期内。")
        if errors:
            raise ValidationError(errors)

    @property
    def final_year(self) -> int:
        return self.year or self.plan.end_year

    @property
    def display_value(self) -> str:
        if self.value is None:
            return str(_("未定"))
        unit = self.indicator.unit
        value = _format_number(self.value)
        if self.comparator == Comparator.RANGE:
            return f"{value}–{_format_number(self.value_max)}{unit}"
        if self.comparator == Comparator.APPROX:
            return f"≈{value}{unit}（±{_format_number(self.tolerance)}）"
        return f"{self.get_comparator_display()}{value}{unit}"


def _format_number(value) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
