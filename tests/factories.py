"""factory_boy factories for the domain models, with traits for the common variants.

Region codes nest the way GB/T 2260 codes do: a township `330206002` sits under county `330206`,
city `330200` and province `330000`. `RegionFactory()` builds a township and the chain above it;
`RegionFactory(county=True)` and friends stop higher up; `region_chain("330206002", ...)` builds a
real chain with the codes cut from one township code.
"""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from plans.models import Plan, Section, Task
from schools.models import (
    DataElement,
    DataValue,
    Department,
    Designation,
    KindergartenGrade,
    Ownership,
    Region,
    RegionDataValue,
    RegionLevel,
    Role,
    School,
    SchoolType,
    SchoolYear,
    UserScope,
)
from targets.models import Comparator, Indicator, Target

DEMO_PASSWORD = "demo12345"
LEVEL_NAMES = {
    RegionLevel.PROVINCE: "省",
    RegionLevel.CITY: "市",
    RegionLevel.COUNTY: "区",
    RegionLevel.TOWNSHIP: "街道",
}


def _region_code(region, n: int) -> str:
    """A code of the region's level that nests under its parent's code."""
    if region.level == RegionLevel.PROVINCE:
        return f"{10 + n % 90:02d}0000"
    if region.level == RegionLevel.CITY:
        return f"{region.parent.code[:2]}{1 + n % 99:02d}00"
    if region.level == RegionLevel.COUNTY:
        return f"{region.parent.code[:4]}{1 + n % 99:02d}"
    return f"{region.parent.code[:6]}{1 + n % 399:03d}"


class RegionFactory(DjangoModelFactory):
    """A township by default, with a new county, city and province above it."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    level = RegionLevel.TOWNSHIP
    parent = factory.SubFactory("tests.factories.RegionFactory", county=True)
    code = factory.LazyAttributeSequence(_region_code)
    name = factory.LazyAttributeSequence(lambda o, n: f"测试{LEVEL_NAMES[o.level]}{n}")

    class Params:
        province = factory.Trait(level=RegionLevel.PROVINCE, parent=None)
        city = factory.Trait(
            level=RegionLevel.CITY, parent=factory.SubFactory("tests.factories.RegionFactory", province=True)
        )
        county = factory.Trait(
            level=RegionLevel.COUNTY, parent=factory.SubFactory("tests.factories.RegionFactory", city=True)
        )


def region_chain(township_code: str, *names: str) -> Region:
    """The township `township_code` and its county, city and province; `names` are given root first."""
    codes = [township_code[:2] + "0000", township_code[:4] + "00", township_code[:6], township_code]
    levels = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP]
    names = names or tuple(f"区划{code}" for code in codes)
    parent = None
    for code, level, name in zip(codes, levels, names, strict=True):
        parent = RegionFactory(code=code, level=level, name=name, parent=parent)
    return parent


class SchoolFactory(DjangoModelFactory):
    """A public primary school in a new township; traits for kindergartens and private schools."""

    class Meta:
        model = School
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"S{n:06d}")
    name = factory.Sequence(lambda n: f"第{n}小学")
    region = factory.SubFactory(RegionFactory)
    school_type = SchoolType.PRIMARY
    ownership = Ownership.PUBLIC

    class Params:
        kindergarten = factory.Trait(
            school_type=SchoolType.KINDERGARTEN, name=factory.Sequence(lambda n: f"第{n}幼儿园")
        )
        private = factory.Trait(ownership=Ownership.PRIVATE)
        inclusive = factory.Trait(ownership=Ownership.PRIVATE, is_inclusive=True)


class DesignationFactory(DjangoModelFactory):
    class Meta:
        model = Designation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"designation-{n}")
    name = factory.Sequence(lambda n: f"认定称号{n}")


class SchoolYearFactory(DjangoModelFactory):
    """A school's attributes in one year; pass `designations=[...]` to attach some."""

    class Meta:
        model = SchoolYear
        skip_postgeneration_save = True

    school = factory.SubFactory(SchoolFactory, kindergarten=True)
    year = 2025
    grade = KindergartenGrade.UNRATED

    @factory.post_generation
    def designations(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.designations.set(extracted)


class DataElementFactory(DjangoModelFactory):
    """A school-level integer element collected from every school type; `region_level=True` for a region one."""

    class Meta:
        model = DataElement
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"element_{n}")
    name = factory.Sequence(lambda n: f"统计项{n}")
    level = DataElement.Level.SCHOOL
    unit = "人"

    class Params:
        region_level = factory.Trait(level=DataElement.Level.REGION)


