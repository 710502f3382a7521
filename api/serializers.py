"""The shapes of the API's data. Serializers shape and validate; the rules live in selectors and services.

Numbers are JSON numbers; a value that is missing (no data) is null, never 0.
"""

import functools

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from plans.models import AssignmentRole, Plan, Task, TaskStatus, TaskUpdate
from reports.models import IndicatorValue, TargetProgress
from schools.models import DataElement, DataValue, Region, School, SchoolType
from targets.models import Indicator, Target
from targets.progress import Status

from .models import ApiToken

# ---------------------------------------------------------------- tokens


class TokenCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, style={"input_type": "password"})
    name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    read_only = serializers.BooleanField(
        required=False, default=False, help_text=_("只读令牌：用于 BI 等只读取数据的系统")
    )


class TokenSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "read_only", "user", "created", "last_used"]


class NewTokenSerializer(TokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text=_("令牌本身，只显示这一次；请求时放在 Authorization: Token <key>")
    )

    class Meta(TokenSerializer.Meta):
        fields = ["key", *TokenSerializer.Meta.fields]


class PingSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    user = serializers.CharField()
    role = serializers.CharField(allow_null=True)


# ---------------------------------------------------------------- regions, schools, data


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "path"]


class SchoolSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = School
        fields = [
            "id",
            "code",
            "name",
            "region",
            "region_code",
            "region_name",
            "school_type",
            "ownership",
            "is_inclusive",
            "is_active",
        ]


class DataElementSerializer(serializers.ModelSerializer):
    school_types = serializers.ListField(
        child=serializers.ChoiceField(choices=SchoolType.choices),
        help_text=_("填报该项的学校类型；为空表示所有类型"),
    )

    class Meta:
        model = DataElement
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "group",
            "level",
            "value_type",
            "unit",
            "min_value",
            "max_value",
            "school_types",
            "help_text",
        ]


class DataValueSerializer(serializers.ModelSerializer):
    school = serializers.IntegerField(source="school_year.school_id", read_only=True)
    school_code = serializers.CharField(source="school_year.school.code", read_only=True)
    year = serializers.IntegerField(source="school_year.year", read_only=True)
    element = serializers.CharField(source="element.code", read_only=True)

    class Meta:
        model = DataValue
        fields = ["id", "school", "school_code", "year", "element", "value", "updated_at"]


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "maxLength": 40}],
        "nullable": True,
        "description": str(_("数值；null 或空字符串表示删除该项（无数据，不是 0）")),
    }
)
class ValueField(serializers.Field):
    """A value as sent: a number, a numeric string, or null. Parsed per element by schools.validation."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class DataValueItemSerializer(serializers.Serializer):
    school = serializers.CharField(max_length=20, help_text=_("学校代码"))
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text=_("年度"))
    values = serializers.DictField(
        child=ValueField(allow_null=True), allow_empty=False, help_text=_("{统计项代码: 数值}，null 表示删除")
    )

    def validate_year(self, year):
        """As on the data form: up to next year (a plan's first year may lie ahead)."""
        if year > timezone.localdate().year + 1:
            raise serializers.ValidationError(_("年度超出范围"))
        return year


class DataValuesWriteSerializer(serializers.Serializer):
    items = DataValueItemSerializer(many=True, min_length=1, max_length=1000)


class DataValuesItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    school = serializers.CharField()
    year = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()


class DataValuesResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    deleted = serializers.IntegerField()
    items = DataValuesItemResultSerializer(many=True)


# ---------------------------------------------------------------- plans and tasks


class PlanSerializer(serializers.ModelSerializer):
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "code",
            "title",
            "doc_number",
            "kind",
            "status",
            "region",
            "region_code",
            "region_name",
            "school",
            "parent",
            "start_year",
            "end_year",
            "summary",
            "source_note",
        ]


class AssignmentSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    unit_type = serializers.ChoiceField(choices=["region", "school", "department"])
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()

    def to_representation(self, assignment):
        kind = "region" if assignment.region_id else "school" if assignment.school_id else "department"
        unit = assignment.unit
        return {"role": assignment.role, "unit_type": kind, "unit_id": unit.pk, "unit_name": unit.name}


class TaskSerializer(serializers.ModelSerializer):
    plan_code = serializers.CharField(source="plan.code", read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "plan",
            "plan_code",
            "section",
            "number",
            "title",
            "text",
            "deadline",
            "recurrence",
            "status",
            "progress",
            "assignments",
        ]


class TaskUpdateSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_username", read_only=True, allow_null=True, default=None)
    date = serializers.DateField(required=False, help_text=_("进展日期，默认今天"))
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(max_length=5000)

    class Meta:
        model = TaskUpdate
        fields = ["id", "task", "date", "status", "progress", "note", "evidence", "author", "created_at"]
        read_only_fields = ["id", "task", "evidence", "author", "created_at"]


# ---------------------------------------------------------------- indicators, targets, computed values


class IndicatorSerializer(serializers.ModelSerializer):
    definition = serializers.JSONField(help_text=_("计算定义（见 targets/definitions.py）"))

    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "name_en", "kind", "unit", "direction", "decimals", "definition", "description"]


