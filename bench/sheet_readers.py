"""Time the spreadsheet readers on one list of N apprentices, to choose the loader's reader.

    .venv/bin/python bench/sheet_readers.py --rows 10000          # the .ods needs soffice

Writes the list with openpyxl (.xlsx) and converts it with LibreOffice (.ods), then reads every
cell of it with python-calamine (what the loader uses), openpyxl (read-only mode) and odfpy
(what pandas uses for .ods), and the whole `load_plans` on the plan naming each file.
odfpy is not a dependency: `pip install odfpy` to time it, else its row says so.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

HEADER = ["Identifiant", "Nom", "Promotion", "Entreprise", "Date de naissance", "Début de contrat", "Fin de contrat"]


def write(folder: Path, rows: int) -> dict[str, Path]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Apprentis"
    sheet.append(HEADER)
    for i in range(rows):
        sheet.append([f"a-{i}", f"Apprenti {i}", "c1", "acme", date(2007, 5, 14), date(2025, 9, 1), date(2025, 10, 31)])
    files = {"xlsx": folder / "list.xlsx"}
    book.save(files["xlsx"])
    if shutil.which("soffice"):
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "ods", "--outdir", str(folder), str(files["xlsx"])],
            check=True,
            capture_output=True,
        )
        files["ods"] = folder / "list.ods"
    return files


def calamine(path: Path) -> int:
    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Apprentis").to_python(skip_empty_area=False))


def openpyxl_read_only(path: Path) -> int:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _ in book["Apprentis"].iter_rows(values_only=True))
    book.close()
    return count


def odfpy(path: Path) -> int:
    from odf import teletype
    from odf.opendocument import load
    from odf.table import Table, TableCell, TableRow

    doc = load(str(path))
    count = 0
    for table in doc.spreadsheet.getElementsByType(Table):
        for row in table.getElementsByType(TableRow):
            [teletype.extractText(c) for c in row.getElementsByType(TableCell)]
            count += 1
    return count


def timed(read: Callable[[Path], Any], path: Path) -> str:
    t0 = time.perf_counter()
    try:
        read(path)
    except ImportError as missing:
        return f"not installed ({missing.name})"
    return f"{time.perf_counter() - t0:.2f}"


def load(path: Path) -> int:
    from alternance.plan.loader import load_plans

    plan = path.parent / f"plan-{path.suffix[1:]}.toml"
    plan.write_text(
        f"""[plan]
id = "bench"
school_holidays_zone = "none"
apprentices = "{path.name}"
[[programme]]
id = "p"
total_hours = 140
[[cohort]]
id = "c1"
programme = "p"
start = 2025-09-01
end = 2025-10-31
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3
[[company]]
id = "acme"
""",
        encoding="utf-8",
    )
    (loaded,) = load_plans([plan])
    return len(loaded.apprentices)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = write(Path(tmp), args.rows)
        print(f"{args.rows} rows × {len(HEADER)} columns; seconds to read every cell\n")
        print("| file | size kB | python-calamine | openpyxl read-only | odfpy | load_plans (calamine) |")
        print("|---|---|---|---|---|---|")
        for kind, path in files.items():
            cells = [
                timed(calamine, path),
                timed(openpyxl_read_only, path) if kind == "xlsx" else "–",
                timed(odfpy, path) if kind == "ods" else "–",
                timed(load, path),
            ]
            print(f"| .{kind} | {path.stat().st_size // 1024} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
