"""Signals sent when what the rollup computes changes; reports listens."""

from django.dispatch import Signal

# An indicator's definition changed. Argument: indicator_code.
indicator_changed = Signal()
# A plan's targets changed. Argument: plan_id.
targets_changed = Signal()
