"""Benchmark of the writers (issue 13): min, median and max seconds over several runs.

    .venv/bin/python bench/writers.py [--runs 3] [--big-runs 2] [--copies 10] [--copy-runs 2]
                                      [--time-limit 60] [--out bench/results-writers.md]

* **seed, writing**: the seed plan solved once in this process, then `build()` run `--runs` times
  into a fresh folder with the solve replaced by that answer; "render" is `render()`, "writing"
  is render + public tree + publish (every file written and fsynced);
* **seed, whole build**: `alternance build constraints/charmilles-agora.toml --out <fresh>` as a
  subprocess (process start, imports, solving, writing);
* **200 cohorts** (`bench/generate.py 200`, rhythm only): writing as for the seed (`--big-runs`
  times), then the whole command once;
* **check**: `alternance check` on the seed, as a subprocess;
* **ten copies of the seed** (every id suffixed, so that they can share one --out): the whole
  command with `--jobs 1` and with `--jobs 2`, `--copy-runs` times each; their ratio.

Every seed build is compared with the committed calendars/, and the runs of one measurement
with each other (the same bytes). The machine's load average is printed beside each figure: the
machine is shared, and a figure measured under load says so.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import alternance.build as build_module
from alternance.plan.loader import load_plans
from alternance.solver import SolverSettings
from alternance.solver.lessons import LessonSettings

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SEED = ROOT / "constraints" / "charmilles-agora.toml"
COMMITTED = ROOT / "calendars"
TODAY = "2024-08-01"  # before every cohort starts: a first build, whatever the real date
COMMAND = str(Path(sys.executable).parent / "alternance")
sys.path.insert(0, str(BENCH))
from generate import write_plan  # noqa: E402
from solver_params import source_state  # noqa: E402


@dataclass
class Row:
    what: str
    seconds: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)  # 1-minute load average after each run
    note: str = ""

    def cells(self) -> str:
        s = self.seconds
        load = f"{min(self.loads):.1f}–{max(self.loads):.1f}" if self.loads else "–"
        return f"| {self.what} | {len(s)} | {min(s):.2f} | {statistics.median(s):.2f} | {max(s):.2f} | {load} | {self.note} |"


def load_average() -> float:
    return os.getloadavg()[0]


def digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for path, content in sorted(files.items()):
        h.update(path.encode() + b"\0" + content)
    return h.hexdigest()[:12]


def tree(folder: Path, public: bool = True) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and (public or not str(p.relative_to(folder)).startswith("public/"))
    }


@contextlib.contextmanager
def timed(names: tuple[str, ...], seconds: dict[str, float]) -> Iterator[None]:
    """Wrap these functions of alternance.build, summing each one's wall seconds."""
    originals = {name: getattr(build_module, name) for name in names}

    def wrap(name, fn):
        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start

        return timed_call

    for name, fn in originals.items():
        setattr(build_module, name, wrap(name, fn))
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(build_module, name, fn)


def writing(
    plan_path: Path, runs: int, time_limit: float, work: Path, jobs: int = 1
) -> tuple[Row, Row, set[str], dict[str, bytes]]:
    """Solve once, then build `runs` times with that answer (`jobs` processes): render, and
    render + write."""
    settings, lessons = SolverSettings(time_limit=time_limit), LessonSettings(time_limit=2 * time_limit)
    plans = load_plans([plan_path])
    started = time.perf_counter()
    solved = {p.id: build_module.solve_plan(p, settings, None, lessons) for p in plans}
    print(f"  solved {plan_path.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    render, write = Row("render"), Row("render + write")
    publishing: list[float] = []  # publish() alone: every file written beside --out, fsynced, swapped in
    digests: set[str] = set()
    real = build_module.solve_plan
    build_module.solve_plan = lambda plan, *args, **kwargs: solved[plan.id]  # type: ignore[assignment]
    try:
        for run in range(runs):
            out = work / f"{plan_path.stem}-{jobs}-{run}"
            seconds: dict[str, float] = {}
            with timed(("render", "public_tree", "publish"), seconds):
                result = build_module.build(
                    [plan_path], out, settings, lesson_settings=lessons, today=date.fromisoformat(TODAY), jobs=jobs
                )
            render.seconds.append(seconds["render"])
            write.seconds.append(sum(seconds.values()))
            publishing.append(seconds["publish"])
            render.loads.append(load_average())
            write.loads.append(load_average())
            digests.add(digest(tree(out)))
            files = result.files
    finally:
        build_module.solve_plan = real  # type: ignore[assignment]
    write.note = f"of which publish (write, fsync, swap) median {statistics.median(publishing):.2f} s; "
    return render, write, digests, files


def command(args: list[str], runs: int, work: Path, label: str) -> tuple[Row, set[str]]:
    """`alternance ARGS` as a subprocess, `runs` times; a build writes into a fresh --out."""
    row, digests = Row(label), set()
    for run in range(runs):
        out = work / f"{label.replace(' ', '-')}-{run}"
        full = [COMMAND, *args] + (["--out", str(out), "--today", TODAY] if args[0] == "build" else [])
        started = time.perf_counter()
        done = subprocess.run(full, capture_output=True, text=True, check=False, cwd=ROOT)
        row.seconds.append(time.perf_counter() - started)
        row.loads.append(load_average())
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(full)}: exit {done.returncode}\n{done.stderr[-2000:]}")
        if args[0] == "build":
            digests.add(digest(tree(out, public=False)))
    return row, digests


