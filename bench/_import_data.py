"""Synthetic data for the Excel import benchmark: townships, schools, elements, one year of values, an admin.

Deterministic: which cells are missing, drifted or locked follows from the school and element numbers.
"""

from decimal import Decimal

from django.contrib.auth import get_user_model

from schools.models import (
    DataElement,
    DataValue,
    Region,
    RegionLevel,
    Role,
    School,
    SchoolType,
    SchoolYear,
    Submission,
    UserScope,
    ValidationRule,
)

COUNTY_CODE = "990101"
BATCH = 5000
MISSING_EVERY = 20  # one cell in 20 has no value when the template is made
LOCKED_EVERY = 33  # one school in 33 has submitted its data


def generate(*, schools: int, elements: int, year: int) -> dict:
    """Fill an empty, migrated database; returns {"user", "county", "year"} for the benchmark."""
    county = _regions(townships=max(schools // 100, 1))
    townships = list(Region.objects.filter(level=RegionLevel.TOWNSHIP).order_by("code"))
    _schools(schools, townships)
    catalogue = _elements(elements)
    _values(year, catalogue)
    user = get_user_model().objects.create_user("bench-admin", password="bench-not-secret")
    UserScope.objects.create(user=user, role=Role.ADMIN)
    return {"user": user, "county": county, "year": year}


def missing(school_index: int, element_index: int) -> bool:
    return (school_index * 7 + element_index * 3) % MISSING_EVERY == 0


def locked(school_index: int) -> bool:
    return school_index % LOCKED_EVERY == 0


def _regions(*, townships: int) -> Region:
    province = Region.objects.create(code="990000", name="样例省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(code="990100", name="样例市", level=RegionLevel.CITY, parent=province)
    county = Region.objects.create(code=COUNTY_CODE, name="样例区", level=RegionLevel.COUNTY, parent=city)
    Region.objects.bulk_create(
        Region(
            code=f"{COUNTY_CODE}{n:03d}",
            name=f"样例街道{n}",
            level=RegionLevel.TOWNSHIP,
            parent=county,
            path=f"{county.path}{COUNTY_CODE}{n:03d}/",
        )
        for n in range(1, townships + 1)
    )
    return county


def _schools(count: int, townships: list):
    School.objects.bulk_create(
        (
            School(
                code=f"B{n:07d}",
                name=f"样例{'幼儿园' if n % 2 else '小学'}{n}",
                region=townships[n % len(townships)],
                region_path=townships[n % len(townships)].path,
                school_type=SchoolType.KINDERGARTEN if n % 2 else SchoolType.PRIMARY,
            )
            for n in range(count)
        ),
        batch_size=BATCH,
    )


def _elements(count: int) -> list:
    """Three elements in four for every school, the rest for kindergartens; one in five decimal."""
    kindergarten_only = count // 4
    elements = [
        DataElement(
            code=f"e{i:02d}",
            name=f"统计项{i:02d}",
            unit="人" if i % 5 else "万元",
            group="样例",
            sort_order=i,
            value_type=DataElement.ValueType.DECIMAL if i % 5 == 0 else DataElement.ValueType.INTEGER,
            min_value=Decimal(0),
            max_value=Decimal(1_000_000),
            school_types=[SchoolType.KINDERGARTEN] if i >= count - kindergarten_only else [],
        )
        for i in range(count)
    ]
    DataElement.objects.bulk_create(elements)
    ValidationRule.objects.create(
        code="bench-le", message="统计项02不能多于统计项01", left=["e02"], op="le", right=["e01"]
    )
    return list(DataElement.objects.order_by("sort_order"))


def value_of(school_index: int, element_index: int, element) -> Decimal:
    """Element 02 never exceeds element 01, so the rule holds."""
    base = 1000 + (school_index * 37 + element_index * 11) % 5000
    if element_index == 2:
        base = 500
    if element.value_type == DataElement.ValueType.DECIMAL:
        return Decimal(base) + Decimal("0.25")
    return Decimal(base)


def _values(year: int, elements: list):
    schools = list(School.objects.order_by("code").values_list("pk", "school_type"))
    SchoolYear.objects.bulk_create((SchoolYear(school_id=pk, year=year) for pk, _type in schools), batch_size=BATCH)
    school_years = dict(SchoolYear.objects.filter(year=year).values_list("school_id", "pk"))
    Submission.objects.bulk_create(
        Submission(school_id=pk, year=year, status=Submission.Status.APPROVED)
        for index, (pk, _type) in enumerate(schools)
        if locked(index)
    )
    batch = []
    for index, (pk, school_type) in enumerate(schools):
        for e_index, element in enumerate(elements):
            if element.applies_to(school_type) and not missing(index, e_index):
                batch.append(
                    DataValue(school_year_id=school_years[pk], element=element, value=value_of(index, e_index, element))
                )
        if len(batch) >= BATCH:
            DataValue.objects.bulk_create(batch)
            batch = []
    DataValue.objects.bulk_create(batch)
