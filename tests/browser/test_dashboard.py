"""An official's Monday morning in a real browser, on the demo data: the preschool plan's dashboard,
an indicator, drilling down district → township → school, another year, English and back."""

import pytest
from django.core.management import call_command

from plans.models import Plan
from reports.services import rollup_full
from schools.models import Region
from targets.progress import Status
from tests.factories import UserScopeFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"
LABELS = {str(s.label) for s in Status}


@pytest.fixture
def demo():
    call_command("load_demo", "--no-users", verbosity=0)
    rollup_full()
    district = Region.objects.get(code="330206")
    UserScopeFactory(official=True, region=district, user__username="leader", user__password=PASSWORD)
    return Plan.objects.get(title__contains="学前教育三年提升行动计划")


def test_official_reads_the_preschool_dashboard_and_drills_down(live_server, page, screenshot_dir, demo):
    plan = demo
    codes = sorted(set(plan.targets.values_list("code", flat=True)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("link", name=plan.title).click()

    page.get_by_role("heading", name=plan.title).wait_for()
    assert page.locator("h2.where").inner_text() == "北仑区 · 2026年"  # the latest year with data by default
    cards = page.locator("article.indicator-card")
    assert cards.count() == len(codes)
    for i in range(cards.count()):
        assert cards.nth(i).locator(".badge").inner_text() in LABELS
    assert page.locator("#summary").inner_text().count("已达成") == 1
    page.wait_for_function("document.querySelectorAll('.chart.spark svg').length > 0")  # ECharts served locally drew
    page.screenshot(path=screenshot_dir / "dashboard.png", full_page=True)

    # An indicator with sub-regions: 省二级及以上幼儿园就读幼儿占比.
    page.get_by_role("link", name="省二级及以上幼儿园就读幼儿比例").first.click()
    page.locator("#ranking").wait_for()
    assert page.locator("#current-value").inner_text() != ""
    page.wait_for_function("document.querySelectorAll('.chart.trend svg').length > 0")
    page.screenshot(path=screenshot_dir / "indicator.png", full_page=True)

    page.locator("#ranking").get_by_role("link", name="新碶街道").click()
    page.locator("#schools").wait_for()
    assert "新碶街道" in page.locator("nav.crumbs").inner_text()
    school = page.locator("#schools a").first
    school_name = school.inner_text()
    school.click()
    page.get_by_role("heading", name=f"{school_name} · 2026年数据").wait_for()
    assert page.locator("input.num").count() == 0  # an official reads, never types

    page.go_back()
    page.locator("#schools").wait_for()
    page.locator("select[name=year]").select_option("2025")
    page.wait_for_function("document.querySelector('.headline .where').textContent.includes('2025')")
    assert "2025" in page.url

    page.get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.get_by_role("button", name="简体中文").click()
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")
    assert page.locator("#schools").is_visible()
