"""An indicator's definition in plain words: what is counted, over what (shown on the indicator page)."""

from django.utils.translation import gettext as _

from schools.models import DataElement, Designation, KindergartenGrade, Ownership, SchoolType

OPS = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<", "eq": "=", "in": "∈"}


def describe(definition: dict) -> list[str]:
    """Lines such as "分子：幼儿园（等级 ≥ 省二级三星）的在园幼儿数之和" for a validated definition."""
    names = dict(DataElement.objects.values_list("code", "name"))
    designations = dict(Designation.objects.values_list("code", "name"))
    if "norm" in definition:
        norm = definition["norm"]
        unit = _("每所学校") if norm["unit"] == "school" else _("每个街道乡镇")
        who = _schools(norm.get("schools", []), designations)
        measure = _aggregate(norm["measure"], names, designations)
        if norm.get("per"):
            measure = _("{measure} ÷ {per}").format(measure=measure, per=_aggregate(norm["per"], names, designations))
        lines = [
            _("达标规则：{unit}{who}的 {measure} {op} {value}").format(
                unit=unit, who=f"（{who}）" if who else "", measure=measure, op=OPS[norm["op"]], value=norm["value"]
            ),
            _("指标值 = 达标单位数 ÷ 单位总数 × 100%，并列出未达标的单位。"),
        ]
        return lines
    lines = [_("分子：{part}").format(part=_aggregate(definition["numerator"], names, designations))]
    if definition.get("denominator"):
        lines.append(_("分母：{part}").format(part=_aggregate(definition["denominator"], names, designations)))
        lines.append(_("各级区划均为 Σ分子 ÷ Σ分母，不是学校比例的平均。"))
    factor = definition.get("factor", 1)
    if str(factor) not in ("1", "1.0"):
        lines.append(_("乘以 {factor}。").format(factor=factor))
    if definition.get("period") == "cumulative":
        lines.append(_("按计划期内逐年累计。"))
    return lines


def _aggregate(aggregate: dict, names: dict, designations: dict) -> str:
    if aggregate.get("source") == "region":
        return _("区域填报的“{name}”").format(name=names.get(aggregate["element"], aggregate["element"]))
    who = _schools(aggregate.get("filters", []), designations, names) or _("全部学校")
    if aggregate.get("agg") == "count":
        return _("{who}的学校数").format(who=who)
    text = _("{who}的“{name}”之和").format(who=who, name=names.get(aggregate["element"], aggregate["element"]))
    if aggregate.get("times_region_element"):
        weight = names.get(aggregate["times_region_element"], aggregate["times_region_element"])
        text += _("（各乘以所在区划的“{weight}”）").format(weight=weight)
    return text


def _schools(filters: list, designations: dict, names: dict | None = None) -> str:
    parts = []
    for f in filters:
        field, op, value = f["field"], f["op"], f.get("value")
        if field == "school_type":
            values = value if isinstance(value, list) else [value]
            parts.append("、".join(str(SchoolType(v).label) for v in values))
        elif field == "ownership":
            parts.append(str(Ownership(value).label))
        elif field == "inclusive":
            parts.append(_("普惠性") if value else _("非普惠性"))
        elif field == "grade":
            values = value if isinstance(value, list) else [value]
            label = "、".join(str(KindergartenGrade(v).label) for v in values)
            parts.append(_("当年等级 {op} {grade}").format(op=OPS[op], grade=label))
        elif field == "designation":
            name = designations.get(value, value)
            parts.append(_("当年为{name}").format(name=name) if op == "has" else _("当年不是{name}").format(name=name))
        elif field == "element":
            name = (names or {}).get(f["element"], f["element"])
            parts.append(f"{name} {OPS[op]} {value}")
    return "，".join(parts)
