"""Plans, task assignments and targets: the invariants the database and clean() hold."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from plans.models import AssignmentRole, Plan, TaskAssignment
from targets.models import Comparator, Target
from tests.factories import (
    DepartmentFactory,
    IndicatorFactory,
    PlanFactory,
    RegionFactory,
    SchoolFactory,
    TargetFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db


def test_a_plan_cannot_end_before_it_starts():
    region = RegionFactory(county=True)

    with pytest.raises(IntegrityError):
        Plan.objects.create(code="backwards", title="倒序计划", region=region, start_year=2026, end_year=2024)


def test_a_one_year_plan_is_allowed():
    plan = PlanFactory(start_year=2025, end_year=2025)

    assert list(plan.years) == [2025]


def test_a_task_is_assigned_to_a_department():
    task = TaskFactory()

    assignment = TaskAssignment.objects.create(task=task, role=AssignmentRole.LEAD, department=DepartmentFactory())

    assert assignment.unit == assignment.department


def test_a_task_assignment_to_two_units_is_refused_by_the_database():
    task = TaskFactory()

    with pytest.raises(IntegrityError):
        TaskAssignment.objects.create(
            task=task, role=AssignmentRole.LEAD, region=task.plan.region, department=DepartmentFactory()
        )


def test_a_task_assignment_to_no_unit_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        TaskAssignment.objects.create(task=TaskFactory(), role=AssignmentRole.RESPONSIBLE)


def test_a_task_assignment_to_a_school_and_a_region_is_refused_by_the_database():
    school = SchoolFactory()

    with pytest.raises(IntegrityError):
        TaskAssignment.objects.create(
            task=TaskFactory(), role=AssignmentRole.RESPONSIBLE, school=school, region=school.region
        )


def test_a_range_target_needs_an_upper_bound():
    target = TargetFactory.build(
        plan=PlanFactory(), indicator=IndicatorFactory(), comparator=Comparator.RANGE, value=Decimal("10")
    )

    with pytest.raises(ValidationError) as exc:
        target.clean()

    assert exc.value.message_dict == {"value_max": ["区间目标必须填写上限。"]}


def test_an_approximate_target_needs_a_tolerance():
    target = TargetFactory.build(
        plan=PlanFactory(), indicator=IndicatorFactory(), comparator=Comparator.APPROX, value=Decimal("80")
    )

    with pytest.raises(ValidationError) as exc:
        target.clean()

    assert exc.value.message_dict == {"tolerance": ["“左右”目标必须填写容差。"]}


@pytest.mark.parametrize("year", [2023, 2027])
def test_a_target_year_outside_the_plan_period_is_rejected(year):
    target = TargetFactory.build(
        plan=PlanFactory(start_year=2024, end_year=2026), indicator=IndicatorFactory(), year=year
    )

    with pytest.raises(ValidationError) as exc:
        target.clean()

    assert exc.value.message_dict == {"year": ["目标年度必须在计划期内。"]}


def test_a_target_in_the_plan_period_or_without_year_is_valid():
    plan = PlanFactory(start_year=2024, end_year=2026)
    indicator = IndicatorFactory()

    TargetFactory.build(plan=plan, indicator=indicator, year=2025).clean()
    without_year = TargetFactory.build(plan=plan, indicator=indicator, year=None)
    without_year.clean()

    assert without_year.final_year == 2026


def test_a_range_target_with_the_upper_bound_below_the_lower_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        TargetFactory(comparator=Comparator.RANGE, value=Decimal("10"), value_max=Decimal("5"))


def test_an_at_least_target_displays_with_its_unit():
    target = TargetFactory(comparator=Comparator.GE, value=Decimal("91"), indicator__unit="%")
    target.refresh_from_db()

    assert target.display_value == "≥91%"


def test_an_approximate_target_displays_its_tolerance():
    target = TargetFactory(
        comparator=Comparator.APPROX, value=Decimal("80"), tolerance=Decimal("5"), indicator__unit="所"
    )
    target.refresh_from_db()

    assert target.display_value == "≈80所（±5）"


def test_a_range_target_displays_both_bounds():
    target = TargetFactory(
        comparator=Comparator.RANGE, value=Decimal("1.5"), value_max=Decimal("2.25"), indicator__unit="万元"
    )

    assert target.display_value == "1.5–2.25万元"


def test_a_target_without_value_displays_as_undecided():
    target = Target(plan=PlanFactory(), indicator=IndicatorFactory(), comparator=Comparator.LE, value=None)

    assert target.display_value == "未定"
