"""Data elements and the values collected for them: one number per unit, element and year."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from schools.models import DataElement, DataValue, RegionDataValue, SchoolType
from tests.factories import DataElementFactory, DataValueFactory, RegionDataValueFactory, SchoolYearFactory

pytestmark = pytest.mark.django_db

ERR_SCHOOL_TYPES = "填报学校类型必须是学校类型代码的列表。"
ERR_REGION_SCHOOL_TYPES = "区域填报的统计项不按学校类型区分。"


def test_a_school_has_one_value_per_element_and_year_in_the_database():
    value = DataValueFactory(school_year__year=2025)

    with pytest.raises(IntegrityError):
        DataValue.objects.create(school_year=value.school_year, element=value.element, value=Decimal("1"))


def test_the_same_school_and_element_may_have_a_value_every_year():
    value = DataValueFactory(school_year__year=2024)
    school = value.school_year.school
    next_year = SchoolYearFactory(school=school, year=2025)

    DataValue.objects.create(school_year=next_year, element=value.element, value=Decimal("1"))

    assert DataValue.objects.for_school(school).count() == 2
    assert DataValue.objects.for_school(school).in_year(2025).get().value == 1


def test_a_region_has_one_value_per_element_and_year_in_the_database():
    value = RegionDataValueFactory(year=2025)

    with pytest.raises(IntegrityError):
        RegionDataValue.objects.create(region=value.region, element=value.element, year=2025, value=Decimal("1"))


def test_an_element_minimum_above_its_maximum_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        DataElementFactory(min_value=Decimal("10"), max_value=Decimal("1"))


def test_an_element_with_only_one_bound_is_allowed():
    element = DataElementFactory(min_value=Decimal("0"), max_value=None)

    assert element.pk is not None


def test_an_element_rejects_an_unknown_school_type():
    element = DataElementFactory.build(school_types=[SchoolType.PRIMARY, "university"])

    with pytest.raises(ValidationError) as exc:
        element.clean()

    assert exc.value.message_dict == {"school_types": [ERR_SCHOOL_TYPES]}


def test_an_element_rejects_school_types_given_as_a_string():
    element = DataElementFactory.build(school_types="primary")

    with pytest.raises(ValidationError) as exc:
        element.clean()

    assert exc.value.message_dict == {"school_types": [ERR_SCHOOL_TYPES]}


def test_an_element_rejects_school_types_that_are_not_strings():
    element = DataElementFactory.build(school_types=[[SchoolType.PRIMARY]])

    with pytest.raises(ValidationError) as exc:
        element.clean()

    assert exc.value.message_dict == {"school_types": [ERR_SCHOOL_TYPES]}


def test_a_region_level_element_may_not_name_school_types():
    element = DataElementFactory.build(region_level=True, school_types=[SchoolType.KINDERGARTEN])

    with pytest.raises(ValidationError) as exc:
        element.clean()

    assert exc.value.message_dict == {"school_types": [ERR_REGION_SCHOOL_TYPES]}


def test_an_element_without_school_types_applies_to_every_school_type():
    element = DataElementFactory(school_types=[])

    assert all(element.applies_to(school_type) for school_type in SchoolType.values)


def test_an_element_with_school_types_applies_only_to_those():
    element = DataElementFactory(school_types=[SchoolType.KINDERGARTEN])

    assert element.applies_to(SchoolType.KINDERGARTEN)
    assert not element.applies_to(SchoolType.PRIMARY)


def test_a_region_level_element_applies_to_no_school():
    element = DataElementFactory(region_level=True)

    assert element.level == DataElement.Level.REGION
    assert not element.applies_to(SchoolType.KINDERGARTEN)
