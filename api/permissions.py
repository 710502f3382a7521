"""Who may call what. Scope (which objects) is each view's get_queryset; these check the caller and the role."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from schools.selectors import can_enter_data, can_review, scope_of

from .models import ApiToken

ERR_NO_SCOPE = _("您的账号尚未分配管理范围，请联系管理员。")
ERR_READ_ONLY_TOKEN = _("只读令牌不能写入数据。")
ERR_CANNOT_ENTER_DATA = _("您的角色只能查看数据，不能填报。")
ERR_CANNOT_UPDATE_TASKS = _("只有业务人员和管理员可以填报任务进展。")


class HasScope(permissions.BasePermission):
    """The user was given a region or a school (UserScope); without one they see nothing, as in the UI."""

    message = ERR_NO_SCOPE

    def has_permission(self, request, view):
        return scope_of(request.user) is not None


class TokenAllows(permissions.BasePermission):
    """A read-only token reads only."""

    message = ERR_READ_ONLY_TOKEN

    def has_permission(self, request, view):
        token = request.auth
        return request.method in permissions.SAFE_METHODS or not (isinstance(token, ApiToken) and token.read_only)


class CanEnterDataOrReadOnly(permissions.BasePermission):
    """Writing data values: clerks, staff and admins (schools.selectors.can_enter_data); officials read."""

    message = ERR_CANNOT_ENTER_DATA

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or can_enter_data(request.user)


class CanUpdateTasksOrReadOnly(permissions.BasePermission):
    """Reporting task progress: staff and admins, the bureau people who run plans."""

    message = ERR_CANNOT_UPDATE_TASKS

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or can_review(request.user)