class DataValueFactory(DjangoModelFactory):
    """A value in a school's annual return; `school_year__year=2024` or `school_year=...` to place it."""

    class Meta:
        model = DataValue

    school_year = factory.SubFactory(SchoolYearFactory, school=factory.SubFactory(SchoolFactory))
    element = factory.SubFactory(DataElementFactory)
    value = Decimal("100")


class RegionDataValueFactory(DjangoModelFactory):
    class Meta:
        model = RegionDataValue

    region = factory.SubFactory(RegionFactory, county=True)
    element = factory.SubFactory(DataElementFactory, region_level=True)
    year = 2025
    value = Decimal("100")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    region = factory.SubFactory(RegionFactory, county=True)
    name = factory.Sequence(lambda n: f"科室{n}")


class PlanFactory(DjangoModelFactory):
    """A published three-year (2024–2026) action plan of a county."""

    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"plan-{n}")
    title = factory.Sequence(lambda n: f"学前教育三年提升行动计划{n}")
    region = factory.SubFactory(RegionFactory, county=True)
    start_year = 2024
    end_year = 2026
    status = Plan.Status.PUBLISHED


class SectionFactory(DjangoModelFactory):
    class Meta:
        model = Section

    plan = factory.SubFactory(PlanFactory)
    title = factory.Sequence(lambda n: f"章节{n}")
    kind = Section.Kind.GOAL
    position = factory.Sequence(lambda n: n)


class TaskFactory(DjangoModelFactory):
    class Meta:
        model = Task

    plan = factory.SubFactory(PlanFactory)
    number = factory.Sequence(lambda n: str(n + 1))
    title = factory.Sequence(lambda n: f"任务{n}")
    position = factory.Sequence(lambda n: n)


class IndicatorFactory(DjangoModelFactory):
    """A share of children in kindergartens rated at least 省二级: Σ children (grade ≥ L2) ÷ Σ children × 100."""

    class Meta:
        model = Indicator
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"indicator-{n}")
    name = factory.Sequence(lambda n: f"指标{n}")
    kind = Indicator.Kind.SHARE_OF_PEOPLE
    unit = "%"
    definition = factory.LazyAttribute(
        lambda o: {
            "numerator": {
                "agg": "sum",
                "element": o.element.code,
                "filters": [{"field": "grade", "op": "ge", "value": KindergartenGrade.L2_STAR3.value}],
            },
            "denominator": {"agg": "sum", "element": o.element.code},
            "factor": 100,
        }
    )

    class Params:
        element = factory.SubFactory(DataElementFactory, code="kg_children", name="在园幼儿数")


class TargetFactory(DjangoModelFactory):
    """At least 90 by the end of the plan, in the plan's own region."""

    class Meta:
        model = Target

    plan = factory.SubFactory(PlanFactory)
    indicator = factory.SubFactory(IndicatorFactory)
    region = factory.SelfAttribute("plan.region")
    code = factory.Sequence(lambda n: f"T{n:03d}")
    comparator = Comparator.GE
    value = Decimal("90")


class UserFactory(DjangoModelFactory):
    """A user whose password is `demo12345` unless given."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or DEMO_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class UserScopeFactory(DjangoModelFactory):
    """Staff of a county by default; traits `clerk` (of a school), `official`, `admin` (unrestricted)."""

    class Meta:
        model = UserScope

    user = factory.SubFactory(UserFactory)
    role = Role.STAFF
    region = factory.SubFactory(RegionFactory, county=True)
    school = None

    class Params:
        clerk = factory.Trait(role=Role.CLERK, region=None, school=factory.SubFactory(SchoolFactory))
        official = factory.Trait(role=Role.OFFICIAL)
        admin = factory.Trait(role=Role.ADMIN, region=None)
