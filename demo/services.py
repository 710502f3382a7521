"""Load the demo: 北仑区 with its real townships, ~140 schools, four years of data, three real plans.

Everything is keyed on natural keys and written with get-or-create / upsert, and every random
number comes from a generator seeded by what it describes, so loading twice changes nothing.
"""

import json
import random
import re
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from plans.models import AssignmentRole, Plan, Section, Task, TaskAssignment
from schools.models import (
    DataElement,
    DataValue,
    Department,
    Designation,
    KindergartenGrade,
    Ownership,
    Region,
    RegionDataValue,
    Role,
    School,
    SchoolType,
    SchoolYear,
    Submission,
    UserScope,
    ValidationRule,
)
from schools.services import regions_import
from targets.definitions import validate_definition
from targets.models import Indicator, Target

from . import catalogue
from .plans_spec import BASELINE, DEPARTMENTS, END, EVERY_TOWNSHIP, PLANS, START, YEARS

DISTRICT_CODE = "330206"  # 浙江省宁波市北仑区: the district the preschool plan describes
DATA_YEARS = [BASELINE, *YEARS]
CLERK_SCHOOL = "新碶中心幼儿园"  # the demo clerk's school
DEMO_PASSWORD = "demo12345"
PLAN_TEXT_FILE = "000_8939baa4fd789849.txt"
TARGETS_FILE = "000_targets.json"
G = KindergartenGrade

# Kindergartens per township (80 in all, as the plan's "园所总数控制在80所左右").
# The last three lag behind on purpose so that the dashboards show townships missing targets.
KINDERGARTENS = {
    "新碶街道": 16,
    "大碶街道": 13,
    "小港街道": 10,
    "霞浦街道": 6,
    "柴桥街道": 8,
    "戚家山街道": 5,
    "大榭街道": 4,
    "白峰街道": 5,
    "春晓街道": 5,
    "梅山街道": 4,
    "郭巨街道": 4,
}
LAGGARDS = {"春晓街道", "梅山街道", "郭巨街道"}
KG_NAMES = [
    "实验",
    "明珠",
    "星光",
    "蓝天",
    "阳光",
    "红星",
    "青藤",
    "童心",
    "启明",
    "海韵",
    "晨曦",
    "小太阳",
    "育苗",
    "春苗",
    "金色摇篮",
    "绿洲",
]
OTHER_SCHOOLS = [
    # (name, type, township, ownership)
    ("北仑中学", "senior", "新碶街道", "public"),
    ("柴桥中学", "senior", "柴桥街道", "public"),
    ("泰河中学", "senior", "大碶街道", "public"),
    ("明港中学", "senior", "新碶街道", "public"),
    ("北仑区职业高级中学", "vocational", "大碶街道", "public"),
    ("北仑区特殊教育学校", "special", "新碶街道", "public"),
    ("实验中学", "junior", "新碶街道", "public"),
    ("岚山学校", "nine_year", "大碶街道", "public"),
    ("长江学校", "migrant", "新碶街道", "private"),
    ("育英学校", "migrant", "大碶街道", "private"),
    ("星海学校", "migrant", "小港街道", "private"),
    ("春蕾学校", "migrant", "柴桥街道", "private"),
]
PRIMARY_PER_TOWNSHIP = {"新碶街道": 5, "大碶街道": 4, "小港街道": 3, "霞浦街道": 2, "柴桥街道": 3}
JUNIOR_PER_TOWNSHIP = {
    "新碶街道": 2,
    "大碶街道": 2,
    "小港街道": 1,
    "柴桥街道": 1,
    "霞浦街道": 1,
    "春晓街道": 1,
    "白峰街道": 1,
    "戚家山街道": 1,
}

DEMO_USERS = [
    # (username, full name, role, township name or None for the district, is_superuser)
    ("admin", "系统管理员", Role.ADMIN, None, True),
    ("district", "区教育局业务人员", Role.STAFF, None, False),
    ("township", "新碶街道教育办业务人员", Role.STAFF, "新碶街道", False),
    ("clerk", "新碶街道中心幼儿园填报员", Role.CLERK, "新碶街道", False),
    ("official", "区教育局领导", Role.OFFICIAL, None, False),
]


