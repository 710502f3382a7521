"""What the dashboards show, read from the stored rollups only (IndicatorValue, TargetProgress).

Each builder issues a fixed number of queries whatever the number of indicators or sub-regions;
tests pin the counts. Scope is checked here: a plan or region outside the user's scope is a 404.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _

from plans.models import Plan
from plans.selectors import plans_for
from schools.models import Region, RegionLevel
from schools.selectors import regions_for, scope_of
from targets.models import Comparator, Indicator, Target
from targets.progress import Status

from .models import IndicatorValue, TargetProgress

STATUS_ORDER = [Status.MET, Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA]


# ---------------------------------------------------------------- lookups within scope


def plan_for(user, plan_id: int) -> Plan:
    plan = plans_for(user).filter(pk=plan_id).first()
    if plan is None:
        raise Http404(_("计划不存在或不在您的权限范围内"))
    return plan


def region_for(user, region_id, *, within: Region | None = None) -> Region:
    """A region the user may see (and, if given, under `within`); defaults handled by the caller."""
    qs = regions_for(user)
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    region = qs.filter(pk=region_id).first()
    if region is None:
        raise Http404(_("区划不存在或不在您的权限范围内"))
    return region


def default_region(user, plan: Plan) -> Region:
    """The user's own region if it lies within the plan's (they watch their part of it), else the plan's region."""
    scope = scope_of(user)
    if scope is None:
        raise Http404
    own = scope.school.region if scope.school_id else scope.region
    if own is not None and own.path.startswith(plan.region.path):
        return own
    return plan.region


def breadcrumb(region: Region, user) -> list[Region]:
    """The region's ancestors the user may open, root first, ending with the region itself."""
    visible = set(regions_for(user).filter(code__in=region.path.strip("/").split("/")).values_list("pk", flat=True))
    return [r for r in region.ancestors() if r.pk in visible]


# ---------------------------------------------------------------- formatting


def number(value, decimals: int) -> str:
    """A value at the indicator's precision; "" for no data."""
    if value is None:
        return ""
    q = Decimal(1).scaleb(-decimals) if decimals else Decimal(1)
    text = f"{Decimal(value).quantize(q):,f}"
    return text


def _float(value, decimals: int) -> float | None:
    """A chart point at the indicator's precision (charts take floats; None leaves a gap for no data)."""
    return None if value is None else round(float(value), decimals)


def bar_percent(value, target: Target | None, baseline) -> int | None:
    """How far along toward the target the value is, 0–100, for the progress bar (None: nothing to draw)."""
    if value is None or target is None or target.value is None:
        return None
    value, goal = Decimal(value), Decimal(target.value)
    if target.comparator == Comparator.LE:
        if value <= goal:
            return 100
        if baseline is not None and Decimal(baseline) > goal:
            return max(0, min(100, int((Decimal(baseline) - value) / (Decimal(baseline) - goal) * 100)))
        return max(0, min(100, int(goal / value * 100))) if value else 100
    if target.comparator == Comparator.RANGE and target.value_max is not None:
        return 100 if goal <= value <= Decimal(target.value_max) else 50
    if goal == 0:
        return 100 if value >= 0 else 0
    return max(0, min(100, int(value / goal * 100)))


# ---------------------------------------------------------------- plan dashboard


@dataclass
class Card:
    code: str
    indicator: Indicator
    section: str
    status: str = Status.NO_DATA
    value: Decimal | None = None
    year_target: Target | None = None
    final_target: Target | None = None
    inherited: bool = False
    expected: Decimal | None = None
    projection: Decimal | None = None
    projected_met: bool | None = None
    reporting: int = 0
    schools_expected: int = 0
    trend: list = field(default_factory=list)  # [(year, value or None, target value or None)]
    baseline: Decimal | None = None

    @property
    def status_label(self) -> str:
        return Status(self.status).label

    @property
    def display(self) -> str:
        return number(self.value, self.indicator.decimals)

    @property
    def projection_display(self) -> str:
        return number(self.projection, self.indicator.decimals)

    @property
    def bar(self) -> int | None:
        return bar_percent(self.value, self.year_target or self.final_target, self.baseline)

    @property
    def completeness(self) -> int | None:
        return round(100 * self.reporting / self.schools_expected) if self.schools_expected else None

    @property
    def chart_id(self) -> str:
        return f"trend-{self.code}"

    @property
    def chart(self) -> dict:
        return {
            "years": [str(y) for y, _, _ in self.trend],
            "values": [_float(v, self.indicator.decimals) for _, v, _ in self.trend],
            "targets": [_float(t, self.indicator.decimals) for _, _, t in self.trend],
        }


