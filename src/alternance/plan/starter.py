"""`alternance init`: a commented starter plan and its workbook, which `alternance check` accepts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from ..errors import PlanError, Problem
from ..i18n import _
from .cells import SLUG, fold
from .schema import SHEETS, Sheet

WORKBOOK = "listes.xlsx"

PLAN = """\
# A starter plan: edit it, then run `alternance check` and `alternance build`.
# Every key, its type and its default: docs/plan-reference.md.
# Dates are written year first, without quotes: 2026-08-31.

[plan]
id = "{plan_id}"                       # lowercase letters, digits and "-": used in file names and links
name = "Mon CFA · Bac pro"             # shown in the feeds
site = "1 rue de l'Exemple, 38000 Grenoble"   # the LOCATION of CFA events
timezone = "Europe/Paris"
public_holidays = "metropole"         # or "alsace-moselle"
school_holidays_zone = "A"            # "A", "B", "C", or "none": the CFA is closed in those school holidays
max_cohorts_at_cfa = 1                # at most this many cohorts at the CFA in one week (classrooms)
# The lists live in one workbook, one sheet each (Entreprises, Apprentis, Formateurs); a .csv or
# .ods file works too, and "{workbook}#Sheet" names a sheet.
companies = "{workbook}"
apprentices = "{workbook}"
trainers = "{workbook}"
# Lesson slots of a CFA day; they add up to hours_per_week / 5 (here 7 h).
day_slots = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]

[[closure]]                           # extra closed days of the CFA (inclusive)
name = "Pont de l'Ascension"
start = 2027-05-07
end = 2027-05-07

[[programme]]
id = "bac-pro"
name = "Bac pro"
total_hours = 700                     # hours of training the contract promises
[[programme.subject]]
id = "maths"
name = "Mathématiques"
hours = 60
exam = "ccf"                          # "ccf" or "written" (national exam)
[[programme.subject]]
id = "francais"
name = "Français"
hours = 60
exam = "written"

[[cohort]]
id = "bac-pro-2026"
programme = "bac-pro"
name = "Bac pro 2026-2027"
start = 2026-08-31                    # first day of training
end = 2027-06-25                      # last day of training
rhythm = [1, 1]                       # weeks at the CFA, then weeks in the company, repeated
hours_per_week = 35
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3
written_exams = {{ start = 2027-05-18, end = 2027-06-11 }}
"""

# One example row per sheet, by field key (the headers are the schema's French ones).
EXAMPLES: dict[str, dict[str, Any]] = {
    "companies": {
        "id": "boulangerie-martin",
        "name": "Boulangerie Martin",
        "peak_start": "12-01",  # text: a date cell would carry a year
        "peak_end": "12-31",
        "peak_weight": 1,
        "peak_hard": False,
        "peak_every_year": True,
    },
    "apprentices": {
        "id": "a-001",
        "first_name": "Léa",
        "name": "Martin",
        "cohort": "bac-pro-2026",
        "company": "boulangerie-martin",
        "birth_date": date(2009, 5, 14),
        "contract_start": date(2026, 8, 24),
        "contract_end": date(2027, 7, 31),
        "exempt": "",
    },
    "trainers": {
        "id": "t-dupuis",
        "first_name": "Claire",
        "name": "Dupuis",
        "subjects": "maths, francais",
        "max_hours_per_week": 20,
    },
}
SHEET_TITLES = {"companies": "Entreprises", "apprentices": "Apprentis", "trainers": "Formateurs"}


def header(sheet: Sheet, key: str) -> str:
    """The column's French header as the template writes it ("Date de naissance")."""
    field = next(f for f in sheet.columns if f.key == key)
    title = field.headers[0] if field.headers else key
    return title[:1].upper() + title[1:]


def write_starter(folder: Path) -> list[Path]:
    """Write `<folder>/<id>.toml` and `<folder>/listes.xlsx`; refuse (nothing written) if either exists."""
    plan_id = fold(folder.resolve().name).replace(" ", "-")
    plan_id = plan_id if SLUG.match(plan_id) and plan_id != "constraints" else "mon-cfa"
    files = [folder / f"{plan_id}.toml", folder / WORKBOOK]
    existing = [p for p in files if p.exists() or p.is_symlink()]
    if existing:
        raise PlanError([Problem(str(p), "", _("already exists; init writes nothing over a file")) for p in existing])
    folder.mkdir(parents=True, exist_ok=True)
    book = _workbook()
    files[0].write_text(PLAN.format(plan_id=plan_id, workbook=WORKBOOK), encoding="utf-8")
    book.save(files[1])
    return files


def _workbook() -> Any:
    import openpyxl  # only init writes a workbook

    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        ws = book.create_sheet(SHEET_TITLES[sheet.key])
        example = EXAMPLES[sheet.key]
        ws.append([header(sheet, key) for key in example])
        ws.append(list(example.values()))
        for cell in ws[2]:
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY"
        for column, key in zip(ws.iter_cols(min_row=1, max_row=1), example):
            ws.column_dimensions[column[0].column_letter].width = max(14, len(header(sheet, key)) + 4)
    return book