@transaction.atomic
def demo_load(*, with_users: bool = True) -> dict:
    """Load (or refresh) the whole demo; returns counts of what exists afterwards."""
    regions_import(provinces=["33"], with_townships_of=[DISTRICT_CODE])
    district = Region.objects.get(code=DISTRICT_CODE)
    townships = {r.name: r for r in Region.objects.subtree(district).townships()}
    _load_catalogue()
    departments = _load_departments(district)
    schools = _load_schools(townships)
    _load_school_years_and_values(schools)
    _load_region_values(district, townships)
    for spec in PLANS:
        _load_plan(spec, district, townships, departments)
    if with_users:
        _load_users(district, townships, schools)
    return {
        "regions": Region.objects.count(),
        "schools": School.objects.count(),
        "data_values": DataValue.objects.count(),
        "region_values": RegionDataValue.objects.count(),
        "plans": Plan.objects.count(),
        "indicators": Indicator.objects.count(),
        "targets": Target.objects.count(),
        "tasks": Task.objects.count(),
    }


def _load_catalogue():
    for i, (code, name, name_en, group, unit, types, lo, hi, help_text) in enumerate(catalogue.SCHOOL_ELEMENTS):
        _upsert(
            DataElement,
            {"code": code},
            name=name,
            name_en=name_en,
            group=group,
            unit=unit,
            school_types=types,
            min_value=Decimal(lo),
            max_value=Decimal(hi),
            help_text=help_text,
            sort_order=i,
            level=DataElement.Level.SCHOOL,
            value_type=DataElement.ValueType.INTEGER,
        )
    for i, (code, name, name_en, group, unit, help_text) in enumerate(catalogue.REGION_ELEMENTS):
        _upsert(
            DataElement,
            {"code": code},
            name=name,
            name_en=name_en,
            group=group,
            unit=unit,
            help_text=help_text,
            sort_order=i,
            level=DataElement.Level.REGION,
            value_type=DataElement.ValueType.DECIMAL,
            min_value=Decimal(0),
            school_types=[],
        )
    for code, name, name_en in catalogue.DESIGNATIONS:
        _upsert(Designation, {"code": code}, name=name, name_en=name_en)
    for code, (message, left, op, right) in catalogue.VALIDATION_RULES.items():
        _upsert(ValidationRule, {"code": code}, message=message, left=left, op=op, right=right, active=True)
    for code, (name, name_en, kind, unit, direction, decimals, definition, description) in catalogue.INDICATORS.items():
        _upsert(
            Indicator,
            {"code": code},
            name=name,
            name_en=name_en,
            kind=kind,
            unit=unit,
            direction=direction,
            decimals=decimals,
            definition=validate_definition(definition),
            description=description,
        )


def _load_departments(district):
    return {name: _upsert(Department, {"region": district, "name": name}, kind=kind) for name, kind in DEPARTMENTS}


