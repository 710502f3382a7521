"""Reads scoped to a user: what regions and schools someone may see."""

from django.db.models import Q

from .models import Region, Role, School, UserScope


def scope_of(user) -> UserScope | None:
    """The user's scope, or None for a user who was given none (who then sees nothing)."""
    if not user.is_authenticated:
        return None
    try:
        return user.scope
    except UserScope.DoesNotExist:
        return None


def scope_region_codes(scope: UserScope) -> list[str]:
    """The codes on the path from the root down to the scope's region (the school's township for a clerk)."""
    return [code for code in scope.region_path.strip("/").split("/") if code]


def regions_for(user):
    """Regions the user may open: their subtree (a clerk: their school's township)."""
    scope = scope_of(user)
    if scope is None:
        return Region.objects.none()
    if scope.role == Role.CLERK:
        return Region.objects.filter(pk=scope.school.region_id)
    return Region.objects.filter(path__startswith=scope.region_path)


def schools_for(user):
    """Schools the user may open: one for a clerk, the subtree's schools for everyone else."""
    scope = scope_of(user)
    if scope is None:
        return School.objects.none()
    if scope.role == Role.CLERK:
        return School.objects.filter(pk=scope.school_id)
    return School.objects.filter(region_path__startswith=scope.region_path)


def region_visibility_q(scope: UserScope, *, prefix: str = "region") -> Q:
    """Q for rows attached to a region that applies to this scope: above it (ancestors) or within it."""
    return Q(**{f"{prefix}__code__in": scope_region_codes(scope)}) | Q(
        **{f"{prefix}__path__startswith": scope.region_path}
    )


# ---------------------------------------------------------------- data entry: who may do what

WRITERS = {Role.CLERK, Role.STAFF, Role.ADMIN}
REVIEWERS = {Role.STAFF, Role.ADMIN}


def role_of(user) -> str | None:
    scope = scope_of(user)
    return scope.role if scope else None


def can_enter_data(user) -> bool:
    """Clerks (their school), staff and admins (their subtree) enter data; officials only read."""
    return role_of(user) in WRITERS


def can_review(user) -> bool:
    """Staff and admins approve, return and reopen submissions, and edit year attributes and region data."""
    return role_of(user) in REVIEWERS


def data_years() -> list[int]:
    """Years that can be entered or viewed: every year with data, and the current one."""
    from django.utils import timezone

    from .models import SchoolYear

    years = set(SchoolYear.objects.order_by().values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years)


# Status filters of the chase list; a school with no submission row has not submitted (a draft).
UNSUBMITTED = ("draft", "returned")


def submissions_for(user, *, year: int, status: str = "", township_id: int | None = None, school_type: str = ""):
    """The schools in scope, each with its submission for `year` (status, comment) and value count, for chasing.

    `status` is a submission status or "missing" (not submitted, or returned); unknown filters are ignored.
    """
    from django.db.models import Count, OuterRef, Subquery

    from .models import DataValue, Submission

    submissions = Submission.objects.filter(school=OuterRef("pk"), year=year)
    values = (
        DataValue.objects.filter(school_year__school=OuterRef("pk"), school_year__year=year)
        .order_by()
        .values("school_year__school")
        .annotate(n=Count("id"))
        .values("n")
    )
    from .models import SchoolType

    qs = (
        schools_for(user)
        .filter(is_active=True)
        .select_related("region")
        .annotate(
            submission_status=Subquery(submissions.values("status")[:1]),
            submission_comment=Subquery(submissions.values("comment")[:1]),
            submission_updated=Subquery(submissions.values("updated_at")[:1]),
            value_count=Subquery(values),
        )
        .order_by("region__code", "school_type", "code")
    )
    unsubmitted = Q(submission_status__isnull=True) | Q(submission_status="draft")
    if status == "missing":
        qs = qs.filter(unsubmitted | Q(submission_status__in=UNSUBMITTED))
    elif status == "draft":
        qs = qs.filter(unsubmitted)
    elif status in Submission.Status.values:
        qs = qs.filter(submission_status=status)
    if township_id is not None:
        qs = qs.filter(region_id=township_id)
    if school_type in SchoolType.values:
        qs = qs.filter(school_type=school_type)
    return qs
