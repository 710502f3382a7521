"""The OpenAPI schema describes every endpoint, filter and error; the docs are served from local files."""

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))  # fails on any warning
    return yaml.safe_load(path.read_text())


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    error = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        expected = (
            {"400", "429"}
            if path == "/api/v1/auth/token/" and method == "post"
            else {"400", "401", "403", "404", "429"}
        )
        assert expected <= set(responses), (path, method)
        for code in expected:
            assert responses[code]["content"]["application/json"]["schema"] == error, (path, method, code)


def test_every_endpoint_is_in_the_schema_and_needs_a_token_or_a_session(schema):
    paths = set(schema["paths"])
    for name in (
        "regions",
        "schools",
        "data-elements",
        "plans",
        "tasks",
        "indicators",
        "targets",
        "indicator-values",
        "progress",
    ):
        assert {f"/api/v1/{name}/", f"/api/v1/{name}/{{id}}/"} <= paths
    assert {"/api/v1/data-values/", "/api/v1/tasks/{task_id}/updates/", "/api/v1/auth/token/", "/api/v1/ping/"} <= paths
    assert schema["components"]["securitySchemes"]["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": schema["components"]["securitySchemes"]["tokenAuth"]["description"],
    }
    progress = schema["paths"]["/api/v1/progress/"]["get"]
    assert {"tokenAuth": []} in progress["security"]


def test_the_progress_filters_are_described(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/progress/"]["get"]["parameters"]}
    assert {
        "plan",
        "indicator",
        "region",
        "region_code",
        "within",
        "level",
        "year",
        "status",
        "ordering",
        "page_size",
    } <= set(parameters)
    assert parameters["page_size"]["schema"]["maximum"] == 1000
    assert set(parameters["status"]["schema"]["items"]["enum"]) == {
        "met",
        "on_track",
        "at_risk",
        "off_track",
        "no_data",
        "no_target",
    }


def test_the_bulk_write_is_described_with_its_item_problems(schema):
    post = schema["paths"]["/api/v1/data-values/"]["post"]
    assert list(post["requestBody"]["content"]) == ["application/json"]
    detail = schema["components"]["schemas"]["ErrorDetail"]["properties"]
    assert set(detail) == {"code", "message", "fields", "items"}


def test_the_docs_load_swagger_ui_from_this_server(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "unpkg" not in html and "jsdelivr" not in html
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert client.get("/api/schema/").status_code == 200
