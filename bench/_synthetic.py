"""A synthetic province for the benchmarks: a region tree, schools, years of data, the demo catalogue and plans.

The numbers come from the demo's generators (demo/services.py: `_grade`, `_designations`, `_values`), seeded
per school and year, so a scale always produces the same data. The big tables (school-years, their
designations, data values) are streamed into PostgreSQL with COPY a batch of townships at a time, so the
loader's memory stays flat whatever the scale; the small ones go through bulk_create.

Codes are well formed but fake: the province is 990000, which GB/T 2260 does not use.
"""

import io
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import connection

from demo import services as demo
from demo.plans_spec import BASELINE, END, PLANS, START
from plans.models import Plan
from schools.models import (
    DataElement,
    DataValue,
    Designation,
    KindergartenGrade,
    Ownership,
    Region,
    RegionDataValue,
    RegionLevel,
    School,
    SchoolType,
    SchoolYear,
)
from targets.models import Indicator, Target


@dataclass(frozen=True)
class Scale:
    cities: int
    counties: int
    townships: int
    schools: int


SCALES = {
    "district": Scale(cities=1, counties=1, townships=15, schools=300),
    "city": Scale(cities=1, counties=10, townships=150, schools=3_000),
    "province": Scale(cities=11, counties=90, townships=1_500, schools=30_000),
}
PROVINCE_CODE = "990000"
LAST_YEAR = END  # the demo plans run START..END, so their targets fall inside the synthetic years
BATCH_TOWNSHIPS = 50
COPY_TIMESTAMP = "2026-01-01 00:00:00+08"
NULL = "\\N"  # COPY's text format
ENROLMENT = ("kg_children_3_5", "kg_nursery_children")  # what the townships' population figures follow

# Besides one 市民学校 per township: roughly the mix of a Chinese province (幼儿园 about half the schools).
SCHOOL_MIX = {
    SchoolType.KINDERGARTEN: 52,
    SchoolType.PRIMARY: 22,
    SchoolType.JUNIOR: 10,
    SchoolType.NINE_YEAR: 3,
    SchoolType.SENIOR: 4,
    SchoolType.COMPLETE_MIDDLE: 1,
    SchoolType.VOCATIONAL: 2,
    SchoolType.MIGRANT: 2,
    SchoolType.SPECIAL: 1,
    SchoolType.TEACHING_POINT: 3,
}
MISSING_RATE = 0.025  # school-years with an annual record but no data at all
LATE_RATE = 0.06  # schools that have not reported the last year yet
LAGGING_RATE = 0.15  # townships that lag behind, as 春晓/梅山/郭巨 do in the demo
SYLLABLES = "安宁平和兴华新丰永泰长乐清源江山海阳明德嘉禾云溪石桥金城玉龙凤鸣青松柳湖桃花白沙东南西北"
G = KindergartenGrade


def log(message: str):
    print(message, file=sys.stderr, flush=True)


def years_ending(count: int) -> list[int]:
    return list(range(LAST_YEAR - count + 1, LAST_YEAR + 1))


def generate(*, scale: str, years: list[int], seed: int = 0) -> dict:
    """Fill an empty, migrated database with a synthetic hierarchy at this scale; returns row counts."""
    spec = SCALES[scale]
    rng = random.Random(f"{seed}-{scale}")
    started = time.perf_counter()
    demo._load_catalogue()
    root, counties, townships = _regions(spec, rng)
    lagging = {t.id for t in townships if rng.random() < LAGGING_RATE}
    log(f"  regions: {Region.objects.count()} ({time.perf_counter() - started:.1f}s)")
    schools = _schools(townships, lagging, spec.schools, rng)
    log(f"  schools: {len(schools)} ({time.perf_counter() - started:.1f}s)")
    enrolled = _school_years_and_values(schools, townships, years, started)
    _region_values(counties, townships, lagging, years, enrolled, rng)
    _plans(root)
    _finish()
    log(f"  loaded and analysed ({time.perf_counter() - started:.1f}s)")
    return {
        "regions": Region.objects.count(),
        "townships": len(townships),
        "schools": len(schools),
        "school_years": SchoolYear.objects.count(),
        "data_values": DataValue.objects.count(),
        "region_values": RegionDataValue.objects.count(),
        "indicators": Indicator.objects.count(),
        "targets": Target.objects.count(),
    }


