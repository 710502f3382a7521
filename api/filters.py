"""Query filters of the list endpoints (django-filter), strict about their input: a malformed value is a 400.

Region filters come in three kinds: `region` (exactly that region, by id), `region_code` (by its code) and
`within` (that region and everything under it, one prefix query on the materialised path). A region the
user cannot see matches nothing.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters
from rest_framework.exceptions import ValidationError as ApiValidationError

from plans.models import Plan, Recurrence, Task, TaskStatus
from reports.models import IndicatorValue, TargetProgress
from schools.models import (
    DataElement,
    DataValue,
    KindergartenGrade,
    Ownership,
    Region,
    RegionLevel,
    School,
    SchoolType,
)
from schools.selectors import regions_for
from targets.models import Indicator, Target
from targets.progress import Status

MAX_ID = 2**63 - 1
MIN_YEAR, MAX_YEAR = 1900, 2100
ERR_BOOLEAN = _("请填写 true 或 false。")
ERR_GRADE_NEEDS_YEAR = _("按等级筛选时必须同时指定年度 year。")
ERR_ORDERING = _("不能按 “{fields}” 排序。可用的排序字段：{allowed}。")


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        text = (value or "").strip().lower()
        if text in ("", "none"):
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise ValidationError(ERR_BOOLEAN, code="invalid")


@extend_schema_field({"type": "boolean"})
class BooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR})
class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=MIN_YEAR, max_value=MAX_YEAR, **kwargs)


@extend_schema_field({"type": "integer", "enum": KindergartenGrade.values})
class GradeFilter(django_filters.TypedChoiceFilter):
    """A kindergarten grade by its number (0 未评级 … 50 省一级), ordered so that "at least" compares."""


class InChoicesFilter(django_filters.MultipleChoiceFilter):
    """Any of several values (?status=met&status=at_risk) as one `IN (…)`, not an OR of equalities."""

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class FilterSet(django_filters.FilterSet):
    """A FilterSet whose form class is built once per class, not on every request (it depends only on the filters)."""

    def get_form_class(self):
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class


class ScopedFilterSet(FilterSet):
    """Gives filter methods the path of a region the user may see."""

    def visible_path(self, region_id: int) -> str | None:
        return regions_for(self.request.user).filter(pk=region_id).values_list("path", flat=True).first()

    def subtree(self, queryset, name, value):
        """`name` is the path field of the filtered rows (the filter's field_name)."""
        path = self.visible_path(value)
        return queryset.none() if path is None else queryset.filter(**{f"{name}__startswith": path})


def _within(path_field: str, help_text):
    return IdFilter(field_name=path_field, method="subtree", help_text=help_text)


WITHIN_HELP = _("区划 id：该区划及其下级的全部数据")


class RegionFilter(ScopedFilterSet):
    code = django_filters.CharFilter(help_text=_("区划代码"))
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, help_text=_("级别：1 省 2 市 3 区县 4 街道乡镇"))
    parent = IdFilter(field_name="parent_id", help_text=_("上级区划 id：其直接下级"))
    within = _within("path", WITHIN_HELP)

    class Meta:
        model = Region
        fields = []


class SchoolFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        if (data.get("grade") or data.get("grade_min")) and not data.get("year"):
            raise ValidationError({"year": ERR_GRADE_NEEDS_YEAR})
        return data


class SchoolFilter(ScopedFilterSet):
    code = django_filters.CharFilter(help_text=_("学校代码"))
    region = IdFilter(field_name="region_id", help_text=_("所在街道乡镇 id"))
    within = _within("region_path", WITHIN_HELP)
    school_type = InChoicesFilter(choices=SchoolType.choices, help_text=_("学校类型，可多选"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, help_text=_("办学性质"))
    is_inclusive = BooleanFilter(help_text=_("普惠性"))
    is_active = BooleanFilter(help_text=_("在办"))
    year = YearFilter(method="in_year", help_text=_("年度：有该年度记录的学校；与 grade、grade_min 同用"))
    grade = GradeFilter(choices=KindergartenGrade.choices, coerce=int, method="noop", help_text=_("该年度的幼儿园等级"))
    grade_min = GradeFilter(
        choices=KindergartenGrade.choices, coerce=int, method="noop", help_text=_("该年度的幼儿园等级不低于")
    )

    class Meta:
        model = School
        fields = []
        form = SchoolFilterForm

    def noop(self, queryset, name, value):
        return queryset  # applied by in_year, on the same year's record

    def in_year(self, queryset, name, value):
        lookups = {"years__year": value}
        grade, grade_min = self.form.cleaned_data.get("grade"), self.form.cleaned_data.get("grade_min")
        if grade not in (None, ""):
            lookups["years__grade"] = grade
        if grade_min not in (None, ""):
            lookups["years__grade__gte"] = grade_min
        return queryset.filter(**lookups)


class DataElementFilter(FilterSet):
    code = django_filters.CharFilter()
    level = django_filters.ChoiceFilter(choices=DataElement.Level.choices, help_text=_("填报层级"))
    group = django_filters.CharFilter(help_text=_("分组"))
    school_type = django_filters.ChoiceFilter(
        choices=SchoolType.choices, method="for_type", help_text=_("该类型学校填报的统计项")
    )

    class Meta:
        model = DataElement
        fields = []

    def for_type(self, queryset, name, value):
        # school_types is a JSON list; the catalogue is small, so the rule (DataElement.applies_to) runs in Python.
        return queryset.filter(pk__in=[e.pk for e in DataElement.objects.all() if e.applies_to(value)])


class DataValueFilter(ScopedFilterSet):
    school = IdFilter(field_name="school_year__school_id", help_text=_("学校 id"))
    school_code = django_filters.CharFilter(field_name="school_year__school__code", help_text=_("学校代码"))
    within = _within("school_year__school__region_path", WITHIN_HELP)
    year = YearFilter(field_name="school_year__year")
    element = django_filters.CharFilter(field_name="element__code", help_text=_("统计项代码"))

    class Meta:
        model = DataValue
        fields = []


class PlanFilter(FilterSet):
    code = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Plan.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Plan.Kind.choices)
    region = IdFilter(field_name="region_id", help_text=_("发布区划 id"))
    year = YearFilter(method="covering", help_text=_("计划期包含该年度"))

    class Meta:
        model = Plan
        fields = []

    def covering(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)


