"""The rollup engine: indicator values for every region and year, from the schools' data.

One pass: two grouped queries (data values; school-years) evaluate every part of every indicator
per township and year; the township figures are then summed up the region tree in memory, so a
parent's value is Σ numerator ÷ Σ denominator of its townships. Region-entered values (适龄人口,
经费) are a region's own figure, or the sum of its children's where it has none.

Writes replace the rows they cover inside one transaction, after taking the rollup lock, so that a
run is all-or-nothing, running it twice gives the same rows, and concurrent runs queue up.
"""

import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from schools.models import DataValue, Region, RegionDataValue, RegionLevel, SchoolYear
from targets.compiler import Compiled, Part, compile_indicator, element_ids, school_year_q
from targets.models import Indicator

from .models import IndicatorValue, RollupLock

logger = logging.getLogger(__name__)
BATCH = 5000
OPS = {"ge": lambda a, b: a >= b, "le": lambda a, b: a <= b, "eq": lambda a, b: a == b}


@dataclass
class Figures:
    """An indicator's sums for one region and year, before they are divided."""

    numerator: Decimal | None = None
    denominator: Decimal | None = None
    reporting: int = 0
    expected: int = 0
    failing: list = field(default_factory=list)


def compile_all(codes=None) -> dict[int, Compiled]:
    """Compiled definitions of every indicator (or of those codes), keyed by indicator id."""
    qs = Indicator.objects.all() if codes is None else Indicator.objects.filter(code__in=codes)
    return {i.pk: compile_indicator(i.code, i.definition) for i in qs.only("pk", "code", "definition")}


def data_years() -> list[int]:
    return sorted(SchoolYear.objects.order_by().values_list("year", flat=True).distinct())


def rollup_lock():
    """Take the rollup lock for the current transaction (no-op on SQLite, whose writers queue anyway)."""
    RollupLock.objects.get_or_create(name="rollup")
    RollupLock.objects.select_for_update().get(name="rollup")


# ---------------------------------------------------------------- evaluation per township


