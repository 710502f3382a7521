"""Rolled-up indicator values against numbers worked out by hand on the district of scenario.py.

Every expected value is computed in the comments next to it from the data the test writes; values
are stored with six decimals (rounded half-even), so 91/110 × 100 = 82.7272… is stored as 82.727273.
"""

from decimal import Decimal

import pytest

from reports.services import rollup_full
from targets.models import Comparator, Indicator
from targets.progress import Status
from tests.factories import TargetFactory
from tests.reports.scenario import (
    KG,
    L2_OR_BETTER,
    MIGRANT,
    PRIMARY_OR_MIGRANT,
    PUBLIC,
    indicator,
    plan_2024_2026,
    progress,
    put,
    put_region,
    stored,
)

pytestmark = pytest.mark.django_db
D = Decimal


def share(numerator: str, denominator: str, *filters) -> dict:
    """Σ numerator ÷ Σ denominator × 100 over the schools that pass the filters."""
    return {
        "numerator": {"agg": "sum", "element": numerator, "filters": list(filters)},
        "denominator": {"agg": "sum", "element": denominator, "filters": list(filters)},
        "factor": 100,
    }


# ---------------------------------------------------------------- shares of pupils: Σ ÷ Σ, never an average


def test_a_share_of_pupils_is_the_sum_of_numerators_over_the_sum_of_denominators(district):
    d = district
    rate = indicator(
        "kg_teacher_qualified_rate", Indicator.Kind.SHARE_OF_PEOPLE, share("kg_teachers_qualified", "kg_teachers", KG)
    )
    put(d.k1, 2025, kg_teachers=100, kg_teachers_qualified=90)  # 90%
    put(d.k2, 2025, kg_teachers=10, kg_teachers_qualified=1)  # 10%
    put(d.k3, 2025, kg_teachers=20, kg_teachers_qualified=18)  # 90%

    rollup_full()

    # 新碶: (90 + 1) ÷ (100 + 10) = 91/110 = 82.7272…%, not the schools' average (90% + 10%) ÷ 2 = 50%.
    t1 = stored(rate, d.t1, 2025)
    assert (t1.numerator, t1.denominator, t1.value) == (D(91), D(110), D("82.727273"))
    # 大碶: 18/20 = 90%.
    assert stored(rate, d.t2, 2025).value == D("90.000000")
    # 北仑区: (91 + 18) ÷ (110 + 20) = 109/130 = 83.846153…%, not the average of the three schools (63.3%)
    # nor of the two townships ((82.73 + 90) ÷ 2 = 86.36%).
    county = stored(rate, d.county, 2025)
    assert (county.numerator, county.denominator, county.value) == (D(109), D(130), D("83.846154"))
    # The city and the province above have only this district: the same sums.
    for region in (d.city, d.province):
        row = stored(rate, region, 2025)
        assert (row.numerator, row.denominator, row.value) == (D(109), D(130), D("83.846154"))


def test_a_share_of_pupils_counts_each_pupil_once_wherever_the_grade_puts_them(district):
    d = district
    rate = indicator(
        "kg_l2_enrolment_share",
        Indicator.Kind.SHARE_OF_PEOPLE,
        {
            "numerator": {"agg": "sum", "element": "kg_children", "filters": [KG, L2_OR_BETTER]},
            "denominator": {"agg": "sum", "element": "kg_children", "filters": [KG]},
            "factor": 100,
        },
    )
    # 2025 grades: k1 省一级, k2 省二级三星, k3 省三级一星 (below 省二级), k4 省二级三星.
    put(d.k1, 2025, kg_children=300)
    put(d.k2, 2025, kg_children=100)
    put(d.k3, 2025, kg_children=150)
    put(d.k4, 2025, kg_children=120)

    rollup_full()

    # 新碶: (300 + 100) ÷ 400 = 100%; 小港: 120/120 = 100%.
    assert stored(rate, d.t1, 2025).value == D("100.000000")
    assert stored(rate, d.t3, 2025).value == D("100.000000")
    # 大碶 reported its 150 children, none of them in a kindergarten of 省二级 or better: 0 ÷ 150 = 0%,
    # which is data (a real zero), not "no data".
    t2 = stored(rate, d.t2, 2025)
    assert (t2.numerator, t2.denominator, t2.value) == (D(0), D(150), D("0.000000"))
    assert (t2.schools_reporting, t2.schools_expected) == (1, 1)
    # 北仑区: (300 + 100 + 120) ÷ (300 + 100 + 150 + 120) = 520/670 = 77.611940…%.
    county = stored(rate, d.county, 2025)
    assert (county.numerator, county.denominator, county.value) == (D(520), D(670), D("77.611940"))