def _load_schools(townships) -> list[School]:
    rows = []  # (code, name, type, township, ownership, inclusive)
    for township_name, n in KINDERGARTENS.items():
        township = townships[township_name]
        short = township_name.removesuffix("街道")
        for i in range(n):
            if i == 0:
                name, ownership = f"{short}中心幼儿园", "public"
            else:
                name = f"{short}{KG_NAMES[i - 1]}幼儿园"
                ownership = "public" if i % 3 == 1 else "private"
            rows.append(
                (f"{township.code}K{i + 1:02d}", name, "kindergarten", township, ownership, ownership == "private")
            )
        rows.append((f"{township.code}A01", f"{short}市民学校", "adult", township, "public", False))
        for i in range(PRIMARY_PER_TOWNSHIP.get(township_name, 1)):
            suffix = "中心小学" if i == 0 else f"第{'一二三四五六'[i - 1]}小学"
            rows.append((f"{township.code}P{i + 1:02d}", f"{short}{suffix}", "primary", township, "public", False))
        for i in range(JUNIOR_PER_TOWNSHIP.get(township_name, 0)):
            suffix = "中学" if i == 0 else "第二中学"
            rows.append((f"{township.code}J{i + 1:02d}", f"{short}{suffix}", "junior", township, "public", False))
    for i, (name, kind, township_name, ownership) in enumerate(OTHER_SCHOOLS):
        township = townships[township_name]
        rows.append((f"{township.code}S{i + 1:02d}", name, kind, township, ownership, False))
    schools = []
    for code, name, kind, township, ownership, inclusive in rows:
        school = _upsert(
            School,
            {"code": code},
            name=name,
            region=township,
            school_type=kind,
            ownership=ownership,
            is_inclusive=inclusive,
            is_active=True,
        )
        schools.append(school)
    return schools


def _load_school_years_and_values(schools):
    elements = {e.code: e for e in DataElement.objects.filter(level=DataElement.Level.SCHOOL)}
    designations = {d.code: d for d in Designation.objects.all()}
    values = []
    # Seven standardisation projects a year, spread over kindergartens (the plan's "每年…7所左右").
    kindergartens = [s for s in schools if s.school_type == SchoolType.KINDERGARTEN]
    projects = {
        year: set(s.code for s in random.Random(f"projects-{year}").sample(kindergartens, 7 + (year == END)))
        for year in YEARS
    }
    for school in schools:
        profile = _profile(school)
        for year in DATA_YEARS:
            t = year - BASELINE
            rng = random.Random(f"{school.code}-{year}")
            grade = _grade(profile, t) if school.school_type == SchoolType.KINDERGARTEN else None
            school_year = _upsert(SchoolYear, {"school": school, "year": year}, grade=grade)
            held = _designations(school, profile, grade, t)
            school_year.designations.set([designations[c] for c in held])
            if year == END and profile["late_2026"]:
                _upsert(Submission, {"school": school, "year": year}, status=Submission.Status.DRAFT, comment="")
                continue  # has not reported this year yet: no data, never zero
            _upsert(Submission, {"school": school, "year": year}, status=_submission_status(school, year), comment="")
            for code, value in _values(school, profile, grade, t, rng, school.code in projects.get(year, ())).items():
                if elements[code].applies_to(school.school_type):
                    values.append(DataValue(school_year=school_year, element=elements[code], value=Decimal(value)))
    DataValue.objects.bulk_create(
        values,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["school_year", "element"],
        update_fields=["value"],
    )


def _submission_status(school, year) -> str:
    """Past years are approved; this year most schools have submitted, some are still in draft.

    The demo clerk's kindergarten is left in draft so that the clerk has a form to fill in.
    """
    if year < END:
        return Submission.Status.APPROVED
    if school.name == CLERK_SCHOOL or random.Random(f"submission-{school.code}").random() < 0.25:
        return Submission.Status.DRAFT
    return Submission.Status.SUBMITTED


def _profile(school) -> dict:
    rng = random.Random(school.code)
    township = school.region.name
    lagging = township in LAGGARDS
    center = school.name.endswith("中心幼儿园")
    if center:
        grade = G.L2_STAR3 if lagging else G.L1
    else:
        ladder = [G.LICENSED, G.L3_STAR1, G.L3_STAR2, G.L2_STAR3, G.L1]
        weights = [35, 30, 25, 10, 0] if lagging else [6, 14, 25, 40, 15]
        grade = rng.choices(ladder, weights)[0]
    return {
        "lagging": lagging,
        "center": center,
        "grade": int(grade),
        "classes": rng.randint(9, 15) if center else rng.randint(4, 11),
        "upgrade_year": rng.choice([1, 2, 3, None, None]),
        "standard_year": 0 if rng.random() < (0.7 if lagging else 0.88) else rng.choice([1, 2, 3, 4]),
        "modern_year": 0 if rng.random() < (0.2 if lagging else 0.42) else rng.choice([2, 3, 4, 5]),
        "late_2026": rng.random() < 0.06,
        "networked_gap": school.school_type == SchoolType.MIGRANT and rng.random() < 0.5,
    }


