"""The annual data form through the web: saving, explained mistakes, conflicts, the review workflow, the audit trail."""

from decimal import Decimal

import pytest
from django.urls import reverse

from schools.models import Channel, DataValue, Submission, SubmissionEvent, ValidationRule
from tests.factories import (
    DataElementFactory,
    SchoolFactory,
    UserScopeFactory,
    region_chain,
)

pytestmark = pytest.mark.django_db
YEAR = 2025


@pytest.fixture
def world():
    township = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    school = SchoolFactory(kindergarten=True, region=township, name="新碶幼儿园")
    staff_children = DataElementFactory(code="kg_staff", name="保教人员数", group="教职工", min_value=0, max_value=300)
    certified = DataElementFactory(code="kg_staff_certified", name="持证人员数", group="教职工")
    children = DataElementFactory(code="kg_children", name="在园幼儿数", group="幼儿", min_value=0, max_value=2000)
    ValidationRule.objects.create(
        code="certified-le-staff",
        message="持证人员数不能多于保教人员数",
        left=["kg_staff_certified"],
        op="le",
        right=["kg_staff"],
    )
    clerk = UserScopeFactory(clerk=True, school=school).user
    staff = UserScopeFactory(region=township.parent).user
    return {
        "school": school,
        "clerk": clerk,
        "staff": staff,
        "elements": (staff_children, certified, children),
        "url": reverse("schools:school_data", args=[school.pk, YEAR]),
    }


def form_data(client, url, **values) -> dict:
    """What the browser would post: the fields as rendered (including hidden "seen" values), with edits."""
    form = client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({k: str(v) for k, v in values.items()})
    return data


def stored(school) -> dict:
    return dict(
        DataValue.objects.filter(school_year__school=school, school_year__year=YEAR).values_list(
            "element__code", "value"
        )
    )


def test_a_clerk_saves_values_and_blank_stays_no_data(client, world):
    client.force_login(world["clerk"])
    response = client.post(world["url"], form_data(client, world["url"], kg_staff=20, kg_staff_certified=18))
    assert response.status_code == 302
    assert stored(world["school"]) == {"kg_staff": Decimal(20), "kg_staff_certified": Decimal(18)}
    page = client.get(world["url"]).content.decode()
    assert "已保存（2 项有变化）" in page