# ---------------------------------------------------------------- shares of schools: the grade of that year


def test_a_share_of_schools_uses_each_schools_grade_in_that_year(district):
    d = district
    rate = indicator(
        "kg_l2_share",
        Indicator.Kind.SHARE_OF_SCHOOLS,
        {
            "numerator": {"agg": "count", "filters": [KG, L2_OR_BETTER]},
            "denominator": {"agg": "count", "filters": [KG]},
            "factor": 100,
        },
    )

    rollup_full()

    # 2024: k1 省一级 ✓, k2 省三级二星 ✗, k3 省二级三星 ✓, k4 未评级 ✗.
    # 新碶 1/2 = 50%, 大碶 1/1 = 100%, 小港 0/1 = 0% (a real zero), 北仑区 2/4 = 50%.
    assert stored(rate, d.t1, 2024).value == D("50.000000")
    assert stored(rate, d.t2, 2024).value == D("100.000000")
    assert stored(rate, d.t3, 2024).value == D("0.000000")
    county_2024 = stored(rate, d.county, 2024)
    assert (county_2024.numerator, county_2024.denominator, county_2024.value) == (D(2), D(4), D("50.000000"))
    # 2025: k2 went up to 省二级三星, k3 down to 省三级一星, k4 up to 省二级三星.
    # 新碶 2/2 = 100%, 大碶 0/1 = 0%, 小港 1/1 = 100%, 北仑区 3/4 = 75%.
    assert stored(rate, d.t1, 2025).value == D("100.000000")
    assert stored(rate, d.t2, 2025).value == D("0.000000")
    assert stored(rate, d.t3, 2025).value == D("100.000000")
    county_2025 = stored(rate, d.county, 2025)
    assert (county_2025.numerator, county_2025.denominator, county_2025.value) == (D(3), D(4), D("75.000000"))
    # A count of schools needs no data element: every kindergarten with an annual record reports.
    assert (county_2025.schools_reporting, county_2025.schools_expected) == (4, 4)


# ---------------------------------------------------------------- a lower-is-better N:1 ratio


def test_a_lower_is_better_ratio_is_summed_and_judged_against_an_at_most_target(district):
    d = district
    ratio = indicator(
        "student_computer_ratio",
        Indicator.Kind.RATIO,
        {
            "numerator": {"agg": "sum", "element": "students", "filters": [PRIMARY_OR_MIGRANT]},
            "denominator": {"agg": "sum", "element": "computers", "filters": [PRIMARY_OR_MIGRANT]},
        },
        unit=":1",
        direction=Indicator.Direction.LOWER,
        decimals=1,
    )
    put(d.p1, 2024, students=800, computers=80)  # 10:1
    put(d.p1, 2025, students=800, computers=100)  # 8:1
    put(d.p2, 2025, students=600, computers=120)  # 5:1
    put(d.m1, 2025, students=300, computers=20)  # 15:1
    put(d.m2, 2025, students=200, computers=40)  # 5:1
    put(d.m3, 2025, students=100, computers=10)  # 10:1
    put(d.k1, 2025, students=999, computers=1)  # a kindergarten: outside the indicator's schools
    plan = plan_2024_2026(d.county)
    TargetFactory(plan=plan, indicator=ratio, region=d.county, code="T001", comparator=Comparator.LE, value=7)

    rollup_full()

    # 2025: 新碶 800/100 = 8; 大碶 (600 + 300) ÷ (120 + 20) = 900/140 = 6.428571…; 小港 (200 + 100) ÷ (40 + 10) = 6.
    assert stored(ratio, d.t1, 2025).value == D("8.000000")
    assert stored(ratio, d.t2, 2025).value == D("6.428571")
    assert stored(ratio, d.t3, 2025).value == D("6.000000")
    # 北仑区: (800 + 900 + 300) ÷ (100 + 140 + 50) = 2000/290 = 6.896551…, not the mean of the schools' ratios
    # (8 + 5 + 15 + 5 + 10) ÷ 5 = 8.6.
    county = stored(ratio, d.county, 2025)
    assert (county.numerator, county.denominator, county.value) == (D(2000), D(290), D("6.896552"))
    assert (county.schools_reporting, county.schools_expected) == (5, 5)

    # ≤ 7: the district's 6.9 (one decimal) meets it.
    assert progress(plan, "T001", d.county, 2025).status == Status.MET
    # 新碶 at 8 does not (a higher ratio is worse), but it falls from 10 (2024, its baseline: no 2023 value)
    # toward 7 by 2026: gap 3 → 1, progress 2 against 3 × (2025 − 2024) ÷ (2026 − 2024) = 1.5 needed → on track.
    t1 = progress(plan, "T001", d.t1, 2025)
    assert (t1.status, t1.inherited, t1.value) == (Status.ON_TRACK, True, D("8.000000"))
    # Expected on the line from (2024, 10) to (2026, 7): 10 − 3 × 1/2 = 8.5.
    assert t1.expected == D("8.500000")
    # 大碶's 6.4 meets the district's ≤ 7 it inherits.
    assert progress(plan, "T001", d.t2, 2025).status == Status.MET


