"""Rollup benchmark: a synthetic hierarchy in its own PostgreSQL database, full and incremental recomputes.

    .venv/bin/python bench/rollup.py [--scale district|city|province] [--years 5] [--keep]

`make bench` runs it with no arguments (BENCH_SCALE picks the scale, default district). The database
named by BENCH_DATABASE_URL is dropped and created again. Progress goes to stderr; the last line on
stdout is one JSON object of figures:

- scan_floor_s: the best of three runs of one aggregate query reading every data value once, grouped
  by township, year and element — what PostgreSQL needs at least to see the data the rollup sums;
- full_recompute_s: reports.services.rollup_full() replacing existing rows (the nightly job), and
  ratio_to_floor = full_recompute_s / scan_floor_s;
- incremental_ms: median over the runs of rollup_incremental() for one township-year after a change
  to one school's value (written directly, so that no Celery task runs inside the timing), once the
  rows the full runs deleted are vacuumed, as autovacuum would have by day;
- incremental_matches_full: whether a full recompute afterwards gives the rows the increments left;
- peak_rss_mb: the maximum resident set of this process (generation streams, so it is the rollup's).

Goals at province scale: ratio_to_floor ≤ 3, incremental_ms ≤ 100, peak_rss_mb ≤ 500.
"""

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import django
import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/eduplan_bench"
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
INCREMENTAL_RUNS = 20
FLOOR_RUNS = 3
ERR_NOT_A_BENCH_DATABASE = "BENCH_DATABASE_URL must name a database with 'bench' in its name (it is dropped): {name}"

# Settings read DATABASE_URL when Django sets up. DEBUG off as in production: no query log in memory.
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.models import F  # noqa: E402

