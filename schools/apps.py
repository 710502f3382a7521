from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "schools"
    verbose_name = _("学校与数据")

    def ready(self):
        from . import audit  # noqa: F401  (connects the channel stamp of audit rows)
