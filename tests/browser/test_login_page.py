"""The login page in a real browser: Chinese text renders and a user gets to the home page."""

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_user_logs_in_through_the_login_page(live_server, page, screenshot_dir):
    get_user_model().objects.create_user(username="alice", password="a-long-test-password")

    page.goto(f"{live_server.url}/accounts/login/")
    assert page.get_by_role("heading", name="登录").is_visible()
    page.screenshot(path=screenshot_dir / "login.png", full_page=True)

    page.get_by_label("用户名").fill("alice")
    page.get_by_label("密码").fill("a-long-test-password")
    page.get_by_role("button", name="登录").click()

    page.get_by_role("heading", name="行动计划").wait_for()
    assert page.url == f"{live_server.url}/"
    page.screenshot(path=screenshot_dir / "home.png", full_page=True)
