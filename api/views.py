"""The REST API, /api/v1/. Every queryset is the requesting user's scope (schools.selectors, plans.selectors):
an object outside it answers 404, as in the UI; a role that may not write answers 403.
"""

from django.contrib.auth import authenticate
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, parsers, permissions, routers, status, viewsets
from rest_framework.decorators import api_view, authentication_classes, permission_classes, throttle_classes
from rest_framework.response import Response
from rest_framework.views import APIView

from plans.models import Task, TaskAssignment, TaskUpdate
from plans.selectors import plans_for
from reports.models import IndicatorValue, TargetProgress
from schools.models import DataElement, DataValue, Role
from schools.selectors import region_visibility_q, regions_for, role_of, schools_for, scope_of
from targets.models import Indicator, Target

from . import filters, serializers, services
from .exceptions import ERR_NO_SUCH_ENDPOINT, ApiError
from .models import ApiToken
from .permissions import CanEnterDataOrReadOnly, CanUpdateTasksOrReadOnly, HasScope, TokenAllows
from .throttling import AnonThrottle, TokenCreateThrottle, UserThrottle

ERR_CREDENTIALS = _("用户名或密码不正确，或账号已停用。")
ERR_NOT_BY_TOKEN = _("本次请求不是用令牌认证的，没有可撤销的令牌。")
ERR_BODY = _('请求体必须是 JSON 对象：{"items": [{"school": 学校代码, "year": 年度, "values": {…}}]}。')
ERR_ITEMS_COUNT = _("items 必须是包含 1 到 {max} 条的列表。")
MAX_ITEMS = 1000
DEFAULT_PERMISSIONS = [permissions.IsAuthenticated, HasScope, TokenAllows]


def _region_rows(user, prefix: str = "region") -> Q:
    """Rows attached to a region the user may see (regions_for), as a join on the region's path."""
    scope = scope_of(user)
    if scope is None:
        return Q(pk__in=[])
    if scope.role == Role.CLERK:
        return Q(**{f"{prefix}_id": scope.school.region_id})
    return Q(**{f"{prefix}__path__startswith": scope.region_path})


def _progress_rows(user) -> Q:
    """Progress rows of the user's regions (regions_for) and plans (plans_for).

    A progress row exists only for a region within its plan's region (reports/progress.py), so a row in a
    staff member's, an official's or an admin's subtree always belongs to a plan issued at or above a region
    of it, one that plans_for shows them; the plan is checked only for clerks, to whom other schools' own
    plans are closed. One subquery fewer keeps the planning of the list query short.
    """
    rows = _region_rows(user)
    scope = scope_of(user)
    if scope is not None and scope.role == Role.CLERK:
        rows &= Q(plan__in=plans_for(user))
    return rows


# ---------------------------------------------------------------- tokens and the trivial endpoint


