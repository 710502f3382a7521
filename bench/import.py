"""Excel import benchmark: 3,000 schools × 40 elements through the template and the import job, in a throwaway database.

    .venv/bin/python bench/import.py [--schools 3000] [--elements 40] [--keep]

The database is a SQLite file in a temporary directory, or the one named by BENCH_DATABASE_URL (a
PostgreSQL database with "bench" in its name, dropped and created again). Steps:

1. generate townships, schools (half kindergartens), elements (a quarter for kindergartens only), one
   year of values with one cell in twenty empty, and one school in 33 approved (locked);
2. build the fill-in template for the county with schools.imports.template_build (timed);
3. let the database drift from the template — a third of the values deleted, a third changed, the
   empty cells filled — so that importing the template creates, updates and deletes (locked schools
   untouched, so their rows are the unchanged ones the import must accept);
4. upload the template through schools.imports.import_job_create, as the upload view does, with
   Celery eager (timed: read, check, write, audit, rollup enqueue).

Progress goes to stderr; the last line on stdout is JSON: rows, cells, seconds (template + import),
template_seconds, import_seconds, peak_rss_mb, and the job's counts. Goals: seconds < 15, peak_rss_mb < 300.
"""

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import django

ROOT = Path(__file__).resolve().parent.parent
YEAR = 2025
ERR_NOT_A_BENCH_DATABASE = "BENCH_DATABASE_URL must name a database with 'bench' in its name (it is dropped): {name}"

WORK_DIR = Path(tempfile.mkdtemp(prefix="eduplan-bench-import-"))
BENCH_URL = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{WORK_DIR / 'bench.sqlite3'}"
POSTGRES = BENCH_URL.startswith(("postgres://", "postgresql://"))
# Settings read these when Django sets up. DEBUG off as in production: no query log in memory.
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["MEDIA_ROOT"] = str(WORK_DIR / "media")
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.db.models import F, Value  # noqa: E402
from django.db.models.functions import Mod  # noqa: E402

from bench import _import_data  # noqa: E402
from config.celery import app  # noqa: E402
from schools import imports  # noqa: E402
from schools.models import DataElement, DataValue, ImportJob, School, SchoolYear, Submission  # noqa: E402


def log(message: str):
    print(message, file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=3000)
    parser.add_argument("--elements", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="keep the database and files afterwards")
    args = parser.parse_args()

    # The upload view enqueues the import on commit; the benchmark runs the task in-process whatever
    # the environment says about brokers.
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        with database():
            result = run(schools=args.schools, elements=args.elements)
    finally:
        if args.keep:
            log(f"kept {WORK_DIR}")
        else:
            shutil.rmtree(WORK_DIR, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


def run(*, schools: int, elements: int) -> dict:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    world = _import_data.generate(schools=schools, elements=elements, year=YEAR)
    log(f"generated {School.objects.count()} schools, {DataValue.objects.count()} values ({_since(started)})")
    rss_generated = _peak_rss_mb()

    started = time.perf_counter()
    filename, data = imports.template_build(user=world["user"], region=world["county"], year=YEAR)
    template_s = time.perf_counter() - started
    log(f"template {filename}: {len(data) / 1e6:.1f} MB in {template_s:.2f}s")

    expected = _drift()
    log(f"drifted: {expected}")

    started = time.perf_counter()
    job = imports.import_job_create(
        user=world["user"], upload=SimpleUploadedFile("bench.xlsx", data), year=YEAR
    )  # outside any transaction, so on_commit runs the (eager) task at once
    import_s = time.perf_counter() - started
    job = ImportJob.objects.get(pk=job.pk)
    log(f"import: {job.state} in {import_s:.2f}s {job.counts}")
    if job.state != ImportJob.State.DONE:
        raise SystemExit(f"import failed: {job.errors[:5]}")
    for key, count in expected.items():
        if job.counts[key] != count:
            raise SystemExit(f"expected {key}={count}, the import reports {job.counts[key]}")

    columns = len(DataElement.objects.filter(level=DataElement.Level.SCHOOL))
    return {
        "rows": job.counts["rows"],
        "cells": job.counts["rows"] * columns,
        "seconds": round(template_s + import_s, 2),
        "template_seconds": round(template_s, 2),
        "import_seconds": round(import_s, 2),
        "peak_rss_mb": round(_peak_rss_mb()),
        "rss_after_generate_mb": round(rss_generated),
        "database": connections["default"].vendor,
        "counts": {k: job.counts[k] for k in ("created", "updated", "deleted", "unchanged", "locked_unchanged")},
    }


def _drift() -> dict:
    """Change the stored values behind the template's back; returns the counts the import should report."""
    locked = SchoolYear.objects.filter(
        year=YEAR, school__submissions__year=YEAR, school__submissions__status__in=imports.LOCKED
    ).values("pk")
    values = DataValue.objects.exclude(school_year__in=locked).annotate(third=Mod(F("id"), Value(3)))
    doomed = list(values.filter(third=0).values_list("pk", flat=True))
    for start in range(0, len(doomed), _import_data.BATCH):
        # Without signals: the drift stands for edits made elsewhere, it needs no audit rows.
        DataValue.objects.filter(pk__in=doomed[start : start + _import_data.BATCH])._raw_delete(DataValue.objects.db)
    deleted = len(doomed)
    updated = values.filter(third=1).update(value=F("value") + 1)
    unchanged = values.filter(third=2).count()
    # The cells left empty in the template get a value now: importing the blank deletes it.
    elements = list(DataElement.objects.order_by("sort_order"))
    schools = list(School.objects.order_by("code").values_list("pk", "school_type"))
    school_years = dict(SchoolYear.objects.filter(year=YEAR).values_list("school_id", "pk"))
    is_locked = set(Submission.objects.filter(year=YEAR, status__in=imports.LOCKED).values_list("school_id", flat=True))
    filled = [
        DataValue(school_year_id=school_years[pk], element=element, value=1)
        for index, (pk, school_type) in enumerate(schools)
        if pk not in is_locked
        for e_index, element in enumerate(elements)
        if element.applies_to(school_type) and _import_data.missing(index, e_index)
    ]
    DataValue.objects.bulk_create(filled, batch_size=_import_data.BATCH)
    return {
        "created": deleted,
        "updated": updated,
        "deleted": len(filled),
        "unchanged": unchanged,
        "locked_unchanged": len(is_locked),
    }


@contextmanager
def database():
    if not POSTGRES:
        yield
        connections.close_all()
        return
    name = dj_database_url.parse(BENCH_URL)["NAME"]
    if "bench" not in name:
        raise SystemExit(ERR_NOT_A_BENCH_DATABASE.format(name=name))
    with _server() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        connections.close_all()
        with _server() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _server():
    import psycopg2

    config = dj_database_url.parse(BENCH_URL)
    conn = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f}s"


if __name__ == "__main__":
    main()
