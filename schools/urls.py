from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("", views.submissions, name="submissions"),
    path("<int:school_id>/<int:year>/", views.school_data, name="school_data"),
    path("<int:school_id>/<int:year>/transition/", views.school_transition, name="school_transition"),
    path("<int:school_id>/<int:year>/history/", views.school_history, name="school_history"),
    path("regions/<int:region_id>/<int:year>/", views.region_data, name="region_data"),
    path("clerks/", views.clerks, name="clerks"),
]
