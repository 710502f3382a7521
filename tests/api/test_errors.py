"""One error shape everywhere, in Chinese by default, and never a 500 for bad input."""

import pytest
from django.urls import resolve

from tests.api.conftest import error_of

pytestmark = pytest.mark.django_db

LISTS = [
    "/api/v1/regions/",
    "/api/v1/schools/",
    "/api/v1/data-elements/",
    "/api/v1/data-values/",
    "/api/v1/plans/",
    "/api/v1/tasks/",
    "/api/v1/indicators/",
    "/api/v1/targets/",
    "/api/v1/indicator-values/",
    "/api/v1/progress/",
]
JUNK = ["", "-1", "9" * 30, "1e9", "北仑", "a\x00b", "'; drop table x; --", "true"]


def parameters_of(url: str) -> list[str]:
    """The query parameters of a list endpoint: its filters, ordering and pagination."""
    view = resolve(url).func.cls
    return [*view.filterset_class.base_filters, "ordering", "page", "page_size"]


def test_errors_have_one_shape_and_speak_chinese_by_default(client_as, world):
    anonymous = client_as("anonymous").get("/api/v1/progress/")
    assert anonymous.status_code == 401
    assert vars(error_of(anonymous)) == {"code": "not_authenticated", "message": "身份认证信息未提供。", "fields": {}}
    missing = client_as("district").get(f"/api/v1/schools/{world.other_school.pk}/")
    assert missing.status_code == 404
    assert vars(error_of(missing)) == {
        "code": "not_found",
        "message": "未找到该对象，或它不在您的管理范围内。",
        "fields": {},
    }
    forbidden = client_as("official").post("/api/v1/data-values/", {"items": []})
    assert forbidden.status_code == 403
    assert error_of(forbidden).message == "您的角色只能查看数据，不能填报。"
    no_scope = client_as("no_scope").get("/api/v1/progress/")
    assert no_scope.status_code == 403
    assert error_of(no_scope).message == "您的账号尚未分配管理范围，请联系管理员。"


def test_the_request_language_is_honoured(client_as, world):
    response = client_as("anonymous").get("/api/v1/progress/", HTTP_ACCEPT_LANGUAGE="en")
    assert error_of(response).message == "Authentication credentials were not provided."


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing/", 404, "not_found"),
        ("get", "/api/v1/schools/abc/", 404, "not_found"),
        ("get", "/api/v1/schools/99999999999999999999999/", 404, "not_found"),
        ("get", "/api/v1/progress", 404, "not_found"),  # no trailing slash
        ("post", "/api/v1/no-such-thing/", 404, "not_found"),
        ("delete", "/api/v1/progress/", 405, "method_not_allowed"),
        ("put", "/api/v1/data-values/", 405, "method_not_allowed"),
        ("post", "/api/v1/ping/", 405, "method_not_allowed"),
    ],
)
def test_wrong_addresses_and_methods_answer_in_the_same_shape(client_as, world, method, url, status, code):
    response = getattr(client_as("district"), method)(url)
    assert response.status_code == status
    assert error_of(response).code == code


@pytest.mark.parametrize("url", LISTS)
def test_junk_in_any_filter_is_never_a_server_error(client_as, world, url):
    client = client_as("district")
    statuses = set()
    for name in parameters_of(url):
        for junk in JUNK:
            response = client.get(url, {name: junk})
            assert response.status_code in (200, 400, 404), (name, junk, response.status_code)
            if response.status_code != 200:
                error_of(response)
            statuses.add(response.status_code)
    assert 400 in statuses


@pytest.mark.parametrize(
    "value",
    [None, True, [], {}, "", " ", "1.5e400", "NaN", "Infinity", "-0", "1" * 40, "1\x00", 1e300, -1, 10**30],
)
def test_junk_values_in_a_bulk_write_are_problems_not_server_errors(client_as, world, value):
    body = {"items": [{"school": "K1", "year": 2026, "values": {"kg_children": value, "": 1, "\x00": 2}}]}
    response = client_as("district").post("/api/v1/data-values/", body)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert all({"index", "field", "reason"} == set(item) for item in error_of(response).items)


def test_an_address_with_a_newline_is_a_json_404_too(client_as, world):
    response = client_as("district").get("/api/v1/plans/%0A%3F/")
    assert response.status_code == 404
    assert error_of(response).code == "not_found"
