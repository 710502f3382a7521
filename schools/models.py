"""Regions, schools, the facts collected from them, and who may see which."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Channel(models.TextChoices):
    """Through which door a change came in; recorded with every historical row."""

    FORM = "form", _("网页填报")
    IMPORT = "import", _("Excel 导入")
    API = "api", _("接口")
    ADMIN = "admin", _("后台管理")
    SYSTEM = "system", _("系统")


class AuditedChange(models.Model):
    """Extra column of every historical (audit) row: the channel, set by schools.audit."""

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, default=Channel.ADMIN)

    class Meta:
        abstract = True


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    CITY = 2, _("市")
    COUNTY = 3, _("区县")
    TOWNSHIP = 4, _("街道乡镇")


class RegionQuerySet(models.QuerySet):
    def subtree(self, region: "Region", *, include_self: bool = True):
        """Every region under `region`, one indexed prefix query on the materialised path."""
        qs = self.filter(path__startswith=region.path)
        return qs if include_self else qs.exclude(pk=region.pk)

    def townships(self):
        return self.filter(level=RegionLevel.TOWNSHIP)


class Region(models.Model):
    """A node of the administrative tree. `path` is the codes from the root, e.g. `/33/3302/330206/`."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    level = models.PositiveSmallIntegerField(_("级别"), choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised path: "all regions/schools under X" is `path LIKE 'X.path%'` on a
    # prefix-capable index (varchar_pattern_ops on PostgreSQL, see migration 0002).
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = (self.parent.path if self.parent_id else "/") + f"{self.code}/"
        super().save(*args, **kwargs)

    def clean(self):
        if self.parent_id and self.parent.level >= self.level:
            raise ValidationError({"parent": _("上级区划的级别必须高于本级。")})

    def ancestors(self):
        """This region and every region above it, root first (one query)."""
        codes = [c for c in self.path.strip("/").split("/") if c]
        return Region.objects.filter(code__in=codes).order_by("level")

    def is_within(self, other: "Region") -> bool:
        return self.path.startswith(other.path)


class Department(models.Model):
    """A bureau office (科室) or another government department that tasks and targets are assigned to."""

    class Kind(models.TextChoices):
        OFFICE = "office", _("教育局科室")
        AGENCY = "agency", _("其他政府部门")

    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices, default=Kind.OFFICE)

    class Meta:
        verbose_name = _("部门科室")
        verbose_name_plural = _("部门科室")
        ordering = ["region__path", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="department_unique_name")]

    def __str__(self):
        return self.name


class SchoolType(models.TextChoices):
    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    COMPLETE_MIDDLE = "complete_middle", _("完全中学")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("职业高中")
    SPECIAL = "special", _("特殊教育学校")
    ADULT = "adult", _("成人学校/市民学校")
    MIGRANT = "migrant", _("外来工子女学校")
    TEACHING_POINT = "teaching_point", _("教学点")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PRIVATE = "private", _("民办")


class KindergartenGrade(models.IntegerChoices):
    """The provincial kindergarten ladder, ordered so that "at least 省二级" is `grade >= L2`."""

    UNRATED = 0, _("未评级")
    LICENSED = 10, _("省准办")
    L3_STAR1 = 20, _("省三级一星")
    L3_STAR2 = 30, _("省三级二星")
    L2_STAR3 = 40, _("省二级三星")
    L1 = 50, _("省一级")


class SchoolQuerySet(models.QuerySet):
    def in_region(self, region: Region):
        """Every school under `region`: one indexed prefix query on the denormalised path."""
        return self.filter(region_path__startswith=region.path)

    def active(self):
        return self.filter(is_active=True)

    def of_type(self, *types):
        return self.filter(school_type__in=types)


class School(models.Model):
    code = models.CharField(_("学校代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在街道乡镇"),
        on_delete=models.PROTECT,
        related_name="schools",
        limit_choices_to={"level": RegionLevel.TOWNSHIP},
    )
    # Copy of region.path, kept in save(), so that subtree filters need no join.
    region_path = models.CharField(max_length=255, editable=False, db_index=True)
    school_type = models.CharField(_("学校类型"), max_length=20, choices=SchoolType.choices)
    ownership = models.CharField(_("办学性质"), max_length=10, choices=Ownership.choices, default=Ownership.PUBLIC)
    is_inclusive = models.BooleanField(_("普惠性"), default=False, help_text=_("民办幼儿园是否认定为普惠性"))
    is_active = models.BooleanField(_("在办"), default=True)

    objects = SchoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["region_path", "code"]
        indexes = [models.Index(fields=["school_type", "region_path"], name="school_type_path")]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.region_path = self.region.path
        super().save(*args, **kwargs)

    def clean(self):
        if self.region_id and self.region.level != RegionLevel.TOWNSHIP:
            raise ValidationError({"region": _("学校必须隶属于街道或乡镇一级的区划。")})


