"""Annual values by Excel: the template to fill in, and the import that checks a whole sheet, then writes it at once.

How a sheet is read (the upload page says the same to users):

- Columns are matched by the code in row 2 (schools.excel), not by position or header. A column left
  out of the sheet leaves that element untouched; a column whose code is unknown is a problem.
- A blank cell means "no value": a value stored before is deleted. The template comes filled with the
  current values, so a blank is deliberate. Cells of elements a school's type does not report (dark
  grey in the template) must stay blank.
- A row is refused when its school code is unknown or outside the user's scope (one message for both,
  so that a sheet cannot probe which schools exist), when the school appears twice, or when the
  school's submission is submitted or approved and the row would change its data. A locked school's
  row with exactly its stored values (as the pre-filled template has it) is fine and writes nothing.
- Values are checked as on the form (schools.validation), including the cross-element rules; a rule
  naming an element that has no column in the sheet uses the stored value.
- Any problem and nothing is written: the user gets every problem with row, column and reason, and
  their own sheet back with the bad cells marked. Otherwise every change is written in one
  transaction, audited with channel "import", and the rollup is told once.
"""

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from . import excel
from .models import Channel, DataElement, DataValue, ImportJob, Role, School, SchoolType, SchoolYear, Submission
from .selectors import schools_for, scope_of
from .signals import school_data_changed
from .validation import active_rules, check_values, plain

logger = logging.getLogger(__name__)

IMPORTERS = {Role.CLERK, Role.STAFF, Role.ADMIN}
LOCKED = (Submission.Status.SUBMITTED, Submission.Status.APPROVED)
CHUNK = 500  # schools per query: well under SQLite's parameter limit, small enough to keep memory flat
BATCH = 500  # rows per INSERT / UPDATE statement: 8 parameters a row stay far below the limits
PROGRESS_EVERY = 200  # rows checked between two progress updates of the job
MAX_LISTED_PROBLEMS = 1000  # kept on the job and listed on the page; the marked file shows them all
HISTORY = {"channel": Channel.IMPORT}

ERR_NO_CODE_COLUMN = gettext_lazy("找不到学校代码列（第 2 行代码为 #school_code）。请使用本系统下载的模板。")
ERR_UNKNOWN_COLUMN = gettext_lazy("没有代码为“{code}”的统计项")
ERR_REGION_COLUMN = gettext_lazy("“{code}”是区域填报项，不能按学校导入")
ERR_DUPLICATE_COLUMN = gettext_lazy("统计项“{code}”的列重复（另见 {letter} 列）")
ERR_NO_SCHOOL_CODE = gettext_lazy("缺少学校代码")
ERR_UNKNOWN_SCHOOL = gettext_lazy("学校代码“{code}”不存在或不在您的管理范围内")
ERR_DUPLICATE_SCHOOL = gettext_lazy("学校“{code}”重复，已在第 {row} 行出现")
ERR_LOCKED = gettext_lazy("该校 {year} 年数据{status}，不能修改（原值：{was}）")
ERR_LOCKED_SINCE = gettext_lazy("检查后有学校的数据已提交或审核：{schools}。请重新上传。")
ERR_NO_ROWS = gettext_lazy("文件中没有学校数据行（数据从第 3 行开始）。")
ERR_YEAR_MISMATCH = gettext_lazy("该文件是 {file_year} 年的模板，而您选择的年度是 {year} 年。")
ERR_INTERNAL = gettext_lazy("导入时发生内部错误，数据未作任何修改。请稍后重试或联系管理员。")
BLANK = gettext_lazy("空")


@dataclass
class Problem:
    """One thing wrong with a sheet, where the user can find it."""

    row: int | None
    column: str  # Excel letter, "" for the file as a whole
    header: str
    school: str
    message: str


