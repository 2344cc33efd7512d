"""`alternance check` on one plan with many apprentices: the loader must stay linear.

    .venv/bin/python bench/check_many.py --sizes 10000,100000,700000

Writes the seed plan's programme and cohorts with N apprentices spread over N/10 companies
(each with a busy season) into a temporary folder, as a CSV, then times `load_plans` and the
whole `check` command (loading plus the calendar facts it prints) in this process.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from alternance.cli import main
from alternance.plan.loader import load_plans

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "constraints" / "charmilles-agora.toml"


def write_plan(folder: Path, n: int) -> Path:
    text = SEED.read_text(encoding="utf-8")
    head, _, rest = text.partition("\n[[company]]")
    head += "\n[[trainer]]" + rest.partition("\n[[trainer]]")[2]  # the seed's trainers, without its companies
    companies = max(1, n // 10)
    head = head.replace(
        'apprentices = "apprentices.csv"', 'apprentices = "apprentices.csv"\ncompanies = "companies.csv"'
    )
    (folder / "plan.toml").write_text(head + "\n", encoding="utf-8")
    with (folder / "companies.csv").open("w", encoding="utf-8") as f:
        f.write("id,name,peak_start,peak_end,peak_weight,peak_hard,peak_every_year\n")
        for i in range(companies):
            f.write(f"e-{i},Entreprise {i},12-01,12-24,1,false,true\n")
    with (folder / "apprentices.csv").open("w", encoding="utf-8") as f:
        # Compact rows (the name defaults to the id), so that 700 000 fit the 40 MB limit.
        f.write("id,cohort,company,contract_start,contract_end\n")
        for i in range(n):
            cohort = "agora-2024" if i % 2 else "agora-2025"
            start, end = ("2024-09-02", "2026-06-26") if i % 2 else ("2025-09-01", "2027-06-25")
            f.write(f"a-{i},{cohort},e-{i % companies},{start},{end}\n")
    return folder / "plan.toml"


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,20000")
    parser.add_argument("--no-cli", action="store_true", help="time the loader only")
    args = parser.parse_args()
    print("| apprentices | companies | CSV MB | load_plans s | check command s |")
    print("|---|---|---|---|---|")
    for n in map(int, args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            path = write_plan(Path(tmp), n)
            t0 = time.perf_counter()
            (plan,) = load_plans([path])
            loaded = time.perf_counter() - t0
            assert len(plan.apprentices) == n
            checked = "–"
            if not args.no_cli:
                t0 = time.perf_counter()
                result = CliRunner().invoke(main, ["check", str(path)])
                assert result.exit_code == 0, result.output
                checked = f"{time.perf_counter() - t0:.2f}"
            size = (Path(tmp) / "apprentices.csv").stat().st_size / 1e6
            print(f"| {n} | {max(1, n // 10)} | {size:.1f} | {loaded:.2f} | {checked} |", flush=True)


if __name__ == "__main__":
    main_()
