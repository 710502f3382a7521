import pytest

from tests.reports.scenario import build_district


@pytest.fixture
def district(db):
    """北仑区 with three townships and nine schools in 2024 and 2025, no data yet (see scenario.py)."""
    return build_district()
