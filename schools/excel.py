"""Excel workbooks: plain exports, the annual data template, reading an upload back and marking its problems.

Only openpyxl lives here; which schools, elements and values go in or come out is schools.imports'.

The template's layout is the contract with the importer: row 1 holds the Chinese headers, row 2 the
codes the importer maps columns by (`#school_code` for the identity columns, element codes for the
rest; `#` cannot occur in an element code), data from row 3. Headers may be reworded or columns
reordered or left out; codes must stay.
"""

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.packaging.custom import IntProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .validation import plain

logger = logging.getLogger(__name__)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary format (and other OLE files)

HEADER_ROW, CODE_ROW, FIRST_DATA_ROW = 1, 2, 3
SCHOOL_CODE, SCHOOL_NAME, TOWNSHIP, SCHOOL_TYPE, STATUS = (
    "#school_code",
    "#school_name",
    "#township",
    "#school_type",
    "#status",
)
IDENTITY = (SCHOOL_CODE, SCHOOL_NAME, TOWNSHIP, SCHOOL_TYPE, STATUS)
YEAR_PROPERTY = "EduPlan year"
MAX_ROWS = 50_000  # rows with data
MAX_SCANNED_ROWS = 200_000  # rows read at all, blank or not
EXCEL_PROMPT_MAX, EXCEL_TITLE_MAX = 255, 32

ERR_NOT_XLSX = _("请上传 Excel 工作簿（.xlsx 格式）。")
ERR_OLD_XLS = _("这是旧版 Excel 文件（.xls）。请在 Excel 中“另存为” .xlsx 格式后再上传。")
ERR_CORRUPT = _("无法读取该文件：文件已损坏，或不是有效的 Excel 工作簿（.xlsx）。")
ERR_NO_SHEET = _("文件中找不到填报数据表：第 2 行应有“#school_code”等代码。请使用本系统下载的模板填写。")
ERR_TOO_MANY_ROWS = _("文件超过 {max} 行，请分成几个文件上传。")

THIN = Side(style="thin", color="B7C3D0")
HEADER_FONT = Font(bold=True, color="1F2933")
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
CODE_FONT = Font(size=8, color="7B8794")
CODE_FILL = PatternFill("solid", fgColor="F0F4F8")
IDENTITY_FILL = PatternFill("solid", fgColor="F5F7FA")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
NOT_APPLICABLE_FILL = PatternFill("solid", fgColor="BFBFBF")
PROBLEM_FILL = PatternFill("solid", fgColor="FF9999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
WRAP_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")


class WorkbookError(Exception):
    """The upload cannot be read as a workbook of annual values at all; `message` says why, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# ---------------------------------------------------------------- responses


def content_disposition(filename: str, *, fallback: str = "") -> str:
    """`attachment` with an ASCII fallback name and the real one in RFC 5987 form (filename*=UTF-8'')."""
    if not fallback:
        stem, dot, extension = filename.rpartition(".") if "." in filename else (filename, "", "")
        ascii_stem = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_") or "download"
        fallback = ascii_stem + dot + re.sub(r"[^A-Za-z0-9]", "", extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(data: bytes, filename: str, *, fallback: str = "") -> HttpResponse:
    """A download of workbook bytes under `filename` (".xlsx" added when missing)."""
    if not filename.lower().endswith(".xlsx"):
        filename += ".xlsx"
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    return response


def workbook_response(filename: str, headers: list, rows, *, sheet_title: str = "") -> HttpResponse:
    """A one-sheet export: bold frozen header row, column widths to fit, then `rows` (any iterable of lists).

    Values are written as they are (numbers stay numbers; None is an empty cell). The sheet is
    streamed (openpyxl write-only), so long exports do not hold every cell in memory.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_title or filename.removesuffix(".xlsx")))
    rows = list(rows) if not isinstance(rows, list) else rows
    for index, header in enumerate(headers, 1):
        sample = [header, *(row[index - 1] for row in rows[:200] if index - 1 < len(row))]
        width = max(_display_width(value) for value in sample)
        ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    ws.append([_styled(ws, header, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER) for header in headers])
    for row in rows:
        ws.append([_cell_value(value) for value in row])
    return xlsx_response(_save(wb), filename)


# ---------------------------------------------------------------- the annual data template


@dataclass
class TemplateRow:
    """One school's line of the template: who it is, whether it may still be changed, its current values."""

    code: str
    name: str
    township: str
    school_type: str
    type_label: str
    status_label: str
    locked: bool
    values: dict = field(default_factory=dict)  # element code -> Decimal


