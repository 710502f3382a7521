"""Excel: the fill-in template, and the import that checks a whole sheet before writing any of it."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from openpyxl import Workbook, load_workbook

from config import urls as project_urls
from schools import excel, imports
from schools.models import Channel, DataElement, DataValue, ImportJob, Role, SchoolType, Submission, ValidationRule
from schools.signals import school_data_changed
from tests.factories import DataElementFactory, DataValueFactory, SchoolFactory, SchoolYearFactory, UserScopeFactory
from tests.factories import region_chain as chain

# This module is its own URLconf: the project's, plus the Excel URLs should config/urls.py not include them yet.
urlpatterns = list(project_urls.urlpatterns)
if not any(getattr(p, "namespace", None) == "excel" for p in urlpatterns):
    urlpatterns.append(path("data/excel/", include("schools.urls_excel")))

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

YEAR = 2025


@pytest.fixture(autouse=True)
def _fast_passwords_and_own_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    """Township 新碶 with primary school A and kindergarten B; 大碶 next door with C; X in another county."""
    xinqi = chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    daqi = chain("330206002", "浙江省", "宁波市", "北仑区", "大碶街道")
    other = chain("330211001", "浙江省", "宁波市", "镇海区", "招宝山街道")
    elements = {
        "children": DataElementFactory(code="children", name="在校学生数", unit="人", min_value=0, max_value=500),
        "kg_places": DataElementFactory(
            code="kg_places", name="学位数", unit="个", school_types=[SchoolType.KINDERGARTEN], min_value=0
        ),
        "money": DataElementFactory(
            code="money",
            name="公用经费",
            unit="万元",
            value_type=DataElement.ValueType.DECIMAL,
            school_types=[SchoolType.PRIMARY],
        ),
    }
    schools = {
        "A": SchoolFactory(code="A001", name="新碶小学", region=xinqi),
        "B": SchoolFactory(code="B001", name="新碶幼儿园", region=xinqi, kindergarten=True),
        "C": SchoolFactory(code="C001", name="大碶小学", region=daqi),
        "X": SchoolFactory(code="X001", name="招宝山小学", region=other),
    }
    users = {
        "township": UserScopeFactory(role=Role.STAFF, region=xinqi).user,
        "district": UserScopeFactory(role=Role.STAFF, region=xinqi.parent).user,
        "clerk": UserScopeFactory(clerk=True, school=schools["A"]).user,
        "official": UserScopeFactory(official=True, region=xinqi.parent).user,
        "outsider": UserScopeFactory(role=Role.STAFF, region=other).user,
    }
    return {"xinqi": xinqi, "daqi": daqi, "elements": elements, "schools": schools, "users": users}


def value(world, school: str, code: str):
    row = DataValue.objects.filter(
        school_year__school=world["schools"][school], school_year__year=YEAR, element__code=code
    ).first()
    return row.value if row else None


def template(client, user, region, **params) -> bytes:
    client.force_login(user)
    response = client.get(reverse("excel:template"), {"region": region.pk, "year": YEAR, **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def edited(data: bytes, changes: dict, *, extra_rows=()) -> bytes:
    """The workbook with cells set by (school code, element code) and rows appended; sheet protection kept."""
    wb = load_workbook(BytesIO(data))
    ws = wb.worksheets[0]
    columns = {cell.value: cell.column for cell in ws[excel.CODE_ROW]}
    rows = {ws.cell(row=r, column=1).value: r for r in range(excel.FIRST_DATA_ROW, ws.max_row + 1)}
    for (school, code), new in changes.items():
        ws.cell(row=rows[school], column=columns[code]).value = new
    for extra in extra_rows:
        ws.append([extra.get(code) for code in columns])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, user, data: bytes, django_capture_on_commit_callbacks, *, name="数据.xlsx", year=YEAR):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("excel:upload"), {"file": SimpleUploadedFile(name, data), "year": year})
    return response


def only_job() -> ImportJob:
    return ImportJob.objects.get()


# ---------------------------------------------------------------- the template


def test_the_template_lists_the_schools_in_scope_with_their_values_and_excel_checks(client, world):
    DataValueFactory(
        school_year=SchoolYearFactory(school=world["schools"]["A"], year=YEAR),
        element=world["elements"]["children"],
        value=Decimal("321"),
    )

    client.force_login(world["users"]["township"])
    response = client.get(reverse("excel:template"), {"region": world["xinqi"].pk, "year": YEAR})

    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert "2025" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(response.content)).worksheets[0]
    codes = [ws.cell(row=r, column=1).value for r in range(excel.FIRST_DATA_ROW, ws.max_row + 1)]
    assert codes == ["A001", "B001"]
    header = {cell.value: cell.column_letter for cell in ws[excel.CODE_ROW]}
    assert list(header)[:5] == list(excel.IDENTITY)
    assert ws[f"{header['children']}1"].value == "在校学生数（人）"
    assert ws[f"{header['children']}3"].value == 321
    assert ws.freeze_panes == "F3"
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    children = validations[f"{header['children']}3:{header['children']}4"]
    assert (children.type, children.operator, children.formula1, children.formula2) == ("whole", "between", "0", "500")
    assert validations[f"{header['money']}3:{header['money']}4"].type == "decimal"
    # The kindergarten's cell for a primary-school element is greyed out and locked; its own cells are open.
    assert ws.protection.sheet
    assert ws[f"{header['money']}4"].protection.locked
    assert ws[f"{header['money']}4"].fill.fgColor.rgb.endswith(excel.NOT_APPLICABLE_FILL.fgColor.rgb[-6:])
    assert not ws[f"{header['kg_places']}4"].protection.locked


def test_a_clerks_template_holds_their_school_only(client, world):
    data = template(client, world["users"]["clerk"], world["xinqi"])

    ws = load_workbook(BytesIO(data)).worksheets[0]
    assert [ws.cell(row=r, column=1).value for r in range(excel.FIRST_DATA_ROW, ws.max_row + 1)] == ["A001"]


def test_a_template_can_be_narrowed_to_one_school_type(client, world):
    data = template(client, world["users"]["district"], world["xinqi"].parent, school_type=SchoolType.KINDERGARTEN)

    ws = load_workbook(BytesIO(data)).worksheets[0]
    assert [ws.cell(row=r, column=1).value for r in range(excel.FIRST_DATA_ROW, ws.max_row + 1)] == ["B001"]
    assert [c.value for c in ws[excel.CODE_ROW]][5:] == ["children", "kg_places"]


def test_a_template_of_a_region_outside_scope_is_not_found(client, world):
    client.force_login(world["users"]["township"])

    response = client.get(reverse("excel:template"), {"region": world["daqi"].pk, "year": YEAR})

    assert response.status_code == 404


# ---------------------------------------------------------------- importing


def test_a_good_file_saves_every_change_audited_as_an_import(client, world, django_capture_on_commit_callbacks):
    school_year = SchoolYearFactory(school=world["schools"]["B"], year=YEAR)
    DataValueFactory(school_year=school_year, element=world["elements"]["children"], value=Decimal("10"))
    DataValueFactory(school_year=school_year, element=world["elements"]["kg_places"], value=Decimal("90"))
    staff = world["users"]["township"]
    data = edited(
        template(client, staff, world["xinqi"]),
        {
            ("A001", "children"): 120,
            ("A001", "money"): "3.5",
            ("B001", "children"): None,  # blank: the stored 10 is deleted
            ("B001", "kg_places"): 95,
        },
    )
    told = []

    def receiver(sender, **kwargs):
        told.append(kwargs)

    school_data_changed.connect(receiver)
    try:
        response = upload(client, staff, data, django_capture_on_commit_callbacks)
    finally:
        school_data_changed.disconnect(receiver)

    job = only_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("excel:job", args=[job.pk])
    assert job.state == ImportJob.State.DONE, job.errors
    assert job.counts | {"rows": 2} == {
        "rows": 2,
        "schools": 2,
        "created": 2,
        "updated": 1,
        "deleted": 1,
        "unchanged": 0,
        "locked_unchanged": 0,
    }
    assert job.processed_rows == job.total_rows == 2
    assert value(world, "A", "children") == 120
    assert value(world, "A", "money") == Decimal("3.5")
    assert value(world, "B", "children") is None
    assert value(world, "B", "kg_places") == 95
    history = DataValue.history.filter(history_date__gte=job.created_at)
    assert sorted(history.values_list("history_type", flat=True)) == ["+", "+", "-", "~"]
    assert set(history.values_list("channel", flat=True)) == {Channel.IMPORT}
    assert set(history.values_list("history_user", flat=True)) == {staff.pk}
    assert len(told) == 1
    assert sorted(told[0]["school_ids"]) == [world["schools"]["A"].pk, world["schools"]["B"].pk]
    assert list(told[0]["years"]) == [YEAR]
    page = client.get(response["Location"])
    assert "导入成功" in page.content.decode()


def test_one_bad_cell_saves_nothing_and_names_the_cell(client, world, django_capture_on_commit_callbacks):
    staff = world["users"]["township"]
    data = edited(template(client, staff, world["xinqi"]), {("A001", "children"): 120, ("B001", "children"): 9999})

    upload(client, staff, data, django_capture_on_commit_callbacks)

    job = only_job()
    assert job.state == ImportJob.State.FAILED
    assert job.errors == [
        {"row": 4, "column": "F", "header": "在校学生数（人）", "school": "B001", "message": "不能大于 500"}
    ]
    assert not DataValue.objects.exists()
    page = client.get(reverse("excel:job", args=[job.pk])).content.decode()
    assert "没有导入任何数据" in page and "F（在校学生数（人））" in page and "不能大于 500" in page
    marked = client.get(reverse("excel:job_marked", args=[job.pk]))
    assert "filename*=UTF-8''" in marked["Content-Disposition"]
    cell = load_workbook(BytesIO(b"".join(marked.streaming_content))).worksheets[0]["F4"]
    assert cell.value == 9999
    assert "不能大于 500" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith(excel.PROBLEM_FILL.fgColor.rgb[-6:])


def test_every_problem_of_a_file_is_listed(client, world, django_capture_on_commit_callbacks):
    staff = world["users"]["township"]
    data = edited(
        template(client, staff, world["xinqi"]),
        {("A001", "children"): "很多", ("A001", "money"): "1.23456", ("B001", "kg_places"): 2.5},
    )

    upload(client, staff, data, django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"], e["message"]) for e in only_job().errors] == [
        (3, "F", "“很多” 不是数字"),
        (3, "H", "最多保留 4 位小数"),
        (4, "G", "必须是整数"),
    ]


def test_a_value_for_an_element_the_school_does_not_report_is_an_error(
    client, world, django_capture_on_commit_callbacks
):
    staff = world["users"]["township"]
    wb_data = template(client, staff, world["xinqi"])
    wb = load_workbook(BytesIO(wb_data))
    wb.worksheets[0]["H4"] = 5  # 公用经费 of the kindergarten, a locked grey cell
    out = BytesIO()
    wb.save(out)

    upload(client, staff, out.getvalue(), django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"], e["message"]) for e in only_job().errors] == [(4, "H", "该学校不填报此项")]


def test_a_broken_cross_element_rule_is_reported_on_its_cell(client, world, django_capture_on_commit_callbacks):
    ValidationRule.objects.create(
        code="places", message="学位数不能少于学生数", left=["kg_places"], op="ge", right=["children"]
    )
    staff = world["users"]["township"]
    data = edited(template(client, staff, world["xinqi"]), {("B001", "children"): 100, ("B001", "kg_places"): 80})

    upload(client, staff, data, django_capture_on_commit_callbacks)

    [error] = only_job().errors
    assert (error["row"], error["column"]) == (4, "G")
    assert error["message"].startswith("学位数不能少于学生数")
    assert not DataValue.objects.exists()


def test_a_school_outside_scope_saves_nothing(client, world, django_capture_on_commit_callbacks):
    staff = world["users"]["township"]
    data = edited(
        template(client, staff, world["xinqi"]),
        {("A001", "children"): 120},
        extra_rows=[{"#school_code": "C001", "children": 5}, {"#school_code": "NOPE", "children": 5}],
    )

    upload(client, staff, data, django_capture_on_commit_callbacks)

    job = only_job()
    assert job.state == ImportJob.State.FAILED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (5, "A", "学校代码“C001”不存在或不在您的管理范围内"),
        (6, "A", "学校代码“NOPE”不存在或不在您的管理范围内"),
    ]
    assert not DataValue.objects.exists()


def test_a_clerk_cannot_import_another_school(client, world, django_capture_on_commit_callbacks):
    clerk = world["users"]["clerk"]
    data = edited(template(client, clerk, world["xinqi"]), {}, extra_rows=[{"#school_code": "B001", "children": 5}])

    upload(client, clerk, data, django_capture_on_commit_callbacks)

    assert [e["message"] for e in only_job().errors] == ["学校代码“B001”不存在或不在您的管理范围内"]


def test_a_school_twice_is_an_error(client, world, django_capture_on_commit_callbacks):
    staff = world["users"]["township"]
    data = edited(template(client, staff, world["xinqi"]), {}, extra_rows=[{"#school_code": "A001", "children": 5}])

    upload(client, staff, data, django_capture_on_commit_callbacks)

    assert [(e["row"], e["message"]) for e in only_job().errors] == [(5, "学校“A001”重复，已在第 3 行出现")]


def test_a_locked_schools_changed_row_is_an_error(client, world, django_capture_on_commit_callbacks):
    Submission.objects.create(school=world["schools"]["A"], year=YEAR, status=Submission.Status.APPROVED)
    staff = world["users"]["township"]
    data = edited(template(client, staff, world["xinqi"]), {("A001", "children"): 120, ("B001", "children"): 30})

    upload(client, staff, data, django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"], e["message"]) for e in only_job().errors] == [
        (3, "F", "该校 2025 年数据已审核，不能修改（原值：空）")
    ]
    assert not DataValue.objects.exists()


def test_a_locked_schools_row_left_as_downloaded_is_not_an_error(client, world, django_capture_on_commit_callbacks):
    school_year = SchoolYearFactory(school=world["schools"]["A"], year=YEAR)
    DataValueFactory(school_year=school_year, element=world["elements"]["children"], value=Decimal("200"))
    Submission.objects.create(school=world["schools"]["A"], year=YEAR, status=Submission.Status.SUBMITTED)
    staff = world["users"]["township"]
    data = edited(template(client, staff, world["xinqi"]), {("B001", "children"): 30})

    upload(client, staff, data, django_capture_on_commit_callbacks)

    job = only_job()
    assert job.state == ImportJob.State.DONE, job.errors
    assert (job.counts["schools"], job.counts["locked_unchanged"]) == (1, 1)
    assert value(world, "A", "children") == 200
    assert value(world, "B", "children") == 30


def test_a_column_left_out_of_the_sheet_leaves_its_values_alone(client, world, django_capture_on_commit_callbacks):
    school_year = SchoolYearFactory(school=world["schools"]["A"], year=YEAR)
    DataValueFactory(school_year=school_year, element=world["elements"]["money"], value=Decimal("7"))
    wb = Workbook()
    ws = wb.active
    ws.append(["学校代码", "在校学生数"])
    ws.append(["#school_code", "children"])
    ws.append(["A001", 44])
    out = BytesIO()
    wb.save(out)

    upload(client, world["users"]["clerk"], out.getvalue(), django_capture_on_commit_callbacks)

    assert only_job().state == ImportJob.State.DONE
    assert value(world, "A", "children") == 44
    assert value(world, "A", "money") == 7


def test_an_unknown_column_code_is_an_error(client, world, django_capture_on_commit_callbacks):
    wb = Workbook()
    ws = wb.active
    ws.append(["学校代码", "神秘列"])
    ws.append(["#school_code", "mystery"])
    ws.append(["A001", 1])
    out = BytesIO()
    wb.save(out)

    upload(client, world["users"]["clerk"], out.getvalue(), django_capture_on_commit_callbacks)

    assert [(e["row"], e["column"], e["message"]) for e in only_job().errors] == [
        (2, "B", "没有代码为“mystery”的统计项")
    ]


def test_a_template_of_another_year_is_refused(client, world, django_capture_on_commit_callbacks):
    staff = world["users"]["township"]
    data = template(client, staff, world["xinqi"])

    upload(client, staff, data, django_capture_on_commit_callbacks, year=YEAR - 1)

    assert [e["message"] for e in only_job().errors] == ["该文件是 2025 年的模板，而您选择的年度是 2024 年。"]


def test_a_file_that_is_not_excel_gets_a_clear_error(client, world, django_capture_on_commit_callbacks):
    response = upload(
        client,
        world["users"]["township"],
        "学校代码,在校学生数\n".encode(),
        django_capture_on_commit_callbacks,
        name="数据.csv",
    )

    assert response.status_code == 200
    assert "请上传 Excel 工作簿（.xlsx 格式）。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_old_xls_file_is_asked_to_be_saved_as_xlsx(client, world, django_capture_on_commit_callbacks):
    data = excel.XLS_MAGIC + b"\xa1\xb1\x1a\xe1" + b"\0" * 500

    response = upload(client, world["users"]["township"], data, django_capture_on_commit_callbacks, name="数据.xls")

    assert response.status_code == 200
    assert "另存为" in response.content.decode()


def test_a_corrupt_xlsx_gets_a_clear_error_not_a_crash(client, world, django_capture_on_commit_callbacks):
    data = excel.XLSX_MAGIC + b"this is not really a zip archive" * 20

    response = upload(client, world["users"]["township"], data, django_capture_on_commit_callbacks)

    job = only_job()
    assert response.status_code == 302
    assert job.state == ImportJob.State.FAILED
    assert [e["message"] for e in job.errors] == [excel.ERR_CORRUPT]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert excel.ERR_CORRUPT in page.content.decode()


def test_an_xlsx_without_our_code_row_is_refused(client, world, django_capture_on_commit_callbacks):
    wb = Workbook()
    wb.active.append(["学校代码", "学生数"])
    wb.active.append(["A001", 12])
    out = BytesIO()
    wb.save(out)

    upload(client, world["users"]["township"], out.getvalue(), django_capture_on_commit_callbacks)

    assert [e["message"] for e in only_job().errors] == [excel.ERR_NO_SHEET]


def test_an_official_cannot_upload(client, world, django_capture_on_commit_callbacks):
    data = template(client, world["users"]["official"], world["xinqi"])

    response = upload(client, world["users"]["official"], data, django_capture_on_commit_callbacks)

    assert response.status_code == 403
    assert not ImportJob.objects.exists()


# ---------------------------------------------------------------- jobs


def test_the_job_status_is_for_its_owner_only(client, world, django_capture_on_commit_callbacks):
    staff = world["users"]["township"]
    upload(client, staff, template(client, staff, world["xinqi"]), django_capture_on_commit_callbacks)
    job = only_job()

    status = client.get(reverse("excel:job_status", args=[job.pk]))
    assert status.status_code == 200
    assert status.json() | {"counts": None} == {
        "state": "done",
        "state_label": "已导入",
        "finished": True,
        "total_rows": 2,
        "processed_rows": 2,
        "percent": 100,
        "counts": None,
        "problems": 0,
    }

    client.force_login(world["users"]["district"])  # even staff above the owner
    assert client.get(reverse("excel:job_status", args=[job.pk])).status_code == 404
    assert client.get(reverse("excel:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("excel:job_marked", args=[job.pk])).status_code == 404


def test_a_pending_job_page_polls_its_status(client, world):
    staff = world["users"]["township"]
    job = ImportJob.objects.create(user=staff, year=YEAR, file="imports/x.xlsx", total_rows=400, processed_rows=100)
    client.force_login(staff)

    page = client.get(reverse("excel:job", args=[job.pk])).content.decode()

    assert f'data-status-url="{reverse("excel:job_status", args=[job.pk])}"' in page
    assert "js/import_progress.js" in page
    assert 'value="25"' in page


def test_a_job_runs_once(world):
    job = ImportJob.objects.create(user=world["users"]["township"], year=YEAR, file="imports/gone.xlsx")
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.RUNNING)

    assert imports.import_job_run(job_id=job.pk) == ImportJob.State.RUNNING


def test_a_template_for_a_year_out_of_range_shows_the_form_again(client, world):
    client.force_login(world["users"]["township"])

    response = client.get(reverse("excel:template"), {"region": world["xinqi"].pk, "year": 1990})

    assert response.status_code == 400
    assert 'id="template"' in response.content.decode()


def test_an_official_sees_the_template_download_but_no_upload(client, world):
    client.force_login(world["users"]["official"])

    page = client.get(reverse("excel:upload")).content.decode()

    assert 'id="template"' in page
    assert 'id="upload"' not in page


def test_a_school_submitted_between_check_and_write_stops_the_whole_import(client, world):
    staff = world["users"]["township"]
    data = edited(template(client, staff, world["xinqi"]), {("A001", "children"): 120, ("B001", "children"): 30})
    checked = imports.import_check(sheet=excel.sheet_read(BytesIO(data)), user=staff, year=YEAR)
    assert checked.ok
    Submission.objects.create(school=world["schools"]["B"], year=YEAR, status=Submission.Status.SUBMITTED)

    with pytest.raises(ValidationError, match="新碶幼儿园"):
        imports.import_write(values=checked.values, year=YEAR, user=staff)

    assert not DataValue.objects.exists()


def test_an_untouched_locked_row_passes_even_if_a_newer_rule_would_refuse_it(client, world):
    school_year = SchoolYearFactory(school=world["schools"]["B"], year=YEAR)
    DataValueFactory(school_year=school_year, element=world["elements"]["children"], value=Decimal("100"))
    DataValueFactory(school_year=school_year, element=world["elements"]["kg_places"], value=Decimal("80"))
    Submission.objects.create(school=world["schools"]["B"], year=YEAR, status=Submission.Status.APPROVED)
    ValidationRule.objects.create(
        code="places", message="学位数不能少于学生数", left=["kg_places"], op="ge", right=["children"]
    )
    staff = world["users"]["township"]

    checked = imports.import_check(
        sheet=excel.sheet_read(BytesIO(template(client, staff, world["xinqi"]))), user=staff, year=YEAR
    )

    assert checked.ok, checked.problems
    assert checked.locked_unchanged == 1