class TokenView(APIView):
    """Obtain a token with username and password (POST); revoke the token this request was made with (DELETE)."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(TokenCreateThrottle())
        return throttles

    @extend_schema(
        request=serializers.TokenCreateSerializer,
        responses={201: serializers.NewTokenSerializer},
        summary=_("获取令牌"),
        description=_("用用户名和密码换取令牌。令牌只在此时返回一次；只读令牌（read_only）不能写入。"),
        auth=[],
        tags=["auth"],
    )
    def post(self, request):
        data = serializers.TokenCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"], password=data.validated_data["password"])
        if user is None or not user.is_active:
            raise ApiError(ERR_CREDENTIALS, code="invalid_credentials")
        token, key = services.token_create(
            user=user, name=data.validated_data["name"], read_only=data.validated_data["read_only"]
        )
        body = serializers.NewTokenSerializer(token).data
        body["key"] = key
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        summary=_("撤销令牌"),
        description=_("撤销本次请求所用的令牌；之后再用它的请求得到 401。"),
        tags=["auth"],
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ApiError(ERR_NOT_BY_TOKEN)
        services.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(responses=serializers.PingSerializer, summary=_("连通检查"), tags=["auth"])
@api_view(["GET"])
@permission_classes(DEFAULT_PERMISSIONS)
def ping(request):
    """Who the request is authenticated as: a cheap call to check a token."""
    return Response({"ok": True, "user": request.user.get_username(), "role": role_of(request.user)})


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([permissions.AllowAny])
@throttle_classes([AnonThrottle, UserThrottle])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound(ERR_NO_SUCH_ENDPOINT)


@extend_schema(exclude=True)
class Root(routers.APIRootView):
    """EduPlan 接口：各资源的地址。文档见 /api/docs/。"""


class Router(routers.DefaultRouter):
    APIRootView = Root


# ---------------------------------------------------------------- read-only resources


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = "[0-9]+"


@extend_schema_view(list=extend_schema(summary=_("行政区划")), retrieve=extend_schema(summary=_("行政区划")))
class RegionViewSet(ReadOnly):
    """The regions the user may see: their subtree (a clerk: their school's township)."""

    serializer_class = serializers.RegionSerializer
    filterset_class = filters.RegionFilter
    ordering_fields = {"path": "path", "code": "code", "name": "name", "level": "level"}

    def get_queryset(self):
        return regions_for(self.request.user).order_by("path")


@extend_schema_view(list=extend_schema(summary=_("学校")), retrieve=extend_schema(summary=_("学校")))
class SchoolViewSet(ReadOnly):
    """The schools the user may see: one for a clerk, their subtree's for everyone else."""

    serializer_class = serializers.SchoolSerializer
    filterset_class = filters.SchoolFilter
    ordering_fields = {"code": "code", "name": "name", "region": "region_path", "school_type": "school_type"}

    def get_queryset(self):
        return schools_for(self.request.user).select_related("region").order_by("region_path", "code")


@extend_schema_view(list=extend_schema(summary=_("统计项")), retrieve=extend_schema(summary=_("统计项")))
class DataElementViewSet(ReadOnly):
    """The catalogue of facts collected every year, from schools or for regions."""

    serializer_class = serializers.DataElementSerializer
    filterset_class = filters.DataElementFilter
    ordering_fields = {"code": "code", "group": "group", "sort_order": "sort_order"}

    def get_queryset(self):
        return DataElement.objects.order_by("level", "group", "sort_order", "code")


@extend_schema_view(list=extend_schema(summary=_("行动计划")), retrieve=extend_schema(summary=_("行动计划")))
class PlanViewSet(ReadOnly):
    """Plans that concern the user: issued above their unit, or within their subtree."""

    serializer_class = serializers.PlanSerializer
    filterset_class = filters.PlanFilter
    ordering_fields = {"code": "code", "title": "title", "start_year": "start_year", "end_year": "end_year"}

    def get_queryset(self):
        return plans_for(self.request.user).order_by("-start_year", "region__path", "title", "pk")


@extend_schema_view(list=extend_schema(summary=_("任务")), retrieve=extend_schema(summary=_("任务")))
class TaskViewSet(ReadOnly):
    """Tasks of the plans the user may see, with the units assigned to them."""

    serializer_class = serializers.TaskSerializer
    filterset_class = filters.TaskFilter
    ordering_fields = {"number": "position", "deadline": "deadline", "status": "status", "progress": "progress"}

    def get_queryset(self):
        assignments = TaskAssignment.objects.select_related("region", "school", "department")
        return (
            Task.objects.filter(plan__in=plans_for(self.request.user))
            .select_related("plan")
            .prefetch_related(Prefetch("assignments", queryset=assignments))
            .order_by("plan_id", "position", "pk")
        )


@extend_schema_view(
    list=extend_schema(summary=_("任务进展")),
    create=extend_schema(summary=_("填报任务进展"), responses={201: serializers.TaskUpdateSerializer}),
)
@extend_schema(parameters=[OpenApiParameter("task_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="任务 id")])
class TaskUpdateViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Progress reports on a task; staff and admins add them, and the task's status follows the latest."""

    serializer_class = serializers.TaskUpdateSerializer
    permission_classes = [*DEFAULT_PERMISSIONS, CanUpdateTasksOrReadOnly]
    parser_classes = [parsers.JSONParser]
    filter_backends = []

    def task(self):
        return get_object_or_404(Task.objects.filter(plan__in=plans_for(self.request.user)), pk=self.kwargs["task_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TaskUpdate.objects.none()
        return self.task().updates.select_related("author").order_by("-date", "-pk")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.task_update_create(
            task=self.task(),
            user=self.request.user,
            date=data.get("date"),
            status=data["status"],
            progress=data["progress"],
            note=data["note"],
        )


@extend_schema_view(list=extend_schema(summary=_("指标")), retrieve=extend_schema(summary=_("指标")))
class IndicatorViewSet(ReadOnly):
    """Indicators with their definitions (numerator, denominator, filters, factor)."""

    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    ordering_fields = {"code": "code", "name": "name", "kind": "kind"}

    def get_queryset(self):
        return Indicator.objects.order_by("code")


@extend_schema_view(list=extend_schema(summary=_("目标值")), retrieve=extend_schema(summary=_("目标值")))
class TargetViewSet(ReadOnly):
    """Targets of the plans the user may see, for their regions and the regions above them."""

    serializer_class = serializers.TargetSerializer
    filterset_class = filters.TargetFilter
    ordering_fields = {"code": "code", "year": "year", "region": "region__path", "indicator": "indicator__code"}

    def get_queryset(self):
        scope = scope_of(self.request.user)
        if scope is None:
            return Target.objects.none()
        return (
            Target.objects.filter(plan__in=plans_for(self.request.user))
            .filter(region_visibility_q(scope))
            .select_related("plan", "indicator", "region")
            .order_by("plan_id", "code", "region__path", "year", "pk")
        )


@extend_schema_view(list=extend_schema(summary=_("指标计算值")), retrieve=extend_schema(summary=_("指标计算值")))
class IndicatorValueViewSet(ReadOnly):
    """Computed indicator values per region and year: numerator, denominator, value (null: no data)."""

    serializer_class = serializers.IndicatorValueSerializer
    filterset_class = filters.IndicatorValueFilter
    ordering_fields = {"year": "year", "region": "region__path", "indicator": "indicator__code", "value": "value"}

    def get_queryset(self):
        return (
            IndicatorValue.objects.filter(_region_rows(self.request.user))
            .select_related("indicator", "region")
            .order_by("indicator__code", "region__path", "year", "pk")
        )


@extend_schema_view(
    list=extend_schema(
        summary=_("目标进展"),
        description=_(
            "各计划目标在各区划、各年度的进展：评价值（无数据为 null）、状态、进度线应达值、期末预测，"
            "以及所依据的目标。"
        ),
    ),
    retrieve=extend_schema(summary=_("目标进展")),
)
class ProgressViewSet(ReadOnly):
    """Where each target of the user's plans stands in each region (of their scope) and year."""

    serializer_class = serializers.ProgressSerializer
    filterset_class = filters.ProgressFilter
    ordering_fields = {
        "year": "year",
        "region": "region__path",
        "target_code": "target_code",
        "indicator": "indicator__code",
        "status": "status",
        "value": "value",
    }

    list_values = serializers.PROGRESS_VALUES  # rows as dicts: no model instances (see the pagination)

    def get_queryset(self):
        return TargetProgress.objects.filter(_progress_rows(self.request.user)).order_by(
            "plan_id", "target_code", "region__path", "year", "pk"
        )

    def get_object(self):
        queryset = self.get_queryset().values(*self.list_values)
        return get_object_or_404(queryset, pk=self.kwargs["pk"])


# ---------------------------------------------------------------- data values: read and write in bulk


@extend_schema_view(
    list=extend_schema(summary=_("学校填报数据")),
    create=extend_schema(
        summary=_("批量写入学校填报数据"),
        description=_(
            "一次写入一所或多所学校、一个或多个年度的数据（按学校、年度、统计项更新或新增；null 表示删除）。"
            "先检查全部条目：只要有一条有问题，就不写入任何数据，并在 error.items 中逐条列出序号、字段和原因。"
            "已提交或已审核的数据不能修改（原样重发不算修改）。重复发送同一请求，结果相同。"
        ),
        request=serializers.DataValuesWriteSerializer,
        responses={200: serializers.DataValuesResultSerializer},
    ),
)
class DataValueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Schools' annual values in the user's scope; clerks, staff and admins write them in bulk."""

    serializer_class = serializers.DataValueSerializer
    filterset_class = filters.DataValueFilter
    permission_classes = [*DEFAULT_PERMISSIONS, CanEnterDataOrReadOnly]
    parser_classes = [parsers.JSONParser]
    ordering_fields = {
        "school": "school_year__school__code",
        "year": "school_year__year",
        "element": "element__code",
        "updated_at": "updated_at",
    }

    def get_queryset(self):
        return (
            DataValue.objects.filter(school_year__school__in=schools_for(self.request.user))
            .select_related("school_year__school", "element")
            .order_by("school_year__school__code", "school_year__year", "element__code", "pk")
        )

    def create(self, request):
        items = request.data.get("items") if isinstance(request.data, dict) else None
        if items is None:
            raise ApiError(ERR_BODY, fields={"items": [str(ERR_BODY)]})
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
            message = str(ERR_ITEMS_COUNT.format(max=MAX_ITEMS))
            raise ApiError(message, fields={"items": [message]})
        valid, problems = [], []
        for index, raw in enumerate(items):
            item = serializers.DataValueItemSerializer(data=raw)
            if item.is_valid():
                valid.append((index, item.validated_data))
            else:
                problems += _problems(index, item.errors)
        checked, found = services.data_values_check(user=request.user, items=valid)
        problems = sorted(problems + [vars(p) for p in found], key=lambda p: p["index"])
        if problems:
            raise ApiError(
                services.ERR_ITEMS_INVALID.format(n=len(problems)),
                code="invalid_items",
                fields={f"items.{p['index']}.{p['field']}": [p["reason"]] for p in problems},
                items=problems,
            )
        results = services.data_values_write(items=checked, user=request.user)
        totals = {key: sum(r[key] for r in results) for key in ("created", "updated", "deleted")}
        return Response({**totals, "items": results})


def _problems(index: int, errors: dict) -> list[dict]:
    """Serializer errors of one item as [{"index", "field", "reason"}]."""
    out = []
    for field, messages in errors.items():
        if isinstance(messages, dict):  # values: {code: [messages]}
            for code, inner in messages.items():
                out += [{"index": index, "field": f"{field}.{code}", "reason": str(m)} for m in inner]
        else:
            field = "item" if field == "non_field_errors" else field
            out += [{"index": index, "field": field, "reason": str(m)} for m in messages]
    return out
