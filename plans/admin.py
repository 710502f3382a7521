from django.contrib import admin

from .models import Plan, Section, Task, TaskAssignment, TaskUpdate


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["position", "number", "title", "kind", "parent"]
    raw_id_fields = ["parent"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "region", "start_year", "end_year", "status"]
    list_filter = ["kind", "status", "start_year"]
    search_fields = ["title", "doc_number", "code"]
    raw_id_fields = ["region", "school", "parent"]
    inlines = [SectionInline]


class TaskAssignmentInline(admin.TabularInline):
    model = TaskAssignment
    extra = 0
    raw_id_fields = ["region", "school", "department", "fanned_out_from"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "plan", "deadline", "recurrence", "status", "progress"]
    list_filter = ["status", "recurrence", "plan"]
    search_fields = ["title", "text"]
    raw_id_fields = ["plan", "section"]
    inlines = [TaskAssignmentInline]


@admin.register(TaskUpdate)
class TaskUpdateAdmin(admin.ModelAdmin):
    list_display = ["task", "date", "status", "progress", "author"]
    list_filter = ["status", "date"]
    search_fields = ["note", "task__title"]
    raw_id_fields = ["task", "author"]