class TargetSerializer(serializers.ModelSerializer):
    plan_code = serializers.CharField(source="plan.code", read_only=True)
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    final_year = serializers.IntegerField(read_only=True, help_text=_("目标年度；未填写时为计划期末"))
    display_value = serializers.CharField(read_only=True, help_text=_("目标值的显示形式，如 ≥90%"))

    class Meta:
        model = Target
        fields = [
            "id",
            "plan",
            "plan_code",
            "code",
            "indicator",
            "indicator_code",
            "region",
            "region_code",
            "year",
            "final_year",
            "comparator",
            "value",
            "value_max",
            "tolerance",
            "baseline_value",
            "baseline_year",
            "display_value",
            "quote",
            "note",
        ]


class IndicatorValueSerializer(serializers.ModelSerializer):
    indicator_code = serializers.CharField(source="indicator.code", read_only=True)
    region_code = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    level = serializers.IntegerField(source="region.level", read_only=True)
    failing_units = serializers.ListField(child=serializers.DictField(), help_text=_("未达标单位 [{id, name}]"))

    class Meta:
        model = IndicatorValue
        fields = [
            "id",
            "indicator",
            "indicator_code",
            "region",
            "region_code",
            "region_name",
            "level",
            "year",
            "numerator",
            "denominator",
            "value",
            "schools_reporting",
            "schools_expected",
            "failing_units",
            "computed_at",
        ]


class ProgressTargetSerializer(serializers.Serializer):
    """The target a progress row was judged against (the region's own, or an inherited one)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    region = serializers.IntegerField()
    year = serializers.IntegerField(allow_null=True)
    comparator = serializers.CharField()
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    value_max = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    tolerance = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    baseline_value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True)
    baseline_year = serializers.IntegerField(allow_null=True)


class ProgressSerializer(serializers.ModelSerializer):
    """A TargetProgress row, read as a dict of PROGRESS_VALUES (no model instances: the list serves thousands a second).

    The declared fields describe the output for the schema; to_representation writes it out directly.
    """

    plan_code = serializers.CharField(source="plan.code")
    indicator_code = serializers.CharField(source="indicator.code")
    indicator_name = serializers.CharField(source="indicator.name")
    unit = serializers.CharField(source="indicator.unit")
    region_code = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    level = serializers.IntegerField(source="region.level")
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField()
    target = ProgressTargetSerializer(allow_null=True)

    class Meta:
        model = TargetProgress
        fields = [
            "id",
            "plan",
            "plan_code",
            "target_code",
            "indicator",
            "indicator_code",
            "indicator_name",
            "unit",
            "region",
            "region_code",
            "region_name",
            "level",
            "year",
            "value",
            "status",
            "status_label",
            "expected",
            "projection",
            "projected_met",
            "inherited",
            "target",
            "computed_at",
        ]

    def to_representation(self, row: dict):
        return progress_row(row, _status_labels(translation.get_language()), timezone.get_current_timezone())

    @classmethod
    def many_init(cls, *args, **kwargs):
        return ProgressListSerializer(*args, child=cls(), **kwargs)


class ProgressListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        labels, tz = _status_labels(translation.get_language()), timezone.get_current_timezone()
        return [progress_row(row, labels, tz) for row in data]


def progress_row(row: dict, labels: dict, tz) -> dict:
    """A progress row for output; decimals become floats here rather than one by one in the JSON encoder."""
    out = {name: row[column] for name, column in PROGRESS_FLAT}
    for name in ("value", "expected", "projection"):
        if out[name] is not None:
            out[name] = float(out[name])
    out["status_label"] = labels[row["status"]]
    if row["target_id"] is None:
        out["target"] = None
    else:
        target = out["target"] = {name: row[column] for name, column in PROGRESS_TARGET}
        for name in ("value", "value_max", "tolerance", "baseline_value"):
            if target[name] is not None:
                target[name] = float(target[name])
    computed_at = row["computed_at"].astimezone(tz).isoformat()
    out["computed_at"] = computed_at[:-6] + "Z" if computed_at.endswith("+00:00") else computed_at  # as DRF writes it
    return out


# Output name → column of TargetProgress.objects.values(*PROGRESS_VALUES).
PROGRESS_FLAT = [
    ("id", "id"),
    ("plan", "plan_id"),
    ("plan_code", "plan__code"),
    ("target_code", "target_code"),
    ("indicator", "indicator_id"),
    ("indicator_code", "indicator__code"),
    ("indicator_name", "indicator__name"),
    ("unit", "indicator__unit"),
    ("region", "region_id"),
    ("region_code", "region__code"),
    ("region_name", "region__name"),
    ("level", "region__level"),
    ("year", "year"),
    ("value", "value"),
    ("status", "status"),
    ("expected", "expected"),
    ("projection", "projection"),
    ("projected_met", "projected_met"),
    ("inherited", "inherited"),
]
PROGRESS_TARGET = [
    ("id", "target_id"),
    *((name, f"target__{name}") for name in ProgressTargetSerializer._declared_fields if name != "id"),
]
PROGRESS_VALUES = [column for _name, column in PROGRESS_FLAT + PROGRESS_TARGET] + ["computed_at"]


@functools.cache
def _status_labels(language: str) -> dict:
    """The statuses' labels in a language, worked out once per language."""
    with translation.override(language):
        return {status.value: str(status.label) for status in Status}
