"""Indicator definitions: a small JSON language, validated here and compiled to ORM queries elsewhere.

A definition is either a ratio of two aggregates over schools (or region-entered values)::

    {"numerator":   {"agg": "sum", "element": "kg_children",
                     "filters": [{"field": "grade", "op": "ge", "value": 40}]},
     "denominator": {"agg": "sum", "element": "kg_children"},
     "factor": 100}

or a per-unit norm ("every township has at least one public kindergarten")::

    {"norm": {"unit": "township",
              "measure": {"agg": "count", "filters": [...]},
              "op": "ge", "value": 1}}

Nothing in a definition is ever evaluated as code or pasted into SQL: every field name and
operator is looked up in the fixed tables below, and element codes must exist.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from schools.models import DataElement, Designation, KindergartenGrade, Ownership, SchoolType

ERR_NOT_OBJECT = _("计算定义必须是一个 JSON 对象。")
ERR_UNKNOWN_KEYS = _("{where}中有无法识别的字段：{keys}。")
ERR_NEED_NUMERATOR = _("计算定义必须包含分子（numerator）或达标规则（norm）。")
ERR_BOTH_FORMS = _("计算定义不能同时包含分子和达标规则。")
ERR_BAD_AGG = _("{where}的汇总方式必须是 count（计数）或 sum（求和），而不是 “{value}”。")
ERR_SUM_NEEDS_ELEMENT = _("{where}按求和汇总时必须指定统计项（element）。")
ERR_COUNT_NO_ELEMENT = _("{where}按学校计数时不能指定统计项。")
ERR_UNKNOWN_ELEMENT = _("{where}引用的统计项 “{code}” 不存在。")
ERR_ELEMENT_LEVEL = _("{where}引用的统计项 “{code}” 是{actual}项，这里需要{expected}项。")
ERR_BAD_SOURCE = _("{where}的数据来源必须是 schools（学校）或 region（区域），而不是 “{value}”。")
ERR_REGION_NO_FILTERS = _("{where}取区域填报值时不能设置学校筛选条件。")
ERR_FILTERS_LIST = _("{where}的筛选条件必须是列表。")
ERR_BAD_FIELD = _("筛选条件的字段 “{value}” 无法识别，可用：{choices}。")
ERR_BAD_OP = _("筛选字段 “{field}” 不支持运算 “{value}”，可用：{choices}。")
ERR_BAD_VALUE = _("筛选字段 “{field}” 的取值 “{value}” 无效。")
ERR_BAD_FACTOR = _("系数（factor）必须是正数。")
ERR_BAD_PERIOD = _("统计期间（period）必须是 year（当年）或 cumulative（计划期累计）。")
ERR_BAD_UNIT = _("达标单位（unit）必须是 school（学校）或 township（街道乡镇）。")
ERR_NORM_VALUE = _("达标规则的阈值（value）必须是数字。")
ERR_NORM_OP = _("达标规则的比较方式必须是 ge、le 或 eq。")

AGGREGATE_KEYS = {"source", "agg", "element", "filters", "times_region_element"}
RATIO_KEYS = {"numerator", "denominator", "factor", "period"}
NORM_KEYS = {"unit", "schools", "measure", "per", "op", "value"}
NUMBER_OPS = ["ge", "gt", "le", "lt", "eq"]

# field -> (allowed operators, value check)
FILTER_FIELDS = {
    "school_type": (["in", "eq"], lambda v: _all_in(v, SchoolType.values)),
    "ownership": (["eq"], lambda v: v in Ownership.values),
    "inclusive": (["eq"], lambda v: isinstance(v, bool)),
    "grade": (["ge", "le", "eq", "in"], lambda v: _all_in(v, KindergartenGrade.values)),
    "designation": (["has", "lacks"], lambda v: isinstance(v, str) and Designation.objects.filter(code=v).exists()),
    "element": (NUMBER_OPS, lambda v: _is_number(v)),
}


def validate_definition(definition) -> dict:
    """Check a definition and return it normalised (defaults filled in); raise ValidationError in Chinese."""
    if not isinstance(definition, dict):
        raise ValidationError(ERR_NOT_OBJECT)
    if "norm" in definition:
        if "numerator" in definition:
            raise ValidationError(ERR_BOTH_FORMS)
        _reject_unknown(definition, {"norm"}, _("计算定义"))
        return {"norm": _validate_norm(definition["norm"])}
    if "numerator" not in definition:
        raise ValidationError(ERR_NEED_NUMERATOR)
    _reject_unknown(definition, RATIO_KEYS, _("计算定义"))
    factor = definition.get("factor", 1)
    if not _is_number(factor) or Decimal(str(factor)) <= 0:
        raise ValidationError(ERR_BAD_FACTOR)
    period = definition.get("period", "year")
    if period not in ("year", "cumulative"):
        raise ValidationError(ERR_BAD_PERIOD)
    result = {
        "numerator": _validate_aggregate(definition["numerator"], _("分子")),
        "denominator": None,
        "factor": factor,
        "period": period,
    }
    if definition.get("denominator") is not None:
        result["denominator"] = _validate_aggregate(definition["denominator"], _("分母"))
    return result


def _validate_norm(norm) -> dict:
    where = _("达标规则")
    if not isinstance(norm, dict):
        raise ValidationError(ERR_NOT_OBJECT)
    _reject_unknown(norm, NORM_KEYS, where)
    if norm.get("unit") not in ("school", "township"):
        raise ValidationError(ERR_BAD_UNIT)
    if norm.get("op", "ge") not in ("ge", "le", "eq"):
        raise ValidationError(ERR_NORM_OP)
    if not _is_number(norm.get("value")):
        raise ValidationError(ERR_NORM_VALUE)
    measure = _validate_aggregate(norm.get("measure"), _("达标规则的度量"))
    per = norm.get("per")
    return {
        "unit": norm["unit"],
        "schools": _validate_filters(norm.get("schools", []), _("达标单位范围")),
        "measure": measure,
        "per": _validate_aggregate(per, _("达标规则的分母")) if per is not None else None,
        "op": norm.get("op", "ge"),
        "value": norm["value"],
    }


def _validate_aggregate(agg, where) -> dict:
    if not isinstance(agg, dict):
        raise ValidationError(ERR_NOT_OBJECT)
    _reject_unknown(agg, AGGREGATE_KEYS, where)
    source = agg.get("source", "schools")
    if source == "region":
        if agg.get("filters"):
            raise ValidationError(ERR_REGION_NO_FILTERS.format(where=where))
        code = agg.get("element")
        if not code:
            raise ValidationError(ERR_SUM_NEEDS_ELEMENT.format(where=where))
        _check_element(code, DataElement.Level.REGION, where)
        return {"source": "region", "agg": "sum", "element": code}
    if source != "schools":
        raise ValidationError(ERR_BAD_SOURCE.format(where=where, value=source))
    kind = agg.get("agg")
    if kind not in ("count", "sum"):
        raise ValidationError(ERR_BAD_AGG.format(where=where, value=kind))
    element = agg.get("element")
    if kind == "sum" and not element:
        raise ValidationError(ERR_SUM_NEEDS_ELEMENT.format(where=where))
    if kind == "count" and element:
        raise ValidationError(ERR_COUNT_NO_ELEMENT.format(where=where))
    if element:
        _check_element(element, DataElement.Level.SCHOOL, where)
    weight = agg.get("times_region_element")
    if weight:
        _check_element(weight, DataElement.Level.REGION, where)
    return {
        "source": "schools",
        "agg": kind,
        "element": element,
        "filters": _validate_filters(agg.get("filters", []), where),
        "times_region_element": weight or None,
    }


def _validate_filters(filters, where) -> list:
    if not isinstance(filters, list):
        raise ValidationError(ERR_FILTERS_LIST.format(where=where))
    result = []
    for item in filters:
        if not isinstance(item, dict):
            raise ValidationError(ERR_FILTERS_LIST.format(where=where))
        field = item.get("field")
        if not isinstance(field, str) or field not in FILTER_FIELDS:
            raise ValidationError(ERR_BAD_FIELD.format(value=field, choices="、".join(FILTER_FIELDS)))
        ops, check = FILTER_FIELDS[field]
        op = item.get("op")
        if op not in ops:
            raise ValidationError(ERR_BAD_OP.format(field=field, value=op, choices="、".join(ops)))
        value = item.get("value")
        if not check(value):
            raise ValidationError(ERR_BAD_VALUE.format(field=field, value=value))
        clean = {"field": field, "op": op, "value": value}
        if field == "element":
            _check_element(item.get("element"), DataElement.Level.SCHOOL, where)
            clean["element"] = item["element"]
        result.append(clean)
    return result


def _check_element(code, level, where):
    element = DataElement.objects.filter(code=code).only("level").first() if isinstance(code, str) else None
    if element is None:
        raise ValidationError(ERR_UNKNOWN_ELEMENT.format(where=where, code=code))
    if element.level != level:
        raise ValidationError(
            ERR_ELEMENT_LEVEL.format(
                where=where,
                code=code,
                actual=DataElement.Level(element.level).label,
                expected=DataElement.Level(level).label,
            )
        )


def _reject_unknown(obj: dict, allowed: set, where):
    unknown = sorted(set(obj) - allowed)
    if unknown:
        raise ValidationError(ERR_UNKNOWN_KEYS.format(where=where, keys="、".join(unknown)))


def _is_number(value) -> bool:
    if isinstance(value, bool):
        return False
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return isinstance(value, (int, float, str)) and Decimal(str(value)).is_finite()


def _all_in(value, allowed) -> bool:
    values = value if isinstance(value, list) else [value]
    return bool(values) and all(v in allowed for v in values)