class Designation(models.Model):
    """A year-dependent status a school may hold: 省标准化, 市现代化达纲, 平安幼儿园, 示范校 ..."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("认定称号")
        verbose_name_plural = _("认定称号")
        ordering = ["code"]

    def __str__(self):
        return self.name


class SchoolYearQuerySet(models.QuerySet):
    def in_year(self, year: int):
        return self.filter(year=year)

    def grade_at_least(self, grade: int):
        return self.filter(grade__gte=grade)


class SchoolYear(models.Model):
    """What a school was in one year: its grade and designations as of that year."""

    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.PositiveSmallIntegerField(_("幼儿园等级"), choices=KindergartenGrade.choices, null=True, blank=True)
    designations = models.ManyToManyField(
        Designation, verbose_name=_("认定称号"), blank=True, related_name="school_years"
    )

    objects = SchoolYearQuerySet.as_manager()
    history = HistoricalRecords(verbose_name=_("学校年度属性变更"), bases=[AuditedChange], m2m_fields=["designations"])

    class Meta:
        verbose_name = _("学校年度属性")
        verbose_name_plural = _("学校年度属性")
        ordering = ["school", "year"]
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="schoolyear_unique")]
        indexes = [models.Index(fields=["year", "grade"], name="schoolyear_year_grade")]

    def __str__(self):
        return f"{self.school} {self.year}"


class DataElement(models.Model):
    """A fact collected every year, from each school (enrolment, teachers ...) or for a region (适龄人口 ...)."""

    class ValueType(models.TextChoices):
        INTEGER = "integer", _("整数")
        DECIMAL = "decimal", _("小数")

    class Level(models.TextChoices):
        SCHOOL = "school", _("学校填报")
        REGION = "region", _("区域填报")

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True)
    group = models.CharField(
        _("分组"), max_length=32, blank=True, help_text=_("例如 基本情况、幼儿、教职工、办学条件、经费")
    )
    level = models.CharField(_("填报层级"), max_length=10, choices=Level.choices, default=Level.SCHOOL)
    value_type = models.CharField(_("数据类型"), max_length=10, choices=ValueType.choices, default=ValueType.INTEGER)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    min_value = models.DecimalField(_("最小值"), max_digits=20, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(_("最大值"), max_digits=20, decimal_places=4, null=True, blank=True)
    school_types = models.JSONField(
        _("填报学校类型"), default=list, blank=True, help_text=_("为空表示所有类型的学校都填报")
    )
    help_text = models.TextField(_("填报说明"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("统计项")
        verbose_name_plural = _("统计项")
        ordering = ["level", "group", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lte=models.F("max_value")),
                name="dataelement_min_le_max",
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    def clean(self):
        valid = set(SchoolType.values)
        types = self.school_types
        if not isinstance(types, list) or not all(isinstance(t, str) and t in valid for t in types):
            raise ValidationError({"school_types": _("填报学校类型必须是学校类型代码的列表。")})
        if self.level == self.Level.REGION and self.school_types:
            raise ValidationError({"school_types": _("区域填报的统计项不按学校类型区分。")})

    def applies_to(self, school_type: str) -> bool:
        return self.level == self.Level.SCHOOL and (not self.school_types or school_type in self.school_types)


class DataValueQuerySet(models.QuerySet):
    def in_year(self, year: int):
        return self.filter(school_year__year=year)

    def for_school(self, school: "School"):
        return self.filter(school_year__school=school)


class DataValue(models.Model):
    """One number of a school's annual return: school-year × element. Missing is no row, never 0."""

    # The school and year are those of the annual record, so that year-dependent attributes
    # (grade, designations) join to every value with one foreign key, which the rollup relies on.
    school_year = models.ForeignKey(
        SchoolYear, verbose_name=_("学校年度"), on_delete=models.CASCADE, related_name="values"
    )
    element = models.ForeignKey(DataElement, verbose_name=_("统计项"), on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DataValueQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("填报数据变更"), bases=[AuditedChange], excluded_fields=["updated_at", "updated_by"]
    )

    class Meta:
        verbose_name = _("填报数据")
        verbose_name_plural = _("填报数据")
        constraints = [models.UniqueConstraint(fields=["school_year", "element"], name="datavalue_unique")]
        indexes = [models.Index(fields=["element", "school_year"], name="datavalue_element_sy")]

    def __str__(self):
        return f"{self.school_year} {self.element.code} = {self.value}"


class RegionDataValue(models.Model):
    """A fact that belongs to a region, not a school: 适龄人口, 财政性教育经费, 社平工资."""

    region = models.ForeignKey(Region, verbose_name=_("区划"), on_delete=models.CASCADE, related_name="data_values")
    element = models.ForeignKey(
        DataElement, verbose_name=_("统计项"), on_delete=models.PROTECT, related_name="region_values"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("数值"), max_digits=20, decimal_places=4)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords(
        verbose_name=_("区域数据变更"), bases=[AuditedChange], excluded_fields=["updated_at", "updated_by"]
    )

    class Meta:
        verbose_name = _("区域数据")
        verbose_name_plural = _("区域数据")
        constraints = [models.UniqueConstraint(fields=["region", "element", "year"], name="regiondatavalue_unique")]

    def __str__(self):
        return f"{self.region} {self.element.code} {self.year} = {self.value}"