@dataclass
class Checked:
    """The outcome of checking a sheet: what to write ({school id: {code: Decimal or None}}) or the problems."""

    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    rows: int = 0
    locked_unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def importable_schools(user):
    """Schools this user may import values for: a clerk their school, staff and admins their subtree, officials none."""
    scope = scope_of(user)
    if scope is None or scope.role not in IMPORTERS:
        return School.objects.none()
    return schools_for(user)


def school_elements() -> list[DataElement]:
    """Every school-level element, in form order."""
    return list(DataElement.objects.filter(level=DataElement.Level.SCHOOL).order_by("group", "sort_order", "code"))


# ---------------------------------------------------------------- the template


def template_build(*, user, region, year: int, school_type: str = "") -> tuple[str, bytes]:
    """The fill-in workbook for the active schools of `region` within the user's scope: (file name, bytes).

    Its columns are the elements that apply to at least one of those schools' types.
    """
    schools = schools_for(user).in_region(region).active().select_related("region").order_by("region_path", "code")
    if school_type:
        schools = schools.of_type(school_type)
    schools = list(schools)
    types = {s.school_type for s in schools}
    elements = [e for e in school_elements() if any(e.applies_to(t) for t in types)]
    title = _("{region}{year}年数据填报模板").format(region=region.name, year=year)
    if school_type:
        title = _("{region}{year}年{type}数据填报模板").format(
            region=region.name, year=year, type=SchoolType(school_type).label
        )
    notes = [
        _("年度：{year}；区划：{region}；生成时间：{at}").format(
            year=year, region=region.name, at=timezone.localtime().strftime("%Y-%m-%d %H:%M")
        ),
        _("1. 每行一所学校，每列一个统计项。请只填写白色单元格；深灰色单元格表示该类学校不填报此项。"),
        _("2. 第 2 行是系统用来识别各列的代码，请勿修改或删除；可以删除不需要导入的整列，未出现的统计项保持原值不变。"),
        _("3. 表中已填入系统中的现有数据。留空的单元格表示“无数据”：导入后将删除原有数值。"),
        _("4. 浅灰色的行是已提交或已审核的学校，数据不能修改；如需修改，请先由业务人员退回。"),
        _("5. 上传时系统先检查整个文件：只要有一处错误，就不会导入任何数据，并返回标注了错误单元格的文件。"),
        _("6. 工作表设有保护（无密码），以免误改学校信息；如确需调整，可在“审阅”中撤销工作表保护。"),
    ]
    data = excel.template_workbook(
        year=year, title=title, elements=elements, rows=_template_rows(schools, year), notes=notes
    )
    return f"{title}.xlsx", data


def _template_rows(schools: list, year: int):
    types = dict(SchoolType.choices)
    draft = _("未填报")
    for start in range(0, len(schools), CHUNK):
        chunk = schools[start : start + CHUNK]
        ids = [s.pk for s in chunk]
        values = defaultdict(dict)
        for school_id, code, value in DataValue.objects.filter(
            school_year__school_id__in=ids, school_year__year=year
        ).values_list("school_year__school_id", "element__code", "value"):
            values[school_id][code] = value
        statuses = dict(Submission.objects.filter(school_id__in=ids, year=year).values_list("school_id", "status"))
        for school in chunk:
            status = statuses.get(school.pk)
            yield excel.TemplateRow(
                code=school.code,
                name=school.name,
                township=school.region.name,
                school_type=school.school_type,
                type_label=types.get(school.school_type, school.school_type),
                status_label=Submission.Status(status).label if status else draft,
                locked=status in LOCKED,
                values=values.get(school.pk, {}),
            )


# ---------------------------------------------------------------- checking a sheet