def _grade(profile, t) -> int:
    ladder = [int(g) for g in G.values if g > 0]
    grade = profile["grade"]
    if profile["upgrade_year"] is not None and t >= profile["upgrade_year"] and grade < G.L1:
        grade = ladder[ladder.index(grade) + 1]
    return grade


def _designations(school, profile, grade, t) -> list[str]:
    held = []
    if school.school_type == SchoolType.KINDERGARTEN:
        if t >= profile["standard_year"]:
            held.append("prov_standard")
        if t >= profile["modern_year"]:
            held.append("city_modern")
        if grade >= G.L3_STAR1 and (not profile["lagging"] or t >= 2 or profile["center"]):
            held.append("safe_kindergarten")
        if profile["center"]:
            held.append("center_kindergarten")
    elif school.school_type != SchoolType.ADULT:
        rng = random.Random(f"digital-{school.code}")
        if rng.random() < 0.2 + 0.15 * t:
            held.append("digital_campus_excellent")
    return held


def _values(school, profile, grade, t, rng, built_this_year) -> dict:
    """Plausible, internally consistent numbers for one school and year."""
    classes = profile["classes"] + (1 if t >= 2 and not profile["lagging"] else 0)
    lag = 0.08 if profile["lagging"] else 0.0
    v = {"classes": classes, "classrooms": classes}
    v["computers_teacher"] = 0
    if school.school_type == SchoolType.KINDERGARTEN:
        children = classes * rng.randint(26, 31)
        nursery = rng.randint(0, 1) * rng.randint(12, 22)
        teachers = classes * 2
        staff = teachers + classes + rng.randint(1, 3)
        est = round(teachers * min(0.95, (0.26 if school.ownership == Ownership.PUBLIC else 0.12) + 0.04 * t - lag))
        est = max(est, 0)
        per_pupil = {G.LICENSED: 100, G.L3_STAR1: 150, G.L3_STAR2: 250, G.L2_STAR3: 350, G.L1: 420}[grade]
        selfhired = teachers - est
        wage = 68000 * 1.05**t
        v.update(
            kg_children=children + nursery,
            kg_children_3_5=children,
            kg_nursery_children=nursery,
            kg_staff=staff,
            kg_staff_certified=min(staff, round(staff * (0.9 + 0.03 * t - lag / 2))),
            teachers=teachers,
            teachers_establishment=est,
            teachers_qualified=min(teachers, round(teachers * (0.96 + 0.012 * t))),
            teachers_college=round(teachers * min(1, 0.66 + 0.04 * t - lag)),
            teachers_titled=round(teachers * min(1, 0.42 + 0.04 * t - lag)),
            teachers_u45=round(teachers * 0.8),
            teachers_u45_degree_ok=round(teachers * 0.8 * min(1, 0.93 + 0.02 * t)),
            teachers_dual_cert=round(teachers * min(1, 0.55 + 0.06 * t)),
            teachers_backbone=(1 if profile["center"] else 0)
            + (1 if grade >= G.L2_STAR3 and rng.random() < 0.25 else 0),
            teachers_senior_title=rng.randint(0, 1),
            teachers_postgrad=0,
            selfhired_teachers=selfhired,
            selfhired_income=round(selfhired * wage * (0.94 + 0.03 * t - lag) * rng.uniform(0.97, 1.03)),
            new_hires=rng.randint(0, 2),
            new_hires_master=0,
            new_hires_establishment=rng.choice([0, 0, 1, 1, 1]),
            public_funds=round((children + nursery) * per_pupil * rng.uniform(0.97, 1.12) * (1 + 0.03 * t)),
            std_projects=1 if built_this_year else 0,
            classrooms_whiteboard=round(classes * min(1, (0.35 if profile["center"] else 0.2) + 0.1 * t)),
            classrooms_multimedia=round(classes * min(1, 0.75 + 0.08 * t)),
            classrooms_networked=classes,
            computers_teacher=round(teachers * min(1.1, 0.7 + 0.1 * t)),
            has_wifi=int(rng.random() < 0.5 + 0.1 * t),
            has_remote=int(rng.random() < 0.2 + 0.1 * t),
            has_website=int(rng.random() < 0.45 + 0.1 * t - lag),
            books_added=round((children + nursery) * rng.uniform(1.5, 2.5)),
        )
        return v
    if school.school_type == SchoolType.ADULT:
        v.update(
            students=rng.randint(80, 300),
            teachers=0,
            function_rooms=2,
            function_rooms_multimedia=int(t >= 2),
            computers_student=rng.randint(10, 30),
            computers_teacher=rng.randint(2, 6),
            computer_rooms=1,
            reading_rooms=1,
            classrooms_whiteboard=round(classes * min(1, 0.5 + 0.15 * t)),
            classrooms_multimedia=classes,
            classrooms_networked=classes,
            has_wifi=int(rng.random() < 0.4 + 0.1 * t),
            has_remote=int(rng.random() < 0.3 + 0.1 * t),
            has_website=int(rng.random() < 0.3 + 0.08 * t),
            books_added=rng.randint(100, 400),
            public_funds=rng.randint(100000, 300000),
        )
        return v
    per_class = {
        "senior": 45,
        "vocational": 40,
        "junior": 44,
        "primary": 42,
        "migrant": 45,
        "special": 10,
        "nine_year": 43,
        "complete_middle": 45,
        "teaching_point": 20,
    }[school.school_type]
    classes = {"senior": 36, "vocational": 40, "junior": 24, "nine_year": 36, "special": 10, "migrant": 18}.get(
        school.school_type, rng.randint(12, 30)
    )
    classes += 1 if t >= 2 else 0
    students = classes * rng.randint(per_class - 3, per_class)
    teachers = round(classes * (2.9 if school.school_type in ("senior", "vocational") else 2.3))
    migrant = school.school_type == SchoolType.MIGRANT
    students_per_pc = (9.0 - 0.7 * t) if migrant else (6.4 - 0.45 * t)
    teachers_per_pc = (4.0 - 0.35 * t) if migrant else (1.35 - 0.12 * t)
    secondary = school.school_type in catalogue.SECONDARY
    networked = classes - (2 if profile["networked_gap"] and t < 3 else 0)
    v.update(
        classes=classes,
        classrooms=classes,
        students=students,
        teachers=teachers,
        teachers_establishment=0 if migrant else round(teachers * 0.92),
        teachers_qualified=round(teachers * min(1, 0.97 + 0.01 * t)),
        teachers_college=round(teachers * 0.98),
        teachers_postgrad=round(teachers * (0.05 + 0.015 * t + rng.uniform(0, 0.02)) * (1.6 if secondary else 0.4)),
        teachers_titled=round(teachers * 0.85),
        teachers_u45=round(teachers * 0.7),
        teachers_u45_degree_ok=round(teachers * 0.7 * min(1, 0.95 + 0.015 * t)),
        teachers_backbone=round(teachers * (0.07 + 0.01 * t)),
        teachers_senior_title=round(teachers * 0.04) if not secondary else 0,
        teachers_city_famous=int(rng.random() < 0.15 + 0.05 * t),
        teachers_city_backbone=round(teachers * 0.03 * (1 + 0.1 * t)),
        teachers_special_grade=int(secondary and rng.random() < 0.25),
        new_hires=rng.randint(1, 4) if not migrant else 0,
        new_hires_master=int(rng.random() < 0.3 + (0.3 if secondary else 0)),
        new_hires_establishment=0,
        computers_student=round(students / students_per_pc),
        computers_teacher=round(teachers / teachers_per_pc),
        computer_rooms=0 if (migrant and profile["networked_gap"] and t < 2) else (1 if migrant else 2),
        reading_rooms=1,
        labs=3 if secondary else 1,
        function_rooms=8,
        function_rooms_multimedia=round(8 * min(1, 0.3 + 0.07 * t)),
        classrooms_whiteboard=round(classes * min(1, 0.7 + 0.09 * t)),
        classrooms_multimedia=round(classes * min(1, (0.7 if migrant else 0.9) + 0.08 * t)),
        classrooms_networked=networked,
        has_wifi=int(rng.random() < 0.42 + 0.08 * t),
        has_remote=int(rng.random() < 0.42 + 0.07 * t),
        has_website=int(not migrant or rng.random() < 0.6 + 0.15 * t),
        library_digital=int(rng.random() < 0.6 + 0.1 * t),
        books_added=round(students * rng.uniform(2.6, 3.6) if secondary else students * rng.uniform(1.7, 2.6)),
        public_funds=round(students * rng.uniform(900, 1200)),
    )
    if school.school_type == SchoolType.VOCATIONAL:
        v["teachers_dual_qualified"] = round(teachers * (0.55 + 0.05 * t))
    return v