# ---------------------------------------------------------------- a rate over a region-entered population


def enrolment_rate():
    return indicator(
        "kg_enrolment_rate_3y",
        Indicator.Kind.RATE,
        {
            "numerator": {"agg": "sum", "element": "kg_children_3_5", "filters": [KG]},
            "denominator": {"source": "region", "element": "pop_3_5"},
            "factor": 100,
        },
    )


def enrol_2025(d):
    put(d.k1, 2025, kg_children_3_5=200)
    put(d.k2, 2025, kg_children_3_5=100)  # 新碶 300
    put(d.k3, 2025, kg_children_3_5=150)  # 大碶 150
    put(d.k4, 2025, kg_children_3_5=120)  # 小港 120; 北仑区 570


def test_a_rate_over_a_region_population_uses_the_districts_own_figure_when_it_has_one(district):
    d = district
    rate = enrolment_rate()
    enrol_2025(d)
    put_region(d.t1, 2025, pop_3_5=320)
    put_region(d.t2, 2025, pop_3_5=160)
    put_region(d.county, 2025, pop_3_5=600)  # 小港 entered nothing

    rollup_full()

    # 新碶 300/320 = 93.75%; 大碶 150/160 = 93.75%.
    t1 = stored(rate, d.t1, 2025)
    assert (t1.numerator, t1.denominator, t1.value) == (D(300), D(320), D("93.750000"))
    assert stored(rate, d.t2, 2025).value == D("93.750000")
    # 小港 has children but no population: no data, never 120 ÷ 0 or 0%.
    t3 = stored(rate, d.t3, 2025)
    assert (t3.numerator, t3.denominator, t3.value) == (D(120), None, None)
    # 北仑区 uses its own 600, not its townships' 320 + 160 = 480: 570/600 = 95%.
    county = stored(rate, d.county, 2025)
    assert (county.numerator, county.denominator, county.value) == (D(570), D(600), D("95.000000"))
    # 宁波市 has no entry of its own: the sum of its children's, here only 北仑区's 600.
    assert stored(rate, d.city, 2025).denominator == D(600)


def test_a_rate_over_a_region_population_sums_the_townships_when_the_district_has_none(district):
    d = district
    rate = enrolment_rate()
    enrol_2025(d)
    put_region(d.t1, 2025, pop_3_5=320)
    put_region(d.t2, 2025, pop_3_5=160)
    put_region(d.t3, 2025, pop_3_5=130)

    rollup_full()

    # 小港 120/130 = 92.307692…%.
    assert stored(rate, d.t3, 2025).value == D("92.307692")
    # 北仑区: 570 ÷ (320 + 160 + 130) = 570/610 = 93.442622…%.
    county = stored(rate, d.county, 2025)
    assert (county.numerator, county.denominator, county.value) == (D(570), D(610), D("93.442623"))
    # No population entered for 2024 anywhere: no data, not 0%.
    assert stored(rate, d.county, 2024).value is None


# ---------------------------------------------------------------- per-unit norms: n of N, with the failing list


