from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("plans/<int:plan_id>/", views.plan_dashboard, name="plan"),
    path("plans/<int:plan_id>/indicators/<int:indicator_id>/", views.indicator_detail, name="indicator"),
    path("plans/<int:plan_id>/tasks/", views.task_board, name="tasks"),
    path("plans/<int:plan_id>/tasks/<int:task_id>/", views.task_detail, name="task"),
    path("regions/", views.region_home, name="region_home"),
    path("regions/<int:region_id>/", views.region_page, name="region"),
]
