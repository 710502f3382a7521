"""Plans, their sections and tasks, who is responsible for what, and progress on tasks."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from schools.models import Department, Region, School


class PlanQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Plan.Status.PUBLISHED)


class Plan(models.Model):
    """An action plan issued by a region (or filed by a school), with a period and its source text."""

    class Kind(models.TextChoices):
        ACTION_PLAN = "action_plan", _("行动计划")
        IMPLEMENTATION = "implementation", _("实施方案")
        WORK_PRIORITIES = "work_priorities", _("工作要点")
        WORK_PLAN = "work_plan", _("工作计划")
        DEVELOPMENT_PLAN = "development_plan", _("发展规划")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        ARCHIVED = "archived", _("已归档")

    code = models.SlugField(_("代码"), max_length=60, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    doc_number = models.CharField(_("文号"), max_length=80, blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices, default=Kind.ACTION_PLAN)
    region = models.ForeignKey(Region, verbose_name=_("发布区划"), on_delete=models.PROTECT, related_name="plans")
    school = models.ForeignKey(
        School, verbose_name=_("制定学校"), null=True, blank=True, on_delete=models.PROTECT, related_name="plans"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("上级计划"), null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    start_year = models.PositiveSmallIntegerField(_("起始年度"))
    end_year = models.PositiveSmallIntegerField(_("结束年度"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    summary = models.TextField(_("摘要"), blank=True)
    source_text = models.TextField(_("原文"), blank=True)
    source_note = models.TextField(_("来源说明"), blank=True, help_text=_("原文出处；演示数据所选的具体年份等"))

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("行动计划")
        verbose_name_plural = _("行动计划")
        ordering = ["-start_year", "region__path", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="plan_period_ordered")
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.school_id and not self.school.region.is_within(self.region):
            raise ValidationError({"school": _("制定学校必须位于发布区划之内。")})

    @property
    def years(self) -> range:
        return range(self.start_year, self.end_year + 1)


class Section(models.Model):
    """A part of a plan's text (二、发展目标, (一)完善规划布局 …), as a tree; targets and tasks hang off it."""

    class Kind(models.TextChoices):
        PREAMBLE = "preamble", _("指导思想")
        GOAL = "goal", _("发展目标")
        TASKS = "tasks", _("主要任务")
        MEASURES = "measures", _("保障措施")
        ANNEX = "annex", _("附件")
        OTHER = "other", _("其他")

    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级章节"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    number = models.CharField(_("编号"), max_length=20, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    text = models.TextField(_("正文"), blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("章节/目标")
        verbose_name_plural = _("章节/目标")
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="section_unique_position")]

    def __str__(self):
        return f"{self.number}{self.title}"

    def clean(self):
        if self.parent_id and self.parent.plan_id != self.plan_id:
            raise ValidationError({"parent": _("上级章节必须属于同一计划。")})


class Recurrence(models.TextChoices):
    NONE = "none", _("一次性")
    YEARLY = "yearly", _("每年")
    SEMESTER = "semester", _("每学期")
    QUARTERLY = "quarterly", _("每季度")
    MONTHLY = "monthly", _("每月")
    CONTINUOUS = "continuous", _("长期坚持")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    DELAYED = "delayed", _("滞后")


class Task(models.Model):
    """A numbered task of a plan (主要任务/工作要点), with a deadline or a recurrence."""

    plan = models.ForeignKey(Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="tasks")
    section = models.ForeignKey(
        Section, verbose_name=_("所属章节"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    number = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"), blank=True)
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    recurrence = models.CharField(_("周期"), max_length=12, choices=Recurrence.choices, default=Recurrence.NONE)
    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="task_unique_number"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_le_100"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    COOPERATING = "cooperating", _("配合")
    RESPONSIBLE = "responsible", _("责任")


class TaskAssignment(models.Model):
    """A unit — a region, a school or a department — given a role on a task."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(_("角色"), max_length=12, choices=AssignmentRole.choices)
    region = models.ForeignKey(Region, verbose_name=_("区划"), null=True, blank=True, on_delete=models.CASCADE)
    school = models.ForeignKey(School, verbose_name=_("学校"), null=True, blank=True, on_delete=models.CASCADE)
    department = models.ForeignKey(
        Department, verbose_name=_("部门科室"), null=True, blank=True, on_delete=models.CASCADE
    )
    # Set when this row came from an assignment to "every township under X" (各街道、乡镇).
    fanned_out_from = models.ForeignKey(
        Region, verbose_name=_("分解自"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("任务分工")
        verbose_name_plural = _("任务分工")
        ordering = ["task", "role", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, school__isnull=True, department__isnull=True)
                    | Q(region__isnull=True, school__isnull=False, department__isnull=True)
                    | Q(region__isnull=True, school__isnull=True, department__isnull=False)
                ),
                name="assignment_exactly_one_unit",
            ),
            models.UniqueConstraint(fields=["task", "role", "region"], name="assignment_unique_region"),
            models.UniqueConstraint(fields=["task", "role", "school"], name="assignment_unique_school"),
            models.UniqueConstraint(fields=["task", "role", "department"], name="assignment_unique_department"),
        ]

    def __str__(self):
        return f"{self.get_role_display()}：{self.unit}"

    @property
    def unit(self):
        return self.region or self.school or self.department


class TaskUpdate(models.Model):
    """A progress report on a task, with optional evidence."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    note = models.TextField(_("进展说明"))
    evidence = models.FileField(_("佐证材料"), upload_to="evidence/%Y/", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["task", "-date", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="taskupdate_progress_le_100")]

    def __str__(self):
        return f"{self.task} {self.date}"
