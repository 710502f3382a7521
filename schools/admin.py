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
class SchoolYearAdmin(admin.ModelAdmin):
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
class DataValueAdmin(admin.ModelAdmin):
    list_display = ["school_year", "element", "value", "updated_at"]
    list_filter = ["school_year__year", "element"]
    search_fields = ["school_year__school__name", "school_year__school__code", "element__code"]
    raw_id_fields = ["school_year", "updated_by"]
    list_select_related = ["school_year__school", "element"]


@admin.register(RegionDataValue)
class RegionDataValueAdmin(admin.ModelAdmin):
    list_display = ["region", "element", "year", "value"]
    list_filter = ["year", "element"]
    search_fields = ["region__name", "element__code"]
    raw_id_fields = ["region", "updated_by"]


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
