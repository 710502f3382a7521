"""Per-school figures of an indicator within one township, computed on read.

School rows are not stored (30,000 schools × 40 indicators × 5 years would triple the full
recompute for numbers only the drill-down reads); one township's schools take a few indexed
queries. Region-entered parts (适龄人口, 经费) and township norms have no meaning per school.
"""

import json
from decimal import Decimal

from django.db.models import Count, Q, Sum

from schools.models import DataValue, SchoolYear
from targets.compiler import compile_indicator, school_year_q

from .dashboard import number
from .rollup import OPS, _nearest, _region_values


def school_values(indicator, township, year: int) -> list[dict] | None:
    """[{school, value, display, numerator, denominator, complies}] for the township's schools, or None if per-school
    figures mean nothing for this indicator. Missing data stays None, never 0."""
    c = compile_indicator(indicator.code, indicator.definition)
    if c.norm is not None and c.norm["unit"] != "school":
        return None
    if c.norm is None and (c.numerator.kind == "region" or (c.denominator and c.denominator.kind == "region")):
        return None
    population = json.loads(c.norm["units_key"] if c.norm else c.population)
    school_years = list(
        SchoolYear.objects.filter(school__region=township, year=year)
        .filter(school_year_q(population))
        .select_related("school")
        .order_by("school__code")
    )
    ids = [sy.pk for sy in school_years]
    if c.norm:
        measure = _part_values(c.norm["measure"], ids, township, year)
        per = _part_values(c.norm["per"], ids, township, year) if c.norm["per"] else None
    else:
        numerator = _part_values(c.numerator, ids, township, year)
        denominator = _part_values(c.denominator, ids, township, year) if c.denominator else None
    factor = Decimal(str(c.factor))
    rows = []
    for sy in school_years:
        row = {"school": sy.school, "value": None, "complies": None}
        if c.norm:
            m = measure.get(sy.pk)
            p = per.get(sy.pk) if per is not None else None
            if m is not None and (per is None or p):
                v = m / p if per is not None else m
                row["complies"] = OPS[c.norm["op"]](v, Decimal(str(c.norm["value"])))
                row["value"] = v
        else:
            n = numerator.get(sy.pk)
            if denominator is None:
                row["value"] = None if n is None else n * factor
            else:
                d = denominator.get(sy.pk)
                row["value"] = None if n is None or not d else n / d * factor
        row["display"] = number(row["value"], indicator.decimals)
        rows.append(row)
    return rows


def _part_values(part, ids, township, year) -> dict:
    """{school_year_id: Decimal} of one part; a filtered sum with nothing passing is 0 where the element is reported."""
    if part.kind == "count":
        passing = set(
            SchoolYear.objects.filter(pk__in=ids).filter(school_year_q(part.filters)).values_list("pk", flat=True)
        )
        return {pk: Decimal(int(pk in passing)) for pk in ids}
    rows = (
        DataValue.objects.filter(school_year_id__in=ids, element__code=part.element)
        .order_by()
        .values("school_year_id")
        .annotate(n=Count("id"), s=Sum("value", filter=school_year_q(part.filters, "school_year__") or Q()))
    )
    result = {r["school_year_id"]: (r["s"] if r["s"] is not None else Decimal(0)) for r in rows}
    if part.weight:
        weights = _region_values({part.weight}, [year])
        weight = _nearest(weights, part.weight, township.path, year)
        result = {k: (v * weight if weight is not None else None) for k, v in result.items()}
    return result