class TaskFilter(FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_code = django_filters.CharFilter(field_name="plan__code")
    status = InChoicesFilter(choices=TaskStatus.choices)
    recurrence = django_filters.ChoiceFilter(choices=Recurrence.choices)

    class Meta:
        model = Task
        fields = []


class IndicatorFilter(FilterSet):
    code = django_filters.CharFilter()
    kind = django_filters.ChoiceFilter(choices=Indicator.Kind.choices)

    class Meta:
        model = Indicator
        fields = []


class TargetFilter(FilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_code = django_filters.CharFilter(field_name="plan__code")
    code = django_filters.CharFilter(help_text=_("计划内的目标编号，如 T003"))
    indicator = IdFilter(field_name="indicator_id")
    indicator_code = django_filters.CharFilter(field_name="indicator__code")
    region = IdFilter(field_name="region_id")
    region_code = django_filters.CharFilter(field_name="region__code")
    year = YearFilter()

    class Meta:
        model = Target
        fields = []


class ComputedFilterSet(ScopedFilterSet):
    """Filters shared by indicator values and progress rows."""

    indicator = IdFilter(field_name="indicator_id")
    indicator_code = django_filters.CharFilter(field_name="indicator__code")
    region = IdFilter(field_name="region_id", help_text=_("区划 id：仅该区划"))
    region_code = django_filters.CharFilter(field_name="region__code", help_text=_("区划代码：仅该区划"))
    within = _within("region__path", WITHIN_HELP)
    level = django_filters.ChoiceFilter(field_name="region__level", choices=RegionLevel.choices)
    year = YearFilter()
    year_min = YearFilter(field_name="year", lookup_expr="gte", help_text=_("年度不早于"))
    year_max = YearFilter(field_name="year", lookup_expr="lte", help_text=_("年度不晚于"))


class IndicatorValueFilter(ComputedFilterSet):
    class Meta:
        model = IndicatorValue
        fields = []


class ProgressFilter(ComputedFilterSet):
    plan = IdFilter(field_name="plan_id")
    plan_code = django_filters.CharFilter(field_name="plan__code")
    target_code = django_filters.CharFilter(help_text=_("计划内的目标编号，如 T003"))
    status = InChoicesFilter(choices=Status.choices, help_text=_("进展状态，可多选"))
    projected_met = BooleanFilter(help_text=_("预计期末达成"))

    class Meta:
        model = TargetProgress
        fields = []


class Ordering(filters.OrderingFilter):
    """`?ordering=-year,region`: the names of the view's `ordering_fields` ({name: ORM path}); others are a 400."""

    def filter_queryset(self, request, queryset, view):
        fields = getattr(view, "ordering_fields", None)
        raw = request.query_params.get(self.ordering_param)
        if not fields or raw is None:
            return queryset
        wanted = [part.strip() for part in raw.split(",") if part.strip()]
        bad = [name for name in wanted if name.lstrip("-") not in fields]
        if bad or not wanted:
            message = ERR_ORDERING.format(fields=",".join(bad) or raw, allowed=", ".join(fields))
            raise ApiValidationError({self.ordering_param: [message]})
        # Rows with no value (null) come last both ways, on SQLite and PostgreSQL alike.
        order = [
            F(fields[name[1:]]).desc(nulls_last=True) if name.startswith("-") else F(fields[name]).asc(nulls_last=True)
            for name in wanted
        ]
        return queryset.order_by(*order, "pk")

    def get_schema_operation_parameters(self, view):
        fields = getattr(view, "ordering_fields", None)
        if not fields:
            return []
        names = "|".join(fields)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(_("排序字段，逗号分隔，前加 - 为倒序。可用：{fields}")).format(
                    fields=", ".join(fields)
                ),
                "schema": {"type": "string", "pattern": f"^-?({names})(,-?({names}))*$"},
            }
        ]
