"""The status rules of targets/RULES.md, through the whole engine: data in, rollup_full, TargetProgress out.

A district of ten townships with one kindergarten each. Every kindergarten has 1000 teachers' worth
of data so that a township's rate is its qualified count ÷ 10, to one decimal exactly. The plan runs
2024–2026 with 2023 as its baseline year; the district's target is ≥ 90% by 2026.

The line from the baseline (2023, 60%) to the target (2026, 90%) expects 60 + 30 × 1/3 = 70% in 2024:
10 points of progress needed by then. Ratio = progress made ÷ 10.
"""

from decimal import Decimal

import pytest

from reports.services import rollup_full
from schools.models import RegionLevel, SchoolType
from targets.models import Comparator, Indicator
from targets.progress import Status
from tests.factories import (
    DataElementFactory,
    RegionFactory,
    SchoolFactory,
    SchoolYearFactory,
    TargetFactory,
    region_chain,
)
from tests.reports.scenario import KG, indicator, plan_2024_2026, progress, put

pytestmark = pytest.mark.django_db
D = Decimal

# township: (qualified teachers of 1000 in 2023, in 2024); None = no data that year
TOWNSHIPS = {
    "新碶街道": (600, 695),  # 69.5%: made 9.5 of 10 = 95% → on track (the boundary)
    "大碶街道": (600, 694),  # 69.4%: 94% → at risk
    "小港街道": (600, 660),  # 66.0%: 60% → at risk (the boundary)
    "霞浦街道": (600, 659),  # 65.9%: 59% → off track
    "柴桥街道": (600, 550),  # 55.0%: moving away from the target → off track
    "戚家山街道": (600, 900),  # 90.0%: meets ≥ 90 → met
    "大榭街道": (600, 780),  # 78.0%: made 18 of 10 → on track
    "白峰街道": (600, None),  # nothing reported in 2024 → no data
    "郭巨街道": (920, 880),  # met the target in 2023 and slipped back → off track
    "春晓街道": (None, 700),  # 70.0% with no earlier value: no baseline, not met → at risk
}


@pytest.fixture
def townships(db):
    """The ten townships by name, with their kindergarten's data for 2023 and 2024."""
    for code in ("kg_teachers", "kg_teachers_qualified", "kg_teachers_unqualified"):
        DataElementFactory(code=code)
    first = region_chain("330206001", "浙江省", "宁波市", "北仑区", "新碶街道")
    county = first.parent
    regions = {"北仑区": county, "新碶街道": first}
    for n, name in enumerate(TOWNSHIPS, start=1):
        if name not in regions:
            regions[name] = RegionFactory(code=f"330206{n:03d}", name=name, level=RegionLevel.TOWNSHIP, parent=county)
        school = SchoolFactory(code=f"KG{n:03d}", region=regions[name], school_type=SchoolType.KINDERGARTEN)
        for year, qualified in zip((2023, 2024), TOWNSHIPS[name], strict=True):
            SchoolYearFactory(school=school, year=year)
            if qualified is not None:
                unqualified = 1000 - qualified
                put(
                    school, year, kg_teachers=1000, kg_teachers_qualified=qualified, kg_teachers_unqualified=unqualified
                )
    return regions


def qualified_rate():
    return indicator(
        "kg_teacher_qualified_rate",
        Indicator.Kind.SHARE_OF_PEOPLE,
        {
            "numerator": {"agg": "sum", "element": "kg_teachers_qualified", "filters": [KG]},
            "denominator": {"agg": "sum", "element": "kg_teachers", "filters": [KG]},
            "factor": 100,
        },
        decimals=1,
    )


