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