def evaluate_townships(compiled: dict[int, Compiled], years: list[int], township_ids=None) -> dict:
    """Township-level figures: {(indicator_id, township_id, year): Figures}, plus part values for rollup.

    Returns (figures, parts) where parts = {(part, township_id, year): Decimal} holds every school-level
    part, so that ancestors can be summed from them.
    """
    parts = {p for c in compiled.values() for p in c.parts}
    sums = sorted((p for p in parts if p.kind == "sum"), key=repr)
    counts = sorted((p for p in parts if p.kind == "count"), key=repr)
    populations = sorted({c.population for c in compiled.values()})
    reporting = sorted({(c.population, c.reporting_element) for c in compiled.values() if c.reporting_element})
    ids = element_ids([p.element for p in sums] + [e for _, e in reporting])

    scoped = township_ids is not None  # a few townships: filters probe indexes (see school_year_q)
    part_values: dict = {}  # (part, township, year) -> Decimal
    population_counts: dict = {}  # (population, township, year) -> (expected, reporting by element)
    present: set = set()  # (township, year) with any annual record

    # 1. Data values: every summed part (and the reporting counts) in one grouped query.
    if sums or reporting:
        qs = DataValue.objects.filter(element_id__in=set(ids.values()), school_year__year__in=years)
        if township_ids is not None:
            qs = qs.filter(school_year__school__region_id__in=township_ids)
        annotations = {}
        for i, part in enumerate(sums):
            q = Q(element_id=ids[part.element]) & school_year_q(part.filters, "school_year__", correlated=scoped)
            annotations[f"s{i}"] = Sum("value", filter=q)
        # A filtered sum with no matching value is 0 where the element was reported at all, else no data.
        summed = sorted({part.element for part in sums})
        for j, element in enumerate(summed):
            annotations[f"n{j}"] = Count("id", filter=Q(element_id=ids[element]))
        for k, (population, element) in enumerate(reporting):
            q = Q(element_id=ids[element]) & school_year_q(_filters(population), "school_year__", correlated=scoped)
            annotations[f"r{k}"] = Count("id", filter=q)
        rows = (
            qs.order_by()
            .values(t=F("school_year__school__region_id"), y=F("school_year__year"))
            .annotate(**annotations)
        )
        for row in rows:
            t, y = row["t"], row["y"]
            reported = {element for j, element in enumerate(summed) if row[f"n{j}"]}
            for i, part in enumerate(sums):
                if row[f"s{i}"] is not None:
                    part_values[(part, t, y)] = row[f"s{i}"]
                elif part.element in reported:
                    part_values[(part, t, y)] = Decimal(0)
            for k, key in enumerate(reporting):
                population_counts[(key, t, y)] = row[f"r{k}"]

    # 2. School-years: every counted part and every population's size in one grouped query.
    qs = SchoolYear.objects.filter(year__in=years)
    if township_ids is not None:
        qs = qs.filter(school__region_id__in=township_ids)
    annotations = {"total": Count("id")}
    for i, part in enumerate(counts):
        annotations[f"c{i}"] = Count("id", filter=school_year_q(part.filters, correlated=scoped))
    for j, population in enumerate(populations):
        annotations[f"e{j}"] = Count("id", filter=school_year_q(_filters(population), correlated=scoped))
    for row in qs.order_by().values(t=F("school__region_id"), y=F("year")).annotate(**annotations):
        t, y = row["t"], row["y"]
        present.add((t, y))
        for i, part in enumerate(counts):
            part_values[(part, t, y)] = Decimal(row[f"c{i}"])
        for j, population in enumerate(populations):
            population_counts[(population, t, y)] = row[f"e{j}"]

    # 3. Weighted sums (收入 ÷ (人数 × 社平工资)): each township's sum times its nearest region value.
    weighted = {p for p in sums if p.weight}
    if weighted:
        weights = _region_values({p.weight for p in weighted}, years)
        paths = dict(Region.objects.filter(id__in={t for t, _ in present}).values_list("id", "path"))
        for (part, t, y), value in list(part_values.items()):
            if part in weighted:
                weight = _nearest(weights, part.weight, paths[t], y)
                part_values[(part, t, y)] = value * weight if weight is not None else None

    # 4. Township region-entered values (a township is a leaf: its own value).
    region_parts = {p for p in parts if p.kind == "region"}
    if region_parts:
        own = RegionDataValue.objects.filter(
            element__code__in={p.element for p in region_parts}, year__in=years, region__level=RegionLevel.TOWNSHIP
        )
        if township_ids is not None:
            own = own.filter(region_id__in=township_ids)
        for region_id, code, year, value in own.values_list("region_id", "element__code", "year", "value"):
            part_values[(Part("region", code, "[]"), region_id, year)] = value

    figures = {}
    norm_rows = _evaluate_school_norms(compiled, years, township_ids)
    names = _township_names(compiled, present)
    for ind_id, c in compiled.items():
        for t, y in present:
            f = Figures()
            if c.region_only:  # entered by the region itself: no school is expected to report it
                f.numerator = part_values.get((c.numerator, t, y))
                f.denominator = part_values.get((c.denominator, t, y)) if c.denominator else None
                figures[(ind_id, t, y)] = f
                continue
            f.expected = population_counts.get((c.population, t, y), 0)
            f.reporting = (
                population_counts.get(((c.population, c.reporting_element), t, y), 0)
                if c.reporting_element
                else f.expected
            )
            if c.norm is None:
                f.numerator = part_values.get((c.numerator, t, y))
                f.denominator = part_values.get((c.denominator, t, y)) if c.denominator else None
            elif c.norm["unit"] == "township":
                measure = part_values.get((c.norm["measure"], t, y)) or Decimal(0)
                ok = _complies(measure, None, c.norm)
                f.numerator, f.denominator = Decimal(int(ok)), Decimal(1)
                f.reporting = f.expected = 1
                f.failing = [] if ok else [{"id": t, "name": names[t]}]
            else:
                f.numerator, f.denominator, f.failing = norm_rows.get((ind_id, t, y), (None, None, []))
            figures[(ind_id, t, y)] = f
    return figures, part_values