class Submission(models.Model):
    """One school's data for one year and where it stands in review."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        APPROVED = "approved", _("已审核")
        RETURNED = "returned", _("已退回")

    school = models.ForeignKey(School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="submissions")
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    comment = models.TextField(_("审核意见"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("填报任务")
        verbose_name_plural = _("填报任务")
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="submission_unique")]

    def __str__(self):
        return f"{self.school} {self.year} {self.get_status_display()}"

    @property
    def is_locked(self) -> bool:
        """Approved data stays as approved until staff reopen it; submitted data waits for review."""
        return self.status in (self.Status.SUBMITTED, self.Status.APPROVED)


class SubmissionEvent(models.Model):
    """One transition of a submission: who moved it from what to what, when, and why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交")
        APPROVE = "approve", _("审核通过")
        RETURN = "return", _("退回")
        REOPEN = "reopen", _("重新打开")

    submission = models.ForeignKey(
        Submission, verbose_name=_("填报任务"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    from_status = models.CharField(_("原状态"), max_length=12, choices=Submission.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Submission.Status.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("填报流转记录")
        verbose_name_plural = _("填报流转记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.submission} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


class ValidationRule(models.Model):
    """A check across elements of one school's return, kept as data: Σ left (op) Σ right.

    E.g. 持证教师数 ≤ 专任教师数 is left=["kg_teachers_certified"], op="le", right=["kg_teachers"];
    在园幼儿 = Σ by age is left=["kg_children"], op="eq", right=["kg_children_3", "kg_children_4", ...].
    A rule is checked only when every element it names has a value.
    """

    class Op(models.TextChoices):
        LE = "le", "≤"
        GE = "ge", "≥"
        EQ = "eq", "="

    code = models.SlugField(_("代码"), max_length=50, unique=True)
    message = models.CharField(
        _("提示"), max_length=200, help_text=_("不满足时显示给填报人，例如 持证教师数不能多于专任教师数")
    )
    left = models.JSONField(_("左边统计项"), help_text=_("统计项代码列表，取其合计"))
    op = models.CharField(_("关系"), max_length=2, choices=Op.choices)
    right = models.JSONField(_("右边统计项"), help_text=_("统计项代码列表，取其合计"))
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("校验规则")
        verbose_name_plural = _("校验规则")
        ordering = ["code"]

    def __str__(self):
        return self.message

    def clean(self):
        for name in ("left", "right"):
            codes = getattr(self, name)
            if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
                raise ValidationError({name: _("必须是统计项代码的非空列表。")})
            missing = set(codes) - set(DataElement.objects.filter(code__in=codes).values_list("code", flat=True))
            if missing:
                raise ValidationError({name: _("没有这些统计项：{codes}").format(codes="、".join(sorted(missing)))})

    @property
    def elements(self) -> list[str]:
        return [*self.left, *self.right]


class Role(models.TextChoices):
    CLERK = "clerk", _("学校填报员")
    STAFF = "staff", _("业务人员")
    OFFICIAL = "official", _("领导")
    ADMIN = "admin", _("管理员")


class UserScope(models.Model):
    """Which region subtree or which school a user belongs to, and in what role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="scope"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), null=True, blank=True, on_delete=models.PROTECT)
    school = models.ForeignKey(School, verbose_name=_("所属学校"), null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("用户权限范围")
        verbose_name_plural = _("用户权限范围")
        constraints = [
            # A clerk belongs to exactly one school; everyone else to a region (admin: optional).
            models.CheckConstraint(
                condition=(Q(role="clerk", school__isnull=False, region__isnull=True))
                | (Q(role__in=["staff", "official"], region__isnull=False, school__isnull=True))
                | Q(role="admin", school__isnull=True),
                name="userscope_role_matches_unit",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.school or self.region or _('全部')}"

    @property
    def region_path(self) -> str:
        """The path prefix this scope covers ('' for an unrestricted admin)."""
        if self.school_id:
            return self.school.region_path
        return self.region.path if self.region_id else ""


def import_upload_path(instance, filename: str) -> str:
    """Uploaded and marked workbooks get a random name; the user's own file name is kept on the job."""
    import uuid

    from django.utils import timezone

    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """One uploaded workbook of annual values: checked whole, then written in one transaction or not at all."""

    class State(models.TextChoices):
        PENDING = "pending", _("等待处理")
        RUNNING = "running", _("正在处理")
        DONE = "done", _("已导入")
        FAILED = "failed", _("未导入")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    file = models.FileField(_("文件"), upload_to=import_upload_path)
    original_name = models.CharField(_("原文件名"), max_length=255, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已检查行数"), default=0)
    # [{"row", "column", "header", "school", "message"}], at most imports.MAX_LISTED_PROBLEMS of them.
    errors = models.JSONField(_("问题"), default=list, blank=True)
    # {"schools", "created", "updated", "deleted", "unchanged", "problems"}
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    marked_file = models.FileField(_("标注文件"), upload_to=import_upload_path, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("Excel 导入")
        verbose_name_plural = _("Excel 导入")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.original_name or self.file.name} {self.year} {self.get_state_display()}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