# ---------------------------------------------------------------- regions and schools


def _regions(spec: Scale, rng) -> tuple[Region, list[Region], list[Region]]:
    """Province → cities → counties (区 01–20, 县 21–) → townships (街道 001–099, 镇 100–199)."""
    root = Region(code=PROVINCE_CODE, name="样例省", level=RegionLevel.PROVINCE, path=f"/{PROVINCE_CODE}/")
    root.save()  # save() sets the path; the bulk_create calls below set it by hand
    cities = _children(root, RegionLevel.CITY, spec.cities, rng, _city_code)
    per_city = _split(spec.counties, len(cities), rng)
    counties = []
    for city, n in zip(cities, per_city, strict=True):
        counties += _children(city, RegionLevel.COUNTY, n, rng, _county_code)
    per_county = _split(spec.townships, len(counties), rng)
    townships = []
    for county, n in zip(counties, per_county, strict=True):
        townships += _children(county, RegionLevel.TOWNSHIP, n, rng, _township_code)
    return root, counties, townships


def _children(parent, level, n, rng, code_of) -> list[Region]:
    rows = []
    for i in range(n):
        code = code_of(parent.code, i, n)
        name = "".join(rng.sample(SYLLABLES, 2)) + _suffix(level, code)
        rows.append(Region(code=code, name=name, level=level, parent=parent, path=f"{parent.path}{code}/"))
    return Region.objects.bulk_create(rows)


def _suffix(level, code) -> str:
    if level == RegionLevel.CITY:
        return "市"
    if level == RegionLevel.COUNTY:
        return "区" if code[-2:] <= "20" else "县"
    return "街道" if code[-3] == "0" else "镇"


def _city_code(province: str, i: int, n: int) -> str:
    return f"{province[:2]}{i + 1:02d}00"


