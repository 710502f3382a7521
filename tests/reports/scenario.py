"""A small district built by hand for the rollup tests, and helpers to give it data and indicators.

    北仑区 (330206)      schools; kindergarten grade in 2024 → 2025
    ├─ 新碶街道 (t1)     k1 public KG (省一级 → 省一级), k2 普惠 private KG (省三级二星 → 省二级三星), p1 primary
    ├─ 大碶街道 (t2)     k3 private KG (省二级三星 → 省三级一星), p2 primary, m1 migrant school
    └─ 小港街道 (t3)     k4 public KG (未评级 → 省二级三星), m2 and m3 migrant schools

Every school has its annual record (SchoolYear) for 2024 and 2025; each test adds the data values it
needs, so that its expected numbers can be worked out from what it wrote. Setup goes straight to the
ORM (no signals, no recompute requests); tests of the change path call the services themselves.
"""

from decimal import Decimal
from types import SimpleNamespace

from reports.models import IndicatorValue, TargetProgress
from schools.models import (
    DataElement,
    DataValue,
    KindergartenGrade,
    Ownership,
    Region,
    RegionDataValue,
    RegionLevel,
    SchoolType,
    SchoolYear,
)
from targets.models import Indicator
from tests.factories import (
    DataElementFactory,
    PlanFactory,
    RegionFactory,
    SchoolFactory,
    SchoolYearFactory,
    TargetFactory,
    region_chain,
)

G = KindergartenGrade
YEARS = (2024, 2025)
SCHOOL_ELEMENTS = [
    ("kg_teachers", "幼儿园专任教师数"),
    ("kg_teachers_qualified", "学历合格专任教师数"),
    ("kg_children", "在园幼儿数"),
    ("kg_children_3_5", "3–5 周岁在园幼儿数"),
    ("staff", "保教人员数"),
    ("staff_certified", "持证保教人员数"),
    ("students", "在校学生数"),
    ("computers", "学生用计算机数"),
    ("classrooms", "普通教室数"),
    ("networked_classrooms", "联网普通教室数"),
    ("std_projects", "标准化建设项目数"),
]
REGION_ELEMENTS = [("pop_3_5", "3–5 周岁常住儿童数")]

# Filters of the definition language, spelled out once.
KG = {"field": "school_type", "op": "eq", "value": SchoolType.KINDERGARTEN}
MIGRANT = {"field": "school_type", "op": "eq", "value": SchoolType.MIGRANT}
PRIMARY_OR_MIGRANT = {"field": "school_type", "op": "in", "value": [SchoolType.PRIMARY, SchoolType.MIGRANT]}
PUBLIC = {"field": "ownership", "op": "eq", "value": Ownership.PUBLIC}
L2_OR_BETTER = {"field": "grade", "op": "ge", "value": G.L2_STAR3.value}


def build_district() -> SimpleNamespace:
    """The district above with its elements; returns its regions and schools by the names in the docstring."""
    for code, name in SCHOOL_ELEMENTS:
        DataElementFactory(code=code, name=name)
    for code, name in REGION_ELEMENTS:
        DataElementFactory(code=code, name=name, region_level=True)
    t1 = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    county = t1.parent
    t2 = RegionFactory(code="330206002", name="大碶街道", level=RegionLevel.TOWNSHIP, parent=county)
    t3 = RegionFactory(code="330206003", name="小港街道", level=RegionLevel.TOWNSHIP, parent=county)
    d = SimpleNamespace(province=county.parent.parent, city=county.parent, county=county, t1=t1, t2=t2, t3=t3)
    kindergartens = [
        ("k1", t1, Ownership.PUBLIC, False, G.L1, G.L1),
        ("k2", t1, Ownership.PRIVATE, True, G.L3_STAR2, G.L2_STAR3),
        ("k3", t2, Ownership.PRIVATE, False, G.L2_STAR3, G.L3_STAR1),
        ("k4", t3, Ownership.PUBLIC, False, G.UNRATED, G.L2_STAR3),
    ]
    for name, township, ownership, inclusive, grade_2024, grade_2025 in kindergartens:
        school = SchoolFactory(
            code=name.upper(),
            name=f"{township.name}{name.upper()}幼儿园",
            region=township,
            school_type=SchoolType.KINDERGARTEN,
            ownership=ownership,
            is_inclusive=inclusive,
        )
        SchoolYearFactory(school=school, year=2024, grade=grade_2024)
        SchoolYearFactory(school=school, year=2025, grade=grade_2025)
        setattr(d, name, school)
    others = [
        ("p1", t1, SchoolType.PRIMARY, "小学"),
        ("p2", t2, SchoolType.PRIMARY, "小学"),
        ("m1", t2, SchoolType.MIGRANT, "外来工子女学校"),
        ("m2", t3, SchoolType.MIGRANT, "外来工子女学校"),
        ("m3", t3, SchoolType.MIGRANT, "外来工子女学校"),
    ]
    for name, township, school_type, suffix in others:
        school = SchoolFactory(
            code=name.upper(), name=f"{township.name}{name.upper()}{suffix}", region=township, school_type=school_type
        )
        for year in YEARS:
            SchoolYearFactory(school=school, year=year, grade=None)
        setattr(d, name, school)
    return d


