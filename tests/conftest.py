"""Project-wide test fixtures and the rules for tests that need PostgreSQL, Redis or a browser.

A test marked `postgres`, `redis` or `browser` is skipped, with the reason shown, when what it needs
is missing. With `CI` set it fails instead: in CI a missing service is a broken pipeline, not a skip.
"""

import os
import shutil
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


@cache
def missing_postgres() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return None
    return f"needs DATABASE_URL to be a PostgreSQL URL (it is {url or 'unset'})"


@cache
def missing_redis() -> str | None:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return "needs REDIS_URL (it is unset)"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"needs Redis at REDIS_URL={url} to answer PING ({exc})"
    return None


@cache
def missing_browser() -> str | None:
    path = chromium_path()
    if not (os.path.isfile(path) and os.access(path, os.X_OK)) and not shutil.which(path):
        return f"needs Chromium at {path} (set CHROMIUM_PATH or install the chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright Python package (pip install -r requirements-dev.txt)"
    return None


REQUIREMENTS = {"postgres": missing_postgres, "redis": missing_redis, "browser": missing_browser}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # tryfirst: decide before any fixture (the session browser, the live server) is set up.
    for marker, missing in REQUIREMENTS.items():
        if item.get_closest_marker(marker) is None:
            continue
        reason = missing()
        if reason is None:
            continue
        if os.environ.get("CI"):
            pytest.fail(f"[{marker}] {reason}; CI is set, so this is a failure, not a skip", pytrace=False)
        pytest.skip(f"[{marker}] {reason}")


@pytest.fixture(autouse=True)
def _celery_eager_unless_redis(request):
    """Run Celery tasks in-process, as in the embedded default, unless the test is marked `redis`.

    With REDIS_URL set (CI, production-like runs) settings point Celery at Redis; without a worker,
    a queued task would never run, so the same test would behave differently there than on a laptop.
    """
    if request.node.get_closest_marker("redis") is not None:
        yield
        return
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (the system package, not a Playwright download) shared by the session."""
    # Playwright's sync API keeps an event loop running in this thread; Django would then refuse ORM
    # calls (SynchronousOnlyOperation) in the test and in the live server's database teardown.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """A fresh page in its own context (no shared cookies), as a Chinese-locale desktop browser."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    """test-artifacts/screenshots under the repository root (ignored by git, kept by CI)."""
    path = REPO_ROOT / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher is deliberately slow and would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
