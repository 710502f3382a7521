from django.contrib import admin

from .models import Indicator, Target


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit", "direction"]
    list_filter = ["kind", "direction"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "indicator", "plan", "region", "year", "comparator", "value", "value_max"]
    list_filter = ["plan", "comparator", "year"]
    search_fields = ["code", "indicator__name", "quote"]
    raw_id_fields = ["plan", "indicator", "section", "region", "department"]
