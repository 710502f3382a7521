"""The permission matrix of data entry: every page and action, for every role, in and out of scope.

404 means "not in your scope" (the object's existence is not revealed); 403 means "in your scope,
but your role cannot do this" (an official saving, a clerk approving).
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from schools.models import DataValue, RegionDataValue, Submission
from tests.factories import (
    DataElementFactory,
    RegionFactory,
    SchoolFactory,
    UserFactory,
    UserScopeFactory,
    region_chain,
)

pytestmark = pytest.mark.django_db
YEAR = 2025
ROLES = ["clerk_a", "staff_a", "staff_b", "staff_district", "official", "admin", "no_scope"]


@pytest.fixture
def world():
    township_a = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    district = township_a.parent
    township_b = RegionFactory(code="330206002", name="大碶街道", parent=district)
    school_a = SchoolFactory(kindergarten=True, region=township_a, name="新碶幼儿园")
    school_b = SchoolFactory(kindergarten=True, region=township_b, name="大碶幼儿园")
    DataElementFactory(code="kg_children", name="在园幼儿数")
    DataElementFactory(code="pop_3_5", name="3–5 周岁常住儿童数", region_level=True)
    users = {
        "clerk_a": UserScopeFactory(clerk=True, school=school_a).user,
        "staff_a": UserScopeFactory(region=township_a).user,
        "staff_b": UserScopeFactory(region=township_b).user,
        "staff_district": UserScopeFactory(region=district).user,
        "official": UserScopeFactory(official=True, region=district).user,
        "admin": UserScopeFactory(admin=True).user,
        "no_scope": UserFactory(),
    }
    return {
        "users": users,
        "school_a": school_a,
        "school_b": school_b,
        "township_a": township_a,
        "district": district,
    }


def expect(table: dict, role: str) -> int:
    return table[role]


# GET pages: role -> status for (page, object)
READ = {
    "form_a": dict(clerk_a=200, staff_a=200, staff_b=404, staff_district=200, official=200, admin=200, no_scope=404),
    "form_b": dict(clerk_a=404, staff_a=404, staff_b=200, staff_district=200, official=200, admin=200, no_scope=404),
    "region_a": dict(clerk_a=200, staff_a=200, staff_b=404, staff_district=200, official=200, admin=200, no_scope=404),
    "region_d": dict(clerk_a=404, staff_a=404, staff_b=404, staff_district=200, official=200, admin=200, no_scope=404),
    "clerks": dict(clerk_a=403, staff_a=200, staff_b=200, staff_district=200, official=403, admin=200, no_scope=403),
}


def read_url(world, page):
    a, b = world["school_a"].pk, world["school_b"].pk
    return {
        "form_a": reverse("schools:school_data", args=[a, YEAR]),
        "form_b": reverse("schools:school_data", args=[b, YEAR]),
        "region_a": reverse("schools:region_data", args=[world["township_a"].pk, YEAR]),
        "region_d": reverse("schools:region_data", args=[world["district"].pk, YEAR]),
        "clerks": reverse("schools:clerks"),
    }[page]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", sorted(READ))
def test_reading_pages(client, world, role, page):
    client.force_login(world["users"][role])
    assert client.get(read_url(world, page)).status_code == READ[page][role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_the_audit_trail_follows_the_form(client, world, role, which):
    client.force_login(world["users"][role])
    school = world[f"school_{which}"]
    assert (
        client.get(reverse("schools:school_history", args=[school.pk, YEAR])).status_code == READ[f"form_{which}"][role]
    )


SAVE_A = dict(clerk_a=302, staff_a=302, staff_b=404, staff_district=302, official=403, admin=302, no_scope=404)


@pytest.mark.parametrize("role", ROLES)
def test_saving_a_school_form(client, world, role):
    client.force_login(world["users"][role])
    school = world["school_a"]
    url = reverse("schools:school_data", args=[school.pk, YEAR])
    response = client.post(url, {"kg_children": "120", "seen__kg_children": ""})
    assert response.status_code == SAVE_A[role]
    saved = DataValue.objects.filter(school_year__school=school, element__code="kg_children").exists()
    assert saved == (SAVE_A[role] == 302)


SUBMIT_A = SAVE_A
APPROVE_A = dict(clerk_a=403, staff_a=302, staff_b=404, staff_district=302, official=403, admin=302, no_scope=404)


@pytest.mark.parametrize("role", ROLES)
def test_submitting_and_approving(client, world, role):
    client.force_login(world["users"][role])
    school = world["school_a"]
    url = reverse("schools:school_transition", args=[school.pk, YEAR])
    assert client.post(url, {"action": "submit"}).status_code == SUBMIT_A[role]
    Submission.objects.update_or_create(school=school, year=YEAR, defaults={"status": Submission.Status.SUBMITTED})
    assert client.post(url, {"action": "approve"}).status_code == APPROVE_A[role]
    approved = Submission.objects.get(school=school, year=YEAR).status == Submission.Status.APPROVED
    assert approved == (APPROVE_A[role] == 302)


SAVE_REGION_D = dict(clerk_a=404, staff_a=404, staff_b=404, staff_district=302, official=403, admin=302, no_scope=404)


@pytest.mark.parametrize("role", ROLES)
def test_saving_region_data(client, world, role):
    client.force_login(world["users"][role])
    url = reverse("schools:region_data", args=[world["district"].pk, YEAR])
    response = client.post(url, {"pop_3_5": "5200", "seen__pop_3_5": ""})
    assert response.status_code == SAVE_REGION_D[role]
    assert RegionDataValue.objects.filter(value=Decimal(5200)).exists() == (SAVE_REGION_D[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_the_chase_list_and_its_export_show_only_schools_in_scope(client, world, role):
    client.force_login(world["users"][role])
    response = client.get(reverse("schools:submissions"), {"year": YEAR, "status": ""})
    assert response.status_code == 200
    names = {row.name for row in response.context["rows"]}
    visible = {
        "clerk_a": {"新碶幼儿园"},
        "staff_a": {"新碶幼儿园"},
        "staff_b": {"大碶幼儿园"},
        "staff_district": {"新碶幼儿园", "大碶幼儿园"},
        "official": {"新碶幼儿园", "大碶幼儿园"},
        "admin": {"新碶幼儿园", "大碶幼儿园"},
        "no_scope": set(),
    }[role]
    assert names == visible


def test_staff_cannot_give_a_clerk_a_school_outside_their_subtree(client, world):
    client.force_login(world["users"]["staff_a"])
    data = {"action": "create", "username": "newclerk", "password": "longenough1", "school": world["school_b"].pk}
    response = client.post(reverse("schools:clerks"), data)
    assert response.status_code == 200
    assert "请填写用户名、选择学校" in response.content.decode()
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="newclerk").exists()


# ---------------------------------------------------------------- Excel: template, upload page, export

EXCEL_PAGE = dict(clerk_a=200, staff_a=200, staff_b=200, staff_district=200, official=200, admin=200, no_scope=200)
TEMPLATE_A = READ["region_a"]
TEMPLATE_D = READ["region_d"]


@pytest.mark.parametrize("role", ROLES)
def test_excel_pages_and_templates(client, world, role):
    client.force_login(world["users"][role])
    assert client.get(reverse("excel:upload")).status_code == EXCEL_PAGE[role]
    for region, table in ((world["township_a"], TEMPLATE_A), (world["district"], TEMPLATE_D)):
        response = client.get(reverse("excel:template"), {"region": region.pk, "year": YEAR})
        assert response.status_code == table[role], region.name
        if response.status_code == 200:
            assert response["Content-Type"].startswith("application/vnd.openxmlformats")


UPLOAD = dict(clerk_a=200, staff_a=200, staff_b=200, staff_district=200, official=403, admin=200, no_scope=403)


@pytest.mark.parametrize("role", ROLES)
def test_uploading_needs_a_writing_role(client, world, role):
    client.force_login(world["users"][role])
    response = client.post(reverse("excel:upload"), {"year": YEAR})  # no file: the form answers, or the role is refused
    assert response.status_code == UPLOAD[role]


@pytest.mark.parametrize("role", ROLES)
def test_the_chase_list_export_holds_only_schools_in_scope(client, world, role):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(world["users"][role])
    response = client.get(reverse("schools:submissions"), {"year": YEAR, "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    names = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]}
    in_scope = {
        "clerk_a": {"新碶幼儿园"},
        "staff_a": {"新碶幼儿园"},
        "staff_b": {"大碶幼儿园"},
        "no_scope": set(),
    }.get(role, {"新碶幼儿园", "大碶幼儿园"})
    assert names == in_scope
