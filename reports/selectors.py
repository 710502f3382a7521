"""Reads of the stored rollups, scoped to a user. Dashboards read these, never live aggregates."""

from collections import defaultdict

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from plans.selectors import plans_for
from schools.selectors import regions_for
from targets.models import Target

from .models import IndicatorValue, TargetProgress

ERR_REGION_OUT_OF_SCOPE = _("您无权查看该区划的指标数据。")
ERR_PLAN_OUT_OF_SCOPE = _("您无权查看该计划。")


def indicator_values_for(user, *, plan, region, year) -> list[IndicatorValue]:
    """The plan's indicators' values for a region and year, each with `.progress`: its targets' TargetProgress rows.

    A fixed number of queries however many indicators the plan has; PermissionDenied outside the user's scope.
    """
    if not regions_for(user).filter(pk=region.pk).exists():
        raise PermissionDenied(ERR_REGION_OUT_OF_SCOPE)
    if not plans_for(user).filter(pk=plan.pk).exists():
        raise PermissionDenied(ERR_PLAN_OUT_OF_SCOPE)
    values = list(
        IndicatorValue.objects.filter(
            region=region, year=year, indicator__in=Target.objects.filter(plan=plan).values("indicator")
        )
        .select_related("indicator")
        .order_by("indicator__code")
    )
    progress = defaultdict(list)
    rows = TargetProgress.objects.filter(plan=plan, region=region, year=year).select_related("target")
    for row in rows.order_by("target_code"):
        progress[row.indicator_id].append(row)
    for value in values:
        value.progress = progress[value.indicator_id]
    return values
