"""A bureau system's whole path through the API alone: token, a year of values in, the rollup, progress out."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from schools.models import Channel, DataValue
from tests.factories import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_a_system_pushes_a_schools_year_and_reads_the_districts_new_progress(world, django_capture_on_commit_callbacks):
    client = APIClient()
    credentials = {"username": "district", "password": DEMO_PASSWORD, "name": "学籍系统"}
    response = client.post("/api/v1/auth/token/", credentials)
    assert response.status_code == 201
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['key']}")

    def t001_in_2025():
        query = {"plan": world.plan.pk, "region_code": "330206", "year": 2025, "target_code": "T001"}
        rows = client.get("/api/v1/progress/", query).json()["results"]
        assert len(rows) == 1
        return rows[0]

    # 专任教师学历合格率 ≥ 90%: k1 90/100, k2 2/10, k3 19/20 → 111/130 = 85.4%; k4 has not reported 2025.
    before = t001_in_2025()
    assert before["value"] == pytest.approx(85.384615, abs=1e-6)
    assert before["status"] == "on_track"
    assert before["target"]["comparator"] == "ge" and before["target"]["value"] == 90

    year = {"kg_teachers": 70, "kg_teachers_qualified": 70, "kg_children": 600, "kg_children_3_5": "580"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/data-values/", {"items": [{"school": "K4", "year": 2025, "values": year}]})
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 4
    stored = DataValue.objects.filter(school_year__school=world.k4, school_year__year=2025, element__code__in=year)
    assert {v.element.code: v.value for v in stored} == {code: Decimal(v) for code, v in year.items()}
    audit = DataValue.history.filter(school_year__in=stored.values("school_year"), element__code__in=year)
    assert {(h.channel, h.history_user.username) for h in audit} == {(Channel.API, "district")}

    # 181/200 = 90.5%: met, and the value the district's dashboard reads is the new one.
    after = t001_in_2025()
    assert after["value"] == pytest.approx(90.5)
    assert after["status"] == "met"
    query = {"region_code": "330206", "year": 2025, "indicator_code": "qualified_rate"}
    row = client.get("/api/v1/indicator-values/", query).json()["results"][0]
    assert (row["numerator"], row["denominator"], row["value"]) == (181, 200, pytest.approx(90.5))

    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/progress/").status_code == 401
