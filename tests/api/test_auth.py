"""Tokens: obtained with a password, several per user, read-only ones for BI tools, revoked by the user or an admin."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken, token_digest
from tests.api.conftest import error_of
from tests.factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def obtain(username: str, **extra) -> dict:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": DEMO_PASSWORD, **extra})
    assert response.status_code == 201, response.content
    return response.json()


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_shown_once_and_only_its_digest_is_stored(world):
    body = obtain("district", name="BI 报表", read_only=True)
    assert set(body) == {"key", "id", "name", "prefix", "read_only", "user", "created", "last_used"}
    assert (body["name"], body["read_only"], body["user"], body["prefix"]) == (
        "BI 报表",
        True,
        "district",
        body["key"][:8],
    )
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key == token_digest(body["key"]) != body["key"]
    assert with_token(body["key"]).get("/api/v1/ping/").json() == {"ok": True, "user": "district", "role": "staff"}


def test_a_user_may_hold_several_tokens_and_revoking_one_keeps_the_others(world):
    first, second = obtain("district", name="学籍系统"), obtain("district", name="BI")
    assert with_token(first["key"]).delete(TOKEN_URL).status_code == 204
    assert with_token(first["key"]).get("/api/v1/ping/").status_code == 401
    assert with_token(second["key"]).get("/api/v1/ping/").status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [{"username": "district", "password": "wrong"}, {"username": "nobody", "password": DEMO_PASSWORD}],
)
def test_wrong_credentials_get_no_token(world, credentials):
    response = APIClient().post(TOKEN_URL, credentials)
    assert response.status_code == 400
    assert error_of(response).code == "invalid_credentials"
    assert error_of(response).message == "用户名或密码不正确，或账号已停用。"
    assert not ApiToken.objects.exists()


def test_an_inactive_users_tokens_stop_working(world):
    key = obtain("district")["key"]
    world.users["district"].is_active = False
    world.users["district"].save()
    assert with_token(key).get("/api/v1/ping/").status_code == 401
    response = APIClient().post(TOKEN_URL, {"username": "district", "password": DEMO_PASSWORD})
    assert response.status_code == 400


def test_missing_credentials_are_field_errors(db):
    response = APIClient().post(TOKEN_URL, {})
    assert response.status_code == 400
    assert set(error_of(response).fields) == {"username", "password"}


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Token nonsense", "authentication_failed"),
        ("Token", "authentication_failed"),
        ("Token two parts", "authentication_failed"),
    ],
)
def test_requests_without_a_valid_token_are_401_and_say_how_to_authenticate(world, header, code):
    client = APIClient()
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/progress/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response).code == code


def test_an_admin_revokes_a_token_in_the_admin_site(world, client):
    key = obtain("township", name="旧系统")["key"]
    token = ApiToken.objects.get(key=token_digest(key))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    changelist = client.get(reverse("admin:api_apitoken_changelist"))
    assert "旧系统" in changelist.content.decode() and key not in changelist.content.decode()
    response = client.post(reverse("admin:api_apitoken_delete", args=[token.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert with_token(key).get("/api/v1/ping/").status_code == 401


def test_revoking_needs_a_token_request(world):
    client = APIClient()
    client.force_login(world.users["district"])
    response = client.delete(TOKEN_URL)
    assert response.status_code == 400
    assert error_of(response).message == "本次请求不是用令牌认证的，没有可撤销的令牌。"


def test_last_used_is_recorded(world):
    key = obtain("official")["key"]
    assert ApiToken.objects.get().last_used is None
    with_token(key).get("/api/v1/ping/")
    assert ApiToken.objects.get().last_used is not None


def test_the_management_command_makes_a_working_token(world, capsys):
    call_command("api_token", "official", "--name", "大屏", "--read-only")
    key = capsys.readouterr().out.strip()
    assert with_token(key).get("/api/v1/ping/").json()["user"] == "official"
    assert ApiToken.objects.get(key=token_digest(key)).read_only
    with pytest.raises(CommandError):
        call_command("api_token", "nobody")


def test_requests_beyond_the_rate_are_429_with_retry_after(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "3/minute", "auth": "5/minute"},
    }
    client = with_token(obtain("district")["key"])
    assert [client.get("/api/v1/ping/").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = client.get("/api/v1/ping/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert error_of(response).code == "throttled"
    # Anonymous requests are refused (401) before they are counted, except where anonymity is allowed;
    # obtaining the token above was one of this address's three.
    anonymous = APIClient()
    assert [anonymous.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 429]


def test_password_guessing_is_throttled_per_address(world, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100/minute", "user": "100/minute", "auth": "3/minute"},
    }
    client = APIClient()
    codes = [client.post(TOKEN_URL, {"username": "district", "password": f"guess{n}"}).status_code for n in range(4)]
    assert codes == [400, 400, 400, 429]
