"""The dashboards read the stored rollups: right figures after a change, a bounded number of queries, scope."""

from decimal import Decimal

import pytest
from django.urls import reverse

from plans.models import TaskStatus
from reports.services import recompute_pending, rollup_full
from schools.services import data_values_set
from targets.models import Target
from tests.factories import PlanFactory, TargetFactory, TaskFactory, UserScopeFactory
from tests.reports.scenario import populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(district):
    plan = populate(district)
    rollup_full()
    return district, plan


def card(response, code):
    return next(c for c in response.context["cards"] if c.code == code)


def test_after_a_school_change_and_the_recompute_the_dashboard_shows_the_new_value_and_status(
    client, world, django_capture_on_commit_callbacks
):
    d, plan = world
    client.force_login(UserScopeFactory(official=True, region=d.county).user)
    url = reverse("reports:plan", args=[plan.pk])
    before = client.get(url, {"year": 2025})
    # qualified_rate (T001, ≥ 90): (90 + 2 + 19) ÷ (100 + 10 + 20) = 111 ÷ 130 = 85.4%, not met.
    assert card(before, "T001").display == "85.4"
    assert card(before, "T001").status != "met"

    with django_capture_on_commit_callbacks(execute=True):
        data_values_set(school=d.k2, year=2025, values={"kg_teachers_qualified": Decimal(10)})
    recompute_pending()  # what the worker runs (the eager on-commit task may already have run it)

    after = client.get(url, {"year": 2025})
    # (90 + 10 + 19) ÷ 130 = 119 ÷ 130 = 91.5% ≥ 90: met.
    assert card(after, "T001").display == "91.5"
    assert card(after, "T001").status == "met"
    page = after.content.decode()
    assert "91.5" in page and "已达成" in page


def test_no_data_is_shown_as_no_data_never_zero(client, world):
    d, plan = world
    client.force_login(UserScopeFactory(official=True, region=d.county).user)
    response = client.get(reverse("reports:plan", args=[plan.pk]), {"year": 2026})  # nobody reported 2026
    assert all(c.value is None for c in response.context["cards"])
    assert all(c.status in ("no_data", "no_target") for c in response.context["cards"])
    assert response.content.decode().count("无数据") >= len(response.context["cards"])


def test_the_dashboard_query_count_does_not_grow_with_indicators(client, world, django_assert_num_queries):
    d, plan = world
    user = UserScopeFactory(official=True, region=d.county).user
    client.force_login(user)
    url = reverse("reports:plan", args=[plan.pk])
    client.get(url)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url, {"year": 2025})
    first = Target.objects.filter(plan=plan).first()
    for n in range(20):  # twenty more targets on the same indicators
        TargetFactory(plan=plan, indicator=first.indicator, region=d.county, code=f"X{n:02d}", value=n)
    rollup_full()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url, {"year": 2025})
    assert len(response.context["cards"]) == Target.objects.filter(plan=plan).values("code").distinct().count()


ROLE_REGIONS = ["t1_staff", "t2_staff", "county_official", "clerk_k1"]


@pytest.fixture
def users(world):
    d, plan = world
    return {
        "t1_staff": UserScopeFactory(region=d.t1).user,
        "t2_staff": UserScopeFactory(region=d.t2).user,
        "county_official": UserScopeFactory(official=True, region=d.county).user,
        "clerk_k1": UserScopeFactory(clerk=True, school=d.k1).user,
    }


@pytest.mark.parametrize(
    "role,region,status",
    [
        ("t1_staff", "t1", 200),
        ("t1_staff", "t2", 404),
        ("t1_staff", "county", 404),
        ("t2_staff", "t1", 404),
        ("county_official", "t1", 200),
        ("county_official", "county", 200),
        ("county_official", "city", 404),
        ("clerk_k1", "t1", 200),
        ("clerk_k1", "t2", 404),
    ],
)
def test_dashboards_answer_404_outside_the_scope(client, world, users, role, region, status):
    d, plan = world
    client.force_login(users[role])
    region_id = getattr(d, region).pk
    indicator = Target.objects.filter(plan=plan).first().indicator
    assert client.get(reverse("reports:plan", args=[plan.pk]), {"region": region_id}).status_code == status
    url = reverse("reports:indicator", args=[plan.pk, indicator.pk])
    assert client.get(url, {"region": region_id, "year": 2025}).status_code == status
    assert client.get(reverse("reports:region", args=[region_id])).status_code == status


def test_a_township_user_lands_on_their_township_an_official_ranks_every_township(client, world, users):
    d, plan = world
    client.force_login(users["t1_staff"])
    response = client.get(reverse("reports:plan", args=[plan.pk]))
    assert response.context["region"] == d.t1
    client.force_login(users["county_official"])
    indicator = Target.objects.filter(plan=plan, code="T001").get().indicator
    response = client.get(reverse("reports:indicator", args=[plan.pk, indicator.pk]), {"year": 2025})
    assert {r["region"].name for r in response.context["ranking"]} == {"新碶街道", "大碶街道", "小港街道"}


def test_a_plan_of_another_district_is_404(client, world, users):
    other = PlanFactory()  # a plan of a new, unrelated county
    client.force_login(users["county_official"])
    assert client.get(reverse("reports:plan", args=[other.pk])).status_code == 404
    assert client.get(reverse("reports:tasks", args=[other.pk])).status_code == 404


def test_the_township_indicator_page_lists_its_schools_with_no_data_kept_apart(client, world, users):
    d, plan = world
    client.force_login(users["county_official"])
    indicator = Target.objects.get(plan=plan, code="T001").indicator
    response = client.get(reverse("reports:indicator", args=[plan.pk, indicator.pk]), {"region": d.t1.pk, "year": 2025})
    rows = {r["school"].code: r["display"] for r in response.context["schools"]}
    assert rows == {"K1": "90.0", "K2": "20.0"}  # 90/100 and 2/10, each school's own share


def test_staff_post_task_updates_officials_cannot(client, world, users):
    d, plan = world
    task = TaskFactory(plan=plan)
    url = reverse("reports:task", args=[plan.pk, task.pk])
    client.force_login(users["county_official"])
    assert client.post(url, {"status": "in_progress", "progress": 30, "note": "推进中"}).status_code == 403
    client.force_login(UserScopeFactory(region=d.county).user)
    assert client.post(url, {"status": "in_progress", "progress": 30, "note": "已完成选址"}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.progress) == (TaskStatus.IN_PROGRESS, 30)
    assert "已完成选址" in client.get(url).content.decode()
    board = client.get(reverse("reports:tasks", args=[plan.pk]))
    assert task in [t for _, code, tasks in board.context["columns"] for t in tasks if code == "in_progress"]
