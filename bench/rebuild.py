"""Benchmark: a rebuild of the seed plan after a one-company change, against the first build.

    .venv/bin/python bench/rebuild.py [--today 2025-03-03] [--repeats 3]

The first build starts from an empty folder (as of --first-today, before the cohorts start);
the rebuild adds a hard busy season to one company and rebuilds on top of it as of --today, so
the weeks before --today are frozen and the previous plan guides the rest.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints"
CHANGE = """
[[company.peak]]
start = 2025-06-02
end = 2025-06-20
hard = true
"""


def with_new_hard_peak(text: str) -> str:
    """The seed plan's text with CHANGE, one company's new hard busy season, added to it."""
    marker = 'name = "Mairie d\'Eybens"'
    head, _, tail = text.partition(marker)
    return head + marker + tail.replace("\n\n", "\n" + CHANGE + "\n", 1)


def alternance() -> str:
    return str(Path(sys.executable).parent / "alternance")


def timed(*args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([alternance(), *args], check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"alternance {' '.join(args)} failed:\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first-today", default="2024-08-01")
    parser.add_argument("--today", default="2025-03-03")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for run in range(args.repeats):
        work = Path(tempfile.mkdtemp(prefix="alternance-rebuild-"))
        plans = work / "constraints"
        shutil.copytree(SEED, plans)
        plan = plans / "charmilles-agora.toml"
        out = work / "calendars"
        first, _ = timed("build", str(plan), "--out", str(out), "--today", args.first_today)
        same, same_out = timed("build", str(plan), "--out", str(out), "--today", args.today)
        plan.write_text(with_new_hard_peak(plan.read_text(encoding="utf-8")), encoding="utf-8")
        changed, changed_out = timed("build", str(plan), "--out", str(out), "--today", args.today)
        moved = next((line for line in changed_out.splitlines() if "future weeks changed" in line), "")
        weeks = moved.split("future weeks changed since the last build ")[1].split(" ")[0] if moved else "?"
        rows.append((run + 1, first, same, changed, weeks, "is up to date" in same_out))
        shutil.rmtree(work)
    print(
        "| run | first build s | rebuild, no change s | rebuild, one company's new hard peak s | weeks moved | no-change rebuild wrote nothing |"
    )
    print("|---|---|---|---|---|---|")
    for run, first, same, changed, weeks, untouched in rows:
        print(f"| {run} | {first:.1f} | {same:.1f} | {changed:.1f} | {weeks} | {'yes' if untouched else 'NO'} |")


if __name__ == "__main__":
    main()