def seed_copies(folder: Path, n: int) -> list[Path]:
    """n copies of the seed plan, every plan, cohort, company, apprentice and trainer id suffixed."""
    text = SEED.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    ids = [data["plan"]["id"]] + [x["id"] for kind in ("cohort", "company", "trainer") for x in data.get(kind, [])]
    rows = list(csv.DictReader(io.StringIO((SEED.parent / data["plan"]["apprentices"]).read_text(encoding="utf-8"))))
    paths = []
    for k in range(1, n + 1):
        renamed = {i: f"{i}-c{k}" for i in ids}
        copy = re.sub(r'"([^"\n]*)"', lambda m, renamed=renamed: f'"{renamed.get(m.group(1), m.group(1))}"', text)
        copy = copy.replace(f'apprentices = "{data["plan"]["apprentices"]}"', f'apprentices = "apprentices-c{k}.csv"')
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {**row, "id": f"{row['id']}-c{k}", "cohort": renamed[row["cohort"]], "company": renamed[row["company"]]}
            )
        (folder / f"apprentices-c{k}.csv").write_text(out.getvalue(), encoding="utf-8")
        path = folder / f"{renamed[data['plan']['id']]}.toml"
        path.write_text(copy, encoding="utf-8")
        paths.append(path)
    load_plans(paths)  # valid, ids apart
    return paths


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each seed and check measurement")
    parser.add_argument("--big-runs", type=int, default=2, help="writing runs of the 200-cohort plan")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--copy-runs", type=int, default=2, help="runs of the copies with each --jobs")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=BENCH / "results-writers.md")
    parser.add_argument("--skip-big", action="store_true", help="leave out the 200-cohort plan")
    args = parser.parse_args(argv)
    rows: list[str] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="alternance-writers-") as tmp:
        work = Path(tmp)
        print("seed: writing", file=sys.stderr)
        render, write, digests, files = writing(SEED, args.runs, args.time_limit, work)
        committed = {k: v for k, v in tree(COMMITTED).items() if not k.startswith("public/") and k != ".alternance"}
        mine = {k: v for k, v in files.items() if not k.startswith("public/")}
        same = "same bytes every run" if len(digests) == 1 else "**bytes differ between runs**"
        verdict = "= calendars/" if mine == committed else "**differs from calendars/**"
        render.what, write.what = "seed: render", "seed: render + write (public tree, publish)"
        render.note = f"{len(files)} files; {same}; {verdict}"
        write.note += render.note
        rows += [render.cells(), write.cells()]
        print("seed: whole build", file=sys.stderr)
        row, digests = command(["build", str(SEED)], args.runs, work, "seed: whole `alternance build`")
        row.note = "same bytes every run" if len(digests) == 1 else "**bytes differ between runs**"
        rows.append(row.cells())
        if not args.skip_big:
            print("200 cohorts", file=sys.stderr)
            big = write_plan(200, work)
            seen: set[str] = set()
            for jobs in (1, 2):  # one plan: --jobs 2 shares its files out between two processes
                render, write, digests, files = writing(big, args.big_runs, args.time_limit, work, jobs)
                seen |= {digest({k: v for k, v in files.items() if not k.startswith("public/")})}
                render.what = f"200 cohorts: render, --jobs {jobs}"
                write.what = f"200 cohorts: render + write (public tree, publish), --jobs {jobs}"
                render.note = f"{len(files)} files; " + (
                    "same bytes every run" if len(digests) == 1 else "**bytes differ between runs**"
                )
                if jobs == 2:
                    render.note += "; " + (
                        "the files of --jobs 1" if len(seen) == 1 else "**not the files of --jobs 1**"
                    )
                write.note += render.note
                rows += [render.cells(), write.cells()]
            row, _ = command(
                ["build", str(big), "--time-limit", f"{args.time_limit:g}"], 1, work, "200 cohorts: whole build"
            )
            row.note = f"rhythm only; --time-limit {args.time_limit:g}"
            rows.append(row.cells())
        print("check", file=sys.stderr)
        row, _ = command(["check", str(SEED)], args.runs, work, "seed: `alternance check`")
        rows.append(row.cells())
        print(f"{args.copies} copies", file=sys.stderr)
        copies_dir = work / "copies"
        copies_dir.mkdir()
        copies = [str(p) for p in seed_copies(copies_dir, args.copies)]
        medians, trees = {}, {}
        for jobs in (1, 2):
            label = f"{args.copies} seed copies: `build --jobs {jobs}`"
            row, digests = command(["build", *copies, "--jobs", str(jobs)], args.copy_runs, work, label)
            row.note = "same bytes every run" if len(digests) == 1 else "**bytes differ between runs**"
            medians[jobs], trees[jobs] = statistics.median(row.seconds), digests
            rows.append(row.cells())
        same = "the same bytes" if trees[1] == trees[2] and len(trees[1]) == 1 else "**different bytes**"
        notes.append(
            f"- {args.copies} seed copies: `--jobs 2` took {medians[2] / medians[1]:.2f} of the time of `--jobs 1` "
            f"(median against median; {medians[1] / medians[2]:.2f}× as fast), and wrote {same}."
        )
    text = "\n".join(
        [
            "# Writers benchmark (issue 13)",
            "",
            f"`{' '.join(['.venv/bin/python', 'bench/writers.py', *(argv if argv is not None else sys.argv[1:])])}`"
            f" — {source_state()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}.",
            "Load is the 1-minute load average after each run (other processes share the machine).",
            "",
            "| measurement | runs | min s | median s | max s | load | notes |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            *notes,
            "",
        ]
    )
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