def template_workbook(*, year: int, title: str, elements: list, rows, notes: list[str]) -> bytes:
    """The fill-in workbook: one row per school, one column per element, current values filled in.

    Cells of elements that do not apply to a school's type are dark grey; rows of schools whose data
    is submitted or approved are light grey; both are locked by sheet protection (no password: it
    guards against slips, not people). Each element column carries Excel data validation (whole or
    decimal number, min/max) and an input message; the importer checks everything again anyway.
    `rows` may be a generator: it is streamed into the sheet.
    """
    wb = Workbook(write_only=True)
    wb.custom_doc_props.append(IntProperty(name=YEAR_PROPERTY, value=year))
    wb.properties.title = title
    wb.properties.creator = "EduPlan"
    ws = wb.create_sheet(_sheet_title(_("{year}年填报数据").format(year=year)))

    identity = [
        (SCHOOL_CODE, _("学校代码"), 14),
        (SCHOOL_NAME, _("学校名称"), 30),
        (TOWNSHIP, _("街道乡镇"), 14),
        (SCHOOL_TYPE, _("学校类型"), 14),
        (STATUS, _("填报状态"), 10),
    ]
    headers = [label for _code, label, _width in identity] + [element_header(e) for e in elements]
    codes = [code for code, _label, _width in identity] + [e.code for e in elements]
    for index, (_code, _label, width) in enumerate(identity, 1):
        ws.column_dimensions[get_column_letter(index)].width = width
    for index, header in enumerate(headers[len(identity) :], len(identity) + 1):
        ws.column_dimensions[get_column_letter(index)].width = min(max(_display_width(header) / 2 + 3, 10), 22)
    ws.row_dimensions[HEADER_ROW].height = 48
    ws.freeze_panes = f"{get_column_letter(len(identity) + 1)}{FIRST_DATA_ROW}"
    ws.protection.sheet = True
    # Protection on, but people may still resize, format and filter; only locked cells refuse input.
    ws.protection.formatColumns = ws.protection.formatRows = ws.protection.formatCells = False
    ws.protection.autoFilter = ws.protection.sort = False

    ws.append(
        [_styled(ws, h, font=HEADER_FONT, fill=HEADER_FILL, border=BORDER, alignment=WRAP_CENTER) for h in headers]
    )
    ws.append([_styled(ws, c, font=CODE_FONT, fill=CODE_FILL, border=BORDER) for c in codes])

    # One prototype cell per look, whose style array is copied: styling 100k cells one attribute at
    # a time would look every style up again for each cell.
    editable = _prototype(ws, border=BORDER, protection=UNLOCKED)
    locked = _prototype(ws, border=BORDER, fill=LOCKED_FILL)
    not_applicable = _prototype(ws, border=BORDER, fill=NOT_APPLICABLE_FILL)
    ident = _prototype(ws, border=BORDER, fill=IDENTITY_FILL)

    count = 0
    for row in rows:
        count += 1
        cells = [
            _like(ws, ident, row.code),
            _like(ws, ident, row.name),
            _like(ws, ident, row.township),
            _like(ws, ident, row.type_label),
            _like(ws, ident, row.status_label),
        ]
        for element in elements:
            if not element.applies_to(row.school_type):
                cells.append(_like(ws, not_applicable, None))
            else:
                value = _cell_value(row.values.get(element.code))
                cells.append(_like(ws, locked if row.locked else editable, value))
        ws.append(cells)

    if count:
        last = FIRST_DATA_ROW + count - 1
        for index, element in enumerate(elements, len(identity) + 1):
            letter = get_column_letter(index)
            validation = element_validation(element)
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last}")
            ws.data_validations.append(validation)

    help_sheet = wb.create_sheet(_("填写说明"))
    help_sheet.column_dimensions["A"].width = 110
    help_sheet.append([_styled(help_sheet, title, font=Font(bold=True, size=13))])
    for line in notes:
        help_sheet.append([line])
    return _save(wb)


def element_header(element) -> str:
    """名称（单位）, the header of an element's column."""
    return f"{element.name}（{element.unit}）" if element.unit else element.name


def element_validation(element) -> DataValidation:
    """Excel's own check for an element's column: whole or decimal number within min/max, with an input message."""
    integer = element.value_type == element.ValueType.INTEGER
    low, high = element.min_value, element.max_value
    bounds = (
        f"{plain(low)}–{plain(high)}"
        if low is not None and high is not None
        else (
            _("不小于 {min}").format(min=plain(low))
            if low is not None
            else (_("不大于 {max}").format(max=plain(high)) if high is not None else "")
        )
    )
    kind = _("整数") if integer else _("数字，最多 4 位小数")
    prompt = "；".join(
        part
        for part in (
            kind,
            bounds,
            _("单位：{unit}").format(unit=element.unit) if element.unit else "",
            _("留空表示无数据"),
            element.help_text,
        )
        if part
    )
    if low is not None and high is not None:
        operator, formulas = "between", (plain(low), plain(high))
    elif low is not None:
        operator, formulas = "greaterThanOrEqual", (plain(low), None)
    elif high is not None:
        operator, formulas = "lessThanOrEqual", (plain(high), None)
    else:
        operator, formulas = "between", ("-999999999999999", "999999999999999")
    return DataValidation(
        type="whole" if integer else "decimal",
        operator=operator,
        formula1=formulas[0],
        formula2=formulas[1],
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=element.name[:EXCEL_TITLE_MAX],
        prompt=prompt[:EXCEL_PROMPT_MAX],
        errorTitle=_("数据不符合要求")[:EXCEL_TITLE_MAX],
        error=(_("请输入{kind}").format(kind=kind) + (f"（{bounds}）" if bounds else ""))[:EXCEL_PROMPT_MAX],
    )