def put(school, year: int, **values):
    """Write a school's data values for a year, straight to the ORM."""
    school_year = SchoolYear.objects.get(school=school, year=year)
    for code, value in values.items():
        DataValue.objects.update_or_create(
            school_year=school_year, element=DataElement.objects.get(code=code), defaults={"value": Decimal(value)}
        )


def put_region(region: Region, year: int, **values):
    """Write a region's entered values (适龄人口 ...) for a year."""
    for code, value in values.items():
        RegionDataValue.objects.update_or_create(
            region=region, element=DataElement.objects.get(code=code), year=year, defaults={"value": Decimal(value)}
        )


def indicator(code: str, kind: str, definition: dict, **fields) -> Indicator:
    """An indicator whose definition is validated as the admin would (full_clean), then saved."""
    obj = Indicator(code=code, name=fields.pop("name", code), kind=kind, definition=definition, **fields)
    obj.full_clean()
    obj.save()
    return obj


def plan_2024_2026(region):
    """A published plan of `region` for 2024–2026 (baseline year 2023)."""
    return PlanFactory(region=region, start_year=2024, end_year=2026)


def stored(ind: Indicator, region: Region, year: int) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=ind, region=region, year=year)


def progress(plan, code: str, region: Region, year: int) -> TargetProgress:
    return TargetProgress.objects.get(plan=plan, target_code=code, region=region, year=year)


def value_rows() -> list[tuple]:
    """Every stored IndicatorValue as comparable numbers (no ids, no computed_at)."""
    return sorted(
        IndicatorValue.objects.values_list(
            "indicator__code",
            "region__code",
            "year",
            "numerator",
            "denominator",
            "value",
            "schools_reporting",
            "schools_expected",
            "failing_units",
        ),
        key=lambda row: row[:3],
    )


def progress_rows() -> list[tuple]:
    """Every stored TargetProgress as comparable numbers and statuses (no ids, no computed_at)."""
    return sorted(
        TargetProgress.objects.values_list(
            "plan__code",
            "target_code",
            "region__code",
            "year",
            "indicator__code",
            "target__id",
            "inherited",
            "value",
            "status",
            "expected",
            "projection",
            "projected_met",
        ),
        key=lambda row: row[:4],
    )


# ---------------------------------------------------------------- every kind of indicator at once


def _share(numerator: dict, denominator: dict) -> dict:
    return {"numerator": numerator, "denominator": denominator, "factor": 100}


def _sum(element: str, *filters) -> dict:
    return {"agg": "sum", "element": element, "filters": list(filters)}