def test_each_townships_status_follows_the_straight_line_from_its_baseline(townships):
    rate = qualified_rate()
    plan = plan_2024_2026(townships["北仑区"])
    target = TargetFactory(plan=plan, indicator=rate, region=plan.region, code="T014", comparator="ge", value=90)

    rollup_full()

    expected = {
        "新碶街道": Status.ON_TRACK,
        "大碶街道": Status.AT_RISK,
        "小港街道": Status.AT_RISK,
        "霞浦街道": Status.OFF_TRACK,
        "柴桥街道": Status.OFF_TRACK,
        "戚家山街道": Status.MET,
        "大榭街道": Status.ON_TRACK,
        "白峰街道": Status.NO_DATA,
        "郭巨街道": Status.OFF_TRACK,
        "春晓街道": Status.AT_RISK,
    }
    found = {name: progress(plan, "T014", townships[name], 2024).status for name in TOWNSHIPS}
    assert found == expected
    # None has a target of its own: each is judged against the district's ≥ 90%, a rate being inheritable.
    for name in TOWNSHIPS:
        row = progress(plan, "T014", townships[name], 2024)
        assert (row.target_id, row.inherited) == (target.pk, True), name
    # The line from (2023, 60) to (2026, 90) expects 70 in 2024.
    xinqi = progress(plan, "T014", townships["新碶街道"], 2024)
    assert (xinqi.value, xinqi.expected) == (D("69.5"), D("70"))
    # Least squares through (2023, 60), (2024, 69.5), read at 2026: 60 + 9.5 × 3 = 88.5, short of 90.
    assert (xinqi.projection, xinqi.projected_met) == (D("88.5"), False)
    # 大榭: 60 + 18 × 3 = 114 ≥ 90.
    assert progress(plan, "T014", townships["大榭街道"], 2024).projected_met is True
    # 2025 and 2026 have no data at all yet.
    for year in (2025, 2026):
        assert progress(plan, "T014", townships["新碶街道"], year).status == Status.NO_DATA


def test_the_district_is_judged_on_its_own_summed_value(townships):
    rate = qualified_rate()
    plan = plan_2024_2026(townships["北仑区"])
    TargetFactory(plan=plan, indicator=rate, region=plan.region, code="T014", comparator="ge", value=90)

    rollup_full()

    row = progress(plan, "T014", townships["北仑区"], 2024)
    # 2023: 9 townships × 600 + 郭巨 920 − (春晓 has none) → (8 × 600 + 920) ÷ 9000 = 5720/9000 = 63.555556%.
    # 2024: (695 + 694 + 660 + 659 + 550 + 900 + 780 + 880 + 700) ÷ 9000 = 6518/9000 = 72.422222%, shown 72.4.
    assert row.value == D("72.422222")
    # Gap to 90 fell from 26.444444 to 17.6 (the value as shown): 8.844444 made. Needed by 2024: a third of
    # 26.444444 = 8.814815. Ratio 1.003 ≥ 0.95 → on track.
    assert row.status == Status.ON_TRACK
    # Expected: 63.555556 + 26.444444 ÷ 3 = 72.370370(67) → stored with six decimals.
    assert row.expected == D("72.370371")
    assert (row.target.region, row.inherited) == (townships["北仑区"], False)


def test_in_the_targets_own_year_not_met_is_at_risk_or_off_track_never_on_track(townships):
    rate = qualified_rate()
    plan = plan_2024_2026(townships["北仑区"])
    TargetFactory(plan=plan, indicator=rate, region=plan.region, code="T014", year=2024, comparator="ge", value=90)

    rollup_full()

    # Target year 2024: at risk needs ≥ 60% of the way from 60 to 90, i.e. ≥ 18 points made.
    statuses = {name: progress(plan, "T014", townships[name], 2024).status for name in ("新碶街道", "大榭街道")}
    # 新碶 made 9.5 < 18 → off track (on track against a 2026 target, late against a 2024 one); 大榭 made 18 → at risk.
    assert statuses == {"新碶街道": Status.OFF_TRACK, "大榭街道": Status.AT_RISK}
    assert progress(plan, "T014", townships["戚家山街道"], 2024).status == Status.MET
    # The target is for 2024 only: later years have none to judge against (and no data either).
    assert progress(plan, "T014", townships["戚家山街道"], 2025).target is None


def test_a_townships_own_target_wins_over_the_one_it_would_inherit(townships):
    rate = qualified_rate()
    plan = plan_2024_2026(townships["北仑区"])
    TargetFactory(plan=plan, indicator=rate, region=plan.region, code="T014", comparator="ge", value=90)
    own = TargetFactory(plan=plan, indicator=rate, region=townships["新碶街道"], code="T014", comparator="ge", value=69)

    rollup_full()

    xinqi = progress(plan, "T014", townships["新碶街道"], 2024)
    # 69.5 ≥ 69 → met against its own target (against the district's 90 it would be on track).
    assert (xinqi.target_id, xinqi.inherited, xinqi.status) == (own.pk, False, Status.MET)
    assert progress(plan, "T014", townships["大碶街道"], 2024).inherited is True


