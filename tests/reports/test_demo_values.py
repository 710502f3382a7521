"""The demo, rolled up: every target of the preschool plan has a district value, and a few of them match
what plain Django aggregates over the raw data give. Loads the whole demo (~140 schools, four years),
hence `slow`: several seconds.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max, Sum

from plans.models import Plan
from reports.models import IndicatorValue, TargetProgress
from reports.services import rollup_full
from schools.models import DataValue, KindergartenGrade, Ownership, Region, RegionDataValue, SchoolType, SchoolYear
from targets.progress import Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]
PRESCHOOL_PLAN = "区学前教育三年提升行动计划"
SIX_PLACES = Decimal("0.000001")


def test_the_demo_rolls_up_to_a_value_for_every_preschool_target_that_matches_the_raw_data():
    call_command("load_demo", no_users=True, stdout=StringIO())
    rollup_full()
    plan = Plan.objects.get(title=PRESCHOOL_PLAN)
    district = plan.region
    year = SchoolYear.objects.filter(year__lte=plan.end_year).aggregate(latest=Max("year"))["latest"]
    assert year == 2026

    # Every target's indicator has a district value in the latest year: the demo has data for all of them.
    targets = list(plan.targets.select_related("indicator", "region").order_by("code", "year"))
    assert len(targets) > 20
    values = {
        v.indicator.code: v
        for v in IndicatorValue.objects.filter(region=district, year=year).select_related("indicator")
    }
    missing = sorted({t.code for t in targets if values.get(t.indicator.code) is None})
    assert missing == []
    no_value = sorted({t.code for t in targets if values[t.indicator.code].value is None})
    assert no_value == []
    # And each target is judged where it was set, in its own year (or the latest, for end-of-plan targets).
    for target in targets:
        row = TargetProgress.objects.get(
            plan=plan, target_code=target.code, region=target.region, year=target.year or year
        )
        assert row.target_id == target.pk, target.code
        assert row.value is not None and row.status not in (Status.NO_DATA, Status.NO_TARGET), target.code

    # Spot checks, each computed straight from the raw data with plain aggregates.
    kindergartens = DataValue.objects.filter(
        school_year__year=year,
        school_year__school__school_type=SchoolType.KINDERGARTEN,
        school_year__school__region_path__startswith=district.path,
    )

    # 省二级及以上幼儿园就读幼儿比例: Σ children in kindergartens rated ≥ 省二级三星 that year ÷ Σ children × 100.
    children = kindergartens.filter(element__code="kg_children")
    rated = children.filter(school_year__grade__gte=KindergartenGrade.L2_STAR3).aggregate(n=Sum("value"))["n"]
    everyone = children.aggregate(n=Sum("value"))["n"]
    l2_share = values["kg_l2_enrolment_share"]
    assert (l2_share.numerator, l2_share.denominator) == (rated, everyone)
    assert abs(l2_share.value - rated * 100 / everyone) < SIX_PLACES
    # Some kindergartens have not reported 2026 yet: they are expected, not counted as reporting.
    kg_years = SchoolYear.objects.filter(
        year=year, school__school_type=SchoolType.KINDERGARTEN, school__region_path__startswith=district.path
    )
    assert (l2_share.schools_reporting, l2_share.schools_expected) == (children.count(), kg_years.count())
    assert l2_share.schools_reporting < l2_share.schools_expected

    # 学前三年入园率: Σ children aged 3–5 ÷ the district's population aged 3–5 — its own entry, else its townships'.
    enrolled = kindergartens.filter(element__code="kg_children_3_5").aggregate(n=Sum("value"))["n"]
    population = RegionDataValue.objects.filter(element__code="pop_3_5", year=year)
    own = population.filter(region=district).first()
    people = own.value if own else population.filter(region__parent=district).aggregate(n=Sum("value"))["n"]
    enrolment = values["kg_enrolment_rate_3y"]
    assert (enrolment.numerator, enrolment.denominator) == (enrolled, people)
    assert abs(enrolment.value - enrolled * 100 / people) < SIX_PLACES

    # 幼儿园总数: kindergartens with an annual record that year.
    assert values["kg_count"].value == kg_years.count() == 80

    # 有公办优质幼儿园的街道乡镇比例: townships with schools that year having a public kindergarten ≥ 省二级三星.
    townships = Region.objects.filter(schools__years__year=year, parent=district).distinct()
    with_one = townships.filter(
        schools__school_type=SchoolType.KINDERGARTEN,
        schools__ownership=Ownership.PUBLIC,
        schools__years__year=year,
        schools__years__grade__gte=KindergartenGrade.L2_STAR3,
    ).distinct()
    norm = values["township_public_quality_kg"]
    assert (norm.numerator, norm.denominator) == (with_one.count(), townships.count())

    # 新建、改建、扩建标准化幼儿园数 is judged on the running total from the plan's first year.
    built = DataValue.objects.filter(
        element__code="std_projects",
        school_year__year__range=(plan.start_year, year),
        school_year__school__school_type=SchoolType.KINDERGARTEN,
        school_year__school__region_path__startswith=district.path,
    ).aggregate(n=Sum("value"))["n"]
    assert TargetProgress.objects.get(plan=plan, target_code="T001", region=district, year=year).value == built