def _load_region_values(district, townships):
    elements = {e.code: e for e in DataElement.objects.filter(level=DataElement.Level.REGION)}
    # Enrolled children per township and year, to derive a plausible resident population.
    enrolled = {}
    for township, code, year, value in DataValue.objects.filter(
        element__code__in=["kg_children_3_5", "kg_nursery_children"]
    ).values_list("school_year__school__region__name", "element__code", "school_year__year", "value"):
        enrolled[(township, code, year)] = enrolled.get((township, code, year), 0) + float(value)
    rows = []  # (region, element code, year, value)
    for name, township in townships.items():
        lag = name in LAGGARDS
        for year in DATA_YEARS:
            t = year - BASELINE
            rng = random.Random(f"region-{township.code}-{year}")
            kids = enrolled.get((name, "kg_children_3_5", year))
            if kids:
                # Enrolment around 98.6–100.3%: several townships stay under the 99.9% target.
                rate = (0.985 if lag else 0.996) + 0.0012 * t + rng.uniform(-0.001, 0.003)
                rows.append((township, "pop_3_5", year, round(kids / rate)))
            nursery = enrolled.get((name, "kg_nursery_children", year))
            if nursery:
                rows.append((township, "pop_2_3", year, round(nursery / ((0.5 if lag else 0.62) + 0.03 * t))))
            local = rng.randint(600, 1500) if name in KINDERGARTENS else rng.randint(300, 900)
            rows.append((township, "local_children_0_3", year, local))
            rows.append(
                (township, "parents_trained_0_3", year, round(local * min(1, (0.86 if lag else 0.91) + 0.015 * t)))
            )
            expense = rng.randint(3000, 9000)
            rows.append((township, "township_education_expense", year, expense))
            share = (0.065 if lag else 0.079) + 0.003 * t
            rows.append((township, "township_preschool_expense", year, round(expense * share, 1)))
    for year in DATA_YEARS:
        t = year - BASELINE
        fiscal = 180000 * 1.06**t
        rows += [
            (district, "fiscal_education", year, round(fiscal)),
            (district, "fiscal_preschool", year, round(fiscal * (0.072 + 0.004 * t))),
            (district, "preschool_special_fund", year, 1500 if year == BASELINE else 2000 + 100 * (year - START)),
            (district, "average_wage", year, round(68000 * 1.05**t)),
            (district, "it_special_fund", year, 900 if year == BASELINE else 1000 + 50 * (year - START)),
            (district, "teacher_dev_fund", year, {BASELINE: 260, START: 300, START + 1: 350, START + 2: 350}[year]),
        ]
    RegionDataValue.objects.bulk_create(
        [RegionDataValue(region=r, element=elements[c], year=y, value=Decimal(str(v))) for r, c, y, v in rows],
        update_conflicts=True,
        unique_fields=["region", "element", "year"],
        update_fields=["value"],
    )


