"""The rollup through the real stack: PostgreSQL, Redis and a Celery worker in its own process.

A clerk's change commits, the on-commit hook queues the coalesced recompute on Redis, the worker
picks it up, and the district's value and status change. Nothing here runs eagerly.
"""

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from reports.models import IndicatorValue, RecomputeRequest, TargetProgress
from reports.services import rollup_full
from schools.models import KindergartenGrade
from schools.services import data_values_set
from tests.factories import (
    DataElementFactory,
    IndicatorFactory,
    PlanFactory,
    RegionFactory,
    SchoolFactory,
    SchoolYearFactory,
    TargetFactory,
    region_chain,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
REPO_ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """`celery worker` in a subprocess, pointed at the test database; its log is shown if a test fails."""
    from config.celery import app

    app.control.purge()  # nothing left over from an earlier run
    log = tmp_path / "worker.log"
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "info"]
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(log.read_text())


def wait_for(predicate, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    pytest.fail(f"the worker did not {what} within {WAIT_SECONDS} s")


def test_a_school_change_reaches_the_district_through_the_worker(worker):
    township = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    other = RegionFactory(code="330206002", name="大碶街道", parent=township.parent)
    district = township.parent
    element = DataElementFactory(code="kg_children", name="在园幼儿数")
    rated = SchoolFactory(kindergarten=True, region=township, name="新碶幼儿园")
    unrated = SchoolFactory(kindergarten=True, region=other, name="大碶幼儿园")
    values = {}
    for school, grade, children in ((rated, KindergartenGrade.L2_STAR3, 90), (unrated, KindergartenGrade.UNRATED, 10)):
        school_year = SchoolYearFactory(school=school, year=2025, grade=grade)
        values[school] = school_year.values.create(element=element, value=children)
    indicator = IndicatorFactory(code="kg_l2_share", element=element)
    plan = PlanFactory(region=district, start_year=2024, end_year=2025)
    TargetFactory(plan=plan, indicator=indicator, region=district, year=2025, value=Decimal("85"))
    rollup_full()

    def district_value():
        return IndicatorValue.objects.get(indicator=indicator, region=district, year=2025).value

    def district_status():
        return TargetProgress.objects.get(plan=plan, indicator=indicator, region=district, year=2025).status

    assert district_value() == Decimal("90")  # 90 ÷ (90 + 10)
    assert district_status() == "met"

    # A burst of edits in one form save: one request row, one recompute, the last value wins.
    with transaction.atomic():
        data_values_set(school=unrated, year=2025, values={"kg_children": Decimal(30)})
        data_values_set(school=unrated, year=2025, values={"kg_children": Decimal(60)})
    assert RecomputeRequest.objects.count() == 1

    wait_for(lambda: district_value() == Decimal("60"), "recompute the district to 90 ÷ 150 = 60%")
    assert district_status() != "met"
    assert IndicatorValue.objects.get(indicator=indicator, region=other, year=2025).value == Decimal("0")
    wait_for(lambda: not RecomputeRequest.objects.exists(), "clear the request it handled")