def _evaluate_school_norms(compiled, years, township_ids) -> dict:
    """Per-school norms ("每所外来工子女学校…"): compliant schools and the list of those that fail."""
    result = {}
    for ind_id, c in compiled.items():
        if not c.norm or c.norm["unit"] != "school":
            continue
        measure, per = c.norm["measure"], c.norm["per"]
        ids = element_ids([p.element for p in (measure, per) if p])
        qs = SchoolYear.objects.filter(
            school_year_q(_filters(c.norm["units_key"]), correlated=township_ids is not None), year__in=years
        )
        if township_ids is not None:
            qs = qs.filter(school__region_id__in=township_ids)
        annotations = {"m": Sum("values__value", filter=Q(values__element_id=ids[measure.element]))}
        if per:
            annotations["p"] = Sum("values__value", filter=Q(values__element_id=ids[per.element]))
        rows = (
            qs.order_by().values("id", "year", "school_id", "school__name", "school__region_id").annotate(**annotations)
        )
        acc = defaultdict(lambda: [Decimal(0), Decimal(0), []])
        for row in rows:
            key = (ind_id, row["school__region_id"], row["year"])
            if row["m"] is None or (per and not row["p"]):
                acc[key]  # a unit with no data: expected, not judged
                continue
            acc[key][1] += 1
            if _complies(row["m"], row.get("p"), c.norm):
                acc[key][0] += 1
            else:
                acc[key][2].append({"id": row["school_id"], "name": row["school__name"]})
        for key, (ok, judged, failing) in acc.items():
            result[key] = (ok, judged, failing) if judged else (None, None, [])
    return result


def _complies(measure, per, norm) -> bool:
    value = measure / per if norm["per"] else measure
    return OPS[norm["op"]](value, Decimal(str(norm["value"])))


def _township_names(compiled, present) -> dict:
    if not any(c.norm and c.norm["unit"] == "township" for c in compiled.values()):
        return {}
    return dict(Region.objects.filter(id__in={t for t, _ in present}).values_list("id", "name"))


def _region_values(codes, years) -> dict:
    """{(element code, region path, year): value} of region-entered values."""
    rows = RegionDataValue.objects.filter(element__code__in=codes, year__in=years)
    return {
        (code, path, y): v for code, path, y, v in rows.values_list("element__code", "region__path", "year", "value")
    }


def _nearest(values: dict, code: str, path: str, year: int):
    """The value of `code` at the region with this path or its nearest ancestor."""
    codes = path.strip("/").split("/")
    for depth in range(len(codes), 0, -1):
        value = values.get((code, "/" + "/".join(codes[:depth]) + "/", year))
        if value is not None:
            return value
    return None


def _filters(key: str) -> list:
    return json.loads(key)


# ---------------------------------------------------------------- rollup up the tree


def roll_up(compiled, figures: dict, part_values: dict, years: list[int]) -> dict:
    """Sum township figures into every ancestor: {(indicator_id, region_id, year): Figures} at all levels."""
    tree = _tree({t for (_, t, _) in figures})
    ancestors = tree[0]

    result = dict(figures)
    for (ind_id, t, y), f in figures.items():
        c = compiled[ind_id]
        for a in ancestors[t]:
            g = result.get((ind_id, a, y))
            if g is None:
                g = result[(ind_id, a, y)] = Figures()
            g.reporting += f.reporting
            g.expected += f.expected
            g.failing += f.failing
            if c.norm or c.numerator.kind != "region":
                g.numerator = _add(g.numerator, f.numerator)
            if c.norm or (c.denominator and c.denominator.kind != "region"):
                g.denominator = _add(g.denominator, f.denominator)

    region_parts = {p for c in compiled.values() for p in c.parts if p.kind == "region"}
    if region_parts:
        computed = _region_totals(region_parts, years, tree)
        for (ind_id, rid, y), g in result.items():
            c = compiled[ind_id]
            if c.norm:
                continue
            if c.numerator.kind == "region":
                g.numerator = computed.get((c.numerator, rid, y))
            if c.denominator and c.denominator.kind == "region":
                g.denominator = computed.get((c.denominator, rid, y))
    return result