def plan_dashboard(plan: Plan, region: Region, year: int | None) -> dict:
    """Every target of the plan as a card for this region, grouped by goal, with the summary strip."""
    targets = list(
        Target.objects.filter(plan=plan).select_related("indicator", "section").order_by("section__position", "code")
    )
    progress = defaultdict(dict)
    for row in TargetProgress.objects.filter(plan=plan, region=region).select_related("target__indicator"):
        progress[row.target_code][row.year] = row
    indicator_ids = {t.indicator_id for t in targets}
    first_year = min([plan.start_year - 1, *[t.baseline_year for t in targets if t.baseline_year]])
    values = {
        (v.indicator_id, v.year): v
        for v in IndicatorValue.objects.filter(
            region=region, indicator_id__in=indicator_ids, year__range=(first_year, plan.end_year)
        )
    }
    years_with_data = sorted({y for (_, y), v in values.items() if v.value is not None and y in plan.years})
    if year is None:
        year = years_with_data[-1] if years_with_data else plan.start_year
    cards, seen = [], set()
    for target in targets:
        if target.code in seen:
            continue
        seen.add(target.code)
        cards.append(_card(plan, target, targets, progress[target.code], values, year))
    groups = []
    for card in cards:
        if not groups or groups[-1][0] != card.section:
            groups.append((card.section, []))
        groups[-1][1].append(card)
    counts = Counter(c.status for c in cards if c.status != Status.NO_TARGET)
    summary = [(s, Status(s).label, counts.get(s, 0)) for s in STATUS_ORDER]
    return {
        "year": year,
        "years": list(plan.years),
        "years_with_data": years_with_data,
        "groups": groups,
        "cards": cards,
        "summary": summary,
        "judged": sum(counts.values()),
    }


def _card(plan, target, targets, by_year, values, year) -> Card:
    card = Card(code=target.code, indicator=target.indicator, section=target.section.title if target.section else "")
    same_code = [t for t in targets if t.code == target.code]
    row = by_year.get(year)
    value_row = values.get((target.indicator_id, year))
    if row is not None:
        card.status, card.value, card.inherited = row.status, row.value, row.inherited
        card.year_target, card.expected = row.target, row.expected
        card.projection, card.projected_met = row.projection, row.projected_met
    elif value_row is not None:
        card.value = value_row.value
    if value_row is not None:
        card.reporting, card.schools_expected = value_row.schools_reporting, value_row.schools_expected
    end = by_year.get(plan.end_year)
    card.final_target = end.target if end is not None and end.target else _final(same_code, plan)
    baseline_year = target.baseline_year or plan.start_year - 1
    card.baseline = target.baseline_value
    if card.baseline is None and (base := values.get((target.indicator_id, baseline_year))) is not None:
        card.baseline = base.value
    for y in [baseline_year, *plan.years]:
        p = by_year.get(y)
        v = (
            p.value
            if p is not None and p.value is not None
            else getattr(values.get((target.indicator_id, y)), "value", None)
        )
        t = p.target.value if p is not None and p.target is not None and y == (p.target.year or plan.end_year) else None
        card.trend.append((y, v, t))
    return card


def _final(targets, plan):
    finals = [t for t in targets if t.year in (None, plan.end_year)]
    return finals[0] if finals else None


# ---------------------------------------------------------------- indicator page


