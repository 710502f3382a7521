"""The API's cast and world: the rollup tests' district (tests/reports/scenario.py) with its data rolled up, a
neighbouring district the cast must not see, and a user of every role, each calling with a token of their own.
"""

import uuid
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from api.services import token_create
from reports.services import rollup_full
from tests.factories import (
    PlanFactory,
    RegionFactory,
    SchoolFactory,
    TaskFactory,
    UserFactory,
    UserScopeFactory,
)
from tests.reports.scenario import build_district, populate

ROLES = ["clerk", "township", "district", "official", "admin", "no_scope", "anonymous"]


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A fresh in-process cache per test, so that throttle counts never carry over (nor reach a shared Redis)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }


@pytest.fixture
def world(db):
    """北仑区 (scenario.py) with its plan, data and rollup; 镇海区 next door with a school and a plan of its own."""
    d = build_district()
    d.plan = populate(d)
    d.task = TaskFactory(plan=d.plan, number="1", title="完善规划布局")
    rollup_full()
    d.other_county = RegionFactory(code="330211", name="镇海区", level=3, parent=d.city)
    d.other_township = RegionFactory(code="330211001", name="招宝山街道", level=4, parent=d.other_county)
    d.other_school = SchoolFactory(code="ZH01", name="镇海幼儿园", region=d.other_township, school_type="kindergarten")
    d.other_plan = PlanFactory(code="zhenhai-plan", region=d.other_county)
    d.other_task = TaskFactory(plan=d.other_plan, number="1")
    d.users = {
        "clerk": UserScopeFactory(clerk=True, school=d.k1, user__username="clerk").user,
        "township": UserScopeFactory(region=d.t1, user__username="township").user,
        "district": UserScopeFactory(region=d.county, user__username="district").user,
        "official": UserScopeFactory(official=True, region=d.county, user__username="official").user,
        "admin": UserScopeFactory(admin=True, user__username="admin").user,
        "no_scope": UserFactory(username="no_scope"),
    }
    return d


@pytest.fixture
def client_as(world):
    """client_as(role, read_only=False): an API client sending a fresh token of that role's user (none: anonymous)."""

    def make(role: str, *, read_only: bool = False) -> APIClient:
        client = APIClient()
        if role != "anonymous":
            _token, key = token_create(user=world.users[role], name="test", read_only=read_only)
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


def error_of(response) -> SimpleNamespace:
    """The error body of a response, as attributes: code, message, fields (and items for bulk writes)."""
    body = response.json()
    assert set(body) == {"error"}, body
    return SimpleNamespace(**body["error"])
