"""Fixtures shared by the test modules (helpers live in `helpers.py`, imported by name).

The seed plan is built once per pytest run (`seed_build`, `seed_out`): several modules read its output.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from alternance.cli import main
from helpers import SeedBuild

# The tests read the messages in English, the code's own language (`--lang en`, or an English
# LANG); tests/test_i18n.py checks the French default and the catalogue. Set before any test,
# so that the subprocesses and the session fixtures speak English too.
for _variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_variable, None)
os.environ["LANG"] = "en_US.UTF-8"

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints" / "charmilles-agora.toml"
COMMITTED = ROOT / "calendars"


@pytest.fixture(scope="session")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> SeedBuild:
    """The README's first command, made once for the whole run: `alternance build` (today) on a
    copy of the committed calendars/ (public/ is not committed). It must change nothing:
    test_cli's staleness test compares it with calendars/, and the other modules read it as the
    seed's output (the same bytes as a fresh build, which is what "not stale" means)."""
    out = tmp_path_factory.mktemp("seed") / "calendars"
    shutil.copytree(COMMITTED, out, ignore=shutil.ignore_patterns("public"))
    result = CliRunner().invoke(main, ["build", str(SEED), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return SeedBuild(out, result.stdout)


@pytest.fixture(scope="session")
def seed_out(seed_build: SeedBuild) -> Path:
    return seed_build.out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests on the seed build are slow; tests that need Chromium are browser tests."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "seed_out" in fixtures or "seed_build" in fixtures:
            item.add_marker(pytest.mark.slow)
        if "chromium" in fixtures:
            item.add_marker(pytest.mark.browser)
