"""`apprentices/<id>.html`: the printable statement a CFA hands to one apprentice and their company.

One A4 landscape page: who (name, cohort, company, contract), the weeks under contract month by
month (CFA, company, CFA closed, public holiday, exams), and the training hours the calendar gives
under contract, per training year and in all, against the programme's hours minus the
apprentice's exemptions. It names no other apprentice and no other company, and never the birth
date. The weeks are the cohort's cells (`pages.cohort_cells`) and the hours are
`schedule.apprentices.planned_by_week`: the figures of plan.json and of the build's warnings.
"""

from __future__ import annotations

from datetime import date
from html import escape

from ..domain import Apprentice, Company, Plan, hours
from ..schedule.apprentices import legal_floor_minutes, target_minutes
from ..schedule.rhythm import CohortWeeks
from .pages import MONTHS, Cell, page

STYLE = """
.who { display: flex; gap: 24px; align-items: flex-start; }
.who > div { flex: 1; }
table.weeks { width: 100%; }
.weeks td, .weeks th { padding: 1px 3px; }
.weeks th { text-align: center; } .weeks td:first-child { white-space: nowrap; }
.weeks td.w { width: 11%; text-align: left; white-space: nowrap; }
.weeks td.w b { float: right; margin-left: 4px; }
.weeks td.cfa b, .weeks td.w .x { font-weight: 700; }
.weeks td.closed { background: repeating-linear-gradient(45deg, #fff 0 5px, #bbb 5px 6px); }
.weeks td.exam { outline: 2px solid #000; outline-offset: -3px; }
.weeks td.r { text-align: left; font-size: 9px; }
.short { font-weight: 700; border: 2px solid #000; padding: 2px 4px; display: inline-block; }
.dense td, .dense th { font-size: 9px; padding: 0 2px; }
"""
# Months beyond which the weeks table is set smaller, to stay on one printed page.
DENSE_MONTHS = 26
KIND = {"cfa": "C", "company": "E", "closed": "F"}


def _week_cell(cell: Cell) -> str:
    badges = "".join(b for b, on in (("J", cell.holiday), ("X", cell.exam)) if on)
    css = " ".join(["w", cell.kind, *(["exam"] if cell.exam else [])])
    number = cell.monday.isocalendar().week
    mark = KIND[cell.kind] + (f" {badges}" if badges else "")
    return f'<td class="{css}">S{number:02d} {cell.monday.strftime("%d/%m")}<b>{mark}</b></td>'


def apprentice_statement(
    plan: Plan,
    cw: CohortWeeks,
    apprentice: Apprentice,
    company: Company,
    cells: dict[date, Cell],
    planned: dict[date, int],
) -> bytes:
    """The statement of one apprentice; `cells` are their cohort's (`pages.cohort_cells`) and
    `planned` their minutes by week (`schedule.apprentices.planned_by_week`)."""
    a, c = apprentice, cw.cohort
    programme = plan.programme(c.programme)
    exempt = [s.name for s in programme.subjects if s.id in a.exempt]
    weeks = [w for w in cw.weeks if a.under_contract_in_week(w.monday)]
    per_year: dict[int, int] = {}
    for w in weeks:
        per_year[w.year] = per_year.get(w.year, 0) + planned.get(w.monday, 0)
    total, target, floor = sum(per_year.values()), target_minutes(plan, a), legal_floor_minutes(a)

    tutor = f" · maître d'apprentissage : {escape(company.tutor)}" if company.tutor else ""
    who = [
        f"<h1>Calendrier d'alternance — {escape(a.name)}</h1>",
        f"<p>{escape(plan.name)} · {escape(plan.site)}</p>",
        f"<p>Formation : <b>{escape(c.name)}</b> ({escape(programme.name)}), "
        f"du {c.start.strftime('%d/%m/%Y')} au {c.end.strftime('%d/%m/%Y')}</p>",
        f"<p>Entreprise : <b>{escape(company.name)}</b>{tutor}</p>",
        f"<p>Contrat d'apprentissage du {a.contract_start.strftime('%d/%m/%Y')} "
        f"au {a.contract_end.strftime('%d/%m/%Y')}</p>",
    ]
    if exempt:
        who.append(f"<p>Dispensé·e de : {escape(', '.join(exempt))}</p>")
    rows = "".join(
        f'<tr><td>Année {cw.year_label(y)}</td><td data-minutes="{m}">{hours(m)}</td></tr>'
        for y, m in sorted(per_year.items())
    )
    due = f"{hours(programme.total_minutes)} au programme" + (
        f", moins {hours(programme.total_minutes - target)} de dispenses" if target != programme.total_minutes else ""
    )
    figures = [
        '<table id="hours"><tr><th>Heures de formation au CFA sous contrat</th><th>Prévues</th></tr>',
        rows,
        f'<tr><th>Total sous contrat</th><th data-minutes="{total}">{hours(total)}</th></tr>',
        f'<tr><td>Heures dues ({due})</td><td data-minutes="{target}">{hours(target)}</td></tr>',
        "</table>",
    ]
    if total < target:
        figures.append(
            f'<p class="short">Sous l\'objectif : {hours(target - total)} de formation de moins que les '
            f"{hours(target)} dues sous ce contrat.</p>"
        )
    if total < floor:
        figures.append(
            f'<p class="short">Sous le plancher légal de {hours(floor)} (25 % de la durée du contrat, '
            "sur 1 607 h par an, article L6211-2 du Code du travail).</p>"
        )
    body = [
        f'<div class="who"><div>{"".join(who)}</div><div>{"".join(figures)}</div></div>\n',
        "<p><b>C</b> au CFA · <b>E</b> en entreprise · <b>F</b> CFA fermé (vacances, fermeture) : en entreprise"
        " · <b>J</b> jour férié dans la semaine · <b>X</b> épreuves</p>\n",
        _months_table(cw, weeks, cells, planned),
    ]
    return page(f"Calendrier d'alternance — {a.name}", "".join(body), STYLE)


def _months_table(cw: CohortWeeks, weeks: list, cells: dict[date, Cell], planned: dict[date, int]) -> str:
    """One row per month under contract: its weeks (by Monday), its hours, the running total, and
    the holidays, closures and exams of its weeks."""
    months: dict[tuple[int, int], list] = {}
    for w in weeks:
        months.setdefault((w.monday.year, w.monday.month), []).append(w)
    width = max((len(ws) for ws in months.values()), default=0)
    rows, running = [], 0
    for (year, month), ws in months.items():
        minutes = sum(planned.get(w.monday, 0) for w in ws)
        running += minutes
        remarks: list[str] = []
        for w in ws:
            for said in [*w.reasons, *(x for x in cells[w.monday].note.split("; ") if x)]:
                if said not in remarks:
                    remarks.append(said)
        shown = "".join(_week_cell(cells[w.monday]) for w in ws) + "<td></td>" * (width - len(ws))
        rows.append(
            f'<tr data-month="{year}-{month:02d}"><td>{MONTHS[month - 1]} {year}</td>{shown}'
            f'<td data-minutes="{minutes}">{hours(minutes)}</td><td>{hours(running)}</td>'
            f'<td class="r">{escape(", ".join(remarks))}</td></tr>'
        )
    dense = " dense" if len(months) > DENSE_MONTHS else ""
    head = f'<th colspan="{width}">Semaines (numéro, lundi)</th>' if width else ""
    return (
        f'<table class="weeks{dense}" id="weeks"><tr><th>Mois</th>{head}<th>Heures</th><th>Cumul</th>'
        f"<th>Vacances, fériés, épreuves</th></tr>{''.join(rows)}</table>\n"
    )
