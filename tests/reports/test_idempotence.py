"""The standard three for the rollup: twice gives the same rows, an interrupted run recovers, and the
incremental path (a school's data changes → RecomputeRequest → recompute_pending) ends where a full
recompute would. The district and its data are scenario.populate(): every kind of indicator, two years.
"""

from decimal import Decimal
from unittest import mock

import pytest

from reports import services
from reports.models import IndicatorValue, RecomputeRequest, TargetProgress
from reports.services import recompute_pending, rollup_full
from schools.models import KindergartenGrade, SchoolYear
from schools.services import data_values_set, school_year_set
from targets.models import Indicator
from tests.reports.scenario import populate, progress_rows, put_region, stored, value_rows

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def populated(district):
    district.plan = populate(district)
    return district


def fail_halfway(manager):
    """A bulk_create for `manager` that writes the first half of the rows, then fails as a lost connection would."""
    real = manager.bulk_create

    def bulk_create(rows, *args, **kwargs):
        rows = list(rows)
        real(rows[: len(rows) // 2], *args, **kwargs)
        raise RuntimeError("connection lost")

    return mock.patch.object(manager, "bulk_create", side_effect=bulk_create)


def edit_without_recompute(d):
    """Change 大碶's k3 and commit, holding back the recompute task its commit enqueues (Celery is eager here)."""
    with mock.patch("reports.tasks.recompute_pending.apply_async") as enqueue:
        data_values_set(school=d.k3, year=2025, values={"kg_teachers_qualified": 20})
    enqueue.assert_called_once()


# ---------------------------------------------------------------- twice gives the same rows


def test_running_the_full_recompute_twice_gives_the_same_rows(populated):
    first = rollup_full()
    values, statuses = value_rows(), progress_rows()

    second = rollup_full()

    assert second == first
    assert value_rows() == values
    assert progress_rows() == statuses
    # Not trivially: 9 indicators × 6 regions × 2 years of values; 9 target codes × 4 regions in the plan's
    # district × 3 plan years of progress, with more than one status among them.
    assert len(values) == 9 * 6 * 2
    assert len(statuses) == 9 * 4 * 3
    assert len({row[8] for row in statuses}) > 2


# ---------------------------------------------------------------- an interrupted run recovers


@pytest.mark.django_db(transaction=True)
def test_a_full_recompute_that_fails_while_writing_values_leaves_the_previous_rows(populated):
    d = populated
    rollup_full()
    values, statuses = value_rows(), progress_rows()
    edit_without_recompute(d)

    with fail_halfway(IndicatorValue.objects), pytest.raises(RuntimeError):
        rollup_full()

    # All or nothing: the stale rows deleted before the failed insert are back, the half written are gone.
    assert value_rows() == values
    assert progress_rows() == statuses

    rollup_full()

    # 大碶 2025 now: 20/20 = 100%; 北仑区 2025: (90 + 2 + 20) ÷ (100 + 10 + 20) = 112/130 = 86.153846%.
    qualified = Indicator.objects.get(code="qualified_rate")
    assert stored(qualified, d.t2, 2025).value == D("100.000000")
    assert stored(qualified, d.county, 2025).value == D("86.153846")


@pytest.mark.django_db(transaction=True)
def test_a_full_recompute_that_fails_while_writing_progress_leaves_the_previous_values_too(populated):
    d = populated
    rollup_full()
    values, statuses = value_rows(), progress_rows()
    edit_without_recompute(d)

    with fail_halfway(TargetProgress.objects), pytest.raises(RuntimeError):
        rollup_full()

    # The values were written in the same transaction as the failed progress: rolled back with it.
    assert value_rows() == values
    assert progress_rows() == statuses


@pytest.mark.django_db(transaction=True)
def test_a_pending_recompute_that_fails_stays_pending_and_the_next_call_does_it(populated):
    d = populated
    rollup_full()
    values, statuses = value_rows(), progress_rows()
    edit_without_recompute(d)
    assert list(RecomputeRequest.objects.values_list("region", "year", "state")) == [(d.t2.pk, 2025, "pending")]

    with fail_halfway(IndicatorValue.objects), pytest.raises(RuntimeError):
        recompute_pending()

    # Nothing half-done: the request is pending (not stuck "running" under a dead claim), the rows unchanged.
    assert list(RecomputeRequest.objects.values_list("region", "year", "state", "claim")) == [
        (d.t2.pk, 2025, "pending", "")
    ]
    assert value_rows() == values
    assert progress_rows() == statuses

    assert recompute_pending() == 1

    assert not RecomputeRequest.objects.exists()
    incremental = value_rows(), progress_rows()
    rollup_full()
    assert (value_rows(), progress_rows()) == incremental
    assert incremental[0] != values


# ---------------------------------------------------------------- incremental == full


def edit_values(d):
    data_values_set(school=d.k3, year=2025, values={"kg_teachers_qualified": 20, "kg_children": 160, "std_projects": 2})


def edit_a_norm(d):
    # m2 gets every classroom networked: 小港 and 北仑区 lose it from their failing lists.
    data_values_set(school=d.m2, year=2025, values={"networked_classrooms": 12})


def delete_a_value(d):
    data_values_set(school=d.k1, year=2024, values={"kg_teachers": None, "kg_children_3_5": None})


def change_a_grade(d):
    school_year_set(school=d.k2, year=2025, grade=KindergartenGrade.L3_STAR1)


def report_a_new_year(d):
    # The first value of 2026, from one school: a year the district had no rows for.
    data_values_set(school=d.m1, year=2026, values={"students": 310, "computers": 31})


def report_a_new_year_whose_population_is_entered(d):
    # 大碶 entered its 2026 population before any school reported 2026; now k3 reports its children.
    put_region(d.t2, 2026, pop_3_5=150)
    data_values_set(school=d.k3, year=2026, values={"kg_children_3_5": 140})


def report_a_first_school_in_a_township(d):
    # 小港 entered its 2024 population while none of its schools had ever filed an annual record; k4's
    # first record brings 小港 into the tree, and its population into 北仑区's summed one.
    SchoolYear.objects.filter(school__region=d.t3).delete()
    put_region(d.t3, 2024, pop_3_5=110)
    rollup_full()
    data_values_set(school=d.k4, year=2024, values={"kg_children_3_5": 100})


@pytest.mark.parametrize(
    "edit",
    [
        edit_values,
        edit_a_norm,
        delete_a_value,
        change_a_grade,
        report_a_new_year,
        report_a_new_year_whose_population_is_entered,
        report_a_first_school_in_a_township,
    ],
)
def test_the_incremental_recompute_after_a_change_gives_what_a_full_recompute_gives(
    populated, edit, django_capture_on_commit_callbacks
):
    d = populated
    rollup_full()
    before = value_rows()

    # On commit the change enqueues recompute_pending, which Celery runs eagerly here.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        edit(d)
    assert len(callbacks) == 1
    assert not RecomputeRequest.objects.exists()
    incremental = value_rows(), progress_rows()
    assert incremental[0] != before

    rollup_full()

    full = value_rows(), progress_rows()
    assert incremental[0] == full[0]
    assert incremental[1] == full[1]


def test_edits_to_one_township_in_one_transaction_make_one_request_and_one_recompute(
    populated, django_capture_on_commit_callbacks
):
    d = populated
    rollup_full()

    with (
        mock.patch("reports.services.rollup_incremental", wraps=services.rollup_incremental) as recompute,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        data_values_set(school=d.k1, year=2025, values={"kg_teachers_qualified": 95})
        data_values_set(school=d.k2, year=2025, values={"kg_teachers_qualified": 5})
        data_values_set(school=d.p1, year=2025, values={"computers": 160})
        school_year_set(school=d.k2, year=2025, grade=KindergartenGrade.L1)
        # All four are 新碶's, in 2025: one row to recompute.
        assert list(RecomputeRequest.objects.values_list("region", "year", "state")) == [(d.t1.pk, 2025, "pending")]

    # Four enqueued tasks; the first claims the row and recomputes, the other three find nothing to do.
    assert len(callbacks) == 4
    recompute.assert_called_once_with(pairs={(d.t1.pk, 2025)})
    assert not RecomputeRequest.objects.exists()
    # 新碶 2025: (95 + 5) ÷ (100 + 10) = 100/110 = 90.909091%.
    assert stored(Indicator.objects.get(code="qualified_rate"), d.t1, 2025).value == D("90.909091")
    incremental = value_rows(), progress_rows()
    rollup_full()
    assert (value_rows(), progress_rows()) == incremental


def test_edits_to_two_townships_make_one_request_per_township_and_year(populated, django_capture_on_commit_callbacks):
    d = populated

    with django_capture_on_commit_callbacks(execute=False):
        data_values_set(school=d.k1, year=2025, values={"kg_children": 320})
        data_values_set(school=d.k1, year=2024, values={"kg_children": 310})
        data_values_set(school=d.p1, year=2025, values={"students": 820})
        data_values_set(school=d.m2, year=2025, values={"students": 210})

    requests = set(RecomputeRequest.objects.values_list("region", "year"))
    assert requests == {(d.t1.pk, 2025), (d.t1.pk, 2024), (d.t3.pk, 2025)}


def test_a_request_made_while_a_recompute_runs_stays_pending_for_the_next_run(populated):
    d = populated
    rollup_full()
    services.recompute_request(school_ids=[d.k1.pk], years=[2025])
    recompute = services.rollup_incremental

    def edited_meanwhile(*, pairs):
        done = recompute(pairs=pairs)
        # Another edit to 新碶 lands after the run claimed its request and computed, before it finished.
        data_values_set(school=d.k2, year=2025, values={"kg_teachers_qualified": 7})
        return done

    with mock.patch("reports.services.rollup_incremental", side_effect=edited_meanwhile):
        assert recompute_pending() == 1

    # The run computed without k2's new value: 新碶 (90 + 2) ÷ (100 + 10) = 92/110 = 83.636364%. So the new
    # request is left pending (its claim cleared), not deleted with the run's own.
    qualified = Indicator.objects.get(code="qualified_rate")
    assert stored(qualified, d.t1, 2025).value == D("83.636364")
    assert list(RecomputeRequest.objects.values_list("region", "year", "state", "claim")) == [
        (d.t1.pk, 2025, "pending", "")
    ]
    assert recompute_pending() == 1
    assert not RecomputeRequest.objects.exists()
    # 新碶 2025: (90 + 7) ÷ (100 + 10) = 97/110 = 88.181818%.
    assert stored(qualified, d.t1, 2025).value == D("88.181818")
