"""Progress of every plan target for every region and year, judged by targets/progress.py from stored values."""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from plans.models import Plan
from schools.models import Region
from targets.compiler import compile_indicator
from targets.models import Indicator, Target
from targets.progress import Goal, judge, meets, project

from .models import IndicatorValue, TargetProgress

# Rates, shares and ratios mean the same at every level, so a township is judged against the
# district's target; counts, sums and money need an explicit split (targets/RULES.md).
INHERITABLE = {
    Indicator.Kind.SHARE_OF_SCHOOLS,
    Indicator.Kind.SHARE_OF_PEOPLE,
    Indicator.Kind.RATE,
    Indicator.Kind.RATIO,
    Indicator.Kind.PER_CAPITA,
    Indicator.Kind.NORM,
}


def progress_recompute(*, plan_ids=None, indicator_ids=None, region_ids=None) -> int:
    """Judge the targets of these plans (default: all) for every region in their scope; returns rows written."""
    plans = Plan.objects.exclude(status=Plan.Status.ARCHIVED).select_related("region")
    if plan_ids is not None:
        plans = plans.filter(pk__in=plan_ids)
    targets = Target.objects.filter(plan__in=plans).select_related("indicator", "region")
    if indicator_ids is not None:
        targets = targets.filter(indicator_id__in=indicator_ids)
    groups = defaultdict(dict)  # (plan_id, code) -> {(region_id, year): target}
    for t in targets:
        groups[(t.plan_id, t.code)][(t.region_id, t.year)] = t
    if not groups:
        return _write([], plans, indicator_ids, region_ids)
    plans_by_id = {p.pk: p for p in plans}
    indicators = {t.indicator_id: t.indicator for g in groups.values() for t in g.values()}
    cumulative = {i: compile_indicator(ind.code, ind.definition).cumulative for i, ind in indicators.items()}

    values = _values(plans_by_id.values(), indicators, region_ids)
    paths = _paths({rid for (_, rid, _) in values})
    now = timezone.now()
    rows = []
    for (plan_id, code), by_region in groups.items():
        plan = plans_by_id[plan_id]
        indicator = next(iter(by_region.values())).indicator
        regions = {rid for (ind, rid, _) in values if ind == indicator.pk and paths[rid].startswith(plan.region.path)}
        for rid in regions:
            series = _series(values, indicator.pk, rid, plan, cumulative[indicator.pk])
            for year in plan.years:
                target, inherited = _applicable(by_region, rid, year, paths, plan, indicator)
                rows.append(_judge(plan, code, indicator, rid, year, target, inherited, series, now))
    return _write(rows, plans, indicator_ids, region_ids)


def _values(plans, indicators, region_ids) -> dict:
    """{(indicator_id, region_id, year): (value, numerator)} for the plans' regions and years."""
    qs = IndicatorValue.objects.filter(indicator_id__in=indicators)
    scope = Q()
    for plan in plans:
        scope |= Q(region__path__startswith=plan.region.path, year__gte=plan.start_year - 1, year__lte=plan.end_year)
    qs = qs.filter(scope)
    if region_ids is not None:
        qs = qs.filter(region_id__in=region_ids)
    rows = qs.values_list("indicator_id", "region_id", "year", "value", "numerator")
    return {(i, r, y): (v, n) for i, r, y, v, n in rows}


def _paths(region_ids) -> dict:
    return dict(Region.objects.filter(pk__in=region_ids).values_list("pk", "path"))


def _series(values, indicator_id, region_id, plan, cumulative) -> dict[int, Decimal | None]:
    """The value judged in each year: the stored value, or for cumulative indicators the running sum
    of yearly values from the plan's first year."""
    years = range(plan.start_year - 1, plan.end_year + 1)
    if not cumulative:
        return {y: values.get((indicator_id, region_id, y), (None, None))[0] for y in years}
    series, total = {}, Decimal(0)
    for y in years:
        if y < plan.start_year:
            series[y] = Decimal(0)  # nothing counted before the plan starts
            continue
        value = values.get((indicator_id, region_id, y), (None, None))[0]
        if value is not None:
            total += value
        # A year with no value of its own is no data, not "the total so far" (a year not yet reported
        # would otherwise be judged, and in the target's year read as at risk or off track).
        series[y] = total if value is not None else None
    return series


def _applicable(by_region, region_id, year, paths, plan, indicator):
    """The target for this region and year, else its plan-end target, else (rates only) an ancestor's."""
    chain = [region_id]
    if indicator.kind in INHERITABLE:
        codes = paths[region_id].strip("/").split("/")
        with_targets = {t.region.path: t.region_id for t in by_region.values()}
        for depth in range(len(codes) - 1, 0, -1):
            path = "/" + "/".join(codes[:depth]) + "/"
            if path in with_targets:
                chain.append(with_targets[path])
    for rid in chain:
        target = by_region.get((rid, year))
        if target is None and year <= plan.end_year:
            target = by_region.get((rid, None))
        if target is not None:
            return target, rid != region_id
    return None, False


def _judge(plan, code, indicator, region_id, year, target, inherited, series, now) -> TargetProgress:
    value = series.get(year)
    row = TargetProgress(
        plan_id=plan.pk,
        target_code=code,
        indicator_id=indicator.pk,
        region_id=region_id,
        year=year,
        target=target,
        inherited=inherited,
        value=value,
        computed_at=now,
    )
    goal = None
    if target is not None and target.value is not None:
        goal = Goal(target.comparator, target.value, target.year or plan.end_year, target.value_max, target.tolerance)
    baseline = _baseline(target, series, year, plan)
    row.status = judge(value=value, year=year, goal=goal, baseline=baseline, decimals=indicator.decimals)
    if goal is not None and baseline is not None and goal.year > baseline[0]:
        b_year, b_value = baseline
        share = Decimal(min(year, goal.year) - b_year) / Decimal(goal.year - b_year)
        row.expected = b_value + (goal.value - b_value) * share
    if goal is not None:
        first = baseline[0] if baseline else plan.start_year - 1
        points = [(y, v) for y, v in series.items() if first <= y <= year and v is not None]
        row.projection = project(points, goal.year)
        row.projected_met = None if row.projection is None else meets(row.projection, goal, indicator.decimals)
    return row


def _baseline(target, series, year, plan):
    """Baseline (year, value): the target's own, else the series in the baseline year, else its earliest value."""
    if target is not None and target.baseline_value is not None:
        return (target.baseline_year or plan.start_year - 1, target.baseline_value)
    baseline_year = target.baseline_year if target is not None and target.baseline_year else plan.start_year - 1
    if series.get(baseline_year) is not None:
        return (baseline_year, series[baseline_year])
    earlier = [(y, v) for y, v in sorted(series.items()) if y < year and v is not None]
    return earlier[0] if earlier else None


@transaction.atomic
def _write(rows, plans, indicator_ids, region_ids) -> int:
    stale = TargetProgress.objects.filter(plan__in=plans)
    if indicator_ids is not None:
        stale = stale.filter(indicator_id__in=indicator_ids)
    if region_ids is not None:
        stale = stale.filter(region_id__in=region_ids)
    stale.delete()
    TargetProgress.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
