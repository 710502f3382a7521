"""The clerk's path in a real browser: open the form, make a mistake, see it explained, fix it, submit;
staff approve; the clerk can no longer edit."""

import pytest

from schools.models import Submission, ValidationRule
from tests.factories import DataElementFactory, SchoolFactory, UserScopeFactory, region_chain

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = 2026
PASSWORD = "a-long-test-password"


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="行动计划").wait_for()


def test_clerk_fills_in_and_submits_staff_approve_then_it_is_locked(live_server, browser, screenshot_dir):
    township = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    school = SchoolFactory(kindergarten=True, region=township, name="新碶中心幼儿园")
    DataElementFactory(code="kg_staff", name="园长和保教人员数", group="教职工", min_value=0, max_value=300)
    DataElementFactory(code="kg_staff_certified", name="持证上岗人数", group="教职工", min_value=0, max_value=300)
    DataElementFactory(code="kg_children", name="在园幼儿数", group="幼儿", min_value=0, max_value=2000)
    ValidationRule.objects.create(
        code="certified",
        message="持证上岗人数不能多于园长和保教人员数",
        left=["kg_staff_certified"],
        op="le",
        right=["kg_staff"],
    )
    clerk = UserScopeFactory(clerk=True, school=school, user__username="clerk", user__password=PASSWORD).user
    UserScopeFactory(region=township.parent, user__username="district", user__password=PASSWORD)
    form_url = f"{live_server.url}/data/{school.pk}/{YEAR}/"

    clerk_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = clerk_context.new_page()
    log_in(page, live_server, "clerk")
    page.get_by_role("link", name="数据填报").click()  # a clerk lands on their own school's form
    page.get_by_role("heading", name=f"新碶中心幼儿园 · {YEAR}年数据").wait_for()
    assert page.url == form_url

    page.get_by_label("园长和保教人员数").fill("30")
    page.get_by_label("持证上岗人数").fill("32")  # more certified staff than staff: a mistake
    page.get_by_label("在园幼儿数").fill("3百")  # not a number
    page.get_by_role("button", name="保存并提交").click()
    page.get_by_text("数据有误，未保存").wait_for()
    assert page.get_by_text("“3百” 不是数字").is_visible()
    assert page.get_by_text(
        "持证上岗人数不能多于园长和保教人员数（持证上岗人数 = 32，园长和保教人员数 = 30）"
    ).is_visible()
    assert page.get_by_label("园长和保教人员数").input_value() == "30"  # what was typed is kept
    page.screenshot(path=screenshot_dir / "clerk-form-errors.png", full_page=True)

    page.get_by_label("持证上岗人数").fill("28")
    page.get_by_label("在园幼儿数").fill("300")
    page.get_by_role("button", name="保存并提交").click()
    page.get_by_text("已保存并提交，等待审核。").wait_for()
    assert page.locator("#submission-status").inner_text() == "已提交"
    assert page.get_by_label("在园幼儿数").count() == 0  # waiting for review: read-only

    staff_context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    staff = staff_context.new_page()
    log_in(staff, live_server, "district")
    staff.goto(f"{live_server.url}/data/?year={YEAR}&status=submitted")
    staff.get_by_role("link", name="新碶中心幼儿园").click()
    staff.get_by_role("button", name="审核通过").click()
    staff.get_by_text("已审核").first.wait_for()
    assert Submission.objects.get(school=school, year=YEAR).status == Submission.Status.APPROVED

    page.goto(form_url)
    page.get_by_text("数据已审核通过并锁定").wait_for()
    assert page.get_by_label("在园幼儿数").count() == 0
    assert page.get_by_role("button", name="保存").count() == 0
    assert "300" in page.locator("table.values").first.inner_text() + page.locator("body").inner_text()
    page.screenshot(path=screenshot_dir / "clerk-form-locked.png", full_page=True)
    clerk_context.close()
    staff_context.close()
    assert clerk.is_active
