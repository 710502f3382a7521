from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

app_name = "api"

router = views.Router()
router.register("regions", views.RegionViewSet, basename="region")
router.register("schools", views.SchoolViewSet, basename="school")
router.register("data-elements", views.DataElementViewSet, basename="data-element")
router.register("data-values", views.DataValueViewSet, basename="data-value")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("tasks", views.TaskViewSet, basename="task")
router.register(r"tasks/(?P<task_id>[0-9]+)/updates", views.TaskUpdateViewSet, basename="task-update")
router.register("indicators", views.IndicatorViewSet, basename="indicator")
router.register("targets", views.TargetViewSet, basename="target")
router.register("indicator-values", views.IndicatorValueViewSet, basename="indicator-value")
router.register("progress", views.ProgressViewSet, basename="progress")

urlpatterns = [
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("v1/ping/", views.ping, name="ping"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^", views.not_found),  # anything else under /api/, newlines included: a JSON 404
]
