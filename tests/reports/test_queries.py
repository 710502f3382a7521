"""The read path of stored values: reports.selectors.indicator_values_for, its scope and its query count."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from reports.selectors import ERR_PLAN_OUT_OF_SCOPE, ERR_REGION_OUT_OF_SCOPE, indicator_values_for
from reports.services import rollup_full
from schools.models import RegionLevel, Role
from targets.models import Indicator
from targets.progress import Status
from tests.factories import PlanFactory, RegionFactory, TargetFactory, UserFactory, UserScopeFactory
from tests.reports.scenario import KG, indicator, plan_2024_2026, put

pytestmark = pytest.mark.django_db
D = Decimal

# Whatever the number of indicators: the user's scope, its region (for the path), the region check, the
# plan check, the values with their indicators, the progress rows with their targets.
QUERIES = 6


def staff_of(region):
    """A fresh user object of a staff member of `region`, with nothing cached on it."""
    scope = UserScopeFactory(role=Role.STAFF, region=region)
    return get_user_model().objects.get(pk=scope.user_id)


def plan_with_indicators(d, n: int):
    """A plan of the district with n indicators (Σ children × k, k = 1..n), each with a target ≥ 100 × k."""
    plan = plan_2024_2026(d.county)
    for k in range(1, n + 1):
        ind = indicator(
            f"children_x{k:02d}",
            Indicator.Kind.SUM,
            {"numerator": {"agg": "sum", "element": "kg_children", "filters": [KG]}, "factor": k},
        )
        TargetFactory(plan=plan, indicator=ind, region=d.county, code=f"T{k:03d}", comparator="ge", value=100 * k)
    return plan


@pytest.fixture
def children(district):
    """新碶 and 大碶 kindergartens report their children in 2025: k1 60, k2 40, k3 30."""
    put(district.k1, 2025, kg_children=60)
    put(district.k2, 2025, kg_children=40)
    put(district.k3, 2025, kg_children=30)
    return district


@pytest.mark.parametrize("n", [3, 30])
def test_reading_a_plans_values_takes_the_same_few_queries_for_3_or_30_indicators(
    children, n, django_assert_num_queries
):
    d = children
    plan = plan_with_indicators(d, n)
    indicator("not_in_the_plan", Indicator.Kind.SUM, {"numerator": {"agg": "sum", "element": "kg_children"}})
    rollup_full()
    user = staff_of(d.county)

    with django_assert_num_queries(QUERIES):
        rows = indicator_values_for(user, plan=plan, region=d.county, year=2025)
        shown = [(r.indicator.code, r.value, [(p.target.value, p.status) for p in r.progress]) for r in rows]

    # 北仑区 2025: 60 + 40 + 30 = 130 children, × k; met where 130 k ≥ 100 k, i.e. every one.
    assert shown == [(f"children_x{k:02d}", D(130 * k), [(D(100 * k), Status.MET)]) for k in range(1, n + 1)]


def test_a_township_reads_its_own_values_and_a_sum_without_a_split_has_no_status(children):
    d = children
    plan = plan_with_indicators(d, 1)
    rollup_full()

    rows = indicator_values_for(staff_of(d.t1), plan=plan, region=d.t1, year=2025)

    # 新碶: 60 + 40 = 100. A sum is not inherited: it shows its contribution, no target, no status.
    [row] = rows
    assert row.value == D(100)
    assert [(p.target, p.status) for p in row.progress] == [(None, Status.NO_TARGET)]


def test_staff_of_another_township_cannot_read_this_townships_values(children):
    d = children
    plan = plan_with_indicators(d, 1)
    rollup_full()

    with pytest.raises(PermissionDenied) as exc:
        indicator_values_for(staff_of(d.t2), plan=plan, region=d.t1, year=2025)

    assert str(exc.value) == ERR_REGION_OUT_OF_SCOPE


def test_township_staff_and_a_clerk_cannot_read_the_districts_values(children):
    d = children
    plan = plan_with_indicators(d, 1)
    rollup_full()
    clerk = UserScopeFactory(clerk=True, school=d.k1).user

    for user in (staff_of(d.t1), clerk):
        with pytest.raises(PermissionDenied):
            indicator_values_for(user, plan=plan, region=d.county, year=2025)
    # The clerk may read its own township.
    assert [r.value for r in indicator_values_for(clerk, plan=plan, region=d.t1, year=2025)] == [D(100)]


def test_a_user_without_a_scope_reads_nothing(children):
    d = children
    plan = plan_with_indicators(d, 1)
    rollup_full()

    with pytest.raises(PermissionDenied):
        indicator_values_for(UserFactory(), plan=plan, region=d.t1, year=2025)


def test_a_plan_of_another_district_cannot_be_read_through_a_region_in_scope(children):
    d = children
    other_county = RegionFactory(code="330211", name="镇海区", level=RegionLevel.COUNTY, parent=d.city)
    other_plan = PlanFactory(region=other_county)

    with pytest.raises(PermissionDenied) as exc:
        indicator_values_for(staff_of(d.county), plan=other_plan, region=d.county, year=2025)

    assert str(exc.value) == ERR_PLAN_OUT_OF_SCOPE
