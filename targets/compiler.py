"""Compile validated indicator definitions into ORM filters and aggregates (never eval, never raw SQL).

Each aggregate of a definition becomes one `Part`: a sum of a data element over the values of
school-years that pass a filter, a count of school-years that pass a filter, or a region-entered
value. The rollup evaluates all parts of all indicators in a couple of grouped queries.
"""

import json
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

from schools.models import DataElement, DataValue, SchoolYear

from .definitions import validate_definition

Designations = SchoolYear.designations.through

LOOKUPS = {"ge": "gte", "gt": "gt", "le": "lte", "lt": "lt", "eq": "exact", "in": "in"}
STATIC_FIELDS = {
    "school_type": "school__school_type",
    "ownership": "school__ownership",
    "inclusive": "school__is_inclusive",
}


@dataclass(frozen=True)
class Part:
    """One aggregate: `kind` is "sum" (of `element` over school values), "count" (of school-years) or "region"."""

    kind: str
    element: str | None
    filters_key: str  # canonical JSON of the filters: equal parts are computed once
    weight: str | None = None  # a region element each township's sum is multiplied by (社平工资)

    @property
    def filters(self) -> list:
        return json.loads(self.filters_key)


@dataclass
class Compiled:
    """An indicator ready to evaluate: its parts, how they combine, and who is expected to report."""

    code: str
    numerator: Part | None = None
    denominator: Part | None = None
    factor: float = 1
    cumulative: bool = False
    norm: dict | None = None  # {"unit", "schools", "measure": Part, "per": Part | None, "op", "value"}
    population: str = "[]"  # filters_key of the schools expected to report
    reporting_element: str | None = None  # the element whose presence counts a school as reporting
    parts: list = field(default_factory=list)

    @property
    def region_only(self) -> bool:
        """Every part is a region-entered value (经费, 适龄人口 …): completeness does not apply."""
        return bool(self.parts) and all(p.kind == "region" for p in self.parts)


def compile_indicator(code: str, definition: dict) -> Compiled:
    """Turn an indicator's definition into parts; raises ValidationError if it is not valid."""
    definition = validate_definition(definition)
    if "norm" in definition:
        norm = definition["norm"]
        measure, per = _part(norm["measure"]), _part(norm["per"]) if norm["per"] else None
        unit_filters = norm["schools"] if norm["unit"] == "school" else []
        compiled = Compiled(
            code=code,
            norm={**norm, "measure": measure, "per": per, "units_key": _key(unit_filters)},
            factor=100,
            population=_key(_static(unit_filters) if unit_filters else _static(norm["measure"].get("filters", []))),
            reporting_element=measure.element,
        )
        compiled.parts = [p for p in (measure, per) if p]
        return compiled
    numerator = _part(definition["numerator"])
    denominator = _part(definition["denominator"]) if definition["denominator"] else None
    basis = denominator if denominator and denominator.kind != "region" else numerator
    compiled = Compiled(
        code=code,
        numerator=numerator,
        denominator=denominator,
        factor=float(definition["factor"]),
        cumulative=definition["period"] == "cumulative",
        population=_key(_static(basis.filters)) if basis.kind != "region" else "[]",
        reporting_element=basis.element if basis.kind == "sum" else None,
    )
    compiled.parts = [p for p in (numerator, denominator) if p]
    return compiled


def school_year_q(filters: list, prefix: str = "", *, correlated: bool = False) -> Q:
    """A Q over SchoolYear (or, with prefix "school_year__", over DataValue) for a list of filters.

    Designation and element filters are subqueries. Over the whole table, `id IN (subquery)` is hashed
    once and parallelises; for the school-years of a few townships, `correlated` makes them EXISTS
    probes of an index instead of a pass over every value of the element (seconds at a province's size).
    """
    q = Q()
    for f in filters:
        field_name, op, value = f["field"], f["op"], f["value"]
        if field_name in STATIC_FIELDS:
            lookup = "in" if op == "in" else "exact"
            q &= Q(**{f"{prefix}{STATIC_FIELDS[field_name]}__{lookup}": value})
        elif field_name == "grade":
            q &= Q(**{f"{prefix}grade__{LOOKUPS[op]}": value})
        elif field_name == "designation":
            holders = Designations.objects.filter(designation__code=value)
            has = _holding(holders, "schoolyear_id", prefix, correlated)
            q &= has if op == "has" else ~has
        elif field_name == "element":
            holders = DataValue.objects.filter(element__code=f["element"], **{f"value__{LOOKUPS[op]}": value})
            q &= _holding(holders, "school_year_id", prefix, correlated)
    return q


def _holding(holders, column: str, prefix: str, correlated: bool) -> Q:
    if correlated:
        return Q(Exists(holders.filter(**{column: OuterRef(f"{prefix}id")})))
    return Q(**{f"{prefix}id__in": holders.values(column)})


def element_ids(codes) -> dict[str, int]:
    return dict(DataElement.objects.filter(code__in=set(codes)).values_list("code", "id"))


def _part(aggregate: dict) -> Part:
    if aggregate["source"] == "region":
        return Part(kind="region", element=aggregate["element"], filters_key="[]")
    return Part(
        kind=aggregate["agg"],
        element=aggregate["element"],
        filters_key=_key(aggregate["filters"]),
        weight=aggregate.get("times_region_element"),
    )


def _static(filters: list) -> list:
    """The filters that say which schools belong to the population (type, ownership, 普惠性)."""
    return [f for f in filters if f["field"] in STATIC_FIELDS]


def _key(filters: list) -> str:
    return json.dumps(filters, sort_keys=True, ensure_ascii=False)