# code: (kind, definition, comparator and value of the district's target)
DEFINITIONS = {
    "qualified_rate": (
        Indicator.Kind.SHARE_OF_PEOPLE,
        _share(_sum("kg_teachers_qualified", KG), _sum("kg_teachers", KG)),
        ("ge", 90),
    ),
    "l2_enrolment_share": (
        Indicator.Kind.SHARE_OF_PEOPLE,
        _share(_sum("kg_children", KG, L2_OR_BETTER), _sum("kg_children", KG)),
        ("ge", 65),
    ),
    "l2_school_share": (
        Indicator.Kind.SHARE_OF_SCHOOLS,
        _share({"agg": "count", "filters": [KG, L2_OR_BETTER]}, {"agg": "count", "filters": [KG]}),
        ("ge", 50),
    ),
    "computer_ratio": (
        Indicator.Kind.RATIO,
        {"numerator": _sum("students", PRIMARY_OR_MIGRANT), "denominator": _sum("computers", PRIMARY_OR_MIGRANT)},
        ("le", 7),
    ),
    "enrolment_rate": (
        Indicator.Kind.RATE,
        _share(_sum("kg_children_3_5", KG), {"source": "region", "element": "pop_3_5"}),
        ("ge", "99.9"),
    ),
    "migrant_networked": (
        Indicator.Kind.NORM,
        {
            "norm": {
                "unit": "school",
                "schools": [MIGRANT],
                "measure": _sum("networked_classrooms"),
                "per": _sum("classrooms"),
                "op": "ge",
                "value": 1,
            }
        },
        ("ge", 100),
    ),
    "township_public_kg": (
        Indicator.Kind.NORM,
        {"norm": {"unit": "township", "measure": {"agg": "count", "filters": [KG, PUBLIC]}, "op": "ge", "value": 1}},
        ("ge", 100),
    ),
    "std_projects": (
        Indicator.Kind.COUNT,
        {"numerator": _sum("std_projects", KG), "period": "cumulative"},
        ("ge", 9),
    ),
    "staff_certified_rate": (
        Indicator.Kind.SHARE_OF_PEOPLE,
        _share(_sum("staff_certified", KG), _sum("staff", KG)),
        ("ge", 100),
    ),
}

# (school, year): values
DATA = {
    ("k1", 2024): {"kg_teachers": 100, "kg_teachers_qualified": 85, "kg_children": 300, "kg_children_3_5": 200},
    ("k1", 2025): {"kg_teachers": 100, "kg_teachers_qualified": 90, "kg_children": 310, "kg_children_3_5": 205},
    ("k2", 2024): {"kg_teachers": 10, "kg_teachers_qualified": 1, "kg_children": 100, "kg_children_3_5": 90},
    ("k2", 2025): {"kg_teachers": 10, "kg_teachers_qualified": 2, "kg_children": 110, "kg_children_3_5": 95},
    ("k3", 2024): {"kg_teachers": 20, "kg_teachers_qualified": 18, "kg_children": 150, "kg_children_3_5": 140},
    ("k3", 2025): {"kg_teachers": 20, "kg_teachers_qualified": 19, "kg_children": 140, "kg_children_3_5": 130},
    ("k4", 2024): {"kg_teachers": 12, "kg_teachers_qualified": 6, "kg_children": 120, "kg_children_3_5": 100},
    ("p1", 2024): {"students": 800, "computers": 80, "classrooms": 20, "networked_classrooms": 5},
    ("p1", 2025): {"students": 800, "computers": 100, "classrooms": 20, "networked_classrooms": 20},
    ("p2", 2025): {"students": 600, "computers": 120},
    ("m1", 2024): {"students": 300, "computers": 20, "classrooms": 12, "networked_classrooms": 12},
    ("m1", 2025): {"students": 300, "computers": 25, "classrooms": 12, "networked_classrooms": 10},
    ("m2", 2025): {"students": 200, "computers": 40, "classrooms": 12, "networked_classrooms": 11},
    ("m3", 2024): {"classrooms": 8, "networked_classrooms": 8},
    ("m3", 2025): {"students": 100, "computers": 10, "classrooms": 8, "networked_classrooms": 8},
}
STD_PROJECTS = {("k1", 2024): 2, ("k3", 2024): 1, ("k2", 2025): 1, ("k4", 2025): 2}
POPULATION = {("t1", 2024): 300, ("t1", 2025): 310, ("t2", 2024): 150, ("t2", 2025): 140, ("t3", 2025): 100}


def populate(d: SimpleNamespace):
    """Give the district every kind of indicator, two years of data and a plan with a target on each."""
    plan = plan_2024_2026(d.county)
    for n, (code, (kind, definition, (comparator, value))) in enumerate(DEFINITIONS.items(), start=1):
        ind = indicator(code, kind, definition)
        TargetFactory(plan=plan, indicator=ind, region=d.county, code=f"T{n:03d}", comparator=comparator, value=value)
        if code == "std_projects":  # a count split to one township (指标分解)
            TargetFactory(plan=plan, indicator=ind, region=d.t1, code=f"T{n:03d}", comparator="ge", value=3)
    for (school, year), values in DATA.items():
        put(getattr(d, school), year, **values)
    for (school, year), built in STD_PROJECTS.items():
        put(getattr(d, school), year, std_projects=built)
    for (region, year), people in POPULATION.items():
        put_region(getattr(d, region), year, pop_3_5=people)
    put_region(d.county, 2025, pop_3_5=560)
    return plan