def _load_plan(spec, district, townships, departments):
    lines = (settings.PLANS_SOURCE_DIR / PLAN_TEXT_FILE).read_text(encoding="utf-8").splitlines()
    first, last = spec["lines"]
    text_lines = lines[first - 1 : last]
    plan = _upsert(
        Plan,
        {"code": spec["code"]},
        title=spec["title"],
        kind=spec["kind"],
        region=district,
        start_year=START,
        end_year=END,
        status=Plan.Status.PUBLISHED,
        summary=spec["summary"],
        source_text="\n".join(line.strip() for line in text_lines if line.strip()),
        source_note=(
            f"原文：data/plans/{PLAN_TEXT_FILE} {spec['subplan']}（第 {first}–{last} 行）。原文年份已匿名（2xxxx），"
            f"演示数据取 {START}–{END} 年为计划期、{BASELINE} 年为基线年。"
        ),
    )
    sections, tasks = _parse_plan_text(text_lines, global_numbers=bool(spec["tasks"]))
    section_objs = {}
    for position, (number, title, kind, parent_key, body) in enumerate(sections):
        section_objs[(number, title)] = _upsert(
            Section,
            {"plan": plan, "position": position},
            number=number,
            title=title,
            kind=kind,
            text=body,
            parent=section_objs.get(parent_key),
        )
    Section.objects.filter(plan=plan, position__gte=len(sections)).delete()
    for position, (number, title, body, section_key) in enumerate(tasks):
        recurrence, deadline_year, leads, cooperating, responsible = spec["tasks"].get(
            int(number) if number.isdigit() else None, ("none", None, [], [], [])
        )
        task = _upsert(
            Task,
            {"plan": plan, "number": number},
            title=title,
            text=body,
            section=section_objs.get(section_key),
            recurrence=recurrence,
            deadline=f"{deadline_year}-12-31" if deadline_year else None,
            position=position,
        )
        for role, units in (
            (AssignmentRole.LEAD, leads),
            (AssignmentRole.COOPERATING, cooperating),
            (AssignmentRole.RESPONSIBLE, responsible),
        ):
            for unit in units:
                if unit == EVERY_TOWNSHIP:
                    task_assign_every_township(task=task, parent=district, role=role)
                else:
                    TaskAssignment.objects.get_or_create(task=task, role=role, department=departments[unit])
    quotes = {t["id"]: t for t in json.loads((settings.PLANS_SOURCE_DIR / TARGETS_FILE).read_text(encoding="utf-8"))}
    indicators = {i.code: i for i in Indicator.objects.all()}
    for section_title, rows in spec["targets"].items():
        section = next(s for (n, title), s in section_objs.items() if section_title in title)
        for tid, indicator, comparator, value, extra, years, regions, note in rows:
            source = quotes[tid]
            for region in [townships[name] for name in regions] if regions else [district]:
                for year in years or [None]:
                    _upsert(
                        Target,
                        {"plan": plan, "code": tid, "region": region, "year": year},
                        indicator=indicators[indicator],
                        section=section,
                        comparator=comparator,
                        value=_dec(value),
                        value_max=_dec(extra) if comparator == "range" else None,
                        tolerance=_dec(extra) if comparator == "approx" else None,
                        baseline_year=BASELINE,
                        quote=source["quote"],
                        source_line=source["line"],
                        note=note,
                    )


