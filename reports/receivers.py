"""Enqueue recomputes when data, definitions or targets change (connected in ReportsConfig.ready)."""

from django.db import transaction
from django.dispatch import receiver

from schools.signals import region_data_changed, school_data_changed
from targets.signals import indicator_changed, targets_changed

from . import services, tasks


@receiver(school_data_changed)
def on_school_data_changed(sender, *, school_ids, years, **kwargs):
    services.recompute_request(school_ids=list(school_ids), years=list(years))


@receiver(indicator_changed)
def on_indicator_changed(sender, *, indicator_code, **kwargs):
    transaction.on_commit(lambda: tasks.recompute_indicator.delay(indicator_code))


@receiver(targets_changed)
def on_targets_changed(sender, *, plan_id, **kwargs):
    transaction.on_commit(lambda: tasks.recompute_plan.delay(plan_id))


@receiver(region_data_changed)
def on_region_data_changed(sender, *, element_codes, **kwargs):
    codes = services.indicators_using(element_codes)
    for code in codes:
        transaction.on_commit(lambda code=code: tasks.recompute_indicator.delay(code))
