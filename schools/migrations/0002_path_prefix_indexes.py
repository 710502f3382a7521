"""Prefix-search indexes for the materialised paths on PostgreSQL.

A plain btree index serves `LIKE 'prefix%'` only under the C collation; varchar_pattern_ops
makes "everything under this region" an index range scan whatever the database locale.
SQLite uses the ordinary indexes from 0001 (its LIKE prefix optimisation needs no opclass).
"""

from django.db import migrations

INDEXES = [
    ("schools_region", "path", "region_path_prefix"),
    ("schools_school", "region_path", "school_region_path_prefix"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, name in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column} varchar_pattern_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for _table, _column, name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
