"""A school's grade and designations belong to a year, not to the school."""

import pytest
from django.db import IntegrityError

from schools.models import KindergartenGrade, SchoolYear
from tests.factories import DesignationFactory, SchoolFactory, SchoolYearFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kindergarten():
    """Rated 省三级二星 in 2023 and 省二级三星 in 2025."""
    school = SchoolFactory(kindergarten=True)
    SchoolYearFactory(school=school, year=2023, grade=KindergartenGrade.L3_STAR2)
    SchoolYearFactory(school=school, year=2025, grade=KindergartenGrade.L2_STAR3)
    return school


def schools_at_least_l2(year: int) -> list:
    return [row.school for row in SchoolYear.objects.in_year(year).grade_at_least(KindergartenGrade.L2_STAR3)]


def test_a_kindergarten_upgraded_in_2025_counts_as_at_least_provincial_level_2_that_year(kindergarten):
    assert schools_at_least_l2(2025) == [kindergarten]


def test_the_same_kindergarten_does_not_count_in_2023(kindergarten):
    assert schools_at_least_l2(2023) == []


def test_a_higher_grade_counts_and_an_unrated_school_does_not(kindergarten):
    level_1 = SchoolYearFactory(year=2025, grade=KindergartenGrade.L1).school
    SchoolYearFactory(year=2025, grade=KindergartenGrade.UNRATED)

    assert set(schools_at_least_l2(2025)) == {kindergarten, level_1}


def test_a_designation_held_one_year_is_not_carried_into_the_next():
    safe_campus = DesignationFactory(code="safe-kindergarten", name="平安幼儿园")
    school = SchoolFactory(kindergarten=True)
    SchoolYearFactory(school=school, year=2024, designations=[safe_campus])
    SchoolYearFactory(school=school, year=2025)

    holders_2024 = SchoolYear.objects.in_year(2024).filter(designations=safe_campus)
    holders_2025 = SchoolYear.objects.in_year(2025).filter(designations=safe_campus)

    assert [row.school for row in holders_2024] == [school]
    assert not holders_2025.exists()


def test_a_school_has_at_most_one_row_per_year_in_the_database():
    first = SchoolYearFactory(year=2025)

    with pytest.raises(IntegrityError):
        SchoolYear.objects.create(school=first.school, year=2025, grade=KindergartenGrade.L1)
