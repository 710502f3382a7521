"""The site answers, in Chinese, and sends people through the login page."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from config.celery import app as celery_app

NO_SCOPE_MESSAGE = "您的账号尚未分配权限范围，请联系管理员。"


def test_home_redirects_anonymous_visitors_to_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


@pytest.mark.django_db
def test_login_page_is_in_simplified_chinese(client):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html


@pytest.mark.django_db
def test_user_without_scope_logs_in_and_is_told_to_ask_for_one(client):
    get_user_model().objects.create_user(username="nobody", password="a-long-test-password")

    response = client.post("/accounts/login/", {"username": "nobody", "password": "a-long-test-password"}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200
    html = response.content.decode()
    assert "行动计划" in html
    assert NO_SCOPE_MESSAGE in html


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_is_postgresql_when_configured():
    assert connection.vendor == "postgresql"


@pytest.mark.redis
def test_cache_and_celery_broker_reach_redis():
    cache.set("smoke", "ok", timeout=10)
    assert cache.get("smoke") == "ok"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
