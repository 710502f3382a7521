"""The API's permission matrix: every endpoint, for every role, in and out of scope, as in the UI.

404 means "not in your scope" (existence is not revealed); 403 means "in scope, but your role (or a
read-only token, or having no scope at all) cannot do this"; 401 means no or a bad token.
"""

import pytest

from reports.models import IndicatorValue, TargetProgress
from schools.models import DataElement
from targets.models import Target
from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db


def table(clerk, township, district, official, admin, no_scope=403, anonymous=401) -> dict:
    return dict(
        clerk=clerk,
        township=township,
        district=district,
        official=official,
        admin=admin,
        no_scope=no_scope,
        anonymous=anonymous,
    )


EVERYONE = table(200, 200, 200, 200, 200)
DISTRICT_UP = table(404, 404, 200, 200, 200)  # the district's own rows: not for a township's people
TOWNSHIP_T1 = table(200, 200, 200, 200, 200)  # 新碶 (the clerk's school and the township staff's own)
TOWNSHIP_T2 = table(404, 404, 200, 200, 200)  # 大碶: the district sees it, 新碶's people do not
ADMIN_ONLY = table(404, 404, 404, 404, 200)  # 镇海区 next door

READS = {
    "root": ("/api/v1/", EVERYONE),
    "ping": ("/api/v1/ping/", EVERYONE),
    "regions": ("/api/v1/regions/", EVERYONE),
    "region county": ("/api/v1/regions/{w.county.pk}/", DISTRICT_UP),
    "region t1": ("/api/v1/regions/{w.t1.pk}/", TOWNSHIP_T1),
    "region t2": ("/api/v1/regions/{w.t2.pk}/", TOWNSHIP_T2),
    "region other": ("/api/v1/regions/{w.other_county.pk}/", ADMIN_ONLY),
    "schools": ("/api/v1/schools/", EVERYONE),
    "school k1": ("/api/v1/schools/{w.k1.pk}/", TOWNSHIP_T1),
    "school k3": ("/api/v1/schools/{w.k3.pk}/", TOWNSHIP_T2),
    "school other": ("/api/v1/schools/{w.other_school.pk}/", ADMIN_ONLY),
    "data elements": ("/api/v1/data-elements/", EVERYONE),
    "data element": ("/api/v1/data-elements/{element}/", EVERYONE),
    "data values": ("/api/v1/data-values/", EVERYONE),
    "plans": ("/api/v1/plans/", EVERYONE),
    "plan": ("/api/v1/plans/{w.plan.pk}/", EVERYONE),
    "plan other": ("/api/v1/plans/{w.other_plan.pk}/", ADMIN_ONLY),
    "tasks": ("/api/v1/tasks/", EVERYONE),
    "task": ("/api/v1/tasks/{w.task.pk}/", EVERYONE),
    "task other": ("/api/v1/tasks/{w.other_task.pk}/", ADMIN_ONLY),
    "task updates": ("/api/v1/tasks/{w.task.pk}/updates/", EVERYONE),
    "task updates other": ("/api/v1/tasks/{w.other_task.pk}/updates/", ADMIN_ONLY),
    "indicators": ("/api/v1/indicators/", EVERYONE),
    "indicator": ("/api/v1/indicators/{indicator}/", EVERYONE),
    "targets": ("/api/v1/targets/", EVERYONE),
    "target of the district": ("/api/v1/targets/{target_county}/", EVERYONE),  # applies to townships too
    "target split to t1": ("/api/v1/targets/{target_t1}/", TOWNSHIP_T1),
    "indicator values": ("/api/v1/indicator-values/", EVERYONE),
    "indicator value county": ("/api/v1/indicator-values/{value_county}/", DISTRICT_UP),
    "indicator value t1": ("/api/v1/indicator-values/{value_t1}/", TOWNSHIP_T1),
    "indicator value t2": ("/api/v1/indicator-values/{value_t2}/", TOWNSHIP_T2),
    "progress": ("/api/v1/progress/", EVERYONE),
    "progress county": ("/api/v1/progress/{progress_county}/", DISTRICT_UP),
    "progress t1": ("/api/v1/progress/{progress_t1}/", TOWNSHIP_T1),
    "progress t2": ("/api/v1/progress/{progress_t2}/", TOWNSHIP_T2),
    "schema": ("/api/schema/", table(200, 200, 200, 200, 200, no_scope=200, anonymous=200)),
    "docs": ("/api/docs/", table(200, 200, 200, 200, 200, no_scope=200, anonymous=200)),
}


def url_of(world, template: str) -> str:
    value = IndicatorValue.objects.filter(indicator__code="qualified_rate", year=2025)
    progress = TargetProgress.objects.filter(plan=world.plan, target_code="T001", year=2025)
    ids = {
        "element": DataElement.objects.get(code="kg_children").pk,
        "indicator": value.first().indicator_id,
        "target_county": Target.objects.get(plan=world.plan, code="T001").pk,
        "target_t1": Target.objects.get(plan=world.plan, region=world.t1).pk,
        "value_county": value.get(region=world.county).pk,
        "value_t1": value.get(region=world.t1).pk,
        "value_t2": value.get(region=world.t2).pk,
        "progress_county": progress.get(region=world.county).pk,
        "progress_t1": progress.get(region=world.t1).pk,
        "progress_t2": progress.get(region=world.t2).pk,
    }
    return template.format(w=world, **ids)


