"""Reading through the API: filters, ordering, pagination, no data as null, and the query count of progress."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plans.models import Task, TaskStatus
from reports.models import IndicatorValue, TargetProgress
from schools.models import KindergartenGrade
from targets.progress import Status
from tests.api.conftest import error_of
from tests.factories import SchoolFactory, SchoolYearFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_as):
    return client_as("district")


def results(api, url: str, **query) -> list[dict]:
    response = api.get(url, {"page_size": 1000, **query})
    assert response.status_code == 200, response.content
    return response.json()["results"]


# ---------------------------------------------------------------- progress


def test_progress_of_a_plan_for_the_district_with_its_target_and_projection(api, world):
    rows = results(api, "/api/v1/progress/", plan=world.plan.pk, region=world.county.pk, year=2025)
    assert [r["target_code"] for r in rows] == sorted(r["target_code"] for r in rows)
    t001 = next(r for r in rows if r["target_code"] == "T001")
    assert t001["indicator_code"] == "qualified_rate" and t001["region_code"] == "330206" and t001["level"] == 3
    assert set(t001) >= {"value", "status", "status_label", "expected", "projection", "projected_met", "target"}
    assert t001["target"]["code"] == "T001" and t001["target"]["comparator"] == "ge"
    assert t001["status_label"] == Status(t001["status"]).label


def test_no_data_is_null_never_zero(api, world):
    rows = results(api, "/api/v1/progress/", plan=world.plan.pk, year=2026)
    assert rows and all(r["value"] is None and r["status"] == Status.NO_DATA for r in rows)
    stored = IndicatorValue.objects.filter(value__isnull=True).first()
    assert stored is not None
    row = api.get(f"/api/v1/indicator-values/{stored.pk}/").json()
    assert row["value"] is None


def test_progress_filters_by_region_exactly_or_by_subtree_and_level(api, world):
    exact = results(api, "/api/v1/progress/", region_code="330206001")
    assert {r["region_code"] for r in exact} == {"330206001"}
    subtree = results(api, "/api/v1/progress/", within=world.county.pk, year=2025, target_code="T001")
    assert {r["region_code"] for r in subtree} == {"330206", "330206001", "330206002", "330206003"}
    townships = results(api, "/api/v1/progress/", level=4, year=2025, target_code="T001")
    assert {r["region_code"] for r in townships} == {"330206001", "330206002", "330206003"}
    outside = api.get("/api/v1/progress/", {"within": world.other_county.pk}).json()
    assert (outside["count"], outside["results"], outside["next"]) == (0, [], None)


def test_progress_filters_by_indicator_status_and_years(api, world):
    by_indicator = results(api, "/api/v1/progress/", indicator_code="qualified_rate")
    assert {r["indicator_code"] for r in by_indicator} == {"qualified_rate"}
    assert {r["year"] for r in by_indicator} == {2024, 2025, 2026}
    wanted = [Status.MET, Status.NO_DATA]
    by_status = api.get("/api/v1/progress/", {"status": wanted, "page_size": 1000}).json()["results"]
    assert by_status and {r["status"] for r in by_status} <= set(wanted)
    expected = TargetProgress.objects.filter(status__in=wanted).count()
    assert len(by_status) == expected
    recent = results(api, "/api/v1/progress/", year_min=2025, year_max=2025)
    assert {r["year"] for r in recent} == {2025}


def test_progress_ordering(api, world):
    rows = results(api, "/api/v1/progress/", year=2025, level=4, ordering="-value,region")
    values = [r["value"] for r in rows]
    known = [v for v in values if v is not None]
    assert None in values and values == sorted(known, reverse=True) + [None] * (len(values) - len(known))
    rows = results(api, "/api/v1/progress/", year=2025, level=4, ordering="value")
    values = [r["value"] for r in rows]
    assert values == sorted(known) + [None] * (len(values) - len(known))  # no data comes last both ways
    response = api.get("/api/v1/progress/", {"ordering": "password"})
    assert response.status_code == 400
    assert list(error_of(response).fields) == ["ordering"]


@pytest.mark.parametrize("page_size", [10, 1000])
def test_a_page_of_progress_takes_three_queries_whatever_its_size(api, world, page_size):
    api.get("/api/v1/ping/")  # the token's last_used is written on first use, not on every request
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/progress/", {"page_size": page_size, "plan": world.plan.pk, "year": 2025})
    assert response.status_code == 200
    assert len(response.json()["results"]) == min(page_size, response.json()["count"]) > 1
    # The token with its user and scope; the count; the page with plan, indicator, region and target.
    assert len(queries) == 3, [q["sql"] for q in queries]


# ---------------------------------------------------------------- schools, regions, elements


def test_schools_filter_by_subtree_type_ownership_and_inclusive(api, world):
    codes = lambda **q: {r["code"] for r in results(api, "/api/v1/schools/", **q)}  # noqa: E731
    assert codes(within=world.t1.pk) == {"K1", "K2", "P1"}
    assert codes(region=world.t3.pk) == {"K4", "M2", "M3"}
    assert codes(school_type=["primary", "migrant"]) == {"P1", "P2", "M1", "M2", "M3"}
    assert codes(school_type="kindergarten", ownership="private") == {"K2", "K3"}
    assert codes(is_inclusive="true") == {"K2"}
    assert codes(is_inclusive="false", school_type="kindergarten") == {"K1", "K3", "K4"}


def test_schools_filter_by_their_grade_in_a_year(api, world):
    codes = lambda **q: {r["code"] for r in results(api, "/api/v1/schools/", **q)}  # noqa: E731
    assert codes(year=2024, grade=KindergartenGrade.L2_STAR3) == {"K3"}
    assert codes(year=2025, grade=KindergartenGrade.L2_STAR3) == {"K2", "K4"}
    assert codes(year=2025, grade_min=KindergartenGrade.L2_STAR3) == {"K1", "K2", "K4"}
    SchoolYearFactory(school=SchoolFactory(code="NEW", region=world.t1, kindergarten=True), year=2026)
    assert codes(year=2026) == {"NEW"}
    response = api.get("/api/v1/schools/", {"grade": KindergartenGrade.L1})
    assert response.status_code == 400
    assert error_of(response).fields == {"year": ["按等级筛选时必须同时指定年度 year。"]}


def test_regions_filter_by_subtree_level_and_parent(api, world):
    codes = lambda **q: {r["code"] for r in results(api, "/api/v1/regions/", **q)}  # noqa: E731
    assert codes() == {"330206", "330206001", "330206002", "330206003"}
    assert codes(level=4) == codes(parent=world.county.pk) == {"330206001", "330206002", "330206003"}
    assert codes(within=world.t2.pk) == {"330206002"}


def test_data_elements_filter_by_the_school_type_that_reports_them(api, world):
    from schools.models import DataElement

    DataElement.objects.filter(code="students").update(school_types=["primary", "migrant"])
    kindergarten = {r["code"] for r in results(api, "/api/v1/data-elements/", school_type="kindergarten")}
    primary = {r["code"] for r in results(api, "/api/v1/data-elements/", school_type="primary")}
    assert "students" in primary and "students" not in kindergarten
    assert "pop_3_5" not in primary  # region-level
    assert {r["code"] for r in results(api, "/api/v1/data-elements/", level="region")} == {"pop_3_5"}


# ---------------------------------------------------------------- plans, tasks, indicators, targets


def test_plans_filter_by_year_and_tasks_carry_their_units(api, world):
    from plans.models import AssignmentRole, TaskAssignment

    assert [p["code"] for p in results(api, "/api/v1/plans/", year=2025)] == [world.plan.code]
    assert results(api, "/api/v1/plans/", year=2030) == []
    TaskAssignment.objects.create(task=world.task, role=AssignmentRole.LEAD, region=world.county)
    TaskAssignment.objects.create(task=world.task, role=AssignmentRole.RESPONSIBLE, school=world.k1)
    task = results(api, "/api/v1/tasks/", plan=world.plan.pk)[0]
    assert task["assignments"] == [
        {"role": "lead", "unit_type": "region", "unit_id": world.county.pk, "unit_name": "北仑区"},
        {"role": "responsible", "unit_type": "school", "unit_id": world.k1.pk, "unit_name": world.k1.name},
    ]


def test_indicators_come_with_their_definitions_and_targets_with_their_plan(api, world):
    indicator = results(api, "/api/v1/indicators/", code="qualified_rate")[0]
    assert indicator["definition"]["factor"] == 100
    targets = results(api, "/api/v1/targets/", plan=world.plan.pk, indicator_code="std_projects")
    assert {(t["region_code"], t["display_value"]) for t in targets} == {("330206", "≥9"), ("330206001", "≥3")}


def test_a_task_update_moves_the_task_unless_an_older_one_arrives_late(api, world):
    url = f"/api/v1/tasks/{world.task.pk}/updates/"
    first = api.post(url, {"date": "2025-06-30", "status": "in_progress", "progress": 40, "note": "完成初稿"})
    assert first.status_code == 201
    assert first.json()["author"] == "district"
    late = api.post(url, {"date": "2025-03-31", "status": "not_started", "progress": 0, "note": "一季度"})
    assert late.status_code == 201
    task = Task.objects.get(pk=world.task.pk)
    assert (task.status, task.progress) == (TaskStatus.IN_PROGRESS, 40)
    assert [u["date"] for u in results(api, url)] == ["2025-06-30", "2025-03-31"]
    bad = api.post(url, {"status": "finished", "progress": 101})
    assert bad.status_code == 400
    assert set(error_of(bad).fields) == {"status", "progress", "note"}


# ---------------------------------------------------------------- pagination


def test_pages_are_bounded(api, world):
    page = api.get("/api/v1/progress/").json()
    assert len(page["results"]) == 100 and page["next"] and page["count"] > 100
    assert len(api.get("/api/v1/progress/", {"page_size": 1000}).json()["results"]) == page["count"]
    for bad in ("0", "1001", "-1", "x"):
        response = api.get("/api/v1/progress/", {"page_size": bad})
        assert response.status_code == 400 and list(error_of(response).fields) == ["page_size"]
    assert api.get("/api/v1/progress/", {"page": "abc"}).status_code == 400
    beyond = api.get("/api/v1/progress/", {"page": 999})
    assert beyond.status_code == 404 and error_of(beyond).code == "not_found"


def test_a_clerk_does_not_see_the_progress_of_another_schools_own_plan(client_as, world):
    from reports.services import rollup_full
    from targets.models import Indicator
    from tests.factories import PlanFactory, TargetFactory

    own_plan = PlanFactory(code="k2-own", region=world.t1, school=world.k2)
    indicator = Indicator.objects.get(code="qualified_rate")
    TargetFactory(plan=own_plan, indicator=indicator, region=world.t1, code="T001")
    rollup_full()
    assert TargetProgress.objects.filter(plan=own_plan, region=world.t1).exists()

    def plans_seen_by(role):
        rows = client_as(role).get("/api/v1/progress/", {"page_size": 1000}).json()["results"]
        return {row["plan_code"] for row in rows}

    assert "k2-own" not in plans_seen_by("clerk")  # the school plan of 新碶's other kindergarten
    assert "k2-own" in plans_seen_by("township")
