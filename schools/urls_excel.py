"""Excel template download, upload and import jobs; included under data/excel/ in config/urls.py."""

from django.urls import path

from . import views_excel

app_name = "excel"

urlpatterns = [
    path("", views_excel.upload, name="upload"),
    path("template.xlsx", views_excel.template_download, name="template"),
    path("jobs/<int:pk>/", views_excel.job_detail, name="job"),
    path("jobs/<int:pk>/status.json", views_excel.job_status, name="job_status"),
    path("jobs/<int:pk>/marked.xlsx", views_excel.job_marked, name="job_marked"),
]