def import_check(*, sheet: excel.Sheet, user, year: int, progress=None) -> Checked:
    """Check every row of an uploaded sheet against the user's scope, the submissions and the value rules.

    Writes nothing. `progress(n)` is called every few hundred rows with the number checked so far.
    """
    checked = Checked(rows=len(sheet.rows))
    code_column, element_columns = _columns(sheet, checked)
    if not sheet.rows:
        checked.problems.append(Problem(None, "", "", "", str(ERR_NO_ROWS)))
        return checked

    codes = {excel.cell_text(_cell(values, code_column)) for _number, values in sheet.rows} - {""}
    schools = {}
    for chunk in _chunks(sorted(codes)):
        schools.update(
            {s.code: s for s in importable_schools(user).filter(code__in=chunk).only("pk", "code", "school_type")}
        )
    ids = [s.pk for s in schools.values()]
    locked = {}
    for chunk in _chunks(ids):
        locked.update(
            Submission.objects.filter(school_id__in=chunk, year=year, status__in=LOCKED).values_list(
                "school_id", "status"
            )
        )
    rules = active_rules()
    in_sheet = {column.code for column in element_columns}
    by_code = {column.code: column for column in element_columns}
    # Stored values are needed for the schools whose rows must not change, and for the rules that
    # involve a column of the sheet and an element without one.
    outside = {code for rule in rules if set(rule.elements) & in_sheet for code in rule.elements} - in_sheet
    stored = _stored(school_ids=[pk for pk in ids if pk in locked or outside], year=year)
    elements = {e.code: e for e in school_elements()}
    applicable = {t: [e for e in elements.values() if e.applies_to(t)] for t in SchoolType.values}
    seen = {}

    for done, (number, values) in enumerate(sheet.rows, 1):
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
        code = excel.cell_text(_cell(values, code_column))

        def problem(column, message, *, number=number, code=code):
            checked.problems.append(Problem(number, column.letter, column.header, code, str(message)))

        if not code:
            problem(code_column, ERR_NO_SCHOOL_CODE)
            continue
        school = schools.get(code)
        if school is None:
            problem(code_column, ERR_UNKNOWN_SCHOOL.format(code=code))
            continue
        if code in seen:
            problem(code_column, ERR_DUPLICATE_SCHOOL.format(code=code, row=seen[code]))
            continue
        seen[code] = number

        reported = {e.code for e in applicable[school.school_type]}
        raw = {}
        for column in element_columns:
            value = _cell(values, column)
            blank = value is None or (isinstance(value, str) and not value.strip())
            if column.code in reported:
                raw[column.code] = None if blank else value
            elif not blank:
                raw[column.code] = value  # check_values says the school does not report it
        current = stored.get(school.pk, {})
        if school.pk in locked:
            # Checked against what is stored, not against today's rules: an untouched row of a
            # locked school is fine even if its approved values would not pass a rule added since.
            status = Submission.Status(locked[school.pk]).label
            changed = [c for c, v in raw.items() if not _unchanged(v, current.get(c))]
            for element_code in changed:
                was = current.get(element_code)
                problem(
                    by_code[element_code],
                    ERR_LOCKED.format(year=year, status=status, was=BLANK if was is None else plain(was)),
                )
            if not changed:
                checked.locked_unchanged += 1
            continue
        for code_outside in outside & reported:
            if current.get(code_outside) is not None:
                raw[code_outside] = current[code_outside]
        result = check_values(applicable[school.school_type], raw, rules=rules)
        for element_code, messages in result.errors.items():
            column = by_code.get(element_code, code_column)
            for message in messages:
                problem(column, message if column is not code_column else f"{elements[element_code].name}：{message}")
        if result.ok:
            checked.values[school.pk] = {c: v for c, v in result.values.items() if c in in_sheet}
    if progress is not None:
        progress(len(sheet.rows))
    return checked


def _columns(sheet: excel.Sheet, checked: Checked):
    """The school code column and the element columns of a sheet; header problems go to `checked`."""
    code_column = next((c for c in sheet.columns if c.code == excel.SCHOOL_CODE), None)
    if code_column is None:
        raise excel.WorkbookError(str(ERR_NO_CODE_COLUMN))
    candidates = [c for c in sheet.columns if c.code not in excel.IDENTITY]
    known = {e.code: e for e in DataElement.objects.filter(code__in=[c.code for c in candidates])}
    columns, first = [], {}
    for column in candidates:
        element = known.get(column.code)
        message = None
        if element is None:
            message = ERR_UNKNOWN_COLUMN.format(code=column.code)
        elif element.level != DataElement.Level.SCHOOL:
            message = ERR_REGION_COLUMN.format(code=column.code)
        elif column.code in first:
            message = ERR_DUPLICATE_COLUMN.format(code=column.code, letter=first[column.code].letter)
        if message:
            checked.problems.append(Problem(excel.CODE_ROW, column.letter, column.header, "", str(message)))
            continue
        first[column.code] = column
        columns.append(column)
    return code_column, columns


