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
# Plan de départ : modifiez-le, puis lancez `alternance check` et `alternance build`.
# Chaque clé, son type et sa valeur par défaut : docs/plan-reference.md.
# Les dates s'écrivent l'année d'abord, sans guillemets : 2026-08-31.

[plan]
id = "{plan_id}"                       # minuscules, chiffres et « - » : sert aux noms de fichiers et aux liens
name = "Mon CFA · Bac pro"             # affiché dans les agendas
site = "1 rue de l'Exemple, 38000 Grenoble"   # le lieu (LOCATION) des événements au CFA
timezone = "Europe/Paris"
public_holidays = "metropole"         # ou "alsace-moselle"
school_holidays_zone = "A"            # "A", "B", "C" ou "none" : le CFA ferme pendant ces vacances scolaires
max_cohorts_at_cfa = 1                # au plus tant de promotions au CFA la même semaine (salles)
# Les listes tiennent dans un classeur, une feuille chacune (Entreprises, Apprentis, Formateurs) ;
# un fichier .csv ou .ods convient aussi, et "{workbook}#Feuille" désigne une feuille.
companies = "{workbook}"
apprentices = "{workbook}"
trainers = "{workbook}"
# Créneaux de cours d'une journée au CFA ; ils font hours_per_week / 5 (ici 7 h).
day_slots = ["08:30-10:30", "10:45-12:15", "13:30-15:30", "15:45-17:15"]

[[closure]]                           # jours de fermeture du CFA en plus (bornes comprises)
name = "Pont de l'Ascension"
start = 2027-05-07
end = 2027-05-07

[[programme]]
id = "bac-pro"
name = "Bac pro"
total_hours = 700                     # heures de formation prévues au contrat
[[programme.subject]]
id = "maths"
name = "Mathématiques"
hours = 60
exam = "ccf"                          # "ccf" (contrôle en cours de formation) ou "written" (épreuve écrite nationale)
[[programme.subject]]
id = "francais"
name = "Français"
hours = 60
exam = "written"

[[cohort]]
id = "bac-pro-2026"
programme = "bac-pro"
name = "Bac pro 2026-2027"
start = 2026-08-31                    # premier jour de formation
end = 2027-06-25                      # dernier jour de formation
rhythm = [1, 1]                       # semaines au CFA, puis semaines en entreprise, en boucle
hours_per_week = 35
max_consecutive_cfa_weeks = 2
max_consecutive_company_weeks = 3
written_exams = {{ start = 2027-05-18, end = 2027-06-11 }}
# revision_days = 5                   # jours de révision avant les écrits (art. L6222-35)

# Semaines fixées par le planificateur (la rentrée au CFA, un bac blanc) :
# [[cohort.fixed]]
# start = 2026-08-31
# kind = "cfa"                        # "cfa" ou "company"
# reason = "Rentrée et intégration"

# Jours d'examen affichés dans les agendas :
# [[cohort.exam]]
# name = "Épreuve E2 — écrit"
# kind = "written"                    # "written" ou "ccf"
# start = 2027-05-18
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