HEADER_MAJOR = re.compile(r"^([一二三四五六七八九十]+、)(.+)$")
HEADER_MINOR = re.compile(r"^(\([一二三四五六七八九十]+\))(.+)$")
GOAL_BULLET = re.compile(r"^--(.+?)。(.*)$")
ITEM = re.compile(r"^(\d+)\.\s*(.+)$")
ANNEX = re.compile(r"^附件[:：](.+)$")


def _parse_plan_text(lines, *, global_numbers: bool):
    """Split a plan's text into sections (一、/(一)/--goal/附件) and numbered tasks (1.)."""
    sections, tasks = [], []
    major = minor = None
    current_task = None
    for raw in lines:
        line = raw.strip().replace(",", "，")
        if not line:
            continue
        if m := HEADER_MAJOR.match(line):
            title = m.group(2)
            major, minor, current_task = (m.group(1), title), None, None
            sections.append((m.group(1), title, _section_kind(title), None, ""))
        elif m := ANNEX.match(line):
            major, minor, current_task = ("附件", m.group(1)), None, None
            sections.append(("附件", m.group(1), "annex", None, ""))
        elif m := HEADER_MINOR.match(line):
            minor, current_task = (m.group(1), m.group(2)), None
            sections.append((m.group(1), m.group(2), _section_kind(major[1]) if major else "other", major, ""))
        elif (m := GOAL_BULLET.match(line)) and major:
            sections.append(("", m.group(1), "goal", major, m.group(2)))
        elif (m := ITEM.match(line)) and major and major[0] != "一、":
            number = m.group(1) if global_numbers else f"{major[0].rstrip('、')}{minor[0] if minor else ''}{m.group(1)}"
            body = m.group(2)
            title = re.split(r"[。:：]", body, maxsplit=1)[0][:60]
            current_task = [number, title, body, minor or major]
            tasks.append(current_task)
        elif current_task is not None:
            current_task[2] += "\n" + line
        elif sections:
            number, title, kind, parent, body = sections[-1]
            sections[-1] = (number, title, kind, parent, (body + "\n" + line).strip())
    return sections, [tuple(t) for t in tasks]


