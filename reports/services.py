"""Entry points of the rollup: full and incremental recomputes, and requests to recompute after data changes."""

import uuid

from django.db import transaction
from django.utils import timezone

from schools.models import School

from .models import RecomputeRequest
from .progress import progress_recompute
from .rollup import values_recompute_all, values_recompute_townships


@transaction.atomic
def rollup_full(*, indicator_codes=None, years=None, plan_ids=None) -> dict:
    """Recompute values at every level from the data, then every target's progress (idempotent)."""
    values = values_recompute_all(indicator_codes=indicator_codes, years=years)
    progress = progress_recompute(plan_ids=plan_ids)
    return {"values": values, "progress": progress}


@transaction.atomic
def rollup_incremental(*, pairs) -> dict:
    """Recompute what a change in these (township id, year) pairs affects: them, their ancestors, their progress."""
    regions = values_recompute_townships(pairs=set(pairs))
    progress = progress_recompute(region_ids=regions)
    return {"regions": len(regions), "progress": progress}


def recompute_request(*, school_ids, years) -> int:
    """Mark the townships of these schools dirty for these years; the recompute is enqueued on commit.

    A burst of edits marks the same rows again and enqueues tasks that find nothing left to do, so
    the work is done once per township and year.
    """
    from .tasks import recompute_pending as recompute_pending_task  # tasks import this module

    townships = set(School.objects.filter(pk__in=school_ids).values_list("region_id", flat=True))
    now = timezone.now()
    for township_id in townships:
        for year in set(years):
            RecomputeRequest.objects.update_or_create(
                region_id=township_id,
                year=year,
                defaults={"state": RecomputeRequest.State.PENDING, "requested_at": now, "claim": ""},
            )
    if townships:
        transaction.on_commit(lambda: recompute_pending_task.apply_async(countdown=DEBOUNCE_SECONDS))
    return len(townships)


DEBOUNCE_SECONDS = 2


@transaction.atomic
def recompute_pending() -> int:
    """Claim every pending request (a conditional UPDATE decides who wins), recompute, clear what was done.

    All in one transaction: a run that fails leaves its requests pending for the next one, and a
    concurrent run waits on the claimed rows and then finds them gone.
    """
    claim = uuid.uuid4().hex
    claimed = RecomputeRequest.objects.filter(state=RecomputeRequest.State.PENDING).update(
        state=RecomputeRequest.State.RUNNING, claim=claim
    )
    if not claimed:
        return 0
    pairs = set(RecomputeRequest.objects.filter(claim=claim).values_list("region_id", "year"))
    rollup_incremental(pairs=pairs)
    # A request made again while we ran was reset to pending (and its claim cleared): it stays.
    RecomputeRequest.objects.filter(claim=claim, state=RecomputeRequest.State.RUNNING).delete()
    return len(pairs)


@transaction.atomic
def rollup_indicator(*, indicator_code: str) -> dict:
    """Recompute one indicator's values everywhere, and the progress of every target on it."""
    from targets.models import Indicator

    indicator = Indicator.objects.get(code=indicator_code)
    values = values_recompute_all(indicator_codes=[indicator_code])
    progress = progress_recompute(indicator_ids=[indicator.pk])
    return {"values": values, "progress": progress}


def indicators_using(element_codes) -> list[str]:
    """Codes of the indicators whose definitions read any of these elements."""

    from .rollup import compile_all

    wanted = set(element_codes)
    return sorted(
        c.code for c in compile_all().values() if any(p.element in wanted or p.weight in wanted for p in c.parts)
    )
