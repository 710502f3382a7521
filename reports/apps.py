from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("进展与报表")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
