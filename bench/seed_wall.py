"""Benchmark: wall time of the real `alternance build` command on the seed plan, repeated.

    .venv/bin/python bench/seed_wall.py [--runs 10] [--full-runs 3] [--out bench/seed_wall.md]

Two plans, each built `--runs` times into a fresh folder by the real command (a subprocess:
process start, imports, solving and writing all included):

* **seed weeks**: the seed plan as issue 2 defines it, the week rhythm of constraints/ without its
  lesson tables (`day_slots` and the `[[trainer]]` tables removed, the same cohorts, companies,
  apprentices, closures and programme);
* **seed, full**: constraints/charmilles-agora.toml as committed, rhythm and lessons.

It reports min, median and max wall seconds, checks that every run exits 0 and that all runs of a
plan wrote byte-identical trees, and writes a markdown table. Run it alone: the machine has 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints" / "charmilles-agora.toml"


def weeks_only(text: str) -> str:
    """The plan text without its lesson tables: no `day_slots` line, no `[[trainer...]]` table."""
    kept, skipping = [], False
    for line in text.splitlines():
        header = line.strip().startswith("[")
        if header:
            skipping = line.strip().startswith("[[trainer")
        if skipping or line.strip().startswith("day_slots"):
            continue
        kept.append(line)
    stripped = "\n".join(kept) + "\n"
    data = tomllib.loads(stripped)
    assert "trainer" not in data and "day_slots" not in data["plan"], "lesson tables left in the weeks-only seed"
    return stripped


def tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def timed_builds(plan: Path, runs: int, work: Path) -> tuple[list[float], set[str], str]:
    command = str(Path(sys.executable).parent / "alternance")
    walls, digests, last = [], set(), ""
    for i in range(runs):
        out = work / f"{plan.stem}-{i}"
        started = time.perf_counter()
        done = subprocess.run(
            [command, "build", str(plan), "--out", str(out), "--lang", "en", "--verbose"],
            check=False,
            capture_output=True,
            text=True,
        )
        walls.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"alternance build {plan} exited {done.returncode}:\n{done.stderr}")
        digests.add(tree_digest(out))
        last = _goal_lines(done.stdout)
    return walls, digests, last


def _goal_lines(summary: str) -> str:
    """The verbose summary's rhythm goal lines ("  <goal>: <value> (optimal, 0.06 s)"), after its
    "the best calendar ..." line, joined by "; "."""
    lines = summary.splitlines()
    start = next((i for i, line in enumerate(lines) if ": the best calendar" in line), len(lines))
    goals = [line.strip() for line in lines[start + 1 :] if re.match(r"^  \S.*: .* \(.*, [\d.]+ s\)$", line)]
    return "; ".join(goals)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="builds of the weeks-only seed")
    parser.add_argument("--full-runs", type=int, default=3, help="builds of the full seed (rhythm and lessons)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "seed_wall.md")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="alternance-seed-wall-") as tmp:
        work = Path(tmp)
        weeks = work / "plan" / "charmilles-agora-weeks.toml"
        weeks.parent.mkdir()
        weeks.write_text(weeks_only(SEED.read_text(encoding="utf-8")), encoding="utf-8")
        for csv in SEED.parent.glob("*.csv"):
            (weeks.parent / csv.name).write_bytes(csv.read_bytes())
        for label, plan, runs in (
            ("seed weeks (no lesson tables)", weeks, args.runs),
            ("seed, full (rhythm + lessons)", SEED, args.full_runs),
        ):
            if runs <= 0:
                continue
            print(f"{label}: {runs} build(s)…", file=sys.stderr)
            walls, digests, status = timed_builds(plan, runs, work)
            rows.append((label, runs, min(walls), statistics.median(walls), max(walls), len(digests) == 1, status))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], check=False, capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    lines = [
        f"# Seed plan, wall time of `alternance build` — {time.strftime('%Y-%m-%d')}",
        "",
        f"`python bench/seed_wall.py --runs {args.runs} --full-runs {args.full_runs}` · commit {commit} · Python {platform.python_version()} · {platform.machine()} · {os.cpu_count()} cores",
        "",
        "| plan | runs | min s | median s | max s | same bytes every run | rhythm goals |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, runs, low, mid, high, same, status in rows:
        goals = [goal for goal in status.split("; ") if goal]
        proven = sum("(optimal," in goal for goal in goals)
        same_cell = "–" if runs == 1 else "yes" if same else "**no**"
        lines.append(
            f"| {label} | {runs} | {low:.2f} | {mid:.2f} | {high:.2f} | {same_cell} | {proven} of {len(goals)} goals proven optimal |"
        )
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