from bench import _synthetic  # noqa: E402
from bench._synthetic import log  # noqa: E402
from reports import rollup, services  # noqa: E402
from reports.models import IndicatorValue, TargetProgress  # noqa: E402
from schools.models import DataValue, School, SchoolYear  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(_synthetic.SCALES), default=os.environ.get("BENCH_SCALE", "district"))
    parser.add_argument(
        "--years", type=int, default=5, help=f"years of data, the last one {_synthetic.LAST_YEAR} (default %(default)s)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    name = database_recreate(BENCH_URL)
    try:
        result = run(scale=args.scale, years=_synthetic.years_ending(args.years), seed=args.seed)
    finally:
        connections.close_all()
        if not args.keep:
            database_drop(BENCH_URL)
            log(f"dropped {name} (--keep keeps it)")
    print(json.dumps(result, ensure_ascii=False))


def run(*, scale: str, years: list[int], seed: int) -> dict:
    log(f"migrating {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    log(f"generating the {scale} scale, years {years[0]}–{years[-1]}")
    started = time.perf_counter()
    counts = _synthetic.generate(scale=scale, years=years, seed=seed)
    generate_s = time.perf_counter() - started
    rss_generated = _peak_rss_mb()

    floor = min(_scan_floor() for _ in range(FLOOR_RUNS))
    log(f"scan floor: {floor:.3f}s")

    first_s, _ = _full()
    log(f"full recompute into empty tables: {first_s:.2f}s")
    full_s, phases = _full()
    log(f"full recompute replacing rows: {full_s:.2f}s {phases}")

    _vacuum(IndicatorValue, TargetProgress)  # by day, autovacuum has cleared what the nightly run deleted
    timings, inc_phases, pairs = _incremental(random.Random(seed), years)
    log(f"incremental: median {statistics.median(timings):.1f}ms, max {max(timings):.1f}ms")
    mismatches = _check_incremental(pairs)

    return {
        "scale": scale,
        "years": len(years),
        **counts,
        "indicator_values": IndicatorValue.objects.count(),
        "generate_s": round(generate_s, 1),
        "scan_floor_s": round(floor, 3),
        "full_recompute_s": round(full_s, 2),
        "full_recompute_first_s": round(first_s, 2),
        "ratio_to_floor": round(full_s / floor, 1),
        "full_phases_s": {k: round(v, 2) for k, v in phases.items()},
        "incremental_ms": round(statistics.median(timings), 1),
        "incremental_ms_max": round(max(timings), 1),
        "incremental_runs": len(timings),
        "incremental_phases_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in inc_phases.items()},
        "incremental_matches_full": not mismatches,
        "peak_rss_mb": round(_peak_rss_mb()),
        "rss_after_generate_mb": round(rss_generated),
        "postgres_jit": _setting("jit"),  # JIT compiles the rollup's wide aggregates: seconds per query
    }


# ---------------------------------------------------------------- measurements


def _scan_floor() -> float:
    """Seconds for PostgreSQL to read every data value once, summed per township, year and element."""
    dv, sy, school = DataValue._meta.db_table, SchoolYear._meta.db_table, School._meta.db_table
    query = f"""
        SELECT count(*), sum(total) FROM (
            SELECT s.region_id, y.year, v.element_id, sum(v.value) AS total
            FROM {dv} v JOIN {sy} y ON y.id = v.school_year_id JOIN {school} s ON s.id = y.school_id
            GROUP BY s.region_id, y.year, v.element_id
        ) grouped
    """
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(query)
        cursor.fetchall()
        return time.perf_counter() - started


def _full() -> tuple[float, dict]:
    with _phases() as phases:
        started = time.perf_counter()
        services.rollup_full()
        elapsed = time.perf_counter() - started
    return elapsed, {name: sum(seconds) for name, seconds in phases.items()}


def _incremental(rng, years) -> tuple[list[float], dict, set]:
    """Change one value of a random school's year, then time the recompute of its township-year."""
    school_ids = list(School.objects.values_list("id", flat=True))
    timings, phases, pairs = [], defaultdict(list), set()
    while len(timings) < INCREMENTAL_RUNS:
        school_id, year = rng.choice(school_ids), rng.choice(years)
        values = DataValue.objects.filter(school_year__school_id=school_id, school_year__year=year)
        value = values.select_related("school_year__school").order_by("element_id").first()
        if value is None:
            continue  # a school-year with no data: pick another
        step = -1 if value.value > 0 else 1
        DataValue.objects.filter(pk=value.pk).update(value=F("value") + step)
        pair = (value.school_year.school.region_id, year)
        with _phases() as run_phases:
            started = time.perf_counter()
            services.rollup_incremental(pairs={pair})
            timings.append((time.perf_counter() - started) * 1000)
        for name, seconds in run_phases.items():
            phases[name].append(sum(seconds))
        pairs.add(pair)
    return timings, phases, pairs


def _check_incremental(pairs) -> int:
    """Rows of the regions the increments touched that a full recompute changes (0 when they agree)."""
    regions = set()
    for township_id, _year in pairs:
        regions |= {township_id, *rollup._ancestors_of([township_id])}
    fields = ["numerator", "denominator", "value", "schools_reporting", "schools_expected", "failing_units"]

    def snapshot():
        rows = IndicatorValue.objects.filter(region_id__in=regions).values_list(
            "indicator_id", "region_id", "year", *fields
        )
        return {tuple(row[:3]): row[3:] for row in rows}

    before = snapshot()
    rollup.values_recompute_all()
    after = snapshot()
    changed = [key for key in before.keys() | after.keys() if before.get(key) != after.get(key)]
    for key in changed[:5]:
        log(f"  incremental and full differ at {key}: {str(before.get(key))[:300]} != {str(after.get(key))[:300]}")
    log(f"incremental matches full: {not changed} ({len(before)} rows compared)")
    return len(changed)


@contextmanager
def _phases():
    """Seconds spent in the engine's steps while the block runs: {step name: [seconds per call]}."""
    steps = [
        (services, "values_recompute_all"),
        (services, "values_recompute_townships"),
        (services, "progress_recompute"),
        (rollup, "evaluate_townships"),
        (rollup, "roll_up"),
        (rollup, "write_values"),
        (rollup, "_ancestor_figures"),
    ]
    spent = defaultdict(list)
    originals = [(module, name, getattr(module, name)) for module, name in steps]

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name].append(time.perf_counter() - started)

        return wrapper

    for module, name, function in originals:
        setattr(module, name, timed(name.lstrip("_"), function))
    try:
        yield spent
    finally:
        for module, name, function in originals:
            setattr(module, name, function)


def _vacuum(*models):
    tables = ", ".join(model._meta.db_table for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}")


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s)", [name])
        return cursor.fetchone()[0]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


# ---------------------------------------------------------------- the database


def database_recreate(url: str) -> str:
    """Drop and create the bench database (through the server's `postgres` database); returns its name."""
    name = dj_database_url.parse(url)["NAME"]
    if "bench" not in name:
        raise SystemExit(ERR_NOT_A_BENCH_DATABASE.format(name=name))
    with _server(url) as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    log(f"created database {name}")
    return name


def database_drop(url: str):
    name = dj_database_url.parse(url)["NAME"]
    with _server(url) as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextmanager
def _server(url: str):
    config = dj_database_url.parse(url)
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


if __name__ == "__main__":
    main()