@pytest.mark.parametrize("role", ROLES)
def test_reading_every_endpoint(client_as, world, role):
    """One world per role (building it is the slow part); every endpoint that answers otherwise is listed."""
    client = client_as(role)
    got = {endpoint: client.get(url_of(world, template)).status_code for endpoint, (template, _) in READS.items()}
    assert got == {endpoint: expected[role] for endpoint, (_, expected) in READS.items()}


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_is_in_scope(client_as, world, role):
    if role in ("no_scope", "anonymous"):
        return
    client = client_as(role)
    schools = {row["code"] for row in client.get("/api/v1/schools/").json()["results"]}
    regions = {row["code"] for row in client.get("/api/v1/regions/").json()["results"]}
    plans = {row["code"] for row in client.get("/api/v1/plans/").json()["results"]}
    levels = {row["level"] for row in client.get("/api/v1/progress/", {"page_size": 1000}).json()["results"]}
    expected = {
        "clerk": ({"K1"}, {"330206001"}, {world.plan.code}, {4}),
        "township": ({"K1", "K2", "P1"}, {"330206001"}, {world.plan.code}, {4}),
        "district": ({"K1", "K2", "K3", "K4", "P1", "P2", "M1", "M2", "M3"}, None, {world.plan.code}, {3, 4}),
        "official": ({"K1", "K2", "K3", "K4", "P1", "P2", "M1", "M2", "M3"}, None, {world.plan.code}, {3, 4}),
        "admin": (None, None, {world.plan.code, "zhenhai-plan"}, {3, 4}),
    }[role]
    assert expected[0] is None or schools == expected[0]
    assert expected[1] is None or regions == expected[1]
    assert plans == expected[2]
    assert levels == expected[3]
    if role in ("district", "official"):
        assert "330211" not in regions and "330206" in regions
    if role == "admin":
        assert "ZH01" in schools


WRITE_K1 = table(200, 200, 200, 403, 200)
WRITE_K3 = table(400, 400, 200, 403, 200)  # out of scope: the item is refused, with its index


@pytest.mark.parametrize("role", ROLES)
def test_writing_data_values(client_as, world, role):
    client = client_as(role)
    for school, expected in (("K1", WRITE_K1[role]), ("K3", WRITE_K3[role])):
        body = {"items": [{"school": school, "year": 2025, "values": {"kg_children": 333}}]}
        response = client.post("/api/v1/data-values/", body)
        assert response.status_code == expected, (school, response.content[:300])
        if expected == 400:
            assert response.json()["error"]["items"][0]["field"] == "school"


UPDATE_TASK = table(403, 201, 201, 403, 201)
UPDATE_OTHER_TASK = table(403, 404, 404, 403, 201)


@pytest.mark.parametrize("role", ROLES)
def test_reporting_task_progress(client_as, world, role):
    client = client_as(role)
    body = {"date": "2025-06-30", "status": "in_progress", "progress": 40, "note": "已完成布局规划初稿"}
    for task, expected in ((world.task, UPDATE_TASK[role]), (world.other_task, UPDATE_OTHER_TASK[role])):
        response = client.post(f"/api/v1/tasks/{task.pk}/updates/", body)
        assert response.status_code == expected, (task.plan.code, response.content[:300])


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_every_user_can_obtain_and_revoke_a_token(client_as, world, role):
    from rest_framework.test import APIClient

    from tests.factories import DEMO_PASSWORD

    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": world.users[role].username, "password": DEMO_PASSWORD})
    assert response.status_code == 201
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['key']}")
    assert client.delete("/api/v1/auth/token/").status_code == 204


def test_anonymous_cannot_revoke_anything(client_as):
    assert client_as("anonymous").delete("/api/v1/auth/token/").status_code == 401


@pytest.mark.parametrize("role", ["clerk", "district", "admin"])
def test_a_read_only_token_reads_but_never_writes(client_as, world, role):
    client = client_as(role, read_only=True)
    assert client.get("/api/v1/progress/").status_code == 200
    body = {"items": [{"school": "K1", "year": 2025, "values": {"kg_children": 333}}]}
    response = client.post("/api/v1/data-values/", body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    update = {"status": "in_progress", "progress": 40, "note": "x"}
    assert client.post(f"/api/v1/tasks/{world.task.pk}/updates/", update).status_code == 403
    assert client.delete("/api/v1/auth/token/").status_code == 204  # revoking itself is allowed


def test_the_browser_session_reads_and_its_writes_need_the_csrf_token(world):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["district"])
    assert client.get("/api/v1/progress/").status_code == 200
    body = {"items": [{"school": "K1", "year": 2025, "values": {"kg_children": 333}}]}
    response = client.post("/api/v1/data-values/", body)
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