def _stored(*, school_ids, year: int) -> dict:
    """{school id: {element code: Decimal}} of the values stored for these schools and year."""
    stored = defaultdict(dict)
    for chunk in _chunks(school_ids):
        rows = DataValue.objects.filter(school_year__school_id__in=chunk, school_year__year=year)
        for school_id, code, value in rows.values_list("school_year__school_id", "element__code", "value"):
            stored[school_id][code] = value
    return stored


# ---------------------------------------------------------------- writing


@transaction.atomic
def import_write(*, values: dict, year: int, user) -> dict:
    """Write checked values ({school id: {code: Decimal or None}}) for a year, all or nothing.

    Only what differs is written, in bulk, each change with an audit row of channel "import". The
    schools' submissions are locked first (created as drafts where missing), the same lock the form
    takes, so an import and a form save of one school run one after the other; a school submitted
    since the check stops the whole import. Returns {"schools", "created", "updated", "deleted", "unchanged"}.
    """
    school_ids = sorted(values)
    _lock_submissions(values, year)
    elements = {e.code: e.pk for e in DataElement.objects.filter(level=DataElement.Level.SCHOOL)}
    school_years = _school_years(values, year, user)
    now = timezone.now()
    user_id = user.pk if user is not None else None
    counts = {"schools": len(school_ids), "created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    changed = set()
    for chunk in _chunks([pk for pk in school_ids if pk in school_years]):
        existing = {
            (sy, element): (pk, value)
            for pk, sy, element, value in DataValue.objects.filter(
                school_year_id__in=[school_years[pk] for pk in chunk]
            ).values_list("pk", "school_year_id", "element_id", "value")
        }
        creates, updates, deletes = [], [], []  # updates and deletes as (pk, school year, element, value)
        for school_id in chunk:
            sy = school_years[school_id]
            for code, value in values[school_id].items():
                element = elements[code]
                current = existing.get((sy, element))
                if current is None and value is None:
                    continue
                if current is not None and _same(value, current[1]):
                    counts["unchanged"] += 1
                    continue
                changed.add(school_id)
                if current is None:
                    creates.append(DataValue(school_year_id=sy, element_id=element, value=value, updated_by_id=user_id))
                elif value is None:
                    deletes.append((current[0], sy, element, current[1]))
                else:
                    updates.append((current[0], sy, element, value))
        DataValue.objects.bulk_create(creates, batch_size=BATCH)  # sets primary keys (SQLite ≥ 3.35, PostgreSQL)
        _audit("+", [(v.pk, v.school_year_id, v.element_id, v.value) for v in creates], user_id=user_id, at=now)
        _update_values(updates, user_id=user_id, at=now)
        _audit("~", updates, user_id=user_id, at=now)
        _audit("-", deletes, user_id=user_id, at=now)
        for pks in _chunks([pk for pk, _sy, _element, _value in deletes], size=BATCH):
            # No post_delete signals: they would write a second audit row, without the user.
            DataValue.objects.filter(pk__in=pks)._raw_delete(DataValue.objects.db)
        counts["created"] += len(creates)
        counts["updated"] += len(updates)
        counts["deleted"] += len(deletes)
    if changed:
        school_data_changed.send(sender=DataValue, school_ids=sorted(changed), years=[year])
    return counts


def _lock_submissions(values: dict, year: int):
    """Lock the submissions of these schools, creating drafts for those the sheet gives values to.

    Refuses (ValidationError) when one was submitted or approved since the check.
    """
    with_data = {pk for pk, row in values.items() if any(v is not None for v in row.values())}
    for chunk in _chunks(sorted(values)):
        have = set(Submission.objects.filter(school_id__in=chunk, year=year).values_list("school_id", flat=True))
        Submission.objects.bulk_create(
            [Submission(school_id=pk, year=year) for pk in chunk if pk in with_data and pk not in have],
            ignore_conflicts=True,
        )
        rows = list(
            Submission.objects.select_for_update(of=("self",))  # not the joined schools
            .filter(school_id__in=chunk, year=year)
            .order_by("pk")
            .values_list("school__name", "status")
        )
        locked = [name for name, status in rows if status in LOCKED]
        if locked:
            raise ValidationError(ERR_LOCKED_SINCE.format(schools="、".join(locked[:10])))


def _school_years(values: dict, year: int, user) -> dict:
    """{school id: school-year id}, creating (audited) the annual records of schools that get a first value."""
    found = {}
    for chunk in _chunks(sorted(values)):
        found.update(SchoolYear.objects.filter(school_id__in=chunk, year=year).values_list("school_id", "pk"))
    missing = [
        SchoolYear(school_id=pk, year=year)
        for pk, row in values.items()
        if pk not in found and any(v is not None for v in row.values())
    ]
    if missing:
        bulk_create_with_history(
            missing, SchoolYear, batch_size=BATCH, default_user=user, custom_historical_attrs=HISTORY
        )
        for chunk in _chunks([sy.school_id for sy in missing]):
            found.update(SchoolYear.objects.filter(school_id__in=chunk, year=year).values_list("school_id", "pk"))
    return found


# Bulk writes in SQL. The ORM's bulk_update compiles a CASE over every row of a batch and
# bulk_create builds a model instance per audit row, which together cost seconds for the hundred
# thousand values of a city's sheet; executemany would cost a round trip per row on PostgreSQL.
# So each batch is one statement with a row of parameters per value, on SQLite and PostgreSQL alike.


def _update_values(rows: list, *, user_id, at):
    """Set new values by primary key: rows are (pk, school year, element, value)."""
    meta = DataValue._meta
    qn = connection.ops.quote_name
    table = qn(meta.db_table)
    value, by, updated = (qn(meta.get_field(name).column) for name in ("value", "updated_by", "updated_at"))
    at_db = meta.get_field("updated_at").get_db_prep_save(at, connection)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, size=BATCH):
            # VALUES names its columns column1, column2 on both backends (UPDATE ... FROM: SQLite ≥ 3.33).
            cursor.execute(
                f"UPDATE {table} SET {value} = v.column2, {by} = %s, {updated} = %s "
                f"FROM (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) AS v "
                f"WHERE {table}.{qn(meta.pk.column)} = v.column1",
                [user_id, at_db, *(p for pk, _sy, _element, v in chunk for p in (pk, _db_decimal(v)))],
            )


