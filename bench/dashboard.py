"""Dashboard benchmark: the plan dashboard and an indicator page over stored rollups, against a trivial view.

    .venv/bin/python bench/dashboard.py [--scale district|city|province] [--requests 40] [--keep]

`make bench` runs it with no arguments (BENCH_SCALE picks the scale, default district). It builds the
synthetic hierarchy of bench/_synthetic.py in the PostgreSQL database named by BENCH_DATABASE_URL
(dropped and created again), runs the full rollup, then requests each page through Django's test
client as an administrator — the whole request: middleware, session, scope checks, queries,
templates — for the province, a city and a township. The last line on stdout is one JSON object:
p50_ms and p95_ms per page, hello_p50_ms (a view that returns "hello", through the same stack) and
the dashboard's p95 as a multiple of it. Goals: p95 ≤ 150 ms; the dashboard within 10× of hello.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
# Its own database, so that it never drops the one bench/rollup.py may be using.
os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eduplan_bench_dashboard")
os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ["DEBUG"] = "false"  # as in production: no query log in memory
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench import _synthetic  # noqa: E402
from bench import rollup as bench_db  # noqa: E402  (its database helpers)
from bench._synthetic import log  # noqa: E402
from plans.models import Plan  # noqa: E402
from reports import services  # noqa: E402
from schools.models import Region, RegionLevel, Role, UserScope  # noqa: E402
from targets.models import Target  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=list(_synthetic.SCALES), default=os.environ.get("BENCH_SCALE", "district"))
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page (after two warm-ups)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    bench_db.database_recreate(bench_db.BENCH_URL)
    try:
        call_command("migrate", verbosity=0)
        counts = _synthetic.generate(scale=args.scale, years=_synthetic.years_ending(args.years))
        log("full rollup")
        services.rollup_full()
        with override_settings(ROOT_URLCONF="bench._urls"):
            result = measure(args.requests)
    finally:
        connections.close_all()
        if not args.keep:
            bench_db.database_drop(bench_db.BENCH_URL)
    print(json.dumps({"scale": args.scale, "schools": counts["schools"], **result}, ensure_ascii=False))


def measure(n: int) -> dict:
    admin = get_user_model().objects.create_user(username="bench-admin", password="unused-password")
    UserScope.objects.create(user=admin, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    plan = Plan.objects.filter(code__contains="preschool").first() or Plan.objects.first()
    indicator = Target.objects.filter(plan=plan).order_by("code").first().indicator
    province = plan.region
    city = Region.objects.filter(parent=province).order_by("code").first()
    township = Region.objects.filter(level=RegionLevel.TOWNSHIP, path__startswith=city.path).order_by("code").first()
    pages = {"hello": ("/bench-hello/", {})}
    for label, region in (("province", province), ("city", city), ("township", township)):
        pages[f"dashboard_{label}"] = (reverse("reports:plan", args=[plan.pk]), {"region": region.pk})
        pages[f"indicator_{label}"] = (
            reverse("reports:indicator", args=[plan.pk, indicator.pk]),
            {"region": region.pk},
        )
    result = {}
    for label, (url, params) in pages.items():
        timings = []
        for i in range(n + 2):
            started = time.perf_counter()
            response = client.get(url, params)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{label}: {url} answered {response.status_code}")
            if i >= 2:
                timings.append(elapsed)
        timings.sort()
        result[f"{label}_p50_ms"] = round(statistics.median(timings), 1)
        result[f"{label}_p95_ms"] = round(timings[max(0, int(len(timings) * 0.95) - 1)], 1)
        log(f"{label}: p50 {result[f'{label}_p50_ms']} ms, p95 {result[f'{label}_p95_ms']} ms")
    hello = result.pop("hello_p50_ms")
    result.pop("hello_p95_ms")
    worst = max(v for k, v in result.items() if k.endswith("_p95_ms"))
    dashboard_p50 = max(v for k, v in result.items() if k.startswith("dashboard") and k.endswith("_p50_ms"))
    return {
        **result,
        "hello_p50_ms": hello,
        "worst_p95_ms": worst,
        "dashboard_to_hello": round(dashboard_p50 / hello, 1) if hello else None,
        "requests_per_page": n,
    }


if __name__ == "__main__":
    main()
