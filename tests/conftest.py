"""Fixtures shared by the test modules (helpers live in `helpers.py`, imported by name).

The seed plan is built once per pytest run (`seed_out`): several modules read its output.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints" / "charmilles-agora.toml"


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh build of the seed plan into an empty folder, made once for the whole run."""
    out = tmp_path_factory.mktemp("seed") / "calendars"
    # Before the tiny plans' cohorts start, as test_cli's `run` builds: nothing is frozen.
    result = CliRunner().invoke(main, ["build", str(SEED), "--out", str(out), "--today", "2024-12-01"])
    assert result.exit_code == 0, result.output
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the seed build are slow; tests that need Chromium are browser tests."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "seed_out" in fixtures:
            item.add_marker(pytest.mark.slow)
        if "chromium" in fixtures:
            item.add_marker(pytest.mark.browser)
