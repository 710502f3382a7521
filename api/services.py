"""Writes that come in through the API: tokens, a batch of schools' annual values, task progress reports.

A batch of values is checked whole before anything is written, as the Excel import does
(schools/imports.py): the scope, the submission locks and the same value rules as the form
(schools.validation). If any item is bad nothing is written and every problem is reported with the
item's index. Otherwise each school-year goes through schools.services.data_values_set in one
transaction, audited with channel "api"; the rollup is told on commit. Writing the same batch again
changes nothing (an upsert), and an item of a submitted or approved school-year is accepted only when it
changes nothing.
"""

import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plans.models import TaskUpdate
from schools.models import Channel, DataElement, DataValue, School, SchoolType, Submission
from schools.selectors import can_enter_data, schools_for
from schools.services import data_values_set
from schools.validation import active_rules, check_values, plain

from .models import ApiToken, token_digest

LOCKED = (Submission.Status.SUBMITTED, Submission.Status.APPROVED)
CHUNK = 500  # ids per IN (...): far below SQLite's parameter limit
MAX_VALUES_PER_ITEM = 500

ERR_UNKNOWN_SCHOOL = _("学校代码“{code}”不存在或不在您的管理范围内")
ERR_DUPLICATE_ITEM = _("与第 {index} 条重复（同一学校、同一年度）")
ERR_LOCKED = _("该校 {year} 年数据{status}，不能修改（原值：{was}）")
ERR_LOCKED_SINCE = _("检查后该校 {year} 年数据已{status}，请重新提交")
ERR_TOO_MANY_VALUES = _("每条最多 {max} 个统计项")
ERR_ITEMS_INVALID = _("有 {n} 处问题，未写入任何数据。")
BLANK = _("空")


# ---------------------------------------------------------------- tokens


@transaction.atomic
def token_create(*, user, name: str = "", read_only: bool = False) -> tuple[ApiToken, str]:
    """A new token for `user`: the stored row and the key itself, which is not kept and shown only now."""
    raw = secrets.token_hex(20)
    token = ApiToken(user=user, key=token_digest(raw), prefix=raw[:8], name=name, read_only=read_only)
    token.full_clean()
    token.save()
    return token, raw


def token_revoke(*, token: ApiToken) -> None:
    """Revoke (delete) a token: the next request that sends it gets 401."""
    token.delete()


# ---------------------------------------------------------------- annual values in bulk


@dataclass
class Problem:
    index: int
    field: str
    reason: str


@dataclass
class Item:
    """One checked item of a batch: what to write for a school and year ({code: Decimal or None})."""

    index: int
    school: School
    year: int
    values: dict
    locked_unchanged: bool = False


def data_values_check(*, user, items: list[tuple[int, dict]]) -> tuple[list[Item], list[Problem]]:
    """Check (index, {"school": code, "year", "values"}) items against scope, locks and value rules; writes nothing."""
    problems = []
    writable = schools_for(user) if can_enter_data(user) else School.objects.none()
    codes = sorted({item["school"] for _index, item in items})
    schools = {}
    for chunk in _chunks(codes):
        schools.update({s.code: s for s in writable.filter(code__in=chunk).only("pk", "code", "name", "school_type")})
    ids = sorted({s.pk for s in schools.values()})
    years = sorted({item["year"] for _index, item in items})
    locked, stored = {}, defaultdict(dict)
    for chunk in _chunks(ids):
        rows = Submission.objects.filter(school_id__in=chunk, year__in=years, status__in=LOCKED)
        locked.update({(s, y): status for s, y, status in rows.values_list("school_id", "year", "status")})
        values = DataValue.objects.filter(school_year__school_id__in=chunk, school_year__year__in=years)
        for s, y, code, value in values.values_list(
            "school_year__school_id", "school_year__year", "element__code", "value"
        ):
            stored[(s, y)][code] = value
    elements = list(DataElement.objects.filter(level=DataElement.Level.SCHOOL))
    applicable = {t: [e for e in elements if e.applies_to(t)] for t in SchoolType.values}
    rules = active_rules()
    seen, checked = {}, []

    for index, item in items:
        code, year, raw = item["school"], item["year"], dict(item["values"])
        school = schools.get(code)
        if school is None:
            problems.append(Problem(index, "school", str(ERR_UNKNOWN_SCHOOL.format(code=code))))
            continue
        if (school.pk, year) in seen:
            problems.append(Problem(index, "school", str(ERR_DUPLICATE_ITEM.format(index=seen[(school.pk, year)]))))
            continue
        seen[(school.pk, year)] = index
        if len(raw) > MAX_VALUES_PER_ITEM:
            problems.append(Problem(index, "values", str(ERR_TOO_MANY_VALUES.format(max=MAX_VALUES_PER_ITEM))))
            continue
        current = stored.get((school.pk, year), {})
        status = locked.get((school.pk, year))
        if status is not None:
            # Checked against what is stored, as the import does: resending approved values is fine.
            changed = [c for c, v in raw.items() if not _unchanged(v, current.get(c))]
            label = Submission.Status(status).label
            for element_code in changed:
                was = current.get(element_code)
                reason = ERR_LOCKED.format(year=year, status=label, was=BLANK if was is None else plain(was))
                problems.append(Problem(index, f"values.{element_code}", str(reason)))
            if not changed:
                checked.append(Item(index, school, year, {}, locked_unchanged=True))
            continue
        reported = applicable[school.school_type]
        reported_codes = {e.code for e in reported}
        # Rules see the school-year as it will be: the stored values, with this item's on top.
        rule_codes = {c for rule in rules if set(rule.elements) & set(raw) for c in rule.elements}
        full = {c: current[c] for c in rule_codes & reported_codes if c in current and c not in raw}
        result = check_values(reported, {**full, **raw}, rules=rules)
        for element_code, messages in result.errors.items():
            for message in messages:
                problems.append(Problem(index, f"values.{element_code}", str(message)))
        if result.ok:
            checked.append(Item(index, school, year, {c: result.values[c] for c in raw}))
    problems.sort(key=lambda p: p.index)
    return checked, problems


