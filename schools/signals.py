"""Signals other apps listen to, so that schools never imports them (the rollup lives downstream)."""

from django.dispatch import Signal

# Sent inside the transaction that changed a school's data values or year attributes.
# Arguments: school_ids (iterable of int), years (iterable of int).
school_data_changed = Signal()

# Sent inside the transaction that changed region-entered values (适龄人口, 经费 ...).
# Arguments: element_codes (iterable of str).
region_data_changed = Signal()
