"""Write the spreadsheet twins of the mini plan's CSV lists (tests/data/plans/mini/), as French
offices write them. Run from the repository root; the outputs are committed, so the tests need
neither openpyxl's writer nor LibreOffice:

    .venv/bin/python tests/data/sheets/make_fixtures.py      # needs soffice (libreoffice-calc)

- `mini-cp1252.csv` / `mini-entreprises-cp1252.csv`: Excel's "CSV (séparateur : point-virgule)"
  on a French Windows: cp1252, `;`, French headers, dd/mm/yyyy dates, VRAI/FAUX, 01/12 month-days.
- `mini.xlsx` (openpyxl): sheets Entreprises and Apprentis with real date and boolean cells, and a
  separate Prénom column.
- `mini.ods`: the same workbook converted by LibreOffice (`soffice --headless --convert-to ods`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
MINI = HERE.parent / "plans" / "mini" / "mini.toml"
# Each twin plan is mini.toml with its two list lines pointing at a spreadsheet.
TWINS = {
    "mini-cp1252.toml": ('companies = "mini-entreprises-cp1252.csv"', 'apprentices = "mini-cp1252.csv"'),
    "mini-xlsx.toml": ('companies = "mini.xlsx#Entreprises"', 'apprentices = "mini.xlsx"'),
    "mini-ods.toml": ('companies = "mini.ods#entreprises"', 'apprentices = "mini.ods"'),
}


def twin_text(companies: str, apprentices: str) -> str:
    text = MINI.read_text(encoding="utf-8")
    return text.replace('companies = "companies.csv"', companies).replace(
        'apprentices = "apprentices.csv"', apprentices
    )


APPRENTICES = [  # prénom, nom, ... as in tests/data/plans/mini/apprentices.csv
    ("m-001", "Alice", "Test", "mini-a", "boutique", date(2008, 1, 15), date(2025, 9, 1), date(2026, 5, 27), ""),
    ("m-002", "Bruno", "Test", "mini-a", "cabinet", date(2007, 6, 30), date(2025, 11, 3), date(2026, 3, 27), "maths"),
    ("m-003", "Chloé", "Test", "mini-b", "mairie", date(2006, 2, 1), date(2025, 10, 1), date(2026, 4, 30), ""),
    ("m-004", "David", "Test", "mini-b", "cabinet", date(2008, 9, 9), date(2025, 11, 3), date(2026, 3, 27), ""),
]
# id, nom, début, fin, poids, impérative, chaque année
COMPANIES = [
    ("boutique", "Boutique du Coin", (12, 1), (12, 24), 2, False, True),
    ("boutique", "Boutique du Coin", (12, 15), (12, 24), 1, True, True),
    ("cabinet", "Cabinet Comptable", date(2026, 3, 2), date(2026, 3, 27), 3, False, False),
    ("mairie", "Mairie", None, None, None, None, None),
]


def french(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, tuple):
        return f"{value[1]:02d}/{value[0]:02d}"
    return str(value)


def write_csv() -> None:
    lines = ["Identifiant;Nom;Promotion;Entreprise;Date de naissance;Début de contrat;Fin de contrat;Dispenses"]
    for aid, first, last, cohort, company, birth, start, end, exempt in APPRENTICES:
        cells = [aid, f"{first} {last}", cohort, company, french(birth), french(start), french(end), exempt]
        lines.append(";".join(cells))
    (HERE / "mini-cp1252.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    lines = ["Code;Nom;Début forte activité;Fin forte activité;Poids;Impérative;Chaque année"]
    for row in COMPANIES:
        lines.append(";".join(french(v) for v in row))
    (HERE / "mini-entreprises-cp1252.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def write_xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    companies = book.active
    companies.title = "Entreprises"
    companies.append(
        ["Identifiant", "Nom", "Début forte activité", "Fin forte activité", "Poids", "Impérative", "Chaque année"]
    )
    for cid, name, start, end, weight, hard, every in COMPANIES:
        # A month-day is kept as the text "12-01": a date cell would carry a year.
        cells = [f"{d[0]:02d}-{d[1]:02d}" if isinstance(d, tuple) else d for d in (start, end)]
        companies.append([cid, name, *cells, weight, hard, every])
    apprentices = book.create_sheet("Apprentis")
    apprentices.append(
        [
            "Identifiant",
            "Prénom",
            "Nom",
            "Promotion",
            "Entreprise",
            "Date de naissance",
            "Début de contrat",
            "Fin de contrat",
            "Dispenses",
        ]
    )
    for row in APPRENTICES:
        apprentices.append(list(row))
    for sheet in (companies, apprentices):
        for column in sheet.iter_cols():
            for cell in column:
                if isinstance(cell.value, date):
                    cell.number_format = "DD/MM/YYYY"
    book.save(path)


def main() -> None:
    for name, lines in TWINS.items():
        (HERE / name).write_text(twin_text(*lines), encoding="utf-8")
    write_csv()
    write_xlsx(HERE / "mini.xlsx")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "ods", "--outdir", tmp, str(HERE / "mini.xlsx")],
            check=True,
            capture_output=True,
        )
        shutil.copy(Path(tmp) / "mini.ods", HERE / "mini.ods")


if __name__ == "__main__":
    main()