def _audit(kind: str, rows: list, *, user_id, at):
    """simple_history rows ("+" created, "~" changed, "-" deleted) for (pk, school year, element, value) rows.

    What bulk_history_create would write, with the user and channel "import" set: that function does
    not send pre_create_historical_record (schools.audit's hook) either.
    """
    meta = DataValue.history.model._meta
    names = ["id", "school_year", "element", "value", "history_date", "history_type", "history_user", "channel"]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(meta.get_field(name).column) for name in names)
    one = f"({', '.join(['%s'] * len(names))})"
    at_db = meta.get_field("history_date").get_db_prep_save(at, connection)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, size=BATCH):
            cursor.execute(
                f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES {', '.join([one] * len(chunk))}",
                [
                    p
                    for pk, sy, element, v in chunk
                    for p in (pk, sy, element, _db_decimal(v), at_db, kind, user_id, Channel.IMPORT.value)
                ],
            )


def _db_decimal(value: Decimal):
    return DataValue._meta.get_field("value").get_db_prep_save(value, connection)


# ---------------------------------------------------------------- jobs


def import_job_create(*, user, upload, year: int) -> ImportJob:
    """Save an uploaded workbook as a job and enqueue its import once the job row is committed."""
    from .tasks import import_run

    job = ImportJob(user=user, year=year, original_name=upload.name[:255])
    job.file.save(upload.name, upload, save=False)
    job.save()
    transaction.on_commit(lambda: import_run.delay(job.pk))
    return job