def test_a_per_school_norm_counts_compliant_schools_and_lists_those_that_fail(district):
    d = district
    norm = indicator(
        "migrant_classrooms_networked",
        Indicator.Kind.NORM,
        {
            "norm": {
                "unit": "school",
                "schools": [MIGRANT],
                "measure": {"agg": "sum", "element": "networked_classrooms"},
                "per": {"agg": "sum", "element": "classrooms"},
                "op": "ge",
                "value": 1,
            }
        },
    )
    put(d.m1, 2024, classrooms=12, networked_classrooms=12)
    put(d.m1, 2025, classrooms=12, networked_classrooms=10)  # fails: 10/12
    put(d.m2, 2025, classrooms=12, networked_classrooms=11)  # fails: 11/12
    put(d.m3, 2025, classrooms=8, networked_classrooms=8)  # complies
    put(d.p1, 2025, classrooms=20, networked_classrooms=5)  # not a migrant school: not judged

    rollup_full()

    # 2025. 大碶: m1 fails → 0 of 1 = 0%.
    t2 = stored(norm, d.t2, 2025)
    assert (t2.numerator, t2.denominator, t2.value) == (D(0), D(1), D("0.000000"))
    assert t2.failing_units == [{"id": d.m1.pk, "name": d.m1.name}]
    # 小港: m3 complies, m2 fails → 1 of 2 = 50%.
    t3 = stored(norm, d.t3, 2025)
    assert (t3.numerator, t3.denominator, t3.value) == (D(1), D(2), D("50.000000"))
    assert t3.failing_units == [{"id": d.m2.pk, "name": d.m2.name}]
    # 新碶 has no migrant school (p1 is a primary school): nothing to judge, no data.
    t1 = stored(norm, d.t1, 2025)
    assert (t1.value, t1.failing_units, t1.schools_expected) == (None, [], 0)
    # 北仑区: 1 of 3 = 33.333333%, failing m1 and m2.
    county = stored(norm, d.county, 2025)
    assert (county.numerator, county.denominator, county.value) == (D(1), D(3), D("33.333333"))
    # Listed by name (大碶 before 小港), whichever order the townships were summed in.
    assert county.failing_units == [{"id": d.m1.pk, "name": d.m1.name}, {"id": d.m2.pk, "name": d.m2.name}]
    assert (county.schools_reporting, county.schools_expected) == (3, 3)

    # 2024: only m1 reported (complies); m2 and m3 have no data, so they are neither compliant nor failing.
    # 北仑区 1 of 1 = 100%, with 1 of the 3 migrant schools reporting; 小港 no data.
    county_2024 = stored(norm, d.county, 2024)
    assert (county_2024.numerator, county_2024.denominator, county_2024.value) == (D(1), D(1), D("100.000000"))
    assert county_2024.failing_units == []
    assert (county_2024.schools_reporting, county_2024.schools_expected) == (1, 3)
    assert stored(norm, d.t3, 2024).value is None


def test_a_per_township_norm_counts_compliant_townships_and_lists_those_that_fail(district):
    d = district
    norm = indicator(
        "township_public_kg",
        Indicator.Kind.NORM,
        {
            "norm": {
                "unit": "township",
                "measure": {"agg": "count", "filters": [KG, PUBLIC]},
                "op": "ge",
                "value": 1,
            }
        },
    )

    rollup_full()

    # Public kindergartens: 新碶 k1, 小港 k4; 大碶 has only the private k3.
    for year in (2024, 2025):
        assert stored(norm, d.t1, year).value == D("100.000000")
        assert stored(norm, d.t3, year).value == D("100.000000")
        t2 = stored(norm, d.t2, year)
        assert (t2.value, t2.failing_units) == (D("0.000000"), [{"id": d.t2.pk, "name": "大碶街道"}])
        # 北仑区: 2 of 3 townships = 66.666667%, failing 大碶.
        county = stored(norm, d.county, year)
        assert (county.numerator, county.denominator, county.value) == (D(2), D(3), D("66.666667"))
        assert county.failing_units == [{"id": d.t2.pk, "name": "大碶街道"}]
        assert (county.schools_reporting, county.schools_expected) == (3, 3)


# ---------------------------------------------------------------- missing data is not zero