def _section_kind(title):
    for words, kind in (
        ("指导思想", "preamble"),
        ("目标", "goal"),
        ("任务", "tasks"),
        ("工程", "tasks"),
        ("保障", "measures"),
        ("措施", "measures"),
        ("组织", "measures"),
    ):
        if words in title:
            return kind
    return "other"


def task_assign_every_township(*, task, parent, role):
    """Fan an assignment to "各街道、乡镇" out to one row per township under `parent`."""
    for township in Region.objects.subtree(parent).townships():
        TaskAssignment.objects.get_or_create(
            task=task, role=role, region=township, defaults={"fanned_out_from": parent}
        )


def _load_users(district, townships, schools):
    User = get_user_model()
    clerk_school = next(s for s in schools if s.name == CLERK_SCHOOL)
    for username, full_name, role, township, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": full_name, "is_staff": superuser, "is_superuser": superuser}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        if role == Role.CLERK:
            unit = {"school": clerk_school, "region": None}
        elif role == Role.ADMIN:
            unit = {"school": None, "region": None}
        else:
            unit = {"school": None, "region": townships[township] if township else district}
        _upsert(UserScope, {"user": user}, role=role, **unit)


def _upsert(model, keys: dict, **fields):
    """get_or_create by natural key, then save only if a field differs (so a second load writes nothing)."""
    obj, created = model.objects.get_or_create(**keys, defaults=fields)
    if not created:
        changed = [name for name, value in fields.items() if _field_value(obj, name) != _comparable(model, name, value)]
        if changed:
            for name in changed:
                setattr(obj, name, fields[name])
            obj.save(update_fields=changed)
    return obj


def _field_value(obj, name):
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname)
    return getattr(obj, name)


def _comparable(model, name, value):
    field = model._meta.get_field(name)
    if field.is_relation:
        return value.pk if value is not None else None
    if value is not None and field.get_internal_type() == "DecimalField":
        return Decimal(str(value)).quantize(Decimal(10) ** -field.decimal_places)
    if value is not None and field.get_internal_type() == "DateField" and isinstance(value, str):
        from datetime import date

        return date.fromisoformat(value)
    return value


def _dec(value):
    return None if value is None else Decimal(str(value))