def test_mistakes_are_explained_next_to_the_field_and_what_was_typed_is_kept(client, world):
    client.force_login(world["clerk"])
    data = form_data(client, world["url"], kg_staff="二十", kg_children="3000", kg_staff_certified="5")
    response = client.post(world["url"], data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "“二十” 不是数字" in page
    assert "不能大于 2000" in page
    assert 'value="二十"' in page and 'value="3000"' in page  # kept as typed
    assert "数据有误，未保存" in page
    assert stored(world["school"]) == {}  # nothing half-saved


def test_a_cross_element_rule_names_both_sides(client, world):
    client.force_login(world["clerk"])
    response = client.post(world["url"], form_data(client, world["url"], kg_staff=10, kg_staff_certified=12))
    page = response.content.decode()
    assert "持证人员数不能多于保教人员数（持证人员数 = 12，保教人员数 = 10）" in page
    assert stored(world["school"]) == {}


def test_the_second_of_two_concurrent_saves_is_refused_and_shows_what_changed(client, world, django_user_model):
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(world["clerk"])
    second.force_login(world["staff"])
    data_first = form_data(first, world["url"], kg_staff=20)
    data_second = form_data(second, world["url"], kg_staff=25, kg_children=100)  # both opened the empty form

    assert first.post(world["url"], data_first).status_code == 302
    response = second.post(world["url"], data_second)

    assert response.status_code == 409
    page = response.content.decode()
    assert "保存冲突" in page and "您编辑期间，其他人修改了这份数据" in page
    conflict = response.context["conflict"]
    assert [(c["element"].code, c["seen"], c["now"]) for c in conflict] == [("kg_staff", "（空）", "20")]
    assert 'value="25"' in page  # the second person's typing is still in the form
    assert stored(world["school"]) == {"kg_staff": Decimal(20)}  # nothing overwritten

    # Having seen the change, saving again goes through.
    form = response.context["form"]
    retry = {name: form[name].value() or "" for name in form.fields}
    retry.update({f"seen__{e.code}": form[f"seen__{e.code}"].initial for e in form.elements})
    assert second.post(world["url"], retry).status_code == 302
    assert stored(world["school"]) == {"kg_staff": Decimal(25), "kg_children": Decimal(100)}


def test_submit_approve_then_the_clerk_can_no_longer_edit(client, world):
    school, url = world["school"], world["url"]
    client.force_login(world["clerk"])
    data = form_data(client, url, kg_staff=20)
    data["then"] = "submit"
    client.post(url, data)
    assert Submission.objects.get(school=school, year=YEAR).status == Submission.Status.SUBMITTED

    transition = reverse("schools:school_transition", args=[school.pk, YEAR])
    assert client.post(transition, {"action": "approve"}).status_code == 403  # clerks do not approve

    client.force_login(world["staff"])
    client.post(transition, {"action": "approve"})
    submission = Submission.objects.get(school=school, year=YEAR)
    assert submission.status == Submission.Status.APPROVED
    assert [(e.action, e.user) for e in submission.events.all()] == [
        (SubmissionEvent.Action.SUBMIT, world["clerk"]),
        (SubmissionEvent.Action.APPROVE, world["staff"]),
    ]

    client.force_login(world["clerk"])
    page = client.get(url).content.decode()
    assert "数据已审核通过并锁定" in page
    assert 'name="kg_staff"' not in page  # no input to type into
    response = client.post(url, form_data(client, url, kg_staff=99), follow=True)
    assert "不能修改" in response.content.decode()
    assert stored(school) == {"kg_staff": Decimal(20)}


def test_returning_needs_a_reason_and_reopens_the_form(client, world):
    school, url = world["school"], world["url"]
    transition = reverse("schools:school_transition", args=[school.pk, YEAR])
    client.force_login(world["clerk"])
    client.post(transition, {"action": "submit"})
    client.force_login(world["staff"])
    page = client.post(transition, {"action": "return"}, follow=True).content.decode()
    assert "退回时请填写退回原因" in page
    assert Submission.objects.get(school=school, year=YEAR).status == Submission.Status.SUBMITTED
    client.post(transition, {"action": "return", "comment": "幼儿数与上年差异过大，请核实"})
    client.force_login(world["clerk"])
    page = client.get(url).content.decode()
    assert "幼儿数与上年差异过大，请核实" in page
    assert client.post(url, form_data(client, url, kg_children=120)).status_code == 302
    assert stored(school)["kg_children"] == Decimal(120)


def test_the_audit_trail_shows_who_when_old_and_new_and_the_channel(client, world):
    client.force_login(world["clerk"])
    client.post(world["url"], form_data(client, world["url"], kg_staff=20))
    client.post(world["url"], form_data(client, world["url"], kg_staff=22))
    history = DataValue.history.filter(element__code="kg_staff").order_by("history_date")
    assert [(h.value, h.channel, h.history_user) for h in history] == [
        (Decimal(20), Channel.FORM, world["clerk"]),
        (Decimal(22), Channel.FORM, world["clerk"]),
    ]
    response = client.get(reverse("schools:school_history", args=[world["school"].pk, YEAR]))
    entries = response.context["entries"]
    assert [(e["what"], e["old"], e["new"], e["channel"]) for e in entries if e["what"] == "保教人员数"] == [
        ("保教人员数", "20", "22", "网页填报"),
        ("保教人员数", "", "20", "网页填报"),
    ]


def test_saving_tells_the_rollup_once(client, world, django_capture_on_commit_callbacks):
    from reports.models import RecomputeRequest

    client.force_login(world["clerk"])
    data = form_data(client, world["url"], kg_staff=20, kg_children=100)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(world["url"], data)
    assert RecomputeRequest.objects.filter(region=world["school"].region, year=YEAR).count() == 1
    assert len(callbacks) == 1
