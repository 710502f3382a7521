"""The demo: real plans loaded faithfully, every indicator computable from its data, loading twice changes nothing."""

from decimal import Decimal

import pytest
from django.core import serializers
from django.core.management import CommandError, call_command
from django.test import override_settings

from demo.services import DEMO_USERS, demo_load
from plans.models import Plan, Task
from schools.models import DataElement, DataValue, RegionDataValue, Role, School
from targets.definitions import validate_definition
from targets.models import Indicator, Target

pytestmark = pytest.mark.django_db

# The preschool plan's 二、发展目标, as its wording reads: (code, indicator name, comparator, value, unit).
PRESCHOOL_GOALS = [
    ("T001", "新建、改建、扩建标准化幼儿园数", "ge", "21", "所"),
    ("T002", "幼儿园总数", "approx", "80", "所"),
    ("T003", "省标准化幼儿园比例", "ge", "91", "%"),
    ("T004", "市现代化达纲幼儿园比例", "ge", "50", "%"),
    ("T005", "省等级幼儿园平安幼儿园达标率", "ge", "100", "%"),
    ("T006", "学前三年入园率", "ge", "99.9", "%"),
    ("T007", "在园幼儿数", "le", "20000", "名"),
    ("T008", "省等级幼儿园就读幼儿比例", "ge", "90", "%"),
    ("T009", "省二级及以上幼儿园就读幼儿比例", "ge", "65", "%"),
    ("T010", "入托率", "ge", "70", "%"),
    ("T011", "0–3 岁儿童家长受训率", "ge", "95", "%"),
    ("T012", "园长和保教人员持证上岗率", "ge", "100", "%"),
    ("T013", "事业编制教师占幼儿园专任教师比例", "ge", "30", "%"),
    ("T014", "幼儿园专任教师学历合格率", "ge", "100", "%"),
    ("T015", "幼儿园专任教师大专及以上学历比例", "ge", "75", "%"),
    ("T016", "幼儿园专任教师职称评定比例", "ge", "50", "%"),
    ("T017", "幼儿园市骨干教师、区名师及“小中高”人数", "ge", "15", "名"),
    ("T018", "自聘合格教师人均年收入与社平工资之比", "ge", "1", "倍"),
]


def snapshot():
    models = [School, DataElement, DataValue, RegionDataValue, Plan, Task, Indicator, Target]
    return {m.__name__: serializers.serialize("json", m.objects.order_by("pk")) for m in models}


def test_loading_the_demo_twice_changes_nothing():
    demo_load()
    first = snapshot()
    demo_load()
    assert snapshot() == first


def test_preschool_plan_has_every_development_goal_with_the_comparator_its_wording_implies():
    demo_load()
    plan = Plan.objects.get(title="区学前教育三年提升行动计划")
    goals = plan.targets.filter(section__parent__title="发展目标").select_related("indicator")
    found = {t.code: (t.indicator.name, t.comparator, t.value, t.indicator.unit) for t in goals}
    assert found == {code: (name, cmp, Decimal(value), unit) for code, name, cmp, value, unit in PRESCHOOL_GOALS}
    approx = plan.targets.get(code="T002")
    assert approx.tolerance == 5 and approx.display_value == "≈80所（±5）"
    assert plan.targets.get(code="T003").quote == "省标准化幼儿园达到91%以上"
    assert "2024–2026" in plan.source_note


def test_preschool_plan_has_its_fifteen_numbered_tasks_each_with_a_lead_unit():
    demo_load()
    plan = Plan.objects.get(title="区学前教育三年提升行动计划")
    tasks = list(plan.tasks.prefetch_related("assignments"))
    assert [t.number for t in tasks] == [str(n) for n in range(1, 16)]
    assert tasks[14].title == "健全考核督查制度"
    for task in tasks:
        assert any(a.role == "lead" for a in task.assignments.all()), task
    # "各街道、乡镇" fans out to one responsible row per township.
    responsible = tasks[14].assignments.filter(role="responsible")
    assert responsible.count() == 11 and all(a.fanned_out_from.name == "北仑区" for a in responsible)


def test_every_indicator_with_a_target_is_valid_and_has_data_to_compute_from():
    demo_load()
    elements_with_data = set(DataValue.objects.values_list("element__code", flat=True).distinct())
    elements_with_data |= set(RegionDataValue.objects.values_list("element__code", flat=True).distinct())
    for indicator in Indicator.objects.filter(targets__isnull=False).distinct():
        definition = validate_definition(indicator.definition)
        for code in _elements(definition):
            assert code in elements_with_data, f"{indicator.code} needs {code}, which has no demo data"


def test_teacher_plan_annex_table_is_loaded_with_yearly_targets_whose_values_are_missing_in_the_source():
    demo_load()
    plan = Plan.objects.get(title="区加快推进师资队伍建设三年行动计划")
    annex = plan.targets.filter(code="T132").order_by("year")
    assert [t.year for t in annex] == [2024, 2025, 2026]
    assert all(t.value is None and "缺失" in t.note for t in annex)


def test_demo_users_have_their_scopes_and_see_the_district_plans(client):
    demo_load()
    for username, *_rest in DEMO_USERS:
        assert client.login(username=username, password="demo12345"), username
        page = client.get("/").content.decode()
        assert "区学前教育三年提升行动计划" in page, username
        client.logout()
    clerk = School.objects.get(name="新碶中心幼儿园")
    assert clerk.region.name == "新碶街道"
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="clerk").scope.role == Role.CLERK


@override_settings(DEBUG=False)
def test_the_demo_command_refuses_to_create_demo_users_when_debug_is_off():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")


def _elements(definition):
    if "norm" in definition:
        norm = definition["norm"]
        parts = [norm["measure"], norm["per"]]
    else:
        parts = [definition["numerator"], definition["denominator"]]
    for part in filter(None, parts):
        if part.get("element"):
            yield part["element"]
        if part.get("times_region_element"):
            yield part["times_region_element"]
