"""Bulk writes of annual values: checked whole, all or nothing, every problem reported with its index."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from api import services
from reports.models import RecomputeRequest
from schools.models import Channel, DataValue, Submission, ValidationRule
from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/data-values/"


def snapshot() -> list[tuple]:
    return sorted(
        DataValue.objects.values_list("school_year__school__code", "school_year__year", "element__code", "value")
    )


def values_of(code: str, year: int) -> dict:
    rows = DataValue.objects.filter(school_year__school__code=code, school_year__year=year)
    return {v.element.code: v.value for v in rows.select_related("element")}


def test_a_good_batch_of_schools_and_years_is_saved_and_audited_as_api(client_as, world):
    items = [
        {"school": "K1", "year": 2025, "values": {"kg_children": 320, "kg_teachers": "101"}},
        {"school": "K2", "year": 2024, "values": {"kg_children": 1_05, "kg_teachers_qualified": None}},
        {"school": "P2", "year": 2026, "values": {"students": "1,200", "computers": 130}},
    ]
    response = client_as("district").post(URL, {"items": items})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["created"], body["updated"], body["deleted"]) == (2, 3, 1)
    assert [(i["index"], i["school"], i["year"]) for i in body["items"]] == [
        (0, "K1", 2025),
        (1, "K2", 2024),
        (2, "P2", 2026),
    ]
    assert values_of("K1", 2025)["kg_teachers"] == 101
    assert "kg_teachers_qualified" not in values_of("K2", 2024)  # null deletes: no data, not 0
    assert values_of("P2", 2026) == {"students": 1200, "computers": 130}
    history = DataValue.history.filter(school_year__school__code="P2", school_year__year=2026)
    assert {(h.channel, h.history_user.username) for h in history} == {(Channel.API, "district")}
    # A school-year that gets values has a submission (a draft), as with the form; the rollup is due.
    assert Submission.objects.get(school=world.p2, year=2026).status == Submission.Status.DRAFT
    assert RecomputeRequest.objects.filter(year=2026, region=world.t2).exists()


def test_one_bad_item_and_nothing_is_saved(client_as, world):
    before = snapshot()
    items = [
        {"school": "K1", "year": 2025, "values": {"kg_children": 320}},
        {"school": "K2", "year": 2025, "values": {"kg_children": "一百"}},
        {"school": "K3", "year": 2025, "values": {"kg_children": 140}},
    ]
    response = client_as("district").post(URL, {"items": items})
    assert response.status_code == 400
    error = error_of(response)
    assert error.code == "invalid_items"
    assert error.items == [{"index": 1, "field": "values.kg_children", "reason": "“一百” 不是数字"}]
    assert error.fields == {"items.1.values.kg_children": ["“一百” 不是数字"]}
    assert snapshot() == before


def test_every_bad_item_is_reported_at_once(client_as, world):
    ValidationRule.objects.create(
        code="qualified_le_teachers",
        message="学历合格教师数不能多于专任教师数",
        left=["kg_teachers_qualified"],
        op="le",
        right=["kg_teachers"],
    )
    before = snapshot()
    items = [
        {"school": "K1", "year": 2025, "values": {"kg_children": 320}},  # fine
        {"school": "NOPE", "year": 2025, "values": {"kg_children": 1}},
        {"school": "K2", "year": 1999, "values": {"kg_children": 1}},
        {"school": "K2", "year": 2025, "values": {"kg_children": 1.5, "pop_3_5": 9, "nonsense": 1}},
        {"school": "K1", "year": 2025, "values": {"kg_children": 321}},
        {"school": "K3", "year": 2025, "values": {"kg_teachers_qualified": 25}},  # stored kg_teachers is 20
        {"school": "K3", "year": 2024},
        "not an object",
        {"school": "K4", "year": 2099, "values": {"kg_children": 1}},
    ]
    response = client_as("district").post(URL, {"items": items})
    assert response.status_code == 400
    problems = {(p["index"], p["field"]): p["reason"] for p in error_of(response).items}
    assert problems[(1, "school")] == "学校代码“NOPE”不存在或不在您的管理范围内"
    assert (2, "year") in problems
    assert problems[(3, "values.kg_children")] == "必须是整数"
    assert problems[(3, "values.pop_3_5")] == "该学校不填报此项"  # a region's element, not a school's
    assert problems[(3, "values.nonsense")] == "该学校不填报此项"
    assert problems[(4, "school")] == "与第 0 条重复（同一学校、同一年度）"
    assert problems[(5, "values.kg_teachers_qualified")].startswith("学历合格教师数不能多于专任教师数")
    assert (6, "values") in problems
    assert 7 in {index for index, _field in problems}
    assert problems[(8, "year")] == "年度超出范围"
    assert 0 not in {index for index, _field in problems}
    assert snapshot() == before


def test_a_school_outside_the_scope_reads_like_one_that_does_not_exist(client_as, world):
    items = [
        {"school": "K1", "year": 2025, "values": {"kg_children": 320}},
        {"school": "K3", "year": 2025, "values": {"kg_children": 320}},  # 大碶: not the 新碶 staff's
        {"school": "ZH01", "year": 2025, "values": {"kg_children": 320}},  # another district
    ]
    response = client_as("township").post(URL, {"items": items})
    assert response.status_code == 400
    assert error_of(response).items == [
        {"index": 1, "field": "school", "reason": "学校代码“K3”不存在或不在您的管理范围内"},
        {"index": 2, "field": "school", "reason": "学校代码“ZH01”不存在或不在您的管理范围内"},
    ]
    assert values_of("K1", 2025)["kg_children"] == 310


def test_a_clerk_writes_only_their_school(client_as, world):
    ok = client_as("clerk").post(URL, {"items": [{"school": "K1", "year": 2026, "values": {"kg_children": 5}}]})
    assert ok.status_code == 200
    refused = client_as("clerk").post(URL, {"items": [{"school": "K2", "year": 2026, "values": {"kg_children": 5}}]})
    assert refused.status_code == 400
    assert not DataValue.objects.filter(school_year__school=world.k2, school_year__year=2026).exists()


@pytest.mark.parametrize("status", [Submission.Status.SUBMITTED, Submission.Status.APPROVED])
def test_a_locked_submission_is_refused_unless_the_item_changes_nothing(client_as, world, status):
    Submission.objects.create(school=world.k1, year=2025, status=status)
    before = snapshot()
    client = client_as("district")
    items = [
        {"school": "K2", "year": 2025, "values": {"kg_children": 111}},
        {"school": "K1", "year": 2025, "values": {"kg_children": 310, "kg_teachers": 99, "staff": 5}},
    ]
    response = client.post(URL, {"items": items})
    assert response.status_code == 400
    label = Submission.Status(status).label
    assert error_of(response).items == [
        {"index": 1, "field": "values.kg_teachers", "reason": f"该校 2025 年数据{label}，不能修改（原值：100）"},
        {"index": 1, "field": "values.staff", "reason": f"该校 2025 年数据{label}，不能修改（原值：空）"},
    ]
    assert snapshot() == before
    # Resending exactly what is stored (a sync that sends everything) is accepted and writes nothing there.
    items[1]["values"] = {"kg_children": "310", "kg_teachers": 100.0, "staff": None}
    response = client.post(URL, {"items": items})
    assert response.status_code == 200, response.json()
    assert response.json()["items"][1] == {
        "index": 1,
        "school": "K1",
        "year": 2025,
        "created": 0,
        "updated": 0,
        "deleted": 0,
    }
    assert values_of("K2", 2025)["kg_children"] == 111


def test_a_submission_locked_between_the_check_and_the_write_stops_the_whole_batch(world):
    user = world.users["district"]
    items = [(0, {"school": "K2", "year": 2025, "values": {"kg_children": 1}})]
    items.append((1, {"school": "K1", "year": 2025, "values": {"kg_children": 2}}))
    checked, problems = services.data_values_check(user=user, items=items)
    assert problems == []
    Submission.objects.create(school=world.k1, year=2025, status=Submission.Status.SUBMITTED)
    before = snapshot()
    with pytest.raises(ValidationError, match="已提交"):
        services.data_values_write(items=checked, user=user)
    assert snapshot() == before


def test_the_same_request_twice_gives_the_same_state(client_as, world):
    client = client_as("district")
    body = {
        "items": [
            {"school": "K1", "year": 2025, "values": {"kg_children": 320, "staff": 30, "staff_certified": None}},
            {"school": "M2", "year": 2024, "values": {"students": 210, "computers": 40}},
        ]
    }
    first = client.post(URL, body)
    assert first.status_code == 200
    state, audit = snapshot(), DataValue.history.count()
    second = client.post(URL, body)
    assert second.status_code == 200
    assert (second.json()["created"], second.json()["updated"], second.json()["deleted"]) == (0, 0, 0)
    assert snapshot() == state
    assert DataValue.history.count() == audit


def test_a_read_only_token_cannot_write(client_as, world):
    before = snapshot()
    body = {"items": [{"school": "K1", "year": 2025, "values": {"kg_children": 1}}]}
    response = client_as("district", read_only=True).post(URL, body)
    assert response.status_code == 403
    assert error_of(response).message == "只读令牌不能写入数据。"
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"items": []},
        {"items": {"school": "K1"}},
        {"items": [{"school": "K1", "year": 2025, "values": {"kg_children": 1}}] * 1001},
        ["not", "an", "object"],
    ],
)
def test_a_body_of_the_wrong_shape_is_a_400_with_the_field(client_as, world, body):
    response = client_as("district").post(URL, body)
    assert response.status_code == 400
    error = error_of(response)
    assert error.code == "invalid" and list(error.fields) == ["items"]


def test_only_json_is_accepted(client_as, world):
    response = client_as("district").post(URL, {"items": "x"}, format="multipart")
    assert response.status_code == 415
    assert error_of(response).code == "unsupported_media_type"
    malformed = client_as("district").post(URL, "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert error_of(malformed).code == "parse_error"


def test_reading_values_back_by_school_year_and_subtree(client_as, world):
    client = client_as("district")
    rows = client.get(URL, {"school_code": "K1", "year": 2025}).json()["results"]
    assert {r["element"]: r["value"] for r in rows} == {
        "kg_teachers": 100,
        "kg_teachers_qualified": 90,
        "kg_children": 310,
        "kg_children_3_5": 205,
    }
    within_t2 = client.get(URL, {"within": world.t2.pk, "year": 2025, "page_size": 1000}).json()["results"]
    assert {r["school_code"] for r in within_t2} == {"K3", "P2", "M1"}
    assert Decimal(str(rows[0]["value"])) == rows[0]["value"]