# ---------------------------------------------------------------- reading an upload


@dataclass
class Column:
    index: int  # 0-based position in a row
    letter: str
    header: str
    code: str


@dataclass
class Sheet:
    """What the importer needs from an upload: the sheet's title, its coded columns and non-blank rows."""

    title: str
    columns: list  # [Column] with a code in row 2
    rows: list  # [(Excel row number, tuple of cell values)]
    year: int | None = None  # as written into the template, if the file is one of ours


def check_magic(head: bytes) -> None:
    """Refuse what is clearly not an .xlsx from its first bytes."""
    if head.startswith(XLS_MAGIC):
        raise WorkbookError(ERR_OLD_XLS)
    if not head.startswith(XLSX_MAGIC):
        raise WorkbookError(ERR_NOT_XLSX)


def sheet_read(file) -> Sheet:
    """Read the data sheet of an uploaded workbook (a binary file object); raise WorkbookError when unreadable.

    Cached results of formulas are read, not the formulas. Entirely blank rows are left out; the row
    numbers kept are Excel's, so that problems can be reported where the user sees them.
    """
    check_magic(file.read(len(XLSX_MAGIC)))
    file.seek(0)
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: the file is not a usable workbook
        logger.info("unreadable workbook: %r", exc)
        raise WorkbookError(ERR_CORRUPT) from None
    try:
        return _read(wb)
    except WorkbookError:
        raise
    except Exception as exc:
        logger.info("unreadable worksheet: %r", exc)
        raise WorkbookError(ERR_CORRUPT) from None
    finally:
        wb.close()


def _read(wb) -> Sheet:
    year = None
    for prop in wb.custom_doc_props:
        if prop.name == YEAR_PROPERTY and isinstance(prop.value, int):
            year = prop.value
    for ws in wb.worksheets:
        if not hasattr(ws, "iter_rows"):
            continue  # a chart sheet
        ws.reset_dimensions()  # other writers' stated dimensions can be wrong; read what is there
        rows = ws.iter_rows(values_only=True)
        head = [next(rows, ()), next(rows, ())]
        codes = [_text(value) for value in head[1]]
        if SCHOOL_CODE not in codes:
            continue
        headers = list(head[0]) + [None] * (len(codes) - len(head[0]))
        columns = [
            Column(index=i, letter=get_column_letter(i + 1), header=_text(headers[i]) or code, code=code)
            for i, code in enumerate(codes)
            if code
        ]
        data = []
        for number, values in enumerate(rows, FIRST_DATA_ROW):
            if number > MAX_SCANNED_ROWS:  # a sheet of a million blank rows, or worse, a zip bomb
                raise WorkbookError(ERR_TOO_MANY_ROWS.format(max=MAX_ROWS))
            if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
                continue
            if len(data) >= MAX_ROWS:
                raise WorkbookError(ERR_TOO_MANY_ROWS.format(max=MAX_ROWS))
            data.append((number, values))
        return Sheet(title=ws.title, columns=columns, rows=data, year=year)
    raise WorkbookError(ERR_NO_SHEET)


def cell_text(value) -> str:
    """A cell as text for codes: 330206001.0 typed as a number reads as "330206001"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _text(value)


# ---------------------------------------------------------------- marking problems


def workbook_mark(file, *, sheet_title: str, problems: list) -> bytes:
    """The user's own workbook with each problem cell filled red and a comment giving the reasons.

    `problems` are dicts with "row", "column" (Excel letter) and "message"; several on one cell are
    joined. The rest of the workbook is left as it was.
    """
    wb = load_workbook(file)
    ws = wb[sheet_title]
    by_cell = {}
    for problem in problems:
        if problem.get("row") and problem.get("column"):
            by_cell.setdefault(f"{problem['column']}{problem['row']}", []).append(problem["message"])
    for coordinate, messages in by_cell.items():
        cell = ws[coordinate]
        cell.fill = PROBLEM_FILL
        text = "\n".join(dict.fromkeys(messages))
        comment = Comment(text, "EduPlan")
        comment.width, comment.height = 260, min(60 + 20 * len(messages), 300)
        cell.comment = comment
    return _save(wb)


# ---------------------------------------------------------------- helpers


def _save(wb) -> bytes:
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    """Excel refuses []:*?/\\ in sheet names and more than 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet1"


def _styled(ws, value, **style) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_cell_value(value))
    for name, look in style.items():
        setattr(cell, name, look)
    return cell


def _prototype(ws, **style) -> WriteOnlyCell:
    return _styled(ws, None, **style)


def _like(ws, prototype: WriteOnlyCell, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_cell_value(value))
    cell._style = prototype._style.__copy__()
    return cell


def _cell_value(value):
    """Decimals as int when whole (Excel shows 1500, not 1500.0000), lazy texts as text, others as given."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return value.normalize()
    if hasattr(value, "tzinfo") and value.tzinfo is not None:  # Excel has no time zones
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _display_width(value) -> int:
    """Roughly how many character widths a value needs: CJK characters count twice."""
    text = _text(value if not isinstance(value, Decimal) else _cell_value(value))
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