def indicator_page(plan: Plan, indicator: Indicator, region: Region, year: int) -> dict:
    """Trend against yearly targets, sub-regions ranked (one level down), failing units."""
    codes = list(Target.objects.filter(plan=plan, indicator=indicator).values_list("code", flat=True).distinct())
    progress = defaultdict(dict)  # region_id -> year -> row
    children = list(Region.objects.filter(parent=region).order_by("code"))
    ids = [region.pk, *[c.pk for c in children]]
    rows = TargetProgress.objects.filter(plan=plan, target_code__in=codes, region_id__in=ids).select_related(
        "target__indicator"
    )
    for row in rows:
        progress[row.region_id][row.year] = row
    values = defaultdict(dict)
    for v in IndicatorValue.objects.filter(
        indicator=indicator, region_id__in=ids, year__range=(plan.start_year - 1, plan.end_year)
    ):
        values[v.region_id][v.year] = v
    trend = []
    for y in [plan.start_year - 1, *plan.years]:
        p, v = progress[region.pk].get(y), values[region.pk].get(y)
        trend.append(
            {
                "year": y,
                "value": v.value if v else None,
                "display": number(v.value if v else None, indicator.decimals),
                "expected": p.expected if p else None,
                "target": p.target.display_value if p and p.target else "",
                "target_value": p.target.value if p and p.target and y == (p.target.year or plan.end_year) else None,
                "status": p.status if p else Status.NO_DATA,
                "status_label": Status(p.status if p else Status.NO_DATA).label,
                "reporting": v.schools_reporting if v else 0,
                "expected_schools": v.schools_expected if v else 0,
            }
        )
    current = values[region.pk].get(year)
    ranking = []
    for child in children:
        v, p = values[child.pk].get(year), progress[child.pk].get(year)
        ranking.append(
            {
                "region": child,
                "value": v.value if v else None,
                "display": number(v.value if v else None, indicator.decimals),
                "status": p.status if p else (Status.NO_DATA if v is None or v.value is None else Status.NO_TARGET),
                "reporting": v.schools_reporting if v else 0,
                "expected_schools": v.schools_expected if v else 0,
            }
        )
    lower = indicator.direction == Indicator.Direction.LOWER
    with_data = sorted((r for r in ranking if r["value"] is not None), key=lambda r: r["value"], reverse=not lower)
    ranking = with_data + [r for r in ranking if r["value"] is None]
    for r in ranking:
        r["status_label"] = Status(r["status"]).label
    return {
        "trend": trend,
        "current": current,
        "current_display": number(current.value if current else None, indicator.decimals),
        "progress": progress[region.pk].get(year),
        "ranking": ranking,
        "failing": (current.failing_units if current else []),
        "chart": {
            "years": [str(t["year"]) for t in trend],
            "values": [_float(t["value"], indicator.decimals) for t in trend],
            "expected": [_float(t["expected"], indicator.decimals) for t in trend],
            "targets": [_float(t["target_value"], indicator.decimals) for t in trend],
            "ranking_names": [r["region"].name for r in with_data],
            "ranking_values": [_float(r["value"], indicator.decimals) for r in with_data],
        },
        "is_township": region.level == RegionLevel.TOWNSHIP,
    }


# ---------------------------------------------------------------- region page


def region_overview(user, region: Region, year: int) -> dict:
    """Every plan in scope that covers this region: its status counts here and in each sub-region."""
    plans = [
        p
        for p in plans_for(user).exclude(status=Plan.Status.ARCHIVED).order_by("start_year", "code")
        if region.path.startswith(p.region.path)
    ]
    children = list(Region.objects.filter(parent=region).order_by("code"))
    counts = defaultdict(Counter)  # (plan_id, region_id) -> Counter(status)
    rows = (
        TargetProgress.objects.filter(plan__in=plans, region_id__in=[region.pk, *[c.pk for c in children]], year=year)
        .exclude(status=Status.NO_TARGET)
        .values_list("plan_id", "region_id", "status")
    )
    for plan_id, region_id, status in rows:
        counts[(plan_id, region_id)][status] += 1
    table = []
    for plan in plans:
        own = counts[(plan.pk, region.pk)]
        table.append(
            {
                "plan": plan,
                "summary": [(s, Status(s).label, own.get(s, 0)) for s in STATUS_ORDER],
                "total": sum(own.values()),
                "children": [
                    {
                        "region": c,
                        "met": counts[(plan.pk, c.pk)].get(Status.MET, 0),
                        "total": sum(counts[(plan.pk, c.pk)].values()),
                        "off": counts[(plan.pk, c.pk)].get(Status.OFF_TRACK, 0),
                    }
                    for c in children
                ],
            }
        )
    return {"plans": table, "children": children}
