from django.contrib import admin

from .models import (
    DataElement,
    DataValue,
    Department,
    Designation,
    Region,
    RegionDataValue,
    School,
    SchoolYear,
    Submission,
    UserScope,
)
from .signals import region_data_changed, school_data_changed


class NotifiesRollup:
    """Admin edits of data the rollup reads tell it, like every other channel does."""

    def school_year_of(self, obj):
        return obj

    def notify(self, obj):
        school_year = self.school_year_of(obj)
        school_data_changed.send(sender=type(obj), school_ids=[school_year.school_id], years=[school_year.year])

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # designations are saved here
        self.notify(form.instance)

    def delete_model(self, request, obj):
        self.notify(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.notify(obj)
        super().delete_queryset(request, queryset)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region"]


class SchoolYearInline(admin.TabularInline):
    model = SchoolYear
    extra = 0
    filter_horizontal = ["designations"]


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "school_type", "ownership", "is_inclusive", "region", "is_active"]
    list_filter = ["school_type", "ownership", "is_inclusive", "is_active", "region"]
    search_fields = ["code", "name"]
    raw_id_fields = ["region"]
    inlines = [SchoolYearInline]


@admin.register(Designation)
class DesignationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name"]


@admin.register(SchoolYear)
class SchoolYearAdmin(NotifiesRollup, admin.ModelAdmin):
    list_display = ["school", "year", "grade"]
    list_filter = ["year", "grade", "designations"]
    search_fields = ["school__name", "school__code"]
    raw_id_fields = ["school"]
    filter_horizontal = ["designations"]


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "group", "level", "value_type", "unit", "min_value", "max_value"]
    list_filter = ["level", "group", "value_type"]
    search_fields = ["code", "name", "name_en"]


@admin.register(DataValue)
class DataValueAdmin(NotifiesRollup, admin.ModelAdmin):
    list_display = ["school_year", "element", "value", "updated_at"]
    list_filter = ["school_year__year", "element"]
    search_fields = ["school_year__school__name", "school_year__school__code", "element__code"]
    raw_id_fields = ["school_year", "updated_by"]
    list_select_related = ["school_year__school", "element"]

    def school_year_of(self, obj):
        return obj.school_year


@admin.register(RegionDataValue)
class RegionDataValueAdmin(admin.ModelAdmin):
    list_display = ["region", "element", "year", "value"]
    list_filter = ["year", "element"]
    search_fields = ["region__name", "element__code"]
    raw_id_fields = ["region", "updated_by"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        region_data_changed.send(sender=RegionDataValue, element_codes=[obj.element.code])

    def delete_model(self, request, obj):
        region_data_changed.send(sender=RegionDataValue, element_codes=[obj.element.code])
        super().delete_model(request, obj)


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["school", "year", "status", "updated_at"]
    list_filter = ["year", "status"]
    search_fields = ["school__name", "school__code"]
    raw_id_fields = ["school"]


@admin.register(UserScope)
class UserScopeAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region", "school"]
    list_filter = ["role"]
    search_fields = ["user__username", "region__name", "school__name"]
    raw_id_fields = ["user", "region", "school"]
