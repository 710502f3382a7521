"""The progress rules of targets/RULES.md, one function each. Pure: numbers in, a verdict out."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

ON_TRACK_RATIO = Decimal("0.95")
AT_RISK_RATIO = Decimal("0.60")


class Status(models.TextChoices):
    MET = "met", _("已达成")
    ON_TRACK = "on_track", _("进展正常")
    AT_RISK = "at_risk", _("有风险")
    OFF_TRACK = "off_track", _("滞后")
    NO_DATA = "no_data", _("无数据")
    NO_TARGET = "no_target", _("无目标")


@dataclass(frozen=True)
class Goal:
    """What a target asks: comparator and bounds, and by which year."""

    comparator: str  # ge | le | eq | approx | range
    value: Decimal | None
    year: int
    value_max: Decimal | None = None
    tolerance: Decimal | None = None


def rounded(value: Decimal, decimals: int) -> Decimal:
    """The value as displayed: comparisons are made at the indicator's display precision."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def gap(value: Decimal, goal: Goal) -> Decimal:
    """How far a value is from meeting the goal (0 when it meets it), in the indicator's unit."""
    target = goal.value
    if goal.comparator == "ge":
        return max(Decimal(0), target - value)
    if goal.comparator == "le":
        return max(Decimal(0), value - target)
    if goal.comparator == "approx":
        return max(Decimal(0), abs(value - target) - (goal.tolerance or 0))
    if goal.comparator == "range":
        return max(Decimal(0), target - value, value - (goal.value_max if goal.value_max is not None else target))
    return abs(value - target)  # eq


def meets(value: Decimal, goal: Goal, decimals: int) -> bool:
    """Whether a value meets the goal, compared as displayed."""
    return gap(rounded(value, decimals), goal) == 0


def judge(
    *, value: Decimal | None, year: int, goal: Goal | None, baseline: tuple[int, Decimal] | None, decimals: int
) -> Status:
    """The status of a value in a year against a goal, from a baseline (year, value), per RULES.md."""
    if value is None:
        return Status.NO_DATA
    if goal is None or goal.value is None:
        return Status.NO_TARGET
    if meets(value, goal, decimals):
        return Status.MET
    if baseline is None or baseline[0] >= year:
        return Status.AT_RISK
    baseline_year, baseline_value = baseline
    start_gap, now_gap = gap(baseline_value, goal), gap(rounded(value, decimals), goal)
    if start_gap == 0 or now_gap > start_gap:
        return Status.OFF_TRACK  # was there and slipped back, or moving away
    made = start_gap - now_gap
    if year >= goal.year:
        return Status.AT_RISK if made >= AT_RISK_RATIO * start_gap else Status.OFF_TRACK
    needed = start_gap * Decimal(year - baseline_year) / Decimal(goal.year - baseline_year)
    ratio = made / needed
    if ratio >= ON_TRACK_RATIO:
        return Status.ON_TRACK
    if ratio >= AT_RISK_RATIO:
        return Status.AT_RISK
    return Status.OFF_TRACK


def project(points: list[tuple[int, Decimal]], year: int) -> Decimal | None:
    """Least-squares line through (year, value) points, read at `year`; None with fewer than two years."""
    if len({y for y, _ in points}) < 2:
        return None
    n = Decimal(len(points))
    mean_x = sum(Decimal(x) for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((Decimal(x) - mean_x) ** 2 for x, _ in points)
    sxy = sum((Decimal(x) - mean_x) * (y - mean_y) for x, y in points)
    return mean_y + sxy / sxx * (Decimal(year) - mean_x)
