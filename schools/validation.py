"""Checks of a school's annual values, shared by the data form and the Excel import.

Everything a person types arrives as text; `check_values` turns it into numbers and says in the
UI language what is wrong and where: not a number, not whole, out of range, or a cross-element
rule (ValidationRule) broken. Blank means "no data", never 0.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import DataElement, School, ValidationRule

MAX_ABS = Decimal("1e15")
OPS = {"le": lambda a, b: a <= b, "ge": lambda a, b: a >= b, "eq": lambda a, b: a == b}


@dataclass
class Checked:
    """The parsed values ({code: Decimal or None}) and the problems found ({code: [message]}, general)."""

    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    general: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.general

    def add(self, code: str, message: str):
        self.errors.setdefault(code, []).append(message)


def elements_for(school: School) -> list[DataElement]:
    """The school-level elements a school of this type reports, in form order."""
    elements = DataElement.objects.filter(level=DataElement.Level.SCHOOL).order_by("group", "sort_order", "code")
    return [e for e in elements if e.applies_to(school.school_type)]


def parse_value(raw, element: DataElement) -> Decimal | None:
    """A typed or imported value as a Decimal (None when blank); raises ValueError with the reason."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError(_("请输入数字"))
    if isinstance(raw, int | float | Decimal):
        text = str(raw)
    else:
        text = str(raw).strip().replace(",", "").replace("，", "")
        if not text:
            return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“{text}” 不是数字").format(text=str(raw).strip())) from None
    if not value.is_finite() or abs(value) >= MAX_ABS:
        raise ValueError(_("数值超出范围"))
    if element.value_type == DataElement.ValueType.INTEGER:
        if value != value.to_integral_value():
            raise ValueError(_("必须是整数"))
        value = value.quantize(Decimal(1))
    elif value.as_tuple().exponent < -4:
        raise ValueError(_("最多保留 4 位小数"))
    if element.min_value is not None and value < element.min_value:
        raise ValueError(_("不能小于 {min}").format(min=plain(element.min_value)))
    if element.max_value is not None and value > element.max_value:
        raise ValueError(_("不能大于 {max}").format(max=plain(element.max_value)))
    return value


def check_values(elements: list[DataElement], raw: dict, *, rules=None) -> Checked:
    """Parse `raw` ({code: text or number}) for these elements and apply the cross-element rules.

    Codes of `raw` that are not among `elements` are reported as errors, so that nothing is ignored
    silently. A rule is checked only when every element it names has a value.
    """
    checked = Checked()
    by_code = {e.code: e for e in elements}
    for code in raw:
        if code not in by_code:
            checked.add(code, _("该学校不填报此项"))
    for code, element in by_code.items():
        if code not in raw:
            continue
        try:
            checked.values[code] = parse_value(raw[code], element)
        except ValueError as exc:
            checked.add(code, str(exc))
    # Rules are checked among the values that parsed, so that every mistake is reported at once.
    for rule in rules if rules is not None else active_rules():
        codes = rule.elements
        if not all(checked.values.get(c) is not None for c in codes):
            continue
        left = sum((checked.values[c] for c in rule.left), Decimal(0))
        right = sum((checked.values[c] for c in rule.right), Decimal(0))
        if not OPS[rule.op](left, right):
            names = {c: by_code[c].name for c in codes}
            detail = _("{message}（{left} = {lv}，{right} = {rv}）").format(
                message=rule.message,
                left=" + ".join(names[c] for c in rule.left),
                lv=plain(left),
                right=" + ".join(names[c] for c in rule.right),
                rv=plain(right),
            )
            for code in rule.left:
                checked.add(code, detail)
    return checked


def active_rules() -> list[ValidationRule]:
    return list(ValidationRule.objects.filter(active=True))


def plain(value) -> str:
    """A stored Decimal as people write it: 1500.0000 → "1500", 2.5000 → "2.5"; None → ""."""
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")