def _tree(townships) -> tuple[dict, dict, dict]:
    """The region tree above these townships: ({township: [ancestor ids, root first]}, {id: level}, {id: path})."""
    paths = dict(Region.objects.filter(id__in=townships).values_list("id", "path"))
    codes = {code for path in paths.values() for code in path.strip("/").split("/")}
    regions = {
        code: (rid, level, path)
        for code, rid, level, path in Region.objects.filter(code__in=codes).values_list("code", "id", "level", "path")
    }
    ancestors = {t: [regions[code][0] for code in paths[t].strip("/").split("/")[:-1]] for t in paths}
    levels = {rid: level for rid, level, _ in regions.values()}
    path_of = {rid: path for rid, _, path in regions.values()}
    return ancestors, levels, path_of


def _region_totals(region_parts, years, tree) -> dict:
    """Region-entered parts at every region of the tree: its own value, else the sum of its children's, bottom-up.

    Returns {(part, region_id, year): value}.
    """
    ancestors, levels, path_of = tree
    own = _region_values({p.element for p in region_parts}, years)
    children = defaultdict(list)
    for t, chain in ancestors.items():
        full = [*chain, t]
        for parent, child in zip(full, full[1:], strict=False):
            if child not in children[parent]:
                children[parent].append(child)
    computed = {}
    for rid in sorted(levels, key=lambda r: -levels[r]):
        for part in region_parts:
            for y in years:
                value = own.get((part.element, path_of[rid], y))
                if value is None:
                    kids = [computed.get((part, k, y)) for k in children.get(rid, [])]
                    kids = [k for k in kids if k is not None]
                    value = sum(kids, Decimal(0)) if kids else None
                computed[(part, rid, y)] = value
    return computed


def _add(a, b):
    if b is None:
        return a
    return b if a is None else a + b


def value_of(c: Compiled, f: Figures) -> Decimal | None:
    """Σ numerator ÷ Σ denominator × factor; None (no data) when either side is missing or the denominator is 0."""
    if f.numerator is None:
        return None
    factor = Decimal(str(c.factor))
    if c.norm or c.denominator:
        if not f.denominator:
            return None
        return f.numerator / f.denominator * factor
    return f.numerator * factor


# ---------------------------------------------------------------- writing


def write_values(compiled, figures: dict, *, years, region_ids=None) -> int:
    """Replace the stored values of these indicators and years (and regions, if given) by `figures`."""
    now = timezone.now()
    stale = IndicatorValue.objects.filter(indicator_id__in=compiled, year__in=years)
    if region_ids is not None:
        stale = stale.filter(region_id__in=region_ids)
    stale.delete()
    rows = (
        IndicatorValue(
            indicator_id=ind_id,
            region_id=rid,
            year=y,
            numerator=f.numerator,
            denominator=f.denominator,
            value=_q(value_of(compiled[ind_id], f)),
            schools_reporting=f.reporting,
            schools_expected=f.expected,
            # In a fixed order: the lists are gathered in whatever order townships and rows come.
            failing_units=sorted(f.failing, key=lambda unit: (unit["name"], unit["id"])),
            computed_at=now,
        )
        for (ind_id, rid, y), f in figures.items()
    )
    # Built a batch at a time: half a million model instances at once doubled a province's peak memory.
    while batch := list(islice(rows, BATCH)):
        IndicatorValue.objects.bulk_create(batch)
    return len(figures)


def _q(value):
    return None if value is None else value.quantize(Decimal("0.000001"))


@transaction.atomic
def values_recompute_all(*, indicator_codes=None, years=None) -> int:
    """Recompute the stored values of every region from the data (all indicators, or some); returns rows."""
    rollup_lock()
    compiled = compile_all(indicator_codes)
    years = years or data_years()
    if not compiled or not years:
        return 0
    figures, part_values = evaluate_townships(compiled, years)
    result = roll_up(compiled, figures, part_values, years)
    return write_values(compiled, result, years=years)


