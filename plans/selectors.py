"""Reads of plans, scoped to a user."""

from django.db.models import Count, Q

from schools.models import Role
from schools.selectors import region_visibility_q, scope_of, scope_region_codes

from .models import Plan


def plans_for(user):
    """Plans that concern the user: issued above their unit (they implement them) or within their subtree."""
    scope = scope_of(user)
    if scope is None:
        return Plan.objects.none()
    qs = Plan.objects.select_related("region", "school")
    if scope.role == Role.ADMIN and not scope.region_path:
        return qs
    if scope.role == Role.CLERK:
        # A clerk sees plans issued for their township and above, and their own school's plans.
        own_or_none = Q(school__isnull=True) | Q(school=scope.school)
        return qs.filter(region__code__in=scope_region_codes(scope)).filter(own_or_none)
    return qs.filter(region_visibility_q(scope))


def plan_list_for_home(user):
    """The home page's plan list: published and draft plans in scope with their counts."""
    return (
        plans_for(user)
        .exclude(status=Plan.Status.ARCHIVED)
        .annotate(task_count=Count("tasks", distinct=True), target_count=Count("targets", distinct=True))
    )
