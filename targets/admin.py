from django.contrib import admin

from .models import Indicator, Target
from .signals import indicator_changed, targets_changed


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit", "direction"]
    list_filter = ["kind", "direction"]
    search_fields = ["code", "name", "name_en"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        indicator_changed.send(sender=Indicator, indicator_code=obj.code)


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "indicator", "plan", "region", "year", "comparator", "value", "value_max"]
    list_filter = ["plan", "comparator", "year"]
    search_fields = ["code", "indicator__name", "quote"]
    raw_id_fields = ["plan", "indicator", "section", "region", "department"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        targets_changed.send(sender=Target, plan_id=obj.plan_id)

    def delete_model(self, request, obj):
        targets_changed.send(sender=Target, plan_id=obj.plan_id)
        super().delete_model(request, obj)