def import_job_run(*, job_id: int) -> str:
    """Run a pending job: read, check (reporting progress), then write all or nothing. Returns the final state.

    Only the run that moves the job from pending to running goes on, so a task delivered twice does
    nothing the second time. Progress is written with update() outside any transaction, so a page
    polling the job sees it while the check runs.
    """
    claimed = ImportJob.objects.filter(pk=job_id, state=ImportJob.State.PENDING).update(
        state=ImportJob.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return ImportJob.objects.filter(pk=job_id).values_list("state", flat=True).first() or ""
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    try:
        _run(job)
    except Exception:
        logger.exception("import job %s failed", job_id)
        _finish(job, ImportJob.State.FAILED, errors=[_general(ERR_INTERNAL)])
    return job.state


def _run(job: ImportJob):
    with job.file.open("rb") as f:
        data = f.read()
    try:
        sheet = excel.sheet_read(BytesIO(data))
    except excel.WorkbookError as exc:
        return _finish(job, ImportJob.State.FAILED, errors=[_general(exc.message)])
    if sheet.year is not None and sheet.year != job.year:
        message = ERR_YEAR_MISMATCH.format(file_year=sheet.year, year=job.year)
        return _finish(job, ImportJob.State.FAILED, errors=[_general(message)])
    ImportJob.objects.filter(pk=job.pk).update(total_rows=len(sheet.rows))
    job.total_rows = len(sheet.rows)

    def progress(done):
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

    try:
        checked = import_check(sheet=sheet, user=job.user, year=job.year, progress=progress)
    except excel.WorkbookError as exc:
        return _finish(job, ImportJob.State.FAILED, errors=[_general(exc.message)])
    job.processed_rows = len(sheet.rows)
    counts = {"rows": checked.rows, "locked_unchanged": checked.locked_unchanged}
    if not checked.ok:
        problems = [asdict(p) for p in checked.problems]
        if any(p["row"] for p in problems):
            marked = excel.workbook_mark(BytesIO(data), sheet_title=sheet.title, problems=problems)
            job.marked_file.save("marked.xlsx", ContentFile(marked), save=False)
        counts["problems"] = len(problems)
        return _finish(job, ImportJob.State.FAILED, errors=problems[:MAX_LISTED_PROBLEMS], counts=counts)
    try:
        counts.update(import_write(values=checked.values, year=job.year, user=job.user))
    except ValidationError as exc:
        return _finish(job, ImportJob.State.FAILED, errors=[_general(m) for m in exc.messages], counts=counts)
    return _finish(job, ImportJob.State.DONE, counts=counts)


def _finish(job: ImportJob, state: str, *, errors=None, counts=None):
    job.state = state
    job.errors = errors or []
    job.counts = counts or {}
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "errors", "counts", "marked_file", "total_rows", "processed_rows", "finished_at"])


def _general(message) -> dict:
    return asdict(Problem(None, "", "", "", str(message)))


# ---------------------------------------------------------------- helpers


def _cell(values: tuple, column):
    return values[column.index] if column.index < len(values) else None


def _chunks(items: list, size: int = CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unchanged(raw, was) -> bool:
    """Whether a cell as typed holds the stored value (None: none), read leniently: "1,500" is 1500."""
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "").replace("，", "") or None
    if raw is None or was is None:
        return raw is None and was is None
    try:
        return Decimal(str(raw)) == was
    except ArithmeticError:  # decimal.InvalidOperation: not a number, so not the stored number
        return False


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(a) == Decimal(b)
