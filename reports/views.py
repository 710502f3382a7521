"""Dashboards: the plan dashboard, an indicator's page, a region's page, the task board. Read stored rollups only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from plans.models import AssignmentRole, Task, TaskStatus, TaskUpdate
from schools.models import RegionLevel
from schools.selectors import can_review, regions_for, scope_of
from targets.describe import describe
from targets.models import Indicator, Target

from . import dashboard
from .drilldown import school_values


def _year(request, default=None):
    raw = request.GET.get("year")
    if not raw:
        return default
    try:
        year = int(raw)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _region(request, plan):
    raw = request.GET.get("region")
    if not raw:
        return dashboard.default_region(request.user, plan)
    if not raw.isdigit():
        raise Http404
    return dashboard.region_for(request.user, int(raw), within=plan.region)


def _children(user, region):
    return list(regions_for(user).filter(parent=region).order_by("code"))


@login_required
def plan_dashboard(request, plan_id: int):
    """Where every target of a plan stands for a region and year."""
    plan = dashboard.plan_for(request.user, plan_id)
    region = _region(request, plan)
    data = dashboard.plan_dashboard(plan, region, _year(request))
    if data["year"] not in data["years"] and data["year"] != plan.start_year - 1:
        raise Http404
    context = {
        "plan": plan,
        "region": region,
        "crumbs": dashboard.breadcrumb(region, request.user),
        "children": _children(request.user, region),
        **data,
    }
    return render(request, "reports/plan_dashboard.html", context)


@login_required
def indicator_detail(request, plan_id: int, indicator_id: int):
    """One indicator of a plan: trend against targets, sub-regions ranked, schools of a township, failing units."""
    plan = dashboard.plan_for(request.user, plan_id)
    indicator = get_object_or_404(
        Indicator.objects.filter(pk__in=Target.objects.filter(plan=plan).values("indicator")), pk=indicator_id
    )
    region = _region(request, plan)
    year = _year(request) or _latest_year(plan, indicator, region)
    data = dashboard.indicator_page(plan, indicator, region, year)
    visible = {r.pk for r in _children(request.user, region)}
    data["ranking"] = [r for r in data["ranking"] if r["region"].pk in visible]
    schools = school_values(indicator, region, year) if region.level == RegionLevel.TOWNSHIP else None
    context = {
        "plan": plan,
        "indicator": indicator,
        "region": region,
        "year": year,
        "years": list(plan.years),
        "crumbs": dashboard.breadcrumb(region, request.user),
        "definition": describe(indicator.definition),
        "schools": schools,
        "targets": Target.objects.filter(plan=plan, indicator=indicator).select_related("region").order_by("year"),
        **data,
    }
    return render(request, "reports/indicator.html", context)


def _latest_year(plan, indicator, region) -> int:
    from .models import IndicatorValue

    years = IndicatorValue.objects.filter(
        indicator=indicator, region=region, year__in=list(plan.years), value__isnull=False
    ).values_list("year", flat=True)
    return max(years, default=plan.start_year)


@login_required
def region_page(request, region_id: int):
    """All plans' status for one region, with its sub-regions side by side."""
    region = dashboard.region_for(request.user, region_id)
    year = _year(request, timezone.localdate().year)
    data = dashboard.region_overview(request.user, region, year)
    visible = {r.pk for r in _children(request.user, region)}
    for row in data["plans"]:
        row["children"] = [c for c in row["children"] if c["region"].pk in visible]
    context = {
        "region": region,
        "year": year,
        "years": list(range(year - 3, year + 2)),
        "crumbs": dashboard.breadcrumb(region, request.user),
        **data,
    }
    return render(request, "reports/region.html", context)


@login_required
def region_home(request):
    """The region page of the user's own region."""
    scope = scope_of(request.user)
    if scope is None:
        raise Http404
    region = scope.school.region if scope.school_id else scope.region
    if region is None:
        region = regions_for(request.user).order_by("level", "code").first()
    if region is None:
        raise Http404
    return redirect("reports:region", region_id=region.pk)


# ---------------------------------------------------------------- tasks


@login_required
def task_board(request, plan_id: int):
    """A plan's tasks by status, with lead unit and deadline; overdue tasks stand out."""
    plan = dashboard.plan_for(request.user, plan_id)
    tasks = list(
        Task.objects.filter(plan=plan)
        .prefetch_related("assignments__region", "assignments__school", "assignments__department")
        .order_by("position", "number")
    )
    today = timezone.localdate()
    columns = {status: [] for status in TaskStatus.values}
    for task in tasks:
        task.leads = [a for a in task.assignments.all() if a.role == AssignmentRole.LEAD]
        task.overdue = bool(task.deadline and task.deadline < today and task.status != TaskStatus.DONE)
        columns[task.status].append(task)
    context = {
        "plan": plan,
        "columns": [(TaskStatus(s).label, s, columns[s]) for s in TaskStatus.values],
        "overdue": sum(1 for t in tasks if t.overdue),
    }
    return render(request, "reports/task_board.html", context)


class TaskUpdateForm(forms.ModelForm):
    class Meta:
        model = TaskUpdate
        fields = ["status", "progress", "note", "evidence"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    progress = forms.IntegerField(label=gettext_lazy("进度(%)"), min_value=0, max_value=100)


@login_required
def task_detail(request, plan_id: int, task_id: int):
    """A task with its units, its updates and evidence; staff in scope post updates."""
    plan = dashboard.plan_for(request.user, plan_id)
    task = get_object_or_404(Task.objects.filter(plan=plan), pk=task_id)
    may_update = can_review(request.user)
    form = TaskUpdateForm(
        request.POST or None, request.FILES or None, initial={"status": task.status, "progress": task.progress}
    )
    if request.method == "POST":
        if not may_update:
            raise PermissionDenied(_("只有业务人员可以填写任务进展。"))
        if form.is_valid():
            with transaction.atomic():
                update = form.save(commit=False)
                update.task, update.author, update.date = task, request.user, timezone.localdate()
                update.save()
                task.status, task.progress = update.status, update.progress
                task.save(update_fields=["status", "progress"])
            messages.success(request, _("已记录任务进展。"))
            return redirect(request.path)
        messages.error(request, _("进展未保存，请按提示修改。"))
    context = {
        "plan": plan,
        "task": task,
        "assignments": task.assignments.select_related("region", "school", "department"),
        "updates": task.updates.select_related("author").order_by("-date", "-created_at"),
        "form": form,
        "may_update": may_update,
        "overdue": bool(task.deadline and task.deadline < timezone.localdate() and task.status != TaskStatus.DONE),
    }
    return render(request, "reports/task.html", context)