def values_recompute_townships(*, pairs: set[tuple[int, int]]) -> set[int]:
    """Recompute the values of these (township, year) pairs and of their ancestors; returns regions touched.

    The townships are evaluated from the data; each ancestor's school-sourced sums are then re-added
    from its children's rows, deepest first (a handful of indexed queries, whatever the tree's size),
    and its region-entered parts are summed again by the full rollup's rule over the townships with
    an annual record (a township's first record brings its own 适龄人口 into its ancestors' sums).
    """
    rollup_lock()
    compiled = compile_all()
    touched = set()
    by_year = defaultdict(set)
    for township_id, year in pairs:
        by_year[year].add(township_id)
    for year, township_ids in sorted(by_year.items()):
        figures, _ = evaluate_townships(compiled, [year], township_ids)
        write_values(compiled, figures, years=[year], region_ids=township_ids)
        ancestors = _ancestors_of(township_ids)
        write_values(compiled, _ancestor_figures(compiled, ancestors, year), years=[year], region_ids=ancestors)
        touched |= township_ids | set(ancestors)
    return touched


def _ancestors_of(township_ids) -> dict[int, str]:
    """{region_id: path} of every ancestor of these townships."""
    codes = set()
    for path in Region.objects.filter(id__in=township_ids).values_list("path", flat=True):
        codes |= set(path.strip("/").split("/")[:-1])
    return dict(Region.objects.filter(code__in=codes).values_list("id", "path"))


def _ancestor_figures(compiled, ancestors: dict[int, str], year: int) -> dict:
    """Figures of these ancestors, deepest first: each adds up its children's stored rows, or, for a child that
    is itself being recomputed, the figures just computed (a few dozen rows per ancestor, whatever the tree's size).
    """
    region_parts = {p for c in compiled.values() for p in c.parts if p.kind == "region"}
    totals = _region_totals(region_parts, [year], _tree(_townships_below(ancestors.values()))) if region_parts else {}
    norms = [i for i, c in compiled.items() if c.norm]
    by_path = {path: region_id for region_id, path in ancestors.items()}
    recomputed = defaultdict(list)  # ancestor -> its children among the ancestors
    for region_id, path in ancestors.items():
        parent = by_path.get(path[: path.rstrip("/").rfind("/") + 1])
        if parent is not None:
            recomputed[parent].append(region_id)
    result = {}
    for region_id, _path in sorted(ancestors.items(), key=lambda item: -len(item[1])):
        children = IndicatorValue.objects.filter(
            region__parent_id=region_id, year=year, indicator_id__in=compiled
        ).exclude(region_id__in=ancestors)
        sums = children.values("indicator_id").annotate(
            n=Sum("numerator"), d=Sum("denominator"), rep=Sum("schools_reporting"), exp=Sum("schools_expected")
        )
        figures = defaultdict(Figures)
        for row in sums.order_by():
            figures[row["indicator_id"]] = Figures(
                numerator=row["n"], denominator=row["d"], reporting=row["rep"] or 0, expected=row["exp"] or 0
            )
        for indicator_id, units in children.filter(indicator_id__in=norms).values_list("indicator_id", "failing_units"):
            figures[indicator_id].failing += units
        for child in recomputed[region_id]:
            for indicator_id in compiled:
                f = result.get((indicator_id, child, year))
                if f is not None:
                    g = figures[indicator_id]
                    g.numerator, g.denominator = _add(g.numerator, f.numerator), _add(g.denominator, f.denominator)
                    g.reporting += f.reporting
                    g.expected += f.expected
                    g.failing += f.failing
        for indicator_id, f in figures.items():
            c = compiled[indicator_id]
            if not c.norm and c.numerator.kind == "region":
                f.numerator = totals.get((c.numerator, region_id, year))
            if not c.norm and c.denominator is not None and c.denominator.kind == "region":
                f.denominator = totals.get((c.denominator, region_id, year))
            result[(indicator_id, region_id, year)] = f
    return result


def _townships_below(paths) -> set[int]:
    """Townships under these regions with an annual record in any year: the leaves the full rollup sums over."""
    under = Q()
    for path in paths:
        under |= Q(path__startswith=path)
    records = SchoolYear.objects.filter(school__region=OuterRef("pk"))
    townships = Region.objects.filter(under, level=RegionLevel.TOWNSHIP).filter(Exists(records))
    return set(townships.values_list("id", flat=True))
