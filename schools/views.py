"""Data entry in the browser: the chase list, the annual form, review, the audit trail, region data, clerks.

Every object is looked up through the user's scope (schools.selectors), so anything outside it
answers 404, whatever the URL says.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import AttributesForm, TransitionForm, ValuesForm, plain
from .models import (
    DataElement,
    DataValue,
    RegionDataValue,
    RegionLevel,
    Role,
    SchoolType,
    SchoolYear,
    Submission,
    SubmissionEvent,
    UserScope,
)
from .validation import check_values, elements_for

# ---------------------------------------------------------------- lookups within scope


def _school(user, school_id: int):
    return get_object_or_404(selectors.schools_for(user).select_related("region"), pk=school_id)


def _year(year: int) -> int:
    """A year data can be entered for: from 2000 to next year (a plan's first year may lie ahead)."""
    if not FIRST_YEAR <= year <= timezone.localdate().year + 1:
        raise Http404(_("年度超出范围"))
    return year


FIRST_YEAR = 2000


def _default_year() -> int:
    years = selectors.data_years()
    return years[-1]


# ---------------------------------------------------------------- the chase list


@login_required
def submissions(request):
    """Which schools in scope have submitted their data for a year, and which the bureau must chase."""
    try:
        year = int(request.GET.get("year") or _default_year())
    except ValueError:
        year = _default_year()
    year = _year(year)
    scope = selectors.scope_of(request.user)
    if scope is not None and scope.role == Role.CLERK and not request.GET:
        return redirect("schools:school_data", school_id=scope.school_id, year=year)
    status = request.GET.get("status", "")
    township = request.GET.get("township", "")
    school_type = request.GET.get("type", "")
    rows = list(
        selectors.submissions_for(
            request.user,
            year=year,
            status=status,
            township_id=int(township) if township.isdigit() else None,
            school_type=school_type,
        )
    )
    townships = selectors.regions_for(request.user).filter(level=RegionLevel.TOWNSHIP).order_by("code")
    expected = _expected_counts()
    for row in rows:
        row.status_label = Submission.Status(row.submission_status).label if row.submission_status else _("未填报")
        row.status_code = row.submission_status or "none"
        n = expected.get(row.school_type, 0)
        row.completeness = round(100 * (row.value_count or 0) / n) if n else None
    if request.GET.get("format") == "xlsx":
        return _submissions_export(rows, year)
    context = {
        "rows": rows,
        "year": year,
        "years": selectors.data_years(),
        "status": status,
        "statuses": [("missing", _("未提交或被退回")), *[(s.value, s.label) for s in Submission.Status]],
        "township": township,
        "townships": townships,
        "school_type": school_type,
        "school_types": SchoolType.choices,
        "can_review": selectors.can_review(request.user),
        "query": request.GET.urlencode(),
        "region": scope.region if scope is not None and scope.region_id else None,
    }
    return render(request, "schools/submissions.html", context)


def _expected_counts() -> dict:
    """How many school-level elements each school type reports (the denominator of completeness)."""
    elements = list(DataElement.objects.filter(level=DataElement.Level.SCHOOL))
    return {t: sum(1 for e in elements if e.applies_to(t)) for t in SchoolType.values}


def _submissions_export(rows, year):
    from .excel import workbook_response

    headers = [_("学校代码"), _("学校"), _("街道乡镇"), _("类型"), _("状态"), _("完整度（%）"), _("退回意见")]
    data = [
        [
            r.code,
            r.name,
            r.region.name,
            r.get_school_type_display(),
            r.status_label,
            r.completeness,
            r.submission_comment or "",
        ]
        for r in rows
    ]
    return workbook_response(_("{year}年填报情况").format(year=year), headers, data)


# ---------------------------------------------------------------- the annual form


@login_required
def school_data(request, school_id: int, year: int):
    """A school's annual return: the values by group, last year's alongside, attributes, workflow."""
    school = _school(request.user, school_id)
    year = _year(year)
    submission = Submission.objects.filter(school=school, year=year).first() or Submission(school=school, year=year)
    elements = elements_for(school)
    current = _values_of(school, year)
    previous = _values_of(school, year - 1)
    school_year = SchoolYear.objects.filter(school=school, year=year).prefetch_related("designations").first()
    may_write = selectors.can_enter_data(request.user) and not submission.is_locked
    may_review = selectors.can_review(request.user)
    form = ValuesForm(request.POST or None, elements=elements, current=current, previous=previous)
    attributes = None
    if may_review:
        initial = {"grade": school_year.grade if school_year else None}
        initial["designations"] = list(school_year.designations.all()) if school_year else []
        attributes = AttributesForm(request.POST or None, school=school, initial=initial, prefix="attr")
    conflict = None
    if request.method == "POST":
        if not selectors.can_enter_data(request.user):
            raise PermissionDenied(_("您只能查看这份数据。"))
        if not may_write:
            status = submission.get_status_display()
            messages.error(request, services.ERR_LOCKED.format(school=school.name, year=year, status=status))
            return redirect(request.path)
        forms_ok = form.is_valid() and (attributes is None or attributes.is_valid())
        if forms_ok:
            kwargs = {}
            if attributes is not None and attributes.has_changed():
                kwargs = {
                    "grade": attributes.cleaned_data.get("grade"),
                    "designations": [d.code for d in attributes.cleaned_data["designations"]],
                }
            try:
                counts = services.school_form_save(
                    school=school, year=year, values=form.values, seen=form.seen, user=request.user, **kwargs
                )
            except services.Conflict as exc:
                conflict = _describe_conflict(exc.changes, elements)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                if request.POST.get("then") == "submit":
                    try:
                        services.submission_transition(
                            school=school, year=year, action=SubmissionEvent.Action.SUBMIT, user=request.user
                        )
                    except ValidationError as exc:
                        messages.error(request, " ".join(exc.messages))
                    else:
                        messages.success(request, _("已保存并提交，等待审核。"))
                        return redirect(request.path)
                changed = counts["created"] + counts["updated"] + counts["deleted"]
                messages.success(
                    request, _("已保存（{n} 项有变化）。").format(n=changed) if changed else _("没有变化。")
                )
                return redirect(request.path)
        if not conflict:
            messages.error(request, _("数据有误，未保存。请按红色提示修改后重新保存。"))
    filled = sum(1 for e in elements if current.get(e.code) is not None)
    context = {
        "school": school,
        "year": year,
        "submission": submission,
        "events": submission.events.select_related("user") if submission.pk else [],
        "form": form,
        "attributes": attributes,
        "school_year": school_year,
        "may_write": may_write,
        "may_review": may_review,
        "conflict": conflict,
        "completeness": round(100 * filled / len(elements)) if elements else None,
        "filled": filled,
        "expected": len(elements),
        "years": selectors.data_years(),
        "transition_form": TransitionForm(),
    }
    return render(request, "schools/school_data.html", context, status=409 if conflict else 200)


def _values_of(school, year) -> dict:
    return dict(
        DataValue.objects.filter(school_year__school=school, school_year__year=year).values_list(
            "element__code", "value"
        )
    )


def _describe_conflict(changes, elements) -> list:
    names = {e.code: e for e in elements}
    return [
        {
            "element": names.get(c["code"]),
            "seen": plain(c["seen"]) or _("（空）"),
            "now": plain(c["now"]) or _("（空）"),
            "by": (c["by"].get_full_name() or c["by"].username) if c["by"] else _("未知"),
            "at": c["at"],
        }
        for c in changes
    ]


@login_required
@require_POST
def school_transition(request, school_id: int, year: int):
    """Submit (clerks and staff), approve, return or reopen (staff) a school's data for a year."""
    school = _school(request.user, school_id)
    year = _year(year)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("无效的操作。"))
        return redirect("schools:school_data", school_id=school.pk, year=year)
    action = form.cleaned_data["action"]
    allowed = selectors.can_enter_data if action == SubmissionEvent.Action.SUBMIT else selectors.can_review
    if not allowed(request.user):
        raise PermissionDenied(_("您没有权限执行此操作。"))
    if action == SubmissionEvent.Action.SUBMIT:
        missing = _rule_problems(school, year)
        if missing:
            messages.error(request, missing)
            return redirect("schools:school_data", school_id=school.pk, year=year)
    try:
        submission = services.submission_transition(
            school=school, year=year, action=action, user=request.user, comment=form.cleaned_data["comment"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("{school} {year} 年数据：{status}。").format(
                school=school.name, year=year, status=submission.get_status_display()
            ),
        )
    return redirect("schools:school_data", school_id=school.pk, year=year)


def _rule_problems(school, year) -> str:
    """Stored values that no longer pass the checks (rules changed since they were saved), as one message."""
    elements = elements_for(school)
    checked = check_values(
        elements, {k: v for k, v in _values_of(school, year).items() if k in {e.code for e in elements}}
    )
    if checked.ok:
        return ""
    return _("数据未通过校验，不能提交：{problems}").format(
        problems="；".join(m for messages_ in checked.errors.values() for m in messages_)
    )


# ---------------------------------------------------------------- the audit trail


@login_required
def school_history(request, school_id: int, year: int):
    """Every change to the school's values, attributes and submission for a year: who, when, old → new, channel."""
    school = _school(request.user, school_id)
    year = _year(year)
    names = dict(DataElement.objects.values_list("id", "name"))
    entries = []
    value_history = (
        DataValue.history.filter(school_year__school_id=school.pk, school_year__year=year)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    last = {}
    for h in value_history:
        old = last.get(h.id)
        entries.append(
            {
                "at": h.history_date,
                "user": h.history_user,
                "channel": h.get_channel_display(),
                "what": names.get(h.element_id, "?"),
                "old": plain(old.value) if old is not None and old.history_type != "-" else "",
                "new": plain(h.value) if h.history_type != "-" else _("（删除）"),
            }
        )
        last[h.id] = h
    previous = None
    for h in (
        SchoolYear.history.filter(school_id=school.pk, year=year)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    ):
        old_grade = previous.get_grade_display() if previous and previous.grade is not None else ""
        new_grade = h.get_grade_display() if h.grade is not None else ""
        if previous is None or previous.grade != h.grade:
            entries.append(
                {
                    "at": h.history_date,
                    "user": h.history_user,
                    "channel": h.get_channel_display(),
                    "what": _("幼儿园等级"),
                    "old": old_grade,
                    "new": new_grade,
                }
            )
        previous = h
    events = SubmissionEvent.objects.filter(submission__school=school, submission__year=year).select_related("user")
    for e in events:
        entries.append(
            {
                "at": e.at,
                "user": e.user,
                "channel": _("流转"),
                "what": e.get_action_display(),
                "old": Submission.Status(e.from_status).label,
                "new": Submission.Status(e.to_status).label,
                "comment": e.comment,
            }
        )
    entries.sort(key=lambda e: e["at"], reverse=True)
    context = {"school": school, "year": year, "entries": entries}
    return render(request, "schools/school_history.html", context)


# ---------------------------------------------------------------- region-level data


@login_required
def region_data(request, region_id: int, year: int):
    """The facts a region enters itself (适龄人口, 经费 …), by staff of that region or above."""
    region = get_object_or_404(selectors.regions_for(request.user), pk=region_id)
    year = _year(year)
    may_write = selectors.can_review(request.user)
    elements = list(DataElement.objects.filter(level=DataElement.Level.REGION).order_by("group", "sort_order"))
    current = dict(RegionDataValue.objects.filter(region=region, year=year).values_list("element__code", "value"))
    previous = dict(RegionDataValue.objects.filter(region=region, year=year - 1).values_list("element__code", "value"))
    form = ValuesForm(request.POST or None, elements=elements, current=current, previous=previous)
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("您只能查看这份数据。"))
        if form.is_valid():
            changed = services.region_values_set(region=region, year=year, values=form.values, user=request.user)
            messages.success(request, _("已保存（{n} 项有变化）。").format(n=changed) if changed else _("没有变化。"))
            return redirect(request.path)
        messages.error(request, _("数据有误，未保存。请按红色提示修改后重新保存。"))
    children = region.children.order_by("code")
    context = {
        "region": region,
        "year": year,
        "years": selectors.data_years(),
        "form": form,
        "may_write": may_write,
        "children": children,
    }
    return render(request, "schools/region_data.html", context)


# ---------------------------------------------------------------- clerks of a subtree


@login_required
def clerks(request):
    """Staff manage the school clerks of their subtree: list, add, switch off."""
    if not selectors.can_review(request.user):
        raise PermissionDenied(_("只有业务人员可以管理填报员。"))
    schools = selectors.schools_for(request.user).filter(is_active=True).order_by("region__code", "code")
    scopes = (
        UserScope.objects.filter(role=Role.CLERK, school__in=schools)
        .select_related("user", "school", "school__region")
        .order_by("school__region__code", "school__code", "user__username")
    )
    error = None
    if request.method == "POST":
        User = get_user_model()
        action = request.POST.get("action")
        if action == "toggle":
            scope = get_object_or_404(scopes, pk=request.POST.get("scope"))
            scope.user.is_active = not scope.user.is_active
            scope.user.save(update_fields=["is_active"])
            messages.success(request, _("已更新账号 {username}。").format(username=scope.user.username))
            return redirect(request.path)
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        school = schools.filter(pk=request.POST.get("school") or 0).first()
        if not username or not school or len(password) < 8:
            error = _("请填写用户名、选择学校，并设置至少 8 位的初始密码。")
        elif User.objects.filter(username=username).exists():
            error = _("用户名 {username} 已被使用。").format(username=username)
        else:
            with transaction.atomic():
                user = User.objects.create_user(
                    username=username, password=password, first_name=request.POST.get("name", "").strip()
                )
                UserScope.objects.create(user=user, role=Role.CLERK, school=school)
            messages.success(
                request, _("已为 {school} 添加填报员 {username}。").format(school=school.name, username=username)
            )
            return redirect(request.path)
    context = {"scopes": scopes, "schools": schools, "error": error, "posted": request.POST if error else {}}
    return render(request, "schools/clerks.html", context)
