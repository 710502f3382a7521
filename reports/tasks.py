"""Celery tasks: thin wrappers that call one service each. All are idempotent, so acks_late is safe."""

from celery import shared_task
from django.db import DatabaseError

from . import services

RETRY = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 2,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(**RETRY)
def recompute_pending() -> int:
    """Recompute the township-years whose data changed (coalesced by RecomputeRequest rows)."""
    return services.recompute_pending()


@shared_task(**RETRY)
def recompute_all() -> dict:
    """The nightly full recompute that repairs anything an incremental run missed."""
    return services.rollup_full()


@shared_task(**RETRY)
def recompute_indicator(indicator_code: str) -> dict:
    """After an indicator's definition changed: its values at every level, and the progress of its targets."""
    return services.rollup_indicator(indicator_code=indicator_code)


@shared_task(**RETRY)
def recompute_plan(plan_id: int) -> int:
    """After a plan's targets changed: that plan's progress."""
    return services.progress_recompute(plan_ids=[plan_id])