@transaction.atomic
def data_values_write(*, items: list[Item], user) -> list[dict]:
    """Write checked items, each school-year through data_values_set (channel "api"), all or nothing.

    The items' submissions are locked first, in a fixed order, the lock the form and the import take; one
    submitted or approved since the check stops the whole batch (ValidationError). Returns the counts per item.
    """
    results = []
    to_write = [item for item in items if not item.locked_unchanged]
    _lock_submissions(to_write)
    for item in items:
        counts = {"created": 0, "updated": 0, "deleted": 0}
        if not item.locked_unchanged:
            counts = data_values_set(school=item.school, year=item.year, values=item.values, user=user, via=Channel.API)
        results.append({"index": item.index, "school": item.school.code, "year": item.year, **counts})
    return results


def _lock_submissions(items: list[Item]):
    """Lock (creating drafts where an item brings values) the submissions of these school-years, in pk order."""
    by_year = defaultdict(list)
    for item in items:
        by_year[item.year].append(item)
    for year, group in sorted(by_year.items()):
        ids = sorted({item.school.pk for item in group})
        with_data = {item.school.pk for item in group if any(v is not None for v in item.values.values())}
        for chunk in _chunks(ids):
            Submission.objects.bulk_create(
                [Submission(school_id=pk, year=year) for pk in chunk if pk in with_data], ignore_conflicts=True
            )
            rows = (
                Submission.objects.select_for_update(of=("self",))  # not the joined schools
                .filter(school_id__in=chunk, year=year)
                .order_by("pk")
                .values_list("school__name", "status")
            )
            locked = [(name, status) for name, status in rows if status in LOCKED]
            if locked:
                name, status = locked[0]
                message = ERR_LOCKED_SINCE.format(year=year, status=Submission.Status(status).label)
                raise ValidationError({"items": [f"{name}：{message}"]})


def _unchanged(raw, was) -> bool:
    """Whether a value as sent equals the stored one (None: no value); "1,500" and 1500 both read as 1500."""
    if isinstance(raw, str):
        raw = raw.strip().replace(",", "").replace("，", "") or None
    if raw is None or was is None:
        return raw is None and was is None
    if isinstance(raw, bool):
        return False
    try:
        return Decimal(str(raw)) == was
    except (InvalidOperation, ValueError):
        return False


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------- task progress


@transaction.atomic
def task_update_create(*, task, user, date, status: str, progress: int, note: str) -> TaskUpdate:
    """Record a progress report on a task; the task's status and progress follow its latest report."""
    update = TaskUpdate(task=task, author=user, date=date or timezone.localdate(), status=status, progress=progress)
    update.note = note
    update.full_clean()
    update.save()
    latest = task.updates.order_by("-date", "-pk").first()
    if latest.pk == update.pk:
        task.status, task.progress = status, progress
        task.full_clean()
        task.save(update_fields=["status", "progress"])
    return update