def test_a_school_without_the_value_is_left_out_not_counted_as_zero(district):
    d = district
    rate = indicator(
        "kg_teacher_qualified_rate", Indicator.Kind.SHARE_OF_PEOPLE, share("kg_teachers_qualified", "kg_teachers", KG)
    )
    total = indicator(
        "kg_children_total",
        Indicator.Kind.SUM,
        {"numerator": {"agg": "sum", "element": "kg_children", "filters": [KG]}},
    )
    put(d.k1, 2025, kg_teachers=100, kg_teachers_qualified=90, kg_children=300)
    put(d.k2, 2025, kg_teachers=10, kg_teachers_qualified=1, kg_children=100)
    put(d.k3, 2025, kg_teachers=20, kg_teachers_qualified=18, kg_children=150)
    # k4 (小港) reported nothing in 2025.

    rollup_full()

    # 小港: its only kindergarten did not report, so it has no value at all (not 0%, not 0 children).
    for ind in (rate, total):
        t3 = stored(ind, d.t3, 2025)
        assert (t3.numerator, t3.value, t3.schools_reporting, t3.schools_expected) == (None, None, 0, 1)
    # 北仑区: 3 of its 4 kindergartens reported; (90 + 1 + 18) ÷ (100 + 10 + 20) = 109/130 = 83.846154%,
    # and 300 + 100 + 150 = 550 children.
    county = stored(rate, d.county, 2025)
    assert (county.value, county.schools_reporting, county.schools_expected) == (D("83.846154"), 3, 4)
    assert stored(total, d.county, 2025).value == D(550)


def test_an_indicator_nobody_reported_has_no_value_and_status_no_data(district):
    d = district
    rate = indicator("kg_staff_certified_rate", Indicator.Kind.SHARE_OF_PEOPLE, share("staff_certified", "staff", KG))
    put(d.k1, 2025, kg_children=300)  # other data exists; none for this indicator
    plan = plan_2024_2026(d.county)
    TargetFactory(plan=plan, indicator=rate, region=d.county, code="T012", comparator=Comparator.GE, value=100)

    rollup_full()

    for region in (d.t1, d.t2, d.t3, d.county, d.city):
        row = stored(rate, region, 2025)
        assert (row.numerator, row.denominator, row.value, row.schools_reporting) == (None, None, None, 0)
    assert stored(rate, d.county, 2025).schools_expected == 4
    for region in (d.county, d.t1, d.t2, d.t3):
        assert progress(plan, "T012", region, 2025).status == Status.NO_DATA


# ---------------------------------------------------------------- a count over the plan period


def test_a_cumulative_count_stores_each_years_count_and_is_judged_on_the_running_total(district):
    d = district
    built = indicator(
        "kg_std_projects",
        Indicator.Kind.COUNT,
        {"numerator": {"agg": "sum", "element": "std_projects", "filters": [KG]}, "period": "cumulative"},
        unit="所",
        decimals=0,
    )
    put(d.k1, 2024, std_projects=2)
    put(d.k3, 2024, std_projects=1)
    put(d.k2, 2025, std_projects=1)
    put(d.k4, 2025, std_projects=2)
    plan = plan_2024_2026(d.county)
    TargetFactory(plan=plan, indicator=built, region=d.county, code="T001", comparator=Comparator.GE, value=9)

    rollup_full()

    # Stored values are each year's own count: 2024 2 + 1 = 3, 2025 1 + 2 = 3.
    assert stored(built, d.county, 2024).value == D(3)
    assert stored(built, d.county, 2025).value == D(3)
    assert stored(built, d.t1, 2024).value == D(2)
    assert stored(built, d.t1, 2025).value == D(1)
    # Progress judges the running total from the plan's first year: 2024 → 3, 2025 → 3 + 3 = 6.
    # The line from (2023, 0) to (2026, 9) expects 3 in 2024 and 6 in 2025: exactly on it, on track.
    p2024 = progress(plan, "T001", d.county, 2024)
    assert (p2024.value, p2024.expected, p2024.status) == (D(3), D(3), Status.ON_TRACK)
    p2025 = progress(plan, "T001", d.county, 2025)
    assert (p2025.value, p2025.expected, p2025.status) == (D(6), D(6), Status.ON_TRACK)
    # The least-squares line through (2023, 0), (2024, 3), (2025, 6) reaches 9 in 2026: projected to meet.
    assert (p2025.projection, p2025.projected_met) == (D(9), True)
    # A count is not inherited: 新碶 shows its contribution (2 + 1 = 3) and no status.
    t1 = progress(plan, "T001", d.t1, 2025)
    assert (t1.value, t1.target, t1.status) == (D(3), None, Status.NO_TARGET)
