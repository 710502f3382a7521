"""API benchmark: a page of 100 progress rows, with filters, against a trivial endpoint, in one run.

    .venv/bin/python bench/api.py [--scale district|city|province] [--requests 200] [--keep]

`make bench` runs it with no arguments (BENCH_SCALE picks the scale, default district). The synthetic
hierarchy of bench/_synthetic.py is loaded into the PostgreSQL database named by BENCH_API_DATABASE_URL
(dropped and created again) and rolled up. Then, as a province-level staff member with a token, the
benchmark alternates two requests through Django's test client (the whole stack but the network):

- progress: GET /api/v1/progress/?plan=…&level=4&year=…&status=…&ordering=region&page_size=100, a
  different page each time (townships' progress in the last year, not yet met);
- trivial: GET /api/v1/ping/ — token authentication, throttling, permissions and a tiny JSON body.

Progress goes to stderr; the last line on stdout is JSON: progress_p50_ms, progress_p95_ms,
trivial_p50_ms, trivial_p95_ms, ratio (progress_p50_ms / trivial_p50_ms), progress_queries (per
request) and the sizes. Goal: ratio ≤ 3.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/eduplan_bench_api"
BENCH_URL = os.environ.get("BENCH_API_DATABASE_URL", DEFAULT_URL)
WARMUP = 20
PAGE_SIZE = 100
ERR_NOT_A_BENCH_DATABASE = "BENCH_API_DATABASE_URL must name a database with 'bench' in its name (dropped): {name}"

# Settings read these when Django sets up. DEBUG off as in production (no query log); the test client's host.
os.environ["DATABASE_URL"] = BENCH_URL
os.environ["DEBUG"] = "false"
os.environ["ALLOWED_HOSTS"] = "testserver"
os.environ["API_THROTTLE_USER"] = "1000000/minute"
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import dj_database_url  # noqa: E402
import psycopg2  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from api.services import token_create  # noqa: E402
from bench import _synthetic  # noqa: E402
from bench._synthetic import log  # noqa: E402
from plans.models import Plan  # noqa: E402
from reports.models import IndicatorValue, TargetProgress  # noqa: E402
from reports.services import rollup_full  # noqa: E402
from schools.models import Region, RegionLevel, Role, UserScope  # noqa: E402
from targets.progress import Status  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(_synthetic.SCALES), default=os.environ.get("BENCH_SCALE", "district"))
    parser.add_argument("--years", type=int, default=3, help="years of data (default %(default)s)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each kind (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    name = dj_database_url.parse(BENCH_URL)["NAME"]
    if "bench" not in name:
        raise SystemExit(ERR_NOT_A_BENCH_DATABASE.format(name=name))
    _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        result = run(scale=args.scale, years=_synthetic.years_ending(args.years), requests=args.requests)
    finally:
        connections.close_all()
        if not args.keep:
            _server_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            log(f"dropped {name} (--keep keeps it)")
    print(json.dumps(result, ensure_ascii=False))


def run(*, scale: str, years: list[int], requests: int) -> dict:
    log(f"migrating {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    log(f"generating the {scale} scale, years {years[0]}–{years[-1]}")
    _synthetic.generate(scale=scale, years=years, seed=0)
    started = time.perf_counter()
    rollup_full()
    with connection.cursor() as cursor:  # what autovacuum would do after a nightly recompute
        cursor.execute(f"ANALYZE {TargetProgress._meta.db_table}, {IndicatorValue._meta.db_table}")
    log(f"rolled up in {time.perf_counter() - started:.1f}s: {TargetProgress.objects.count()} progress rows")

    province = Region.objects.get(level=RegionLevel.PROVINCE)
    user = get_user_model().objects.create_user(username="bench")
    UserScope.objects.create(user=user, role=Role.STAFF, region=province)
    _token, key = token_create(user=user, name="bench", read_only=True)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")

    plan = Plan.objects.filter(targets__isnull=False).order_by("pk").first()
    wanted = [Status.ON_TRACK, Status.AT_RISK, Status.OFF_TRACK, Status.NO_DATA]
    query = {"plan": plan.pk, "level": RegionLevel.TOWNSHIP, "year": years[-1], "status": wanted}
    rows = TargetProgress.objects.filter(plan=plan, region__level=RegionLevel.TOWNSHIP, year=years[-1])
    pages = max(1, -(-rows.filter(status__in=wanted).count() // PAGE_SIZE))
    log(f"progress query matches {pages} page(s) of {PAGE_SIZE}")

    def progress(n: int):
        page = {**query, "ordering": "region", "page_size": PAGE_SIZE, "page": n % pages + 1}
        response = client.get("/api/v1/progress/", page)
        assert response.status_code == 200, response.content[:500]
        return response

    def trivial(n: int):
        response = client.get("/api/v1/ping/")
        assert response.status_code == 200, response.content[:500]
        return response

    for n in range(WARMUP):
        progress(n), trivial(n)
    with CaptureQueriesContext(connection) as queries:
        rows_on_page = len(progress(0).json()["results"])
    progress_queries = len(queries)  # now: each request clears the log the context read
    timings = {"progress": [], "trivial": []}
    for n in range(requests):  # alternated, so that both see the same state of caches and the machine
        for kind, request in (("progress", progress), ("trivial", trivial)):
            started = time.perf_counter()
            request(n)
            timings[kind].append((time.perf_counter() - started) * 1000)
    p50 = {kind: statistics.median(ms) for kind, ms in timings.items()}
    p95 = {kind: statistics.quantiles(ms, n=20)[-1] for kind, ms in timings.items()}
    log(f"progress p50 {p50['progress']:.2f}ms p95 {p95['progress']:.2f}ms; trivial p50 {p50['trivial']:.2f}ms")
    return {
        "scale": scale,
        "progress_rows": TargetProgress.objects.count(),
        "rows_on_page": rows_on_page,
        "progress_queries": progress_queries,
        "requests": requests,
        "progress_p50_ms": round(p50["progress"], 2),
        "progress_p95_ms": round(p95["progress"], 2),
        "trivial_p50_ms": round(p50["trivial"], 2),
        "trivial_p95_ms": round(p95["trivial"], 2),
        "ratio": round(p50["progress"] / p50["trivial"], 2),
    }


def _server_sql(*statements: str):
    """Run statements on the server's `postgres` database (to drop and create the bench database)."""
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
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()


if __name__ == "__main__":
    main()
