"""The factories build valid objects: nested region codes, working passwords, scopes that fit the constraint."""

import pytest
from django.contrib.auth import authenticate

from schools.models import RegionLevel, Role
from targets.definitions import validate_definition
from tests.factories import (
    DEMO_PASSWORD,
    IndicatorFactory,
    RegionFactory,
    SchoolFactory,
    TargetFactory,
    UserFactory,
    UserScopeFactory,
    region_chain,
)

pytestmark = pytest.mark.django_db


def test_a_township_comes_with_a_county_city_and_province_whose_codes_nest():
    township = RegionFactory()

    chain = list(township.ancestors())

    assert [r.level for r in chain] == [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, township.level]
    province, city, county, _ = chain
    assert province.code.endswith("0000") and city.code.endswith("00")
    assert city.code.startswith(province.code[:2]) and county.code.startswith(city.code[:4])
    assert township.code.startswith(county.code) and len(township.code) == 9
    assert township.path == f"/{province.code}/{city.code}/{county.code}/{township.code}/"


def test_region_chain_reuses_the_regions_it_already_made():
    xinqi = region_chain("330206002", "浙江省", "宁波市", "北仑区", "新碶街道")
    dagi = region_chain("330206004", "浙江省", "宁波市", "北仑区", "大碶街道")

    assert xinqi.parent == dagi.parent
    assert dagi.path == "/330000/330200/330206/330206004/"


def test_a_school_sits_in_a_township_and_copies_its_path():
    school = SchoolFactory(kindergarten=True)

    school.full_clean()
    assert school.region_path == school.region.path


def test_the_indicator_factory_definition_is_valid():
    indicator = IndicatorFactory()

    assert validate_definition(indicator.definition)["factor"] == 100


def test_a_target_belongs_to_its_plans_region():
    target = TargetFactory()

    target.full_clean()
    assert target.region == target.plan.region


def test_a_user_logs_in_with_the_demo_password():
    user = UserFactory(username="alice")

    assert authenticate(username="alice", password=DEMO_PASSWORD) == user


@pytest.mark.parametrize("trait", ["clerk", "official", "admin", None])
def test_every_scope_trait_satisfies_the_role_constraint(trait):
    scope = UserScopeFactory(**({trait: True} if trait else {}))

    assert scope.role == (trait or Role.STAFF)