def test_a_count_target_is_not_inherited_without_a_split_to_townships(townships):
    total = indicator(
        "kg_teachers_total",
        Indicator.Kind.SUM,
        {"numerator": {"agg": "sum", "element": "kg_teachers", "filters": [KG]}},
        decimals=0,
    )
    plan = plan_2024_2026(townships["北仑区"])
    TargetFactory(plan=plan, indicator=total, region=plan.region, code="T100", comparator="ge", value=8000)
    split = TargetFactory(plan=plan, indicator=total, region=townships["新碶街道"], code="T100", value=1000)

    rollup_full()

    # 北仑区 2024: 9 townships reported 1000 teachers each = 9000 ≥ 8000 → met.
    district = progress(plan, "T100", townships["北仑区"], 2024)
    assert (district.value, district.status) == (D(9000), Status.MET)
    # 新碶 has its share of the target (指标分解): 1000 ≥ 1000 → met.
    xinqi = progress(plan, "T100", townships["新碶街道"], 2024)
    assert (xinqi.target_id, xinqi.status) == (split.pk, Status.MET)
    # 大碶 has none: the district's 8000 says nothing about one township. Its contribution, no status.
    dagang = progress(plan, "T100", townships["大碶街道"], 2024)
    assert (dagang.value, dagang.target, dagang.inherited, dagang.status) == (D(1000), None, False, Status.NO_TARGET)


def test_a_target_without_a_value_gives_no_target(townships):
    rate = qualified_rate()
    plan = plan_2024_2026(townships["北仑区"])
    TargetFactory(plan=plan, indicator=rate, region=plan.region, code="T132", comparator="ge", value=None)

    rollup_full()

    assert progress(plan, "T132", townships["北仑区"], 2024).status == Status.NO_TARGET


def test_an_at_most_target_counts_a_fall_as_progress(townships):
    unqualified = indicator(
        "kg_teacher_unqualified_rate",
        Indicator.Kind.RATE,
        {
            "numerator": {"agg": "sum", "element": "kg_teachers_unqualified", "filters": [KG]},
            "denominator": {"agg": "sum", "element": "kg_teachers", "filters": [KG]},
            "factor": 100,
        },
        direction=Indicator.Direction.LOWER,
        decimals=1,
    )
    plan = plan_2024_2026(townships["北仑区"])
    TargetFactory(plan=plan, indicator=unqualified, region=plan.region, code="T200", comparator=Comparator.LE, value=20)

    rollup_full()

    # Unqualified = 100 − the qualified rate. From 40% in 2023 to ≤ 20% by 2026: a fall of 20 needed,
    # 20 ÷ 3 = 6.67 of it by 2024.
    statuses = {
        name: progress(plan, "T200", townships[name], 2024).status for name in ("新碶街道", "小港街道", "柴桥街道")
    }
    assert statuses == {
        "新碶街道": Status.ON_TRACK,  # 40 → 30.5: fell 9.5, ratio 9.5 ÷ 6.67 = 1.43
        "小港街道": Status.AT_RISK,  # 40 → 34: fell 6, ratio 0.90
        "柴桥街道": Status.OFF_TRACK,  # 40 → 45: rising, away from the target
    }
    # 戚家山 at 10% meets ≤ 20.
    assert progress(plan, "T200", townships["戚家山街道"], 2024).status == Status.MET


# ---------------------------------------------------------------- cumulative counts


def test_a_cumulative_count_has_no_data_in_a_year_nobody_has_reported_yet(district):
    d = district
    built = indicator(
        "kg_std_projects",
        Indicator.Kind.COUNT,
        {"numerator": {"agg": "sum", "element": "std_projects", "filters": [KG]}, "period": "cumulative"},
        decimals=0,
    )
    put(d.k1, 2024, std_projects=2)
    put(d.k3, 2024, std_projects=1)
    put(d.k2, 2025, std_projects=1)
    put(d.k4, 2025, std_projects=2)
    plan = plan_2024_2026(d.county)
    TargetFactory(plan=plan, indicator=built, region=d.county, code="T001", comparator=Comparator.GE, value=9)

    rollup_full()

    # 2025: 3 + 3 = 6 built, as the line from (2023, 0) to (2026, 9) expects.
    assert progress(plan, "T001", d.county, 2025).status == Status.ON_TRACK
    # 2026 has not been reported by anyone (no annual record at all): its total is unknown, not "still 6"
    # (which, in the target's own year, would read as at risk).
    p2026 = progress(plan, "T001", d.county, 2026)
    assert (p2026.value, p2026.status) == (None, Status.NO_DATA)
