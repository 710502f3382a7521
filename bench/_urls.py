"""The app's URLs plus a trivial view, the baseline the dashboard benchmark compares against."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns


def hello(request):
    return HttpResponse("hello")


urlpatterns = [path("bench-hello/", hello), *app_urlpatterns]