def _county_code(city: str, i: int, n: int) -> str:
    districts = max(1, n * 2 // 5)
    return f"{city[:4]}{i + 1:02d}" if i < districts else f"{city[:4]}{21 + i - districts:02d}"


def _township_code(county: str, i: int, n: int) -> str:
    streets = max(1, n // 3)
    return f"{county}{i + 1:03d}" if i < streets else f"{county}{100 + i - streets + 1:03d}"


def _split(total: int, parts: int, rng, spread: float = 0.35) -> list[int]:
    """`total` split into `parts` positive integers that vary by about ±spread around the mean."""
    weights = [1 + rng.uniform(-spread, spread) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % parts] += 1
    return counts


def _schools(townships, lagging: set, total: int, rng) -> list[SimpleNamespace]:
    """Schools per township (one 市民学校, a 中心幼儿园, the rest drawn from SCHOOL_MIX) with their profiles."""
    kinds, weights = list(SCHOOL_MIX), list(SCHOOL_MIX.values())
    rows, profiles = [], []
    for township, n in zip(townships, _split(total, len(townships), rng), strict=True):
        drawn = [SchoolType.ADULT, SchoolType.KINDERGARTEN, *rng.choices(kinds, weights, k=n - 2)][:n]
        for i, kind in enumerate(drawn):
            center = i == 1
            ownership = _ownership(kind, center, rng)
            rows.append(
                School(
                    code=f"{township.code}{i + 1:03d}",
                    name=f"{township.name}{'中心' if center else f'第{i}'}{SchoolType(kind).label}",
                    region=township,
                    region_path=township.path,
                    school_type=kind,
                    ownership=ownership,
                    is_inclusive=kind == SchoolType.KINDERGARTEN
                    and ownership == Ownership.PRIVATE
                    and rng.random() < 0.7,
                )
            )
            profiles.append(_profile(kind, center, township.id in lagging, rng))
    created = School.objects.bulk_create(rows, batch_size=2000)
    return [
        SimpleNamespace(
            id=s.pk, code=s.code, school_type=s.school_type, ownership=s.ownership, township_id=s.region_id, profile=p
        )
        for s, p in zip(created, profiles, strict=True)
    ]


def _ownership(kind, center, rng) -> str:
    if kind == SchoolType.MIGRANT:
        return Ownership.PRIVATE
    if kind == SchoolType.KINDERGARTEN and not center:
        return Ownership.PUBLIC if rng.random() < 0.35 else Ownership.PRIVATE
    return Ownership.PUBLIC


def _profile(kind, center, lagging, rng) -> dict:
    """What demo.services._values and friends need about a school (the demo's _profile without its names)."""
    if center:
        grade = G.L2_STAR3 if lagging else G.L1
    else:
        ladder = [G.LICENSED, G.L3_STAR1, G.L3_STAR2, G.L2_STAR3, G.L1]
        grade = rng.choices(ladder, [35, 30, 25, 10, 0] if lagging else [6, 14, 25, 40, 15])[0]
    return {
        "lagging": lagging,
        "center": center,
        "grade": int(grade),
        "classes": rng.randint(9, 15) if center else rng.randint(4, 11),
        "upgrade_year": rng.choice([1, 2, 3, None, None]),
        "standard_year": 0 if rng.random() < (0.7 if lagging else 0.88) else rng.choice([1, 2, 3, 4]),
        "modern_year": 0 if rng.random() < (0.2 if lagging else 0.42) else rng.choice([2, 3, 4, 5]),
        "late": rng.random() < LATE_RATE,
        "networked_gap": kind == SchoolType.MIGRANT and rng.random() < 0.5,
    }


# ---------------------------------------------------------------- the big tables, by COPY


def _school_years_and_values(schools, townships, years, started) -> dict:
    """COPY school-years, their designations and data values; returns enrolled children per (township, year)."""
    school_elements = DataElement.objects.filter(level=DataElement.Level.SCHOOL)
    load = SimpleNamespace(
        first_year=years[0],
        element_ids={e.code: e.pk for e in school_elements},
        reported={kind: {e.code for e in school_elements if e.applies_to(kind)} for kind in SchoolType.values},
        designation_ids=dict(Designation.objects.values_list("code", "id")),
        enrolled=defaultdict(int),  # (township id, year, element code) -> children
        next_id=1 + (SchoolYear.objects.order_by("-id").values_list("id", flat=True).first() or 0),
        values_total=0,
    )
    by_township = defaultdict(list)
    for school in schools:
        by_township[school.township_id].append(school)
    for start in range(0, len(townships), BATCH_TOWNSHIPS):
        load.school_years, load.held, load.values = io.StringIO(), io.StringIO(), io.StringIO()
        for township in townships[start : start + BATCH_TOWNSHIPS]:
            for school in by_township[township.id]:
                for year in years:
                    _school_year(load, school, year)
        _copy(SchoolYear, ["id", "school_id", "year", "grade"], load.school_years)
        _copy(SchoolYear.designations.through, ["schoolyear_id", "designation_id"], load.held)
        _copy(DataValue, ["school_year_id", "element_id", "value", "updated_at"], load.values)
        done = min(start + BATCH_TOWNSHIPS, len(townships))
        elapsed = time.perf_counter() - started
        log(f"  townships {done}/{len(townships)}: {load.values_total} data values ({elapsed:.1f}s)")
    _sequence_reset(SchoolYear)
    return load.enrolled


def _school_year(load, school, year):
    """Write one school-year, its designations and its data values to the batch's COPY buffers."""
    sy_id = load.next_id
    load.next_id += 1
    t = year - load.first_year
    profile = school.profile
    kindergarten = school.school_type == SchoolType.KINDERGARTEN
    grade = demo._grade(profile, t) if kindergarten else None
    load.school_years.write(f"{sy_id}\t{school.id}\t{year}\t{NULL if grade is None else grade}\n")
    for code in demo._designations(school, profile, grade, t):
        load.held.write(f"{sy_id}\t{load.designation_ids[code]}\n")
    rng = random.Random(f"{school.code}-{year}")
    if rng.random() < MISSING_RATE or (year == LAST_YEAR and profile["late"]):
        return  # no data this year: missing, never zero
    built = kindergarten and t > 0 and rng.random() < 0.09  # the demo's "每年…7所左右" of 80 kindergartens
    reported = load.reported[school.school_type]
    for code, value in demo._values(school, profile, grade, t, rng, built).items():
        if code in reported:
            load.values.write(f"{sy_id}\t{load.element_ids[code]}\t{value}\t{COPY_TIMESTAMP}\n")
            load.values_total += 1
            if code in ENROLMENT:
                load.enrolled[(school.township_id, year, code)] += value


def _copy(model, columns, buffer: io.StringIO):
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer)


def _sequence_reset(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


# ---------------------------------------------------------------- region values, plans


def _region_values(counties, townships, lagging: set, years, enrolled, rng):
    """Township-entered population and spending (from the enrolment, as the demo does), county-entered funds."""
    ids = dict(DataElement.objects.filter(level=DataElement.Level.REGION).values_list("code", "id"))
    rows = io.StringIO()

    def add(region, code, year, value):
        rows.write(f"{region.id}\t{ids[code]}\t{year}\t{value}\t{COPY_TIMESTAMP}\n")

    for township in townships:
        lag = township.id in lagging
        for year in years:
            t = year - years[0]
            kids = enrolled.get((township.id, year, "kg_children_3_5"))
            if kids:
                add(township, "pop_3_5", year, round(kids / ((0.985 if lag else 0.996) + 0.0012 * t)))
            nursery = enrolled.get((township.id, year, "kg_nursery_children"))
            if nursery:
                add(township, "pop_2_3", year, round(nursery / ((0.5 if lag else 0.62) + 0.03 * t)))
            local = rng.randint(300, 1500)
            add(township, "local_children_0_3", year, local)
            add(township, "parents_trained_0_3", year, round(local * min(1, (0.86 if lag else 0.91) + 0.015 * t)))
            expense = rng.randint(3000, 9000)
            add(township, "township_education_expense", year, expense)
            add(township, "township_preschool_expense", year, round(expense * ((0.065 if lag else 0.079) + 0.003 * t)))
    for county in counties:
        size = rng.uniform(0.5, 2)
        for year in years:
            t = year - years[0]
            fiscal = round(180000 * size * 1.06**t)
            add(county, "fiscal_education", year, fiscal)
            add(county, "fiscal_preschool", year, round(fiscal * (0.072 + 0.004 * t)))
            add(county, "preschool_special_fund", year, round(1500 * size + 100 * t))
            add(county, "average_wage", year, round(rng.uniform(55000, 80000) * 1.05**t))
            add(county, "it_special_fund", year, round(900 * size + 50 * t))
            add(county, "teacher_dev_fund", year, round(260 * size + 40 * t))
    _copy(RegionDataValue, ["region_id", "element_id", "year", "value", "updated_at"], rows)


def _plans(root):
    """The demo's three plans, issued by the province, with their region-wide targets (so progress has work)."""
    indicators = dict(Indicator.objects.values_list("code", "id"))
    targets = []
    for spec in PLANS:
        plan = Plan.objects.create(
            code=f"bench-{spec['code']}",
            title=spec["title"],
            kind=spec["kind"],
            region=root,
            start_year=START,
            end_year=END,
            status=Plan.Status.PUBLISHED,
        )
        for rows in spec["targets"].values():
            for code, indicator, comparator, value, extra, years, regions, _note in rows:
                if regions:
                    continue  # split between the demo's named townships
                for year in years or [None]:
                    targets.append(
                        Target(
                            plan=plan,
                            code=code,
                            indicator_id=indicators[indicator],
                            region=root,
                            year=year,
                            comparator=comparator,
                            value=value,
                            value_max=extra if comparator == "range" else None,
                            tolerance=extra if comparator == "approx" else None,
                            baseline_year=BASELINE,
                        )
                    )
    Target.objects.bulk_create(targets)


def _finish():
    """VACUUM ANALYZE, as autovacuum would have by the time a nightly rollup runs on real data."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
